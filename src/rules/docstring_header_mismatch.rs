use ruff_text_size::{TextRange, TextSize};

use crate::alembic::revision_file::Field;
use crate::diagnostic::Diagnostic;
use crate::rules::{Checker, FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Compares the `Revision ID:` and `Revises:` lines that `alembic
    /// revision` writes into the docstring with the `revision` and
    /// `down_revision` variables, and reports a line that disagrees.
    ///
    /// ## Why is this bad?
    /// Alembic reads only the variables; the docstring is what people read.
    /// After a rebase that re-parents a migration, or a copied file, the two
    /// drift apart and reviewers approve a history that is not the one that
    /// will run.
    ///
    /// ## Example
    /// ```python
    /// """Add users.email
    ///
    /// Revision ID: 27c6a30d7c24
    /// Revises: ae1027a6acf
    /// """
    /// revision = "27c6a30d7c24"
    /// down_revision = "1975ea83b712"
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// """Add users.email
    ///
    /// Revision ID: 27c6a30d7c24
    /// Revises: 1975ea83b712
    /// """
    /// revision = "27c6a30d7c24"
    /// down_revision = "1975ea83b712"
    /// ```
    pub struct DocstringHeaderMismatch {
        code: "MC209",
        name: "docstring-header-mismatch",
        scope: File,
        severity: Warning,
        checker: Checker::File(check),
    }
}

