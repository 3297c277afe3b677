//! Reads a revision file in full: parses it with error recovery, collects the
//! comments, strings, docstring and syntax errors, and reads the header from
//! the whole module. Lines too deeply nested for the parser are blanked first
//! and statements too deep for Python are left out, both reported as syntax
//! errors, so no input can exhaust the stack.

use std::borrow::Cow;

use ruff_python_ast::token::TokenKind;
use ruff_python_ast::{AtomicNodeIndex, Expr, ModModule, PySourceType, Stmt};
use ruff_python_parser::parse_unchecked_source;
use ruff_text_size::{Ranged, TextRange};

use super::depth::{remove_deep_statements, TOO_DEEP};
use super::header::read_module;
use super::scan::scan;
use super::{ParsedRevision, RevisionHeader};
use crate::source::SourceFile;

/// Read a revision file in full (see [`ParsedRevision`]). Never fails: what
/// cannot be read is in `syntax_errors`.
pub fn parse_revision(path: &str, text: &str) -> ParsedRevision {
    let read = read(text, true);
    ParsedRevision {
        source: SourceFile::new(path, text),
        header: read.header,
        docstring: docstring(&read.module),
        module: read.module,
        comments: read.comments,
        strings: read.strings,
        syntax_errors: read.syntax_errors,
    }
}

pub(super) struct FullRead {
    pub module: ModModule,
    pub header: RevisionHeader,
    pub comments: Vec<TextRange>,
    pub strings: Vec<TextRange>,
    pub syntax_errors: Vec<(String, TextRange)>,
}

pub(super) fn read(text: &str, with_tokens: bool) -> FullRead {
    let mut read = FullRead {
        module: ModModule {
            node_index: AtomicNodeIndex::NONE,
            range: TextRange::default(),
            body: Default::default(),
        },
        header: RevisionHeader::default(),
        comments: Vec::new(),
        strings: Vec::new(),
        syntax_errors: Vec::new(),
    };
    if u32::try_from(text.len()).is_err() {
        let message = "the file is larger than 4 GiB".to_owned();
        read.syntax_errors.push((message, TextRange::default()));
        return read;
    }
    let scan = scan(text);
    read.syntax_errors = scan.problems;
    let parse_text = blank(text, &scan.blank);
    let parsed = parse_unchecked_source(&parse_text, PySourceType::Python);
    if with_tokens {
        (read.comments, read.strings) = comments_and_strings(parsed.tokens());
    }
    read.syntax_errors.extend(
        parsed
            .errors()
            .iter()
            .map(|error| (error.error.to_string(), error.location)),
    );
    read.module = parsed.into_syntax();
    for range in remove_deep_statements(&mut read.module) {
        read.syntax_errors.push((TOO_DEEP.to_owned(), range));
    }
    read.syntax_errors.sort_by_key(|(_, range)| range.start());
    read.header = read_module(text, &read.module.body);
    read
}

/// The text with the given lines replaced by spaces (line breaks kept, so
/// every offset stays the same).
fn blank<'t>(text: &'t str, ranges: &[TextRange]) -> Cow<'t, str> {
    if ranges.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut bytes = text.as_bytes().to_vec();
    for range in ranges {
        if let Some(line) = bytes.get_mut(range.to_std_range()) {
            for b in line.iter_mut().filter(|b| !matches!(b, b'\n' | b'\r')) {
                *b = b' ';
            }
        }
    }
    // Whole lines were replaced by ASCII, so the bytes are still UTF-8.
    Cow::Owned(
        String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
    )
}

