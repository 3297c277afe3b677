//! The fast header read for the thousands of revision files a commit does not
//! touch: one pass of the scanner over the file, then only the lines that
//! hold the header statements are parsed. Whenever the scanner sees anything
//! that could make those statements tell less than the whole module (a header
//! name used elsewhere, `globals()`, `import *`, an alias to read, a lexical
//! error, ...), the file is read in full instead, so the result is always the
//! header [`parse_revision`](super::parse_revision) reads.

use ruff_python_parser::{parse_cells_unchecked, Mode, ParseOptions};
use ruff_text_size::{Ranged, TextRange};

use super::depth::remove_deep_statements;
use super::header::read_statements;
use super::scan::{scan, Scan};
use super::{full, RevisionHeader, SyntaxProblem};

/// Read the header of a revision file, fast.
///
/// For a file without syntax errors this is exactly
/// `parse_revision(path, text).header`. A file with a syntax error gives the
/// first syntax error `parse_revision` reports, when the error is noticed:
/// the fast path only parses the header lines, so an error elsewhere (in
/// `upgrade()`, say) may go unnoticed and the header is returned.
pub fn read_header(text: &str) -> Result<RevisionHeader, SyntaxProblem> {
    if u32::try_from(text.len()).is_err() {
        return Err(SyntaxProblem {
            message: "the file is larger than 4 GiB".to_owned(),
            range: TextRange::default(),
        });
    }
    let scan = scan(text);
    if !scan.needs_full && !scan.lexical_error && scan.problems.is_empty() {
        if let Some(header) = header_lines(text, &scan) {
            return Ok(header);
        }
    }
    let read = full::read(text, false);
    match read.syntax_errors.into_iter().next() {
        Some((message, range)) => Err(SyntaxProblem { message, range }),
        None => Ok(read.header),
    }
}

/// The header from the header lines alone, or `None` when the whole file must be read.
fn header_lines(text: &str, scan: &Scan) -> Option<RevisionHeader> {
    let Some(region) = scan.region else {
        // Nothing in the file binds a header name.
        return Some(RevisionHeader::default());
    };
    let parsed = parse_cells_unchecked(text, [region], &ParseOptions::from(Mode::Module));
    if !parsed.errors().is_empty() {
        return None;
    }
    let mut module = parsed.into_syntax();
    if !remove_deep_statements(&mut module).is_empty() {
        return None;
    }
    let body = &module.body;
    let statements = scan
        .header_starts
        .iter()
        .map(|&start| {
            let index = body
                .binary_search_by_key(&start, |stmt| stmt.start())
                .ok()?;
            body.get(index)
        })
        .collect::<Option<Vec<_>>>()?;
    read_statements(text, statements).ok()
}
