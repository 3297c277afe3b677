use crate::diagnostic::Diagnostic;
use crate::rules::alembic_code::{switch_is_off, 
    in_autocommit_block, name, other_keywords, py_arg, py_table, span, table, upgrade_ops,
};
use crate::rules::{Checker, FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Checks `upgrade()` for `op.create_index(...)` (and `batch_op.create_index`)
    /// on a table that the migration did not create, without
    /// `postgresql_concurrently=True`. PostgreSQL only: it is skipped when the
    /// dialect (configured, or read from `sqlalchemy.url`) is another one.
    ///
    /// ## Why is this bad?
    /// A plain `CREATE INDEX` holds a `SHARE` lock for the whole build: every
    /// `INSERT`, `UPDATE` and `DELETE` on the table waits, for minutes on a
    /// large table. `CREATE INDEX CONCURRENTLY` builds the index while writes
    /// go on. It cannot run inside a transaction, so Alembic must run it in an
    /// `autocommit_block()`.
    ///
    /// ## Example
    /// ```python
    /// def upgrade():
    ///     op.create_index("ix_users_email", "users", ["email"])
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
    pub struct NonConcurrentIndex {
        code: "MC309",
        name: "non-concurrent-index",
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
        op.name == "create_index"
            && !op.table_is_new
            && switch_is_off(op, "postgresql_concurrently")
    });
    for op in ops {
        let index = name(ctx, op, "index_name", "the index");
        let table = table(ctx, op);
        let call = format!(
            "op.create_index({}, {}, {}{}, postgresql_concurrently=True)",
            py_arg(ctx, op, "index_name", "None"),
            py_table(ctx, op),
            py_arg(ctx, op, "columns", "[...]"),
            other_keywords(
                ctx,
                op,
                &["index_name", "table_name", "columns", "postgresql_concurrently"]
            )
        );
        let call = if op.in_autocommit_block {
            call
        } else {
            in_autocommit_block(&call)
        };
        out.push(
            Diagnostic::new(
                Rule::NonConcurrentIndex,
                span(ctx, op),
                format!(
                    "Creating index `{index}` on `{table}` without `postgresql_concurrently=True` blocks writes to `{table}` until the index is built."
                ),
            )
            .with_help(format!("Create it concurrently: `{call}`.")),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{clean, clean_with, flagged_with, pointed_at, render, single, upgrade, Setup, SQLITE};
    use crate::rules::Rule;

    const RULE: Rule = Rule::NonConcurrentIndex;

    #[test]
    fn flags_positional_and_keyword_forms_with_a_fix_in_their_names() {
        let text = upgrade("    op.create_index(\"ix_users_email\", \"users\", [\"email\"])");
        let finding = single(RULE, &text);
        assert_eq!(pointed_at(&text, &finding), "op.create_index(\"ix_users_email\", \"users\", [\"email\"])");
        assert_eq!(
            finding.help.as_deref(),
            Some("Create it concurrently: `with op.get_context().autocommit_block(): op.create_index(\"ix_users_email\", \"users\", [\"email\"], postgresql_concurrently=True)`.")
        );
        let text = upgrade(
            "    op.create_index(index_name='ix_users_email', table_name='users', columns=['email'], unique=True)",
        );
        assert_eq!(
            single(RULE, &text).help.as_deref(),
            Some("Create it concurrently: `with op.get_context().autocommit_block(): op.create_index(\"ix_users_email\", \"users\", [\"email\"], unique=True, postgresql_concurrently=True)`.")
        );
    }

    #[test]
    fn explicit_false_is_flagged() {
        single(RULE, &upgrade("    op.create_index('ix', 'users', ['email'], postgresql_concurrently=False)"));
    }

    #[test]
    fn flags_the_batch_form_with_the_table_of_the_with() {
        let text = upgrade(
            "    with op.batch_alter_table('users') as batch_op:\n        batch_op.create_index('ix_users_email', ['email'])",
        );
        let finding = single(RULE, &text);
        assert!(finding.message.contains("`ix_users_email` on `users`"));
        assert!(finding.help.as_deref().unwrap_or_default().contains("op.create_index(\"ix_users_email\", \"users\", [\"email\"]"));
    }

    #[test]
    fn concurrent_indexes_are_safe() {
        clean(
            RULE,
            &upgrade(
                "    with op.get_context().autocommit_block():\n        \
                 op.create_index('ix_users_email', 'users', ['email'], postgresql_concurrently=True)",
            ),
        );
        // A value computed at run time may be `True`.
        clean(RULE, &upgrade("    op.create_index('ix', 'users', ['email'], postgresql_concurrently=CONCURRENTLY)"));
        // Outside an autocommit block this is MC310's business.
        clean(RULE, &upgrade("    op.create_index('ix', 'users', ['email'], postgresql_concurrently=True)"));
    }

    #[test]
    fn new_tables_and_other_dialects_are_exempt() {
        clean(
            RULE,
            &upgrade(
                "    op.create_table('users', sa.Column('email', sa.String()))\n    \
                 op.create_index('ix_users_email', 'users', ['email'])",
            ),
        );
        let text = upgrade("    op.create_index('ix_users_email', 'users', ['email'])");
        clean_with(RULE, &text, SQLITE);
        clean_with(RULE, &text, Setup { dialect: None, url: Some("sqlite:///app.db") });
        flagged_with(RULE, &text, Setup { dialect: None, url: Some("postgresql+psycopg2://u@db/app") });
        // The configured dialect wins over the URL.
        flagged_with(RULE, &text, Setup { dialect: Some("postgresql"), url: Some("sqlite:///app.db") });
    }

    #[test]
    fn snapshot() {
        let text = upgrade("    op.create_index(op.f(\"ix_users_email\"), \"users\", [\"email\"], unique=True)");
        insta::assert_snapshot!(render(RULE, &text));
    }
}
