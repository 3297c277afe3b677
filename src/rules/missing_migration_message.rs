use ruff_text_size::TextRange;

use crate::diagnostic::{Diagnostic, Span};
use crate::rules::{Checker, FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Checks that a changed migration starts with a docstring whose first
    /// line says what it does, the message `alembic revision -m "..."`
    /// writes there. A missing docstring, an empty message and Alembic's
    /// placeholder `empty message` are flagged.
    ///
    /// ## Why is this bad?
    /// `alembic history` and every reviewer read that line to know what a
    /// revision does; without it, the only way to find the migration that
    /// touched a table is to open every file.
    ///
    /// ## Example
    /// ```python
    /// """empty message
    ///
    /// Revision ID: 27c6a30d7c24
    /// Revises: ae1027a6acf
    /// """
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// """Add users.email for password resets
    ///
    /// Revision ID: 27c6a30d7c24
    /// Revises: ae1027a6acf
    /// """
    /// ```
    pub struct MissingMigrationMessage {
        code: "MC207",
        name: "missing-migration-message",
        scope: File,
        severity: Warning,
        checker: Checker::File(check),
    }
}

fn check(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let source = &ctx.parsed.source;
    let path = &ctx.migration.path;
    let (span, problem) = match &ctx.parsed.docstring {
        None => (
            Span::file_start(path),
            format!("`{}` has no docstring with a message.", file_name(path)),
        ),
        Some((text, range)) => {
            let message = message_of(text);
            if !message.is_empty() && !message.eq_ignore_ascii_case("empty message") {
                return;
            }
            let first_line = source.line_of(range.start());
            let line = source.line_range(first_line);
            let span = source.span(TextRange::new(range.start(), line.end().min(range.end())));
            let problem = if message.is_empty() {
                "The docstring of this migration has no message.".to_string()
            } else {
                format!("The docstring of this migration says only `{message}`.")
            };
            (span, problem)
        }
    };
    let help = match summary_from_file_name(path, ctx.migration.id()) {
        Some(summary) => format!(
            "Start the docstring with one line that says what the migration does, e.g. `\"\"\"{summary}`."
        ),
        None => "Start the docstring with one line that says what the migration does (`alembic revision -m \"...\"` writes it).".to_string(),
    };
    out.push(Diagnostic::new(Rule::MissingMigrationMessage, span, problem).with_help(help));
}

/// The docstring's text before the `Revision ID:` line, on one line.
fn message_of(docstring: &str) -> String {
    docstring
        .lines()
        .take_while(|line| !line.trim_start().starts_with("Revision ID:"))
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// A summary from the slug in the file name: `27c6a30d7c24_add_email.py`
/// gives `Add email`.
fn summary_from_file_name(path: &str, id: Option<&str>) -> Option<String> {
    let stem = file_name(path).strip_suffix(".py")?;
    let slug = match id.and_then(|id| stem.split_once(id)) {
        Some((_, after)) => after,
        None => stem.split_once('_').map_or("", |(_, after)| after),
    };
    let words: Vec<&str> = slug
        .split(|c: char| c == '_' || c == '-' || c.is_whitespace())
        .filter(|word| !word.is_empty())
        .collect();
    let mut summary = words.join(" ");
    let first = summary.chars().next()?;
    if first.is_ascii_digit() {
        return None;
    }
    summary.replace_range(..first.len_utf8(), &first.to_uppercase().to_string());
    Some(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{clean, migration, pointed_at, render, single};

    const BODY: &str = "def upgrade() -> None:\n    op.drop_table(\"fax\")\n\n\ndef downgrade() -> None:\n    pass\n";

    fn with_docstring(docstring: &str) -> String {
        let text = migration(BODY);
        let end = text.find("from typing").expect("template");
        format!("{docstring}{}", &text[end..])
    }

    #[test]
    fn flags_alembics_placeholder_message() {
        let text = with_docstring(
            "\"\"\"empty message\n\nRevision ID: b2c3d4e5f6a7\nRevises: a1b2c3d4e5f6\n\"\"\"\n",
        );
        let found = single(Rule::MissingMigrationMessage, &text);
        assert_eq!(pointed_at(&text, &found), "\"\"\"empty message");
        assert_eq!(
            found.message,
            "The docstring of this migration says only `empty message`."
        );
        assert_eq!(
            found.help.as_deref(),
            Some("Start the docstring with one line that says what the migration does, e.g. `\"\"\"Add email`.")
        );
    }

    #[test]
    fn flags_an_empty_message_and_a_missing_docstring() {
        let text = with_docstring("\"\"\"\n\nRevision ID: b2c3d4e5f6a7\nRevises: a1b2c3d4e5f6\n\"\"\"\n");
        let found = single(Rule::MissingMigrationMessage, &text);
        assert_eq!(found.message, "The docstring of this migration has no message.");
        assert_eq!(found.span.line, 1);

        let text = with_docstring("# no docstring\n");
        let found = single(Rule::MissingMigrationMessage, &text);
        assert_eq!(
            found.message,
            "`b2c3d4e5f6a7_add_email.py` has no docstring with a message."
        );
        assert_eq!((found.span.line, found.span.column), (1, 1));
    }

    #[test]
    fn a_message_passes() {
        clean(Rule::MissingMigrationMessage, &migration(BODY));
        clean(
            Rule::MissingMigrationMessage,
            &with_docstring("'''Drop the fax table'''\n"),
        );
    }

    #[test]
    fn suppressed_for_the_file() {
        let text = with_docstring(
            "\"\"\"\nRevision ID: b2c3d4e5f6a7\n\"\"\"\n# migcheck: ignore-file[missing-migration-message] generated by a script\n",
        );
        clean(Rule::MissingMigrationMessage, &text);
    }

    #[test]
    fn summaries_from_file_names() {
        assert_eq!(
            summary_from_file_name("v/27c6a30d7c24_add_user-email.py", Some("27c6a30d7c24")),
            Some("Add user email".to_string())
        );
        assert_eq!(
            summary_from_file_name("v/2024_01_01_1200-27c6_drop_fax.py", Some("27c6")),
            Some("Drop fax".to_string())
        );
        assert_eq!(summary_from_file_name("v/27c6a30d7c24_.py", Some("27c6a30d7c24")), None);
        assert_eq!(summary_from_file_name("v/27c6a30d7c24.py", Some("27c6a30d7c24")), None);
    }

    #[test]
    fn snapshot() {
        let text = with_docstring(
            "\"\"\"empty message\n\nRevision ID: b2c3d4e5f6a7\nRevises: a1b2c3d4e5f6\n\"\"\"\n",
        );
        insta::assert_snapshot!(render(Rule::MissingMigrationMessage, &text));
    }
}
