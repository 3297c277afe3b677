use crate::diagnostic::Diagnostic;
use crate::rules::alembic_code::{column, py_str, span, table, upgrade_ops};
use crate::rules::{Checker, FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Checks `upgrade()` for `op.add_column(...)` (and `batch_op.add_column`)
    /// of a column that is NOT NULL (`nullable=False`, or `primary_key=True`)
    /// and has no `server_default`.
    ///
    /// ## Why is this bad?
    /// The rows already in the table get NULL in the new column, which the
    /// column refuses: PostgreSQL stops with `column "email" ... contains null
    /// values`, SQLite with `Cannot add a NOT NULL column with default value
    /// NULL`. It works on an empty development database and fails in
    /// production. A Python-side `default=` does not help: the database never
    /// sees it.
    ///
    /// ## Example
    /// ```python
    /// def upgrade():
    ///     op.add_column("users", sa.Column("email", sa.String(), nullable=False))
    /// ```
    ///
    /// Use instead: add the column as nullable, backfill it, and set NOT NULL
    /// in a later migration (or give it a `server_default`):
    /// ```python
    /// def upgrade():
    ///     op.add_column("users", sa.Column("email", sa.String(), nullable=True))
    ///
    /// # a later migration, once every row has an email:
    /// def upgrade():
    ///     op.alter_column("users", "email", nullable=False)
    /// ```
    pub struct NotNullColumnWithoutDefault {
        code: "MC303",
        name: "not-null-column-without-default",
        scope: Operation,
        severity: Error,
        checker: Checker::File(check),
    }
}

fn check(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    for op in upgrade_ops(ctx).filter(|op| op.name == "add_column" && !op.table_is_new) {
        let table = table(ctx, op);
        for col in &op.columns {
            if !col.is_not_null() || col.server_default.is_some() || col.generated {
                continue;
            }
            let name = col.name.as_deref().unwrap_or("the column");
            let qualified = column(&table, name);
            out.push(
                Diagnostic::new(
                    Rule::NotNullColumnWithoutDefault,
                    span(ctx, op),
                    format!(
                        "Adding `{qualified}` as NOT NULL without a `server_default` fails when `{table}` already has rows."
                    ),
                )
                .with_help(format!(
                    "Add `{qualified}` as nullable, backfill it, then `op.alter_column({}, {}, nullable=False)` in a later migration (or give it a `server_default`).",
                    py_str(&table),
                    py_str(name)
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{clean, pointed_at, render, single, upgrade};
    use crate::rules::Rule;

    const RULE: Rule = Rule::NotNullColumnWithoutDefault;

    #[test]
    fn flags_not_null_without_server_default() {
        let text = upgrade("    op.add_column(\"users\", sa.Column(\"email\", sa.String(), nullable=False))");
        let finding = single(RULE, &text);
        assert_eq!(
            pointed_at(&text, &finding),
            "op.add_column(\"users\", sa.Column(\"email\", sa.String(), nullable=False))"
        );
        assert_eq!(
            finding.help.as_deref(),
            Some("Add `users.email` as nullable, backfill it, then `op.alter_column(\"users\", \"email\", nullable=False)` in a later migration (or give it a `server_default`).")
        );
    }

    #[test]
    fn keyword_form_primary_key_and_python_default_are_flagged() {
        single(
            RULE,
            &upgrade("    op.add_column(table_name='users', column=sa.Column('email', sa.String(), nullable=False), schema='app')"),
        );
        single(
            RULE,
            &upgrade("    op.add_column('users', Column('id2', sa.Integer, primary_key=True))"),
        );
        single(
            RULE,
            &upgrade("    op.add_column('users', sa.Column('n', sa.Integer, nullable=False, default=0))"),
        );
    }

    #[test]
    fn flags_the_batch_form() {
        let text = upgrade(
            "    with op.batch_alter_table('users') as batch_op:\n        batch_op.add_column(sa.Column('email', sa.String(), nullable=False))",
        );
        assert!(single(RULE, &text).message.contains("`users.email`"));
    }

    #[test]
    fn nullable_server_default_and_generated_columns_are_safe() {
        for body in [
            "    op.add_column('users', sa.Column('email', sa.String()))",
            "    op.add_column('users', sa.Column('email', sa.String(), nullable=True))",
            "    op.add_column('users', sa.Column('n', sa.Integer, nullable=False, server_default='0'))",
            "    op.add_column('users', sa.Column('n', sa.Integer, sa.Identity(), nullable=False))",
            "    op.add_column('users', sa.Column('n', sa.Integer, nullable=flag))",
        ] {
            clean(RULE, &upgrade(body));
        }
    }

    #[test]
    fn table_created_earlier_in_the_migration_is_exempt() {
        clean(
            RULE,
            &upgrade(
                "    op.create_table('users', sa.Column('id', sa.Integer, primary_key=True))\n    \
                 op.add_column('users', sa.Column('email', sa.String(), nullable=False))",
            ),
        );
    }

    #[test]
    fn snapshot() {
        let text = upgrade("    op.add_column(\"users\", sa.Column(\"email\", sa.String(length=255), nullable=False))");
        insta::assert_snapshot!(render(RULE, &text));
    }
}
