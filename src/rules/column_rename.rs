use crate::alembic::operations::Literal;
use crate::diagnostic::Diagnostic;
use crate::rules::alembic_code::{column, name, span, table, upgrade_ops};
use crate::rules::{Checker, FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Checks `upgrade()` for `op.alter_column(..., new_column_name=...)` (and
    /// the `batch_op` form) on a table that the migration did not create.
    ///
    /// ## Why is this bad?
    /// The rename is instant, but the application that is running while it
    /// happens still uses the old name: every query that touches the column
    /// fails until the new code is deployed everywhere, and a rollback of the
    /// code fails the other way round.
    ///
    /// ## Example
    /// ```python
    /// def upgrade():
    ///     op.alter_column("users", "email", new_column_name="email_address")
    /// ```
    ///
    /// Use instead: add the new column, write to both and backfill it, move
    /// reads to it, and drop the old column in a later migration:
    /// ```python
    /// def upgrade():
    ///     op.add_column("users", sa.Column("email_address", sa.String()))
    ///     op.execute("UPDATE users SET email_address = email WHERE email_address IS NULL")
    /// ```
    pub struct ColumnRename {
        code: "MC307",
        name: "column-rename",
        scope: Operation,
        severity: Warning,
        checker: Checker::File(check),
    }
}

fn check(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let ops = upgrade_ops(ctx).filter(|op| {
        op.name == "alter_column"
            && !op.table_is_new
            && op.has_arg("new_column_name")
            && op.literal("new_column_name") != Some(&Literal::None)
    });
    for op in ops {
        let table = table(ctx, op);
        let old = name(ctx, op, "column_name", "the column");
        let new = name(ctx, op, "new_column_name", "the new name");
        out.push(
            Diagnostic::new(
                Rule::ColumnRename,
                span(ctx, op),
                format!(
                    "Renaming `{}` to `{new}` breaks the application code that still uses `{old}`.",
                    column(&table, &old)
                ),
            )
            .with_help(format!(
                "Add `{new}` next to `{old}`, write to both and backfill it, move reads to `{new}`, then drop `{old}` in a later migration."
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{clean, pointed_at, render, single, upgrade};
    use crate::rules::Rule;

    const RULE: Rule = Rule::ColumnRename;

    #[test]
    fn flags_positional_and_keyword_forms() {
        let text = upgrade("    op.alter_column(\"users\", \"email\", new_column_name=\"email_address\")");
        let finding = single(RULE, &text);
        assert_eq!(pointed_at(&text, &finding), "op.alter_column(\"users\", \"email\", new_column_name=\"email_address\")");
        assert_eq!(
            finding.message,
            "Renaming `users.email` to `email_address` breaks the application code that still uses `email`."
        );
        let text = upgrade("    op.alter_column(table_name='users', column_name='email', new_column_name='mail', schema='app')");
        assert!(single(RULE, &text).message.contains("to `mail`"));
    }

    #[test]
    fn flags_the_batch_form() {
        let text = upgrade(
            "    with op.batch_alter_table('users') as batch_op:\n        batch_op.alter_column('email', new_column_name='mail')",
        );
        assert!(single(RULE, &text).message.contains("`users.email`"));
    }

    #[test]
    fn other_alterations_are_safe() {
        clean(RULE, &upgrade("    op.alter_column('users', 'email', comment='primary address')"));
        clean(RULE, &upgrade("    op.alter_column('users', 'email', new_column_name=None)"));
    }

    #[test]
    fn table_created_earlier_in_the_migration_is_exempt() {
        clean(
            RULE,
            &upgrade(
                "    op.create_table('users', sa.Column('mail', sa.String()))\n    \
                 op.alter_column('users', 'mail', new_column_name='email')",
            ),
        );
    }

    #[test]
    fn snapshot() {
        let text = upgrade("    op.alter_column(\"users\", \"email\", new_column_name=\"email_address\")");
        insta::assert_snapshot!(render(RULE, &text));
    }
}
