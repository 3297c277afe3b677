//! GitHub Actions workflow commands: one `::error`/`::warning` line a finding,
//! shown as annotations on the pull request.

use crate::diagnostic::{Diagnostic, Severity};

/// Escapes the message part of a workflow command.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`file=`, `title=`): also `:` and `,`.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

pub fn render_github(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let span = &d.span;
        // Columns are only meaningful on a single line.
        let position = if span.end_line > span.line {
            format!("line={},endLine={}", span.line, span.end_line)
        } else {
            format!(
                "line={},endLine={},col={},endColumn={}",
                span.line, span.end_line, span.column, span.end_column
            )
        };
        let title = format!("{} ({})", d.rule.code(), d.rule.name());
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{command} file={},{position},title={}::{}\n",
            escape_property(&span.path),
            escape_property(&title),
            escape_data(&message)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_percent_newlines_colons_and_commas() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    fn finding(message: &str, line: usize, end_line: usize) -> Diagnostic {
        Diagnostic::new(
            crate::rules::Rule::TodoInMigration,
            crate::diagnostic::Span {
                path: "m/v/a,b:c.py".to_string(),
                range: ruff_text_size::TextRange::default(),
                line,
                column: 3,
                end_line,
                end_column: 8,
            },
            message,
        )
    }

    #[test]
    fn message_keeps_colons_and_commas_but_escapes_percent_and_line_breaks() {
        let out = render_github(&[finding("50%, then: more\r\nnext", 2, 2)]);
        assert_eq!(
            out,
            "::error file=m/v/a%2Cb%3Ac.py,line=2,endLine=2,col=3,endColumn=8,\
title=MC202 (todo-in-migration)::50%25, then: more%0D%0Anext\n"
        );
    }

    #[test]
    fn multi_line_span_has_no_columns() {
        let out = render_github(&[finding("x", 2, 4)]);
        assert!(out.contains(",line=2,endLine=4,title="), "{out}");
        assert!(!out.contains("col="), "{out}");
    }
}
