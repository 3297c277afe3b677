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
