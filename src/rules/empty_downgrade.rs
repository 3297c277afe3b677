use crate::alembic::operations::{Function, Operation};
use crate::diagnostic::Diagnostic;
use crate::rules::function_body::{does_nothing, function_def, refuses_to_run};
use crate::rules::undo::undo_list;
use crate::rules::{Checker, FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a `downgrade()` that only `pass`es, is `...`, or raises
    /// `NotImplementedError`, while `upgrade()` changes the database. The
    /// `downgrade_<engine>()` functions of the multi-database template are
    /// compared with their `upgrade_<engine>()`.
    ///
    /// ## Why is this bad?
    /// `alembic downgrade` succeeds and stamps the older revision while the
    /// schema stays as the upgrade left it; the next upgrade then fails on a
    /// table or column that already exists. A rollback plan that relies on it
    /// is a plan that does not work.
    ///
    /// ## Example
    /// ```python
    /// def upgrade():
    ///     op.add_column("users", sa.Column("email", sa.String(), nullable=True))
    ///
    ///
    /// def downgrade():
    ///     pass
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def downgrade():
    ///     op.drop_column("users", "email")
    /// ```
    /// When the migration truly cannot be reversed (it deletes data), say so
    /// and suppress the finding with the reason:
    /// `# migcheck: ignore[empty-downgrade] the deleted rows cannot come back`.
    pub struct EmptyDowngrade {
        code: "MC204",
        name: "empty-downgrade",
        scope: File,
        severity: Warning,
        checker: Checker::File(check),
    }
}

fn check(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let operations = ctx.operations();
    for down in operations
        .functions
        .iter()
        .filter(|f| f.function == Function::Downgrade)
    {
        let (up_name, down_name) = match &down.suffix {
            Some(suffix) => (format!("upgrade_{suffix}"), format!("downgrade_{suffix}")),
            None => ("upgrade".to_string(), "downgrade".to_string()),
        };
        let (Some(up_def), Some(down_def)) = (
            function_def(ctx.parsed, &up_name),
            function_def(ctx.parsed, &down_name),
        ) else {
            continue;
        };
        if !refuses_to_run(&down_def.body) || does_nothing(&up_def.body) {
            continue;
        }
        let what = if does_nothing(&down_def.body) {
            "does nothing"
        } else {
            "only raises `NotImplementedError`"
        };
        let up_ops: Vec<&Operation> = operations
            .upgrade()
            .filter(|op| op.suffix == down.suffix)
            .collect();
        let change = match up_ops.as_slice() {
            [] => "changes the database".to_string(),
            [first, rest @ ..] => {
                let on = first
                    .table
                    .as_deref()
                    .map(|table| format!(" on `{table}`"))
                    .unwrap_or_default();
                match rest.len() {
                    0 => format!("runs `op.{}`{on}", first.name),
                    1 => format!("runs `op.{}`{on} and 1 more operation", first.name),
                    n => format!("runs `op.{}`{on} and {n} more operations", first.name),
                }
            }
        };
        let help = match undo_list(up_ops.iter().copied(), ctx.parsed.source.text()) {
            Some(calls) => format!("Reverse `{up_name}()` in `{down_name}()`: {calls}."),
            None => format!(
                "Write the steps that reverse `{up_name}()` in `{down_name}()`, or suppress this finding with the reason it cannot be reversed."
            ),
        };
        out.push(
            Diagnostic::new(
                Rule::EmptyDowngrade,
                ctx.parsed.source.span(down.name_range),
                format!("`{down_name}()` {what} while `{up_name}()` {change}."),
            )
            .with_help(help),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{clean, migration, pointed_at, render, single, upgrade};

    const ADD: &str = "    op.add_column(\"users\", sa.Column(\"email\", sa.String(), nullable=True))";

    #[test]
    fn flags_a_downgrade_that_passes() {
        let text = upgrade(ADD);
        let found = single(Rule::EmptyDowngrade, &text);
        assert_eq!(pointed_at(&text, &found), "downgrade");
        assert_eq!(
            found.message,
            "`downgrade()` does nothing while `upgrade()` runs `op.add_column` on `users`."
        );
        assert_eq!(
            found.help.as_deref(),
            Some("Reverse `upgrade()` in `downgrade()`: `op.drop_column(\"users\", \"email\")`.")
        );
    }

    #[test]
    fn flags_not_implemented_and_ellipsis() {
        for body in [
            "    raise NotImplementedError(\"one way\")",
            "    \"\"\"Downgrade schema.\"\"\"\n    ...",
        ] {
            let text = migration(&format!(
                "def upgrade():\n    op.execute(\"DELETE FROM audit\")\n\n\ndef downgrade():\n{body}\n"
            ));
            let found = single(Rule::EmptyDowngrade, &text);
            assert!(found.help.as_deref().unwrap_or_default().starts_with("Write the steps"));
        }
    }

    #[test]
    fn exempt_when_upgrade_does_nothing_or_downgrade_works() {
        clean(Rule::EmptyDowngrade, &upgrade("    \"\"\"Upgrade schema.\"\"\"\n    pass"));
        clean(
            Rule::EmptyDowngrade,
            &migration(&format!(
                "def upgrade():\n{ADD}\n\n\ndef downgrade():\n    op.drop_column(\"users\", \"email\")\n"
            )),
        );
    }

    #[test]
    fn multi_database_functions_are_paired() {
        let text = migration(&format!(
            "def upgrade(engine_name):\n    globals()[\"upgrade_%s\" % engine_name]()\n\n\n\
             def downgrade(engine_name):\n    globals()[\"downgrade_%s\" % engine_name]()\n\n\n\
             def upgrade_engine1():\n{ADD}\n\n\ndef downgrade_engine1():\n    pass\n\n\n\
             def upgrade_engine2():\n    pass\n\n\ndef downgrade_engine2():\n    pass\n"
        ));
        let found = single(Rule::EmptyDowngrade, &text);
        assert_eq!(
            found.message,
            "`downgrade_engine1()` does nothing while `upgrade_engine1()` runs `op.add_column` on `users`."
        );
    }

    #[test]
    fn suppressed_with_a_reason() {
        let text = migration(&format!(
            "def upgrade():\n{ADD}\n\n\n# migcheck: ignore[MC204] the column is never removed\ndef downgrade():\n    pass\n"
        ));
        clean(Rule::EmptyDowngrade, &text);
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render(Rule::EmptyDowngrade, &upgrade(ADD)));
    }
}
