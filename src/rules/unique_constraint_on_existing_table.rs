use crate::diagnostic::Diagnostic;
use crate::rules::alembic_code::{
    in_autocommit_block, py_arg, py_str, py_table, span, table, upgrade_ops,
};
use crate::rules::{Checker, FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Checks `upgrade()` for `op.create_unique_constraint(...)` (and the
    /// `batch_op` form) on a table that the migration did not create.
    ///
    /// ## Why is this bad?
    /// The database builds a unique index over every row to enforce the
    /// constraint, and PostgreSQL blocks every write to the table (and its own
    /// `ALTER TABLE` lock blocks reads) until the build ends. If a duplicate
    /// exists the migration fails after the wait.
    ///
    /// ## Example
    /// ```python
    /// def upgrade():
    ///     op.create_unique_constraint("uq_users_email", "users", ["email"])
    /// ```
    ///
    /// Use instead (PostgreSQL): build the unique index concurrently, then
    /// turn it into the constraint, which is instant:
    /// ```python
    /// def upgrade():
    ///     with op.get_context().autocommit_block():
    ///         op.create_index(
    ///             "uq_users_email", "users", ["email"], unique=True,
    ///             postgresql_concurrently=True,
    ///         )
    ///     op.execute(
    ///         "ALTER TABLE users ADD CONSTRAINT uq_users_email UNIQUE USING INDEX uq_users_email"
    ///     )
    /// ```
    pub struct UniqueConstraintOnExistingTable {
        code: "MC312",
        name: "unique-constraint-on-existing-table",
        scope: Operation,
        severity: Warning,
        checker: Checker::File(check),
    }
}

fn check(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    for op in upgrade_ops(ctx)
        .filter(|op| op.name == "create_unique_constraint" && !op.table_is_new)
    {
        let table = table(ctx, op);
        let columns = op
            .literal("columns")
            .and_then(|l| l.as_strings())
            .map(|c| c.join("_"));
        let constraint = match (op.str_arg("constraint_name"), &columns) {
            (Some(name), _) => name.to_string(),
            (None, Some(columns)) => format!("uq_{table}_{columns}"),
            (None, None) => format!("uq_{table}"),
        };
        let help = if ctx.settings.postgresql_or_unknown() {
            format!(
                "Build the index first with `{}`, then `op.execute({})`.",
                in_autocommit_block(&format!(
                    "op.create_index({}, {}, {}, unique=True, postgresql_concurrently=True)",
                    py_str(&constraint),
                    py_table(ctx, op),
                    py_arg(ctx, op, "columns", "[...]")
                )),
                py_str(&format!(
                    "ALTER TABLE {table} ADD CONSTRAINT {constraint} UNIQUE USING INDEX {constraint}"
                ))
            )
        } else {
            format!(
                "Remove duplicates from `{table}` in an earlier migration and add `{constraint}` when `{table}` is quiet."
            )
        };
        out.push(
            Diagnostic::new(
                Rule::UniqueConstraintOnExistingTable,
                span(ctx, op),
                format!(
                    "Adding unique constraint `{constraint}` to `{table}` builds its index over every row while writes to `{table}` wait."
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

    const RULE: Rule = Rule::UniqueConstraintOnExistingTable;

    #[test]
    fn flags_positional_and_keyword_forms() {
        let text = upgrade("    op.create_unique_constraint(\"uq_users_email\", \"users\", [\"email\"])");
        let finding = single(RULE, &text);
        assert_eq!(pointed_at(&text, &finding), "op.create_unique_constraint(\"uq_users_email\", \"users\", [\"email\"])");
        assert_eq!(
            finding.help.as_deref(),
            Some("Build the index first with `with op.get_context().autocommit_block(): op.create_index(\"uq_users_email\", \"users\", [\"email\"], unique=True, postgresql_concurrently=True)`, then `op.execute(\"ALTER TABLE users ADD CONSTRAINT uq_users_email UNIQUE USING INDEX uq_users_email\")`.")
        );
        let text = upgrade("    op.create_unique_constraint(None, table_name='users', columns=['email', 'org_id'])");
        assert!(single(RULE, &text).message.contains("`uq_users_email_org_id`"));
    }

    #[test]
    fn flags_the_batch_form() {
        let text = upgrade(
            "    with op.batch_alter_table('users') as batch_op:\n        batch_op.create_unique_constraint('uq_users_email', ['email'])",
        );
        assert!(single(RULE, &text).message.contains("to `users`"));
    }

    #[test]
    fn downgrade_and_new_tables_are_safe() {
        clean(
            RULE,
            &crate::rules::testing::migration(
                "def upgrade():\n    pass\n\ndef downgrade():\n    op.create_unique_constraint('uq', 'users', ['email'])\n",
            ),
        );
        clean(
            RULE,
            &upgrade(
                "    op.create_table('users', sa.Column('email', sa.String()))\n    \
                 op.create_unique_constraint('uq_users_email', 'users', ['email'])",
            ),
        );
    }

    #[test]
    fn other_dialects_get_advice_without_postgresql_syntax() {
        let found = flagged_with(RULE, &upgrade("    op.create_unique_constraint('uq', 'users', ['email'])"), SQLITE);
        assert!(found[0].help.as_deref().unwrap_or_default().starts_with("Remove duplicates"));
    }

    #[test]
    fn snapshot() {
        let text = upgrade("    op.create_unique_constraint(\"uq_users_email\", \"users\", [\"email\"])");
        insta::assert_snapshot!(render(RULE, &text));
    }
}
