use crate::diagnostic::Diagnostic;
use crate::rules::alembic_code::{switch_is_off, in_autocommit_block, name, other_keywords, py_arg, py_str, span, upgrade_ops, written};
use crate::rules::{Checker, FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Checks `upgrade()` for `op.drop_index(...)` (and `batch_op.drop_index`)
    /// without `postgresql_concurrently=True`. PostgreSQL only.
    ///
    /// ## Why is this bad?
    /// A plain `DROP INDEX` takes an `ACCESS EXCLUSIVE` lock on the table. It
    /// must wait for every running query on the table to finish, and while it
    /// waits, every new query on the table (reads included) queues behind it.
    /// `DROP INDEX CONCURRENTLY` waits without blocking anyone.
    ///
    /// ## Example
    /// ```python
    /// def upgrade():
    ///     op.drop_index("ix_users_email", table_name="users")
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def upgrade():
    ///     with op.get_context().autocommit_block():
    ///         op.drop_index(
    ///             "ix_users_email", table_name="users", postgresql_concurrently=True
    ///         )
    /// ```
    pub struct NonConcurrentDropIndex {
        code: "MC311",
        name: "non-concurrent-drop-index",
        scope: Operation,
        severity: Warning,
        checker: Checker::File(check),
    }
}

fn check(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    if !ctx.settings.postgresql_or_unknown() {
        return;
    }
    let ops = upgrade_ops(ctx).filter(|op| {
        op.name == "drop_index" && !op.table_is_new && switch_is_off(op, "postgresql_concurrently")
    });
    for op in ops {
        let index = name(ctx, op, "index_name", "the index");
        let table = match (&op.table, written(ctx, op, "table_name")) {
            (Some(table), _) => Some((format!("`{table}`"), py_str(table))),
            (None, Some(text)) => Some((format!("`{text}`"), text.to_string())),
            (None, None) => None,
        };
        let call = format!(
            "op.drop_index({}{}{}, postgresql_concurrently=True)",
            py_arg(ctx, op, "index_name", "None"),
            table
                .as_ref()
                .map(|(_, code)| format!(", table_name={code}"))
                .unwrap_or_default(),
            other_keywords(ctx, op, &["index_name", "table_name", "postgresql_concurrently"])
        );
        let call = if op.in_autocommit_block {
            call
        } else {
            in_autocommit_block(&call)
        };
        let table = table.map_or("its table".to_string(), |(label, _)| label);
        out.push(
            Diagnostic::new(
                Rule::NonConcurrentDropIndex,
                span(ctx, op),
                format!(
                    "Dropping index `{index}` without `postgresql_concurrently=True` locks {table} against reads and writes until running queries finish."
                ),
            )
            .with_help(format!("Drop it concurrently: `{call}`.")),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{clean, clean_with, migration, pointed_at, render, single, upgrade, SQLITE};
    use crate::rules::Rule;

    const RULE: Rule = Rule::NonConcurrentDropIndex;

    #[test]
    fn flags_positional_and_keyword_forms() {
        let text = upgrade("    op.drop_index(\"ix_users_email\", table_name=\"users\")");
        let finding = single(RULE, &text);
        assert_eq!(pointed_at(&text, &finding), "op.drop_index(\"ix_users_email\", table_name=\"users\")");
        assert_eq!(
            finding.help.as_deref(),
            Some("Drop it concurrently: `with op.get_context().autocommit_block(): op.drop_index(\"ix_users_email\", table_name=\"users\", postgresql_concurrently=True)`.")
        );
        let text = upgrade("    op.drop_index('ix_users_email', 'users', if_exists=True)");
        assert_eq!(
            single(RULE, &text).help.as_deref(),
            Some("Drop it concurrently: `with op.get_context().autocommit_block(): op.drop_index(\"ix_users_email\", table_name=\"users\", if_exists=True, postgresql_concurrently=True)`.")
        );
        let text = upgrade("    op.drop_index(index_name='ix_users_email')");
        assert!(single(RULE, &text).message.contains("locks its table"));
    }

    #[test]
    fn flags_the_batch_form() {
        let text = upgrade(
            "    with op.batch_alter_table('users') as batch_op:\n        batch_op.drop_index('ix_users_email')",
        );
        assert!(single(RULE, &text).message.contains("locks `users`"));
    }

    #[test]
    fn concurrent_drops_and_downgrades_are_safe() {
        clean(
            RULE,
            &upgrade(
                "    with op.get_context().autocommit_block():\n        \
                 op.drop_index('ix_users_email', table_name='users', postgresql_concurrently=True)",
            ),
        );
        clean(
            RULE,
            &migration(
                "def upgrade():\n    pass\n\ndef downgrade():\n    op.drop_index('ix_users_email', table_name='users')\n",
            ),
        );
    }

    #[test]
    fn new_tables_and_other_dialects_are_exempt() {
        clean(
            RULE,
            &upgrade(
                "    op.create_table('users', sa.Column('email', sa.String()))\n    \
                 op.create_index('ix', 'users', ['email'])\n    op.drop_index('ix', table_name='users')",
            ),
        );
        clean_with(RULE, &upgrade("    op.drop_index('ix', table_name='users')"), SQLITE);
    }

    #[test]
    fn snapshot() {
        let text = upgrade("    op.drop_index(\"ix_users_email\", table_name=\"users\")");
        insta::assert_snapshot!(render(RULE, &text));
    }
}
