use crate::diagnostic::Diagnostic;
use crate::rules::alembic_code::{name, span};
use crate::rules::{Checker, FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Checks `upgrade()` and `downgrade()` for `op.create_index(...)` or
    /// `op.drop_index(...)` with `postgresql_concurrently=True` that is not
    /// inside `with op.get_context().autocommit_block():`. PostgreSQL only.
    ///
    /// ## Why is this bad?
    /// Alembic runs PostgreSQL migrations inside a transaction, and PostgreSQL
    /// refuses `CREATE INDEX CONCURRENTLY` and `DROP INDEX CONCURRENTLY` there
    /// (`cannot run inside a transaction block`): the migration fails at
    /// deploy time, after everything before it in the same transaction has
    /// been rolled back.
    ///
    /// ## Example
    /// ```python
    /// def upgrade():
    ///     op.create_index("ix_users_email", "users", ["email"], postgresql_concurrently=True)
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def upgrade():
    ///     with op.get_context().autocommit_block():
    ///         op.create_index(
    ///             "ix_users_email", "users", ["email"], postgresql_concurrently=True
    ///         )
    /// ```
    pub struct ConcurrentIndexOutsideAutocommit {
        code: "MC310",
        name: "concurrent-index-outside-autocommit",
        scope: Operation,
        severity: Error,
        checker: Checker::File(check),
    }
}

fn check(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    if !ctx.settings.postgresql_or_unknown() {
        return;
    }
    // Both directions: a downgrade that cannot run is broken too.
    let ops = ctx.operations().operations.iter().filter(|op| {
        matches!(op.name.as_str(), "create_index" | "drop_index")
            && op.bool_arg("postgresql_concurrently") == Some(true)
            && !op.in_autocommit_block
    });
    for op in ops {
        let index = name(ctx, op, "index_name", "the index");
        let (verb, statement) = if op.name == "create_index" {
            ("created", "CREATE INDEX CONCURRENTLY")
        } else {
            ("dropped", "DROP INDEX CONCURRENTLY")
        };
        out.push(
            Diagnostic::new(
                Rule::ConcurrentIndexOutsideAutocommit,
                span(ctx, op),
                format!(
                    "Index `{index}` is {verb} concurrently inside the migration's transaction, where PostgreSQL refuses `{statement}`."
                ),
            )
            .with_help(format!(
                "Move `op.{}(...)` into `with op.get_context().autocommit_block():` so it runs outside the transaction.",
                op.name
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{clean, clean_with, flagged, migration, pointed_at, render, single, upgrade, SQLITE};
    use crate::rules::Rule;

    const RULE: Rule = Rule::ConcurrentIndexOutsideAutocommit;

    #[test]
    fn flags_concurrent_index_operations_in_the_transaction() {
        let text = upgrade("    op.create_index(\"ix_users_email\", \"users\", [\"email\"], postgresql_concurrently=True)");
        let finding = single(RULE, &text);
        assert!(pointed_at(&text, &finding).starts_with("op.create_index(\"ix_users_email\""));
        let text = upgrade("    op.drop_index(index_name='ix_old', table_name='users', postgresql_concurrently=True)");
        assert!(single(RULE, &text).message.contains("`ix_old` is dropped concurrently"));
    }

    #[test]
    fn flags_the_batch_form_and_downgrade() {
        single(
            RULE,
            &upgrade(
                "    with op.batch_alter_table('users') as batch_op:\n        \
                 batch_op.create_index('ix_users_email', ['email'], postgresql_concurrently=True)",
            ),
        );
        let text = migration(
            "def upgrade():\n    with op.get_context().autocommit_block():\n        \
             op.create_index('ix', 'users', ['email'], postgresql_concurrently=True)\n\n\
             def downgrade():\n    op.drop_index('ix', table_name='users', postgresql_concurrently=True)\n",
        );
        assert_eq!(flagged(RULE, &text).len(), 1);
    }

    #[test]
    fn autocommit_block_and_plain_indexes_are_safe() {
        clean(
            RULE,
            &upgrade(
                "    with op.get_context().autocommit_block():\n        \
                 op.create_index('ix', 'users', ['email'], postgresql_concurrently=True)\n        \
                 op.drop_index('ix_old', table_name='users', postgresql_concurrently=True)",
            ),
        );
        clean(RULE, &upgrade("    op.create_index('ix', 'users', ['email'])"));
    }

    #[test]
    fn other_dialects_are_exempt_but_new_tables_are_not() {
        let text = upgrade("    op.create_index('ix', 'users', ['email'], postgresql_concurrently=True)");
        clean_with(RULE, &text, SQLITE);
        single(
            RULE,
            &upgrade(
                "    op.create_table('users', sa.Column('email', sa.String()))\n    \
                 op.create_index('ix', 'users', ['email'], postgresql_concurrently=True)",
            ),
        );
    }

    #[test]
    fn snapshot() {
        let text = upgrade("    op.create_index(\"ix_users_email\", \"users\", [\"email\"], postgresql_concurrently=True)");
        insta::assert_snapshot!(render(RULE, &text));
    }
}
