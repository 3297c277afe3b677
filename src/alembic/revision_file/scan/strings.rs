//! String literals for the scanner, read as ruff's lexer reads them: plain
//! and prefixed strings, triple quotes, escapes, and f-/t-strings with their
//! replacement fields and format specs (PEP 701 nesting included).

use super::Scanner;

#[derive(Debug, Clone, Copy)]
pub(super) struct FString {
    pub(super) quote: u8,
    pub(super) triple: bool,
    pub(super) raw: bool,
    /// Bracket nesting when the f-string started.
    pub(super) nesting: usize,
    pub(super) format_spec_depth: usize,
}

impl FString {
    pub(super) fn open(&self, nesting: usize) -> usize {
        nesting.saturating_sub(self.nesting)
    }
    pub(super) fn in_field(&self, nesting: usize) -> bool {
        self.open(nesting) > self.format_spec_depth
    }
    pub(super) fn in_format_spec(&self, nesting: usize) -> bool {
        self.format_spec_depth > 0 && !self.in_field(nesting)
    }
    pub(super) fn try_start_format_spec(&mut self, nesting: usize) -> bool {
        let starts = self.open(nesting).saturating_sub(self.format_spec_depth) == 1;
        self.format_spec_depth += usize::from(starts);
        starts
    }
    pub(super) fn try_end_format_spec(&mut self, nesting: usize) {
        if self.in_format_spec(nesting) {
            self.format_spec_depth -= 1;
        }
    }
}

impl Scanner<'_> {
    /// A string literal after its opening quote, as ruff's `lex_string`.
    pub(super) fn string(&mut self, quote: u8) {
        if self.b[self.i..].starts_with(&[quote, quote]) {
            self.i += 2;
            loop {
                let Some(n) = memchr::memchr(quote, &self.b[self.i..]) else {
                    self.i = self.b.len();
                    self.out.lexical_error = true;
                    return;
                };
                let escaped = backslashes_before(&self.b[self.i..self.i + n]) % 2 == 1;
                self.i += n + 1;
                if !escaped && self.b[self.i..].starts_with(&[quote, quote]) {
                    self.i += 2;
                    return;
                }
            }
        }
        loop {
            let rest = &self.b[self.i..];
            let Some(n) = memchr::memchr3(quote, b'\r', b'\n', rest) else {
                self.i = self.b.len();
                self.out.lexical_error = true;
                return;
            };
            let escaped = backslashes_before(&rest[..n]) % 2 == 1;
            self.i += n;
            let c = self.b[self.i];
            if escaped {
                self.i += 1;
                if c == b'\r' && self.b.get(self.i) == Some(&b'\n') {
                    self.i += 1;
                }
            } else if c == quote {
                self.i += 1;
                return;
            } else {
                self.out.lexical_error = true;
                return;
            }
        }
    }

    pub(super) fn fstring_start(&mut self, quote: u8, raw: bool) {
        let triple = self.b[self.i..].starts_with(&[quote, quote]);
        if triple {
            self.i += 2;
        }
        self.fstrings.push(FString {
            quote,
            triple,
            raw,
            nesting: self.nesting(),
            format_spec_depth: 0,
        });
    }

    /// The literal part of the innermost f-string, as ruff's
    /// `lex_interpolated_string_middle_or_end`; false when it stopped at a
    /// `{` or `}` without consuming anything.
    pub(super) fn fstring_middle(&mut self) -> bool {
        let nesting = self.nesting();
        let Some(&f) = self.fstrings.last() else {
            return false;
        };
        let q = f.quote;
        let end = if f.triple { &[q, q, q][..] } else { &[q][..] };
        if self.b[self.i..].starts_with(end) {
            self.i += end.len();
            self.fstrings.pop();
            return true;
        }
        let start = self.i;
        let in_format_spec = f.in_format_spec(nesting);
        let mut named_unicode = false;
        loop {
            match self.b.get(self.i).copied() {
                None => {
                    self.unterminated_fstring(f);
                    break;
                }
                Some(b'\n' | b'\r') if !f.triple => {
                    self.unterminated_fstring(f);
                    break;
                }
                Some(b'\\') => {
                    self.i += 1;
                    let rest = &self.b[self.i..];
                    if matches!(rest.first(), Some(b'{' | b'}')) {
                        continue;
                    }
                    if !f.raw && rest.starts_with(b"N{") {
                        self.i += 2;
                        named_unicode = true;
                        continue;
                    }
                    if rest.starts_with(b"\r\n") {
                        self.i += 2;
                    } else if !rest.is_empty() {
                        self.i += 1;
                    }
                }
                Some(c) if c == q => {
                    if !f.triple || self.b[self.i..].starts_with(end) {
                        break;
                    }
                    self.i += 1;
                }
                Some(b'{') => {
                    if self.b.get(self.i + 1) == Some(&b'{') && !in_format_spec {
                        self.i += 2;
                    } else {
                        break;
                    }
                }
                Some(b'}') => {
                    if named_unicode {
                        named_unicode = false;
                        self.i += 1;
                    } else if self.b.get(self.i + 1) == Some(&b'}') && !in_format_spec {
                        self.i += 2;
                    } else {
                        break;
                    }
                }
                Some(_) => self.i += 1,
            }
        }
        self.i > start
    }

    pub(super) fn unterminated_fstring(&mut self, f: FString) {
        self.out.lexical_error = true;
        while self.nesting() > f.nesting {
            self.pop_level(b'}');
        }
        self.fstrings.pop();
    }
}

fn backslashes_before(bytes: &[u8]) -> usize {
    bytes.iter().rev().take_while(|&&b| b == b'\\').count()
}

/// `(interpolated, raw)` for a string prefix ruff accepts.
pub(super) fn string_prefix(word: &[u8]) -> Option<(bool, bool)> {
    let interpolated = |c: u8| matches!(c, b'f' | b'F' | b't' | b'T');
    let raw = |c: u8| matches!(c, b'r' | b'R');
    match *word {
        [c] if matches!(
            c,
            b'f' | b'F' | b't' | b'T' | b'u' | b'U' | b'b' | b'B' | b'r' | b'R'
        ) =>
        {
            Some((interpolated(c), raw(c)))
        }
        [a, b] if raw(a) && matches!(b, b'f' | b'F' | b't' | b'T' | b'b' | b'B') => {
            Some((interpolated(b), true))
        }
        [a, b] if raw(b) && matches!(a, b'f' | b'F' | b't' | b'T' | b'b' | b'B') => {
            Some((interpolated(a), true))
        }
        _ => None,
    }
}
