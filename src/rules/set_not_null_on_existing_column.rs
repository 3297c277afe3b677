use crate::diagnostic::Diagnostic;
use crate::rules::alembic_code::{column, name, py_str, span, table, upgrade_ops};
use crate::rules::{Checker, FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Checks `upgrade()` for `op.alter_column(..., nullable=False)` (and the
    /// `batch_op` form) on a table that the migration did not create.
    ///
    /// ## Why is this bad?
    /// `SET NOT NULL` reads every row to prove there is no NULL, and PostgreSQL
    /// holds an `ACCESS EXCLUSIVE` lock meanwhile: no query can read or write
    /// the table until the scan ends. On a large table that is an outage, and
    /// a single NULL left behind makes the migration fail after the wait.
    ///
    /// ## Example
    /// ```python
    /// def upgrade():
    ///     op.alter_column("users", "email", nullable=False)
    /// ```
    ///
    /// Use instead (PostgreSQL 12+): prove it with a check constraint that is
    /// validated without the lock, then set NOT NULL, which then skips the scan:
    /// ```python
    /// def upgrade():
    ///     op.create_check_constraint(
    ///         "ck_users_email_not_null", "users", "email IS NOT NULL",
    ///         postgresql_not_valid=True,
    ///     )
    ///
    /// # a later migration:
    /// def upgrade():
    ///     op.execute("ALTER TABLE users VALIDATE CONSTRAINT ck_users_email_not_null")
    ///     op.alter_column("users", "email", nullable=False)
    ///     op.drop_constraint("ck_users_email_not_null", "users", type_="check")
    /// ```
    pub struct SetNotNullOnExistingColumn {
        code: "MC305",
        name: "set-not-null-on-existing-column",
        scope: Operation,
        severity: Warning,
        checker: Checker::File(check),
    }
}

fn check(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let ops = upgrade_ops(ctx).filter(|op| {
        op.name == "alter_column" && !op.table_is_new && op.bool_arg("nullable") == Some(false)
    });
    for op in ops {
        let table = table(ctx, op);
        let name = name(ctx, op, "column_name", "the column");
        let qualified = column(&table, &name);
        let help = if ctx.settings.postgresql_or_unknown() {
            format!(
                "Add `op.create_check_constraint({}, {}, {}, postgresql_not_valid=True)` first, validate it in a later migration, then set `nullable=False`.",
                py_str(&format!("ck_{table}_{name}_not_null")),
                py_str(&table),
                py_str(&format!("{name} IS NOT NULL"))
            )
        } else {
            format!(
                "Backfill `{qualified}` in an earlier migration so no NULL is left, then set `nullable=False` when `{table}` is quiet."
            )
        };
        out.push(
            Diagnostic::new(
                Rule::SetNotNullOnExistingColumn,
                span(ctx, op),
                format!(
                    "Setting `{qualified}` to NOT NULL scans every row of `{table}` while it is locked against reads and writes."
                ),
            )
            .with_help(help),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{clean, flagged_with, pointed_at, render, single, upgrade, SQLITE};
    use crate::rules::Rule;

    const RULE: Rule = Rule::SetNotNullOnExistingColumn;

    #[test]
    fn flags_positional_and_keyword_forms() {
        let text = upgrade("    op.alter_column(\"users\", \"email\", nullable=False)");
        let finding = single(RULE, &text);
        assert_eq!(pointed_at(&text, &finding), "op.alter_column(\"users\", \"email\", nullable=False)");
        assert_eq!(
            finding.help.as_deref(),
            Some("Add `op.create_check_constraint(\"ck_users_email_not_null\", \"users\", \"email IS NOT NULL\", postgresql_not_valid=True)` first, validate it in a later migration, then set `nullable=False`.")
        );
        let text = upgrade("    op.alter_column(table_name='users', column_name='email', existing_type=sa.String(), nullable=False)");
        assert!(single(RULE, &text).message.contains("`users.email`"));
    }

    #[test]
    fn flags_the_batch_form() {
        let text = upgrade(
            "    with op.batch_alter_table('users') as batch_op:\n        batch_op.alter_column('email', nullable=False)",
        );
        assert!(single(RULE, &text).message.contains("`users.email`"));
    }

    #[test]
    fn making_nullable_or_other_changes_is_safe() {
        clean(RULE, &upgrade("    op.alter_column('users', 'email', nullable=True)"));
        clean(RULE, &upgrade("    op.alter_column('users', 'email', existing_nullable=False, comment='x')"));
    }

    #[test]
    fn table_created_earlier_in_the_migration_is_exempt() {
        clean(
            RULE,
            &upgrade(
                "    op.create_table('users', sa.Column('email', sa.String()))\n    \
                 op.alter_column('users', 'email', nullable=False)",
            ),
        );
    }

    #[test]
    fn other_dialects_get_advice_without_postgresql_constraints() {
        let found = flagged_with(RULE, &upgrade("    op.alter_column('users', 'email', nullable=False)"), SQLITE);
        let help = found[0].help.as_deref().unwrap_or_default();
        assert!(help.starts_with("Backfill `users.email`"), "{help}");
    }

    #[test]
    fn snapshot() {
        let text = upgrade("    op.alter_column(\"users\", \"email\", existing_type=sa.String(), nullable=False)");
        insta::assert_snapshot!(render(RULE, &text));
    }
}
