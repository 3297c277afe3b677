//! Turns the bytes of a revision file into text the way Python's import does:
//! UTF-8 by default with a leading byte order mark dropped, or the encoding a
//! PEP 263 coding cookie declares on line 1 or 2 (UTF-8, Latin-1, ASCII and
//! cp1252 are decoded here; any other declared encoding is a clear error). A
//! NUL byte means the file is binary: Python refuses such source too.
//!
//! The cookie rules follow CPython's tokenizer (`decode_str`,
//! `check_coding_spec`, `get_coding_spec`, `get_normal_name`): line ends are
//! `\n`, `\r\n` or `\r`; line 2 is looked at only when line 1 holds nothing
//! but blanks or a comment; the cookie must sit in a comment that starts the
//! line; after a byte order mark only a cookie naming UTF-8 is accepted.
//! Offsets in the decoded text refer to the UTF-8 text, not to the file bytes.

/// Why the bytes of a file are not Python source text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the file contains a NUL byte at offset {offset}: it is binary, not Python source")]
    Binary { offset: usize },
    #[error(
        "the file is not valid {encoding}: byte 0x{byte:02x} at offset {offset} cannot be decoded"
    )]
    Undecodable {
        encoding: &'static str,
        byte: u8,
        offset: usize,
    },
    #[error("the file declares the encoding `{encoding}` (PEP 263 coding cookie), which migcheck does not decode; save it as UTF-8")]
    UnsupportedEncoding { encoding: String },
    #[error("the file starts with a UTF-8 byte order mark but declares the encoding `{encoding}`; Python rejects this")]
    BomMismatch { encoding: String },
    #[error("the file is larger than 4 GiB")]
    TooLarge,
}

const BOM: &[u8] = b"\xef\xbb\xbf";

/// [`decode_source`] for bytes the caller gives away: UTF-8 text without a
/// BOM or an encoding declaration (nearly every file) becomes the string
/// without a copy.
pub fn decode_source_owned(bytes: Vec<u8>) -> Result<String, DecodeError> {
    let plain = u32::try_from(bytes.len()).is_ok()
        && !bytes.starts_with(BOM)
        && memchr::memchr(0, &bytes).is_none()
        && coding_cookie(&bytes).is_none();
    if !plain {
        return decode_source(&bytes);
    }
    // Not UTF-8: decode_source names the offending byte.
    String::from_utf8(bytes).or_else(|error| decode_source(error.as_bytes()))
}

/// Decode the bytes of a Python source file (see the module docs).
pub fn decode_source(bytes: &[u8]) -> Result<String, DecodeError> {
    if u32::try_from(bytes.len()).is_err() {
        return Err(DecodeError::TooLarge);
    }
    if let Some(offset) = memchr::memchr(0, bytes) {
        return Err(DecodeError::Binary { offset });
    }
    let (body, bom) = match bytes.strip_prefix(BOM) {
        Some(rest) => (rest, true),
        None => (bytes, false),
    };
    let encoding = match coding_cookie(body) {
        None => Encoding::Utf8,
        Some(cookie) => {
            if bom && cookie != "utf-8" {
                return Err(DecodeError::BomMismatch { encoding: cookie });
            }
            Encoding::from_cookie(&cookie)
                .ok_or(DecodeError::UnsupportedEncoding { encoding: cookie })?
        }
    };
    let undecodable = |encoding: &'static str, offset: usize| DecodeError::Undecodable {
        encoding,
        byte: body[offset],
        offset: offset + if bom { BOM.len() } else { 0 },
    };
    match encoding {
        Encoding::Utf8 => match std::str::from_utf8(body) {
            Ok(text) => Ok(text.to_owned()),
            Err(error) => Err(undecodable("UTF-8", error.valid_up_to())),
        },
        Encoding::Latin1 => Ok(body.iter().map(|&b| char::from(b)).collect()),
        Encoding::Ascii => match body.iter().position(|b| !b.is_ascii()) {
            Some(offset) => Err(undecodable("ASCII", offset)),
            None => Ok(body.iter().map(|&b| char::from(b)).collect()),
        },
        Encoding::Cp1252 => body
            .iter()
            .enumerate()
            .map(|(offset, &b)| cp1252_char(b).ok_or_else(|| undecodable("cp1252", offset)))
            .collect(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Utf8,
    Latin1,
    Ascii,
    Cp1252,
}

impl Encoding {
    /// The codec Python's `codecs.lookup` finds for a cookie, among the ones decoded here.
    fn from_cookie(cookie: &str) -> Option<Encoding> {
        if cookie == "utf-8" {
            return Some(Encoding::Utf8);
        }
        if cookie == "iso-8859-1" {
            return Some(Encoding::Latin1);
        }
        let name = normalize_encoding(cookie);
        let alias = name.replace('.', "_");
        [name.as_str(), alias.as_str()]
            .iter()
            .find_map(|name| match *name {
                "utf_8" | "cp65001" | "u8" | "utf" | "utf8" | "utf8_ucs2" | "utf8_ucs4" => {
                    Some(Encoding::Utf8)
                }
                "latin_1" | "8859" | "cp819" | "csisolatin1" | "ibm819" | "iso8859"
                | "iso8859_1" | "iso_8859_1" | "iso_8859_1_1987" | "iso_ir_100" | "l1"
                | "latin" | "latin1" => Some(Encoding::Latin1),
                "ascii" | "646" | "ansi_x3_4_1968" | "ansi_x3_4_1986" | "cp367" | "csascii"
                | "ibm367" | "iso646_us" | "iso_646_irv_1991" | "iso_ir_6" | "us" | "us_ascii" => {
                    Some(Encoding::Ascii)
                }
                "cp1252" | "1252" | "windows_1252" => Some(Encoding::Cp1252),
                _ => None,
            })
    }
}

/// `encodings.normalize_encoding` after `codecs.lookup` lower-cases the name
/// (a cookie holds only ASCII letters, digits, `-`, `_` and `.`).
fn normalize_encoding(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut punct = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            if punct && !out.is_empty() {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            punct = false;
        } else {
            punct = true;
        }
    }
    out
}