fn check(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some((_, range)) = &ctx.parsed.docstring else {
        return;
    };
    let header = &ctx.parsed.header;
    if let (Some((said, at)), Field::Known { value, .. }) =
        (docstring_line(ctx, *range, "Revision ID:"), &header.revision)
    {
        if said != value.as_str() {
            out.push(
                Diagnostic::new(
                    Rule::DocstringHeaderMismatch,
                    ctx.parsed.source.span(at),
                    format!("The docstring says `Revision ID: {said}` but `revision` is `\"{value}\"`."),
                )
                .with_help(format!(
                    "Change the docstring line to `Revision ID: {value}`; Alembic reads the variable, not the docstring."
                )),
            );
        }
    }
    if let (Some((said, at)), Field::Known { value, .. }) =
        (docstring_line(ctx, *range, "Revises:"), &header.down_revision)
    {
        let mut listed: Vec<&str> = said
            .split(',')
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .collect();
        let mut declared: Vec<&str> = value.iter().map(String::as_str).collect();
        listed.sort_unstable();
        declared.sort_unstable();
        if listed != declared {
            let variable = match value.as_slice() {
                [] => "None".to_string(),
                [one] => format!("\"{one}\""),
                many => format!(
                    "({})",
                    many.iter()
                        .map(|id| format!("\"{id}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            let fixed = format!("Revises: {}", value.join(", "));
            out.push(
                Diagnostic::new(
                    Rule::DocstringHeaderMismatch,
                    ctx.parsed.source.span(at),
                    format!("The docstring says `{}` but `down_revision` is `{variable}`.", format!("Revises: {said}").trim_end()),
                )
                .with_help(format!(
                    "Change the docstring line to `{}`; Alembic reads the variable, not the docstring.",
                    fixed.trim_end()
                )),
            );
        }
    }
}

/// The value after `key` on a line of the docstring, and the range of that
/// line in the file (found in the source text, so escapes cannot shift it).
fn docstring_line<'a>(
    ctx: &'a FileContext<'_>,
    docstring: TextRange,
    key: &str,
) -> Option<(&'a str, TextRange)> {
    let text = ctx.parsed.source.text().get(docstring.to_std_range())?;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let indent = content.len() - content.trim_start().len();
        if let Some(value) = content.trim_start().strip_prefix(key) {
            let value = value.trim().trim_end_matches(['"', '\'']).trim_end();
            let start = docstring.start() + TextSize::try_from(offset + indent).ok()?;
            let end = docstring.start()
                + TextSize::try_from(offset + content.trim_end().len()).ok()?;
            return Some((value, TextRange::new(start, end.max(start))));
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{clean, migration, pointed_at, render, run, single, Setup};

    const BODY: &str = "def upgrade() -> None:\n    pass\n\n\ndef downgrade() -> None:\n    pass\n";

    /// The test migration with its docstring lines replaced.
    fn with_lines(revision_id: &str, revises: &str) -> String {
        migration(BODY)
            .replace("Revision ID: b2c3d4e5f6a7", revision_id)
            .replace("Revises: a1b2c3d4e5f6", revises)
    }

    #[test]
    fn flags_a_stale_revises_line() {
        let text = with_lines("Revision ID: b2c3d4e5f6a7", "Revises: 0f9e8d7c6b5a");
        let found = single(Rule::DocstringHeaderMismatch, &text);
        assert_eq!(pointed_at(&text, &found), "Revises: 0f9e8d7c6b5a");
        assert_eq!(
            found.message,
            "The docstring says `Revises: 0f9e8d7c6b5a` but `down_revision` is `\"a1b2c3d4e5f6\"`."
        );
        assert_eq!(
            found.help.as_deref(),
            Some("Change the docstring line to `Revises: a1b2c3d4e5f6`; Alembic reads the variable, not the docstring.")
        );
    }

    #[test]
    fn flags_a_copied_revision_id() {
        let text = with_lines("Revision ID: a1b2c3d4e5f6", "Revises: a1b2c3d4e5f6");
        let found = single(Rule::DocstringHeaderMismatch, &text);
        assert_eq!(pointed_at(&text, &found), "Revision ID: a1b2c3d4e5f6");
        assert!(found.help.as_deref().unwrap_or_default().contains("`Revision ID: b2c3d4e5f6a7`"));
    }

    #[test]
    fn merges_compare_as_sets_and_none_is_empty() {
        let merge = migration(BODY)
            .replace("Revises: a1b2c3d4e5f6", "Revises: c3, a1b2c3d4e5f6")
            .replace(
                "= \"a1b2c3d4e5f6\"",
                "= (\"a1b2c3d4e5f6\", \"c3\")",
            );
        clean(Rule::DocstringHeaderMismatch, &merge);
        let first = migration(BODY)
            .replace("Revises: a1b2c3d4e5f6", "Revises: ")
            .replace("= \"a1b2c3d4e5f6\"", "= None");
        clean(Rule::DocstringHeaderMismatch, &first);
        let wrong_first = migration(BODY).replace("= \"a1b2c3d4e5f6\"", "= None");
        let found = single(Rule::DocstringHeaderMismatch, &wrong_first);
        assert!(found.message.ends_with("but `down_revision` is `None`."), "{}", found.message);
        assert_eq!(found.help.as_deref(), Some("Change the docstring line to `Revises:`; Alembic reads the variable, not the docstring."));
    }

    #[test]
    fn exempt_without_the_lines_or_with_computed_values() {
        clean(Rule::DocstringHeaderMismatch, &with_lines("", ""));
        let computed = with_lines("Revision ID: x", "Revises: y")
            .replace("revision: str = \"b2c3d4e5f6a7\"", "revision: str = make_id()");
        assert!(run(Rule::DocstringHeaderMismatch, &computed, Setup::default())
            .iter()
            .all(|d| !d.message.contains("Revision ID")));
    }

    #[test]
    fn suppressed_for_the_file() {
        let text = with_lines("Revision ID: b2c3d4e5f6a7", "Revises: 0f9e8d7c6b5a").replace(
            "\"\"\"\nfrom typing",
            "\"\"\"\n# migcheck: ignore-file[MC209] kept for the changelog\nfrom typing",
        );
        assert!(text.contains("ignore-file[MC209]"));
        clean(Rule::DocstringHeaderMismatch, &text);
    }

    #[test]
    fn snapshot() {
        let text = with_lines("Revision ID: b2c3d4e5f6a7", "Revises: 0f9e8d7c6b5a");
        insta::assert_snapshot!(render(Rule::DocstringHeaderMismatch, &text));
    }
}