fn comments_and_strings(
    tokens: &[ruff_python_ast::token::Token],
) -> (Vec<TextRange>, Vec<TextRange>) {
    let mut comments = Vec::new();
    let mut strings: Vec<TextRange> = Vec::new();
    let mut previous_was_part = false;
    for token in tokens {
        let range = token.range();
        match token.kind() {
            TokenKind::Comment => comments.push(range),
            TokenKind::String => strings.push(range),
            TokenKind::FStringStart
            | TokenKind::FStringMiddle
            | TokenKind::FStringEnd
            | TokenKind::TStringStart
            | TokenKind::TStringMiddle
            | TokenKind::TStringEnd => match strings.last_mut() {
                Some(last) if previous_was_part && last.end() == range.start() => {
                    *last = last.cover(range);
                }
                _ => strings.push(range),
            },
            _ => {}
        }
        previous_was_part = matches!(
            token.kind(),
            TokenKind::FStringStart
                | TokenKind::FStringMiddle
                | TokenKind::FStringEnd
                | TokenKind::TStringStart
                | TokenKind::TStringMiddle
                | TokenKind::TStringEnd
        );
    }
    (comments, strings)
}

/// A module docstring is a first statement made of plain string literals.
fn docstring(module: &ModModule) -> Option<(String, TextRange)> {
    match module.body.first()? {
        Stmt::Expr(stmt) => match &*stmt.value {
            Expr::StringLiteral(s) => Some((s.value.to_str().to_owned(), s.range)),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{read_header, Field};
    use super::*;

    fn revision_of(parsed: &ParsedRevision) -> Option<&str> {
        parsed.header.revision.known().map(String::as_str)
    }

    #[test]
    fn syntax_error_keeps_what_can_be_read() {
        let text = "revision = 'a'\ndown_revision = None\n\ndef upgrade(:\n    pass\n";
        let parsed = parse_revision("v.py", text);
        assert!(!parsed.syntax_errors.is_empty());
        assert_eq!(revision_of(&parsed), Some("a"));
        assert_eq!(parsed.header.down_revision.known(), Some(&Vec::new()));
        let broken_header = "revision = 'a\ndown_revision = None\n";
        let problem = read_header(broken_header).unwrap_err();
        let parsed = parse_revision("v.py", broken_header);
        assert_eq!(
            (problem.message, problem.range),
            parsed.syntax_errors[0].clone()
        );
    }

    #[test]
    fn empty_and_bom_only_files() {
        for text in ["", "\u{feff}", "\n\n", "# only a comment"] {
            let parsed = parse_revision("v.py", text);
            assert!(parsed.syntax_errors.is_empty(), "{text:?}");
            assert_eq!(parsed.header, RevisionHeader::default());
            assert_eq!(read_header(text), Ok(RevisionHeader::default()));
        }
    }

    #[test]
    fn carriage_return_line_ends() {
        let text =
            "\"\"\"Doc\r\rRevision ID: a\r\"\"\"\rrevision = 'a'\rdown_revision = None\r# end\r";
        let parsed = parse_revision("v.py", text);
        assert!(parsed.syntax_errors.is_empty());
        assert_eq!(revision_of(&parsed), Some("a"));
        assert_eq!(parsed.source.line_count(), 8);
        assert_eq!(
            parsed.docstring.as_ref().map(|d| d.0.as_str()),
            Some("Doc\r\rRevision ID: a\r")
        );
        assert_eq!(parsed.comments.len(), 1);
    }

    #[test]
    fn nul_bytes_are_a_syntax_error() {
        let text = "revision = 'a'\nx = '\0'\n";
        let parsed = parse_revision("v.py", text);
        assert_eq!(
            parsed.syntax_errors[0].0,
            "source code cannot contain null bytes"
        );
        assert_eq!(
            read_header(text).unwrap_err().message,
            "source code cannot contain null bytes"
        );
    }

    #[test]
    fn unterminated_triple_quoted_string() {
        let text = "revision = 'a'\ndoc = \"\"\"never closed\ndown_revision = 'b'\n";
        let parsed = parse_revision("v.py", text);
        assert!(!parsed.syntax_errors.is_empty());
        assert_eq!(revision_of(&parsed), Some("a"));
        assert_eq!(parsed.header.down_revision, Field::Missing);
        assert!(read_header(text).is_err());
    }

    #[test]
    fn ten_thousand_nested_parentheses() {
        let text = format!(
            "revision = 'a'\nx = {}1{}\n",
            "(".repeat(10_000),
            ")".repeat(10_000)
        );
        let parsed = parse_revision("v.py", &text);
        assert_eq!(parsed.syntax_errors[0].0, "too many nested parentheses");
        assert_eq!(revision_of(&parsed), Some("a"));
        assert_eq!(
            read_header(&text).unwrap_err().message,
            "too many nested parentheses"
        );
        let unclosed = format!("revision = 'a'\nx = {}\n", "[".repeat(10_000));
        assert!(!parse_revision("v.py", &unclosed).syntax_errors.is_empty());
    }

    #[test]
    fn deep_expressions_do_not_exhaust_the_stack() {
        for text in [
            format!("revision = 'a'\nx = {}1\n", "-".repeat(5_000)),
            format!("revision = 'a'\nx = 1{}\n", "+1".repeat(5_000)),
            format!("revision = 'a'\nx = {}1\n", "not ".repeat(200_000)),
            format!("revision = 'a'\nx = a{}\n", ".b".repeat(200_000)),
            format!("revision = {}'a'\n", "-".repeat(5_000)),
        ] {
            let parsed = parse_revision("v.py", &text);
            assert!(!parsed.syntax_errors.is_empty(), "{}", &text[..30]);
            assert!(read_header(&text).is_err() || revision_of(&parsed) == Some("a"));
        }
    }

    #[test]
    fn conflict_markers_are_named() {
        let text = "<<<<<<< HEAD\nrevision = 'a'\n=======\nrevision = 'b'\n>>>>>>> feature\ndown_revision = None\n";
        let parsed = parse_revision("v.py", text);
        let messages: Vec<&str> = parsed.syntax_errors.iter().map(|e| e.0.as_str()).collect();
        assert!(messages
            .contains(&"merge conflict marker `<<<<<<<`: the file has unresolved git conflicts"));
        assert!(messages
            .contains(&"merge conflict marker `=======`: the file has unresolved git conflicts"));
        assert!(messages
            .contains(&"merge conflict marker `>>>>>>>`: the file has unresolved git conflicts"));
        assert!(read_header(text)
            .unwrap_err()
            .message
            .contains("merge conflict marker `<<<<<<<`"));
        // Inside a string they are text.
        let text = "\"\"\"\n<<<<<<< HEAD\n=======\n>>>>>>> x\n\"\"\"\nrevision = 'a'\n";
        assert!(parse_revision("v.py", text).syntax_errors.is_empty());
    }

    #[test]
    fn five_megabyte_file() {
        let mut text = String::from("\"\"\"Big data migration.\"\"\"\nrevision = 'big'\ndown_revision = 'small'\n\nROWS = [\n");
        while text.len() < 5 * 1024 * 1024 {
            text.push_str(
                "    {'id': -1, 'name': 'revision = \"no\"', 'note': f\"{x!r:>10}\"},  # row\n",
            );
        }
        text.push_str("]\n\ndef upgrade():\n    op.bulk_insert(t, ROWS)\n");
        let parsed = parse_revision("v.py", &text);
        assert!(parsed.syntax_errors.is_empty());
        assert_eq!(revision_of(&parsed), Some("big"));
        assert_eq!(read_header(&text), Ok(parsed.header));
    }

    #[test]
    fn comments_strings_and_docstring() {
        let text = "\"\"\"Doc \"\"\" 'tail'\n# one\nx = f'a{b}c' 'd'  # two\ny = b'e'\n";
        let parsed = parse_revision("v.py", text);
        let slice = |r: &TextRange| &text[r.to_std_range()];
        assert_eq!(
            parsed.docstring.as_ref().map(|d| d.0.as_str()),
            Some("Doc tail")
        );
        assert_eq!(
            parsed.comments.iter().map(slice).collect::<Vec<_>>(),
            ["# one", "# two"]
        );
        assert_eq!(
            parsed.strings.iter().map(slice).collect::<Vec<_>>(),
            ["\"\"\"Doc \"\"\"", "'tail'", "f'a", "c'", "'d'", "b'e'"]
        );
    }
}