/// The normalised coding cookie of line 1 or 2, as CPython's tokenizer finds it.
fn coding_cookie(body: &[u8]) -> Option<String> {
    let (first, rest) = split_line(body)?;
    if let Some(cookie) = cookie_in_line(first) {
        return Some(cookie);
    }
    if !is_blank_or_comment(first) {
        return None;
    }
    let (second, _) = split_line(rest)?;
    cookie_in_line(second)
}

/// The first line (without its line break) and the rest. Python adds a final
/// line break to non-empty source, so a last line without one still counts.
fn split_line(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    if bytes.is_empty() {
        return None;
    }
    match memchr::memchr2(b'\n', b'\r', bytes) {
        None => Some((bytes, &[])),
        Some(end) => {
            let skip = if bytes[end..].starts_with(b"\r\n") {
                2
            } else {
                1
            };
            Some((&bytes[..end], &bytes[end + skip..]))
        }
    }
}

fn is_python_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\x0c')
}

fn is_blank_or_comment(line: &[u8]) -> bool {
    line.iter()
        .find(|&&b| !is_python_blank(b))
        .is_none_or(|&b| b == b'#')
}

/// `get_coding_spec` followed by `get_normal_name`.
fn cookie_in_line(line: &[u8]) -> Option<String> {
    let hash = line.iter().position(|&b| !is_python_blank(b))?;
    if line[hash] != b'#' {
        return None;
    }
    let mut i = hash;
    while i + 6 < line.len() {
        if &line[i..i + 6] == b"coding" && matches!(line[i + 6], b':' | b'=') {
            let mut start = i + 7;
            while start < line.len() && matches!(line[start], b' ' | b'\t') {
                start += 1;
            }
            let end = line[start..]
                .iter()
                .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')))
                .map_or(line.len(), |n| start + n);
            if end > start {
                // Only ASCII bytes were taken, so this is valid UTF-8.
                let name = String::from_utf8_lossy(&line[start..end]).into_owned();
                return Some(normal_name(name));
            }
        }
        i += 1;
    }
    None
}

