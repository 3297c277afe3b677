use crate::alembic::operations::Function;
use crate::diagnostic::{Diagnostic, Span};
use crate::rules::function_body::binds;
use crate::rules::undo::undo_list;
use crate::rules::{Checker, FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Checks that a changed migration defines a module-level `downgrade()`
    /// (a `def`, or a name bound by assignment or import).
    ///
    /// ## Why is this bad?
    /// `alembic downgrade` imports the file and calls `downgrade()`; without
    /// it, rolling back a bad deploy fails with `AttributeError` at the worst
    /// possible moment, and every revision below this one is out of reach.
    ///
    /// ## Example
    /// ```python
    /// def upgrade():
    ///     op.add_column("users", sa.Column("email", sa.String(), nullable=True))
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def upgrade():
    ///     op.add_column("users", sa.Column("email", sa.String(), nullable=True))
    ///
    ///
    /// def downgrade():
    ///     op.drop_column("users", "email")
    /// ```
    pub struct MissingDowngrade {
        code: "MC203",
        name: "missing-downgrade",
        scope: File,
        severity: Error,
        checker: Checker::File(check),
    }
}

fn check(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    if binds(ctx.parsed, "downgrade") {
        return;
    }
    let path = &ctx.migration.path;
    let operations = ctx.operations();
    let span = operations
        .function(Function::Upgrade)
        .map_or_else(|| Span::file_start(path), |f| ctx.parsed.source.span(f.name_range));
    let file = path.rsplit('/').next().unwrap_or(path);
    let help = match undo_list(operations.upgrade(), ctx.parsed.source.text()) {
        Some(calls) => format!("Add `def downgrade() -> None:` that runs {calls}."),
        None => "Add `def downgrade() -> None:` that reverses `upgrade()`, or that raises `NotImplementedError` with the reason it cannot.".to_string(),
    };
    out.push(
        Diagnostic::new(
            Rule::MissingDowngrade,
            span,
            format!("`{file}` has no `downgrade()` function, so `alembic downgrade` cannot pass this revision."),
        )
        .with_help(help),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{clean, migration, pointed_at, render, single};

    const UPGRADE: &str = "def upgrade() -> None:\n    op.add_column(\"users\", sa.Column(\"email\", sa.String(), nullable=True))\n    op.create_index(op.f(\"ix_users_email\"), \"users\", [\"email\"])\n";

    #[test]
    fn flags_a_migration_without_downgrade() {
        let text = migration(UPGRADE);
        let found = single(Rule::MissingDowngrade, &text);
        assert_eq!(pointed_at(&text, &found), "upgrade");
        assert_eq!(
            found.message,
            "`b2c3d4e5f6a7_add_email.py` has no `downgrade()` function, so `alembic downgrade` cannot pass this revision."
        );
        assert_eq!(
            found.help.as_deref(),
            Some("Add `def downgrade() -> None:` that runs `op.drop_index(\"ix_users_email\", table_name=\"users\")` and `op.drop_column(\"users\", \"email\")`.")
        );
    }

    #[test]
    fn without_upgrade_either_it_points_at_the_file() {
        let found = single(Rule::MissingDowngrade, &migration("x = 1\n"));
        assert_eq!((found.span.line, found.span.column), (1, 1));
        assert!(found.help.as_deref().unwrap_or_default().contains("NotImplementedError"));
    }

    #[test]
    fn a_downgrade_of_any_form_passes() {
        clean(
            Rule::MissingDowngrade,
            &migration(&format!("{UPGRADE}\n\ndef downgrade() -> None:\n    pass\n")),
        );
        clean(
            Rule::MissingDowngrade,
            &migration(&format!("from .shared import noop as downgrade\n\n{UPGRADE}")),
        );
    }

    #[test]
    fn exempt_a_helper_named_like_downgrade_is_not_enough() {
        let text = migration(&format!("{UPGRADE}\n\ndef downgrade_data() -> None:\n    pass\n"));
        single(Rule::MissingDowngrade, &text);
    }

    #[test]
    fn suppressed_on_the_line_above() {
        let text = migration(&format!(
            "# migcheck: ignore[missing-downgrade] forward-only data fix\n{UPGRADE}"
        ));
        clean(Rule::MissingDowngrade, &text);
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render(Rule::MissingDowngrade, &migration(UPGRADE)));
    }
}
