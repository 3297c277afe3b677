use ruff_text_size::{TextRange, TextSize};

use crate::diagnostic::Diagnostic;
use crate::rules::{Checker, FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Checks the comments and strings of a changed migration for `TODO` and
    /// `FIXME` (the patterns are configurable with `todo-patterns`).
    ///
    /// ## Why is this bad?
    /// A migration runs once, against production, and is then history: an
    /// unfinished step cannot be fixed later by editing the file, because
    /// databases that already ran it will never run it again.
    ///
    /// ## Example
    /// ```python
    /// def upgrade():
    ///     op.add_column("users", sa.Column("email", sa.String()))
    ///     # TODO: backfill emails
    /// ```
    ///
    /// Use instead: finish the step, or move it to its own migration.
    /// ```python
    /// def upgrade():
    ///     op.add_column("users", sa.Column("email", sa.String()))
    ///     op.execute("UPDATE users SET email = login || '@example.com'")
    /// ```
    pub struct TodoInMigration {
        code: "MC202",
        name: "todo-in-migration",
        scope: File,
        severity: Error,
        checker: Checker::File(check),
    }
}

fn check(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let text = ctx.parsed.source.text();
    let regions = ctx
        .parsed
        .comments
        .iter()
        .map(|range| (*range, "comment"))
        .chain(ctx.parsed.strings.iter().map(|range| (*range, "string")));
    for (range, kind) in regions {
        let Some(region) = text.get(range.to_std_range()) else {
            continue;
        };
        for pattern in &ctx.settings.todo_patterns {
            let Some(found) = pattern.find(region) else {
                continue;
            };
            let start = range.start() + TextSize::try_from(found.start()).unwrap_or_default();
            let end = range.start() + TextSize::try_from(found.end()).unwrap_or_default();
            let word = found.as_str();
            let line = ctx.parsed.source.line_of(start);
            out.push(
                Diagnostic::new(
                    Rule::TodoInMigration,
                    ctx.parsed.source.span(TextRange::new(start, end)),
                    format!("`{word}` in a {kind} of a changed migration: `{}`.", ctx.parsed.source.line_text(line).trim()),
                )
                .with_help(format!(
                    "Finish the step (or move it to its own migration) and remove `{word}` before committing."
                )),
            );
            break;
        }
    }
}