/// CPython's `get_normal_name`: only the first 12 characters are compared.
fn normal_name(name: String) -> String {
    let head: String = name
        .chars()
        .take(12)
        .map(|c| {
            if c == '_' {
                '-'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    if head == "utf-8" || head.starts_with("utf-8-") {
        return "utf-8".to_owned();
    }
    let latin = ["latin-1", "iso-8859-1", "iso-latin-1"];
    if latin
        .iter()
        .any(|l| head == *l || head.starts_with(&format!("{l}-")))
    {
        return "iso-8859-1".to_owned();
    }
    name
}

/// Windows-1252 as Python's `cp1252` codec decodes it (five bytes are undefined).
fn cp1252_char(b: u8) -> Option<char> {
    const HIGH: [u16; 32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
        0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC,
        0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ];
    match b {
        0x80..=0x9f => match HIGH[usize::from(b - 0x80)] {
            0 => None,
            code => char::from_u32(u32::from(code)),
        },
        _ => Some(char::from(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};

    #[test]
    fn utf8_with_and_without_bom() {
        assert_eq!(decode_source(b"x = 1\n").unwrap(), "x = 1\n");
        assert_eq!(
            decode_source(b"\xef\xbb\xbfx = '\xc3\xa9'\n").unwrap(),
            "x = 'é'\n"
        );
        assert_eq!(decode_source(b"\xef\xbb\xbf").unwrap(), "");
        assert_eq!(decode_source(b"").unwrap(), "");
    }

    #[test]
    fn nul_byte_is_binary() {
        let error = decode_source(b"x = 1\n\0\0").unwrap_err();
        assert_eq!(error, DecodeError::Binary { offset: 6 });
        assert!(error.to_string().contains("binary"));
    }

    #[test]
    fn invalid_utf8_names_the_byte() {
        let error = decode_source(b"\xef\xbb\xbfx = '\xff'\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "the file is not valid UTF-8: byte 0xff at offset 8 cannot be decoded"
        );
    }

    #[test]
    fn latin1_cookie_on_second_line() {
        let text = decode_source(b"#!/usr/bin/env python\n# -*- coding: latin-1 -*-\nx = '\xe9'\n");
        assert_eq!(
            text.unwrap(),
            "#!/usr/bin/env python\n# -*- coding: latin-1 -*-\nx = 'é'\n"
        );
    }

    #[test]
    fn cookie_after_code_is_ignored() {
        let error = decode_source(b"x = 1\n# coding: latin-1\ny = '\xe9'\n").unwrap_err();
        assert!(matches!(
            error,
            DecodeError::Undecodable {
                encoding: "UTF-8",
                ..
            }
        ));
    }

    #[test]
    fn unsupported_cookie_is_a_clear_error() {
        let error = decode_source(b"# coding: shift_jis\nx = 1\n").unwrap_err();
        assert_eq!(
            error,
            DecodeError::UnsupportedEncoding {
                encoding: "shift_jis".into()
            }
        );
        assert!(error.to_string().contains("save it as UTF-8"));
    }

    #[test]
    fn bom_with_other_cookie_is_rejected() {
        let error = decode_source(b"\xef\xbb\xbf# coding: latin-1\nx = 1\n").unwrap_err();
        assert_eq!(
            error,
            DecodeError::BomMismatch {
                encoding: "iso-8859-1".into()
            }
        );
    }

    /// Inputs whose decoding is compared with CPython: `compile` must accept
    /// exactly the inputs decoded here, and the string `x` it sees must be the
    /// one in the decoded text.
    const CASES: &[&[u8]] = &[
        b"x = '1'\n",
        b"\xef\xbb\xbfx = '1'\n",
        b"x = '\xc3\xa9'\n",
        b"x = '\xe9'\n",
        b"# coding: latin-1\nx = '\xe9'\n",
        b"# coding=iso-8859-1-foo\nx = '\xe9'\n",
        b"# vim: set fileencoding=Latin_1 :\nx = '\xe9'\n",
        b"\n# coding: latin-1\nx = '\xe9'\n",
        b"  # comment\n#coding:latin1\nx = '\xe9'\n",
        b"x = '1' # coding: latin-1\ny = '\xe9'\n",
        b"\r# coding: latin-1\rx = '\xe9'\r",
        b"\r\n# coding: latin-1\r\nx = '\xe9'\r\n",
        b"# coding: utf8\nx = '\xc3\xa9'\n",
        b"# coding: UTF-8\nx = '\xc3\xa9'\n",
        b"# coding: ascii\nx = '1'\n",
        b"# coding: ascii\nx = '\xe9'\n",
        b"# coding: cp1252\nx = '\x80\x9c'\n",
        b"# coding: windows-1252\nx = '\x81'\n",
        b"\xef\xbb\xbf# coding: utf-8\nx = '1'\n",
        b"\xef\xbb\xbf# coding: utf8\nx = '1'\n",
        b"# coding:\nx = '1'\n",
        b"# coding: latin-1",
        b"#\n#\n# coding: latin-1\nx = '\xe9'\n",
        b"x = '\x00'\n",
    ];

    #[test]
    fn decoding_matches_cpython() {
        let script = r#"
import json, sys
out = []
for hexed in json.load(sys.stdin):
    data = bytes.fromhex(hexed)
    try:
        ns = {}
        exec(compile(data, "f.py", "exec"), ns)
        x = ns.get("x")
        out.append([True, x if isinstance(x, str) else None])
    except (SyntaxError, ValueError):
        out.append([False, None])
print(json.dumps(out))
"#;
        let hexed: Vec<String> = CASES
            .iter()
            .map(|case| case.iter().map(|b| format!("{b:02x}")).collect())
            .collect();
        let mut child = Command::new("python3")
            .args(["-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 is needed for this test");
        let input = serde_json::to_string(&hexed).unwrap();
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), input.as_bytes()).unwrap();
        drop(child.stdin.take());
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success());
        let expected: Vec<(bool, Option<String>)> = serde_json::from_slice(&output.stdout).unwrap();
        for (case, (accepted, x)) in CASES.iter().zip(expected) {
            let ours = decode_source(case);
            assert_eq!(
                ours.is_ok(),
                accepted,
                "{:?}: {ours:?}",
                String::from_utf8_lossy(case)
            );
            if let (Ok(text), Some(x)) = (ours, x) {
                assert!(text.contains(&format!("x = '{x}'")), "{text:?} lacks {x:?}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn owned_decoding_agrees_with_borrowed(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
            prefix in proptest::sample::select(vec![
                &b""[..], b"\xef\xbb\xbf", b"# coding: latin-1\n", b"#!x\n# -*- coding: utf-8 -*-\n",
                b"x = '\xc3\xa9'\n",
            ]),
        ) {
            let mut input = prefix.to_vec();
            input.extend_from_slice(&bytes);
            proptest::prop_assert_eq!(decode_source_owned(input.clone()), decode_source(&input));
        }
    }
}
