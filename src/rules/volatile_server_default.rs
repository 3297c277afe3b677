use crate::alembic::operations::{Receiver, Volatility};
use crate::diagnostic::Diagnostic;
use crate::rules::alembic_code::{column, py_str, span, table, upgrade_ops};
use crate::rules::{Checker, FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Checks `upgrade()` for `op.add_column(...)` of a column whose
    /// `server_default` is volatile (a new value for each row).
    ///
    /// Volatile, as PostgreSQL's `pg_proc.provolatile` says: `gen_random_uuid()`,
    /// `uuid_generate_v4()`, `random()`, `clock_timestamp()`, `timeofday()`,
    /// `nextval(...)`. Not volatile: constants, and stable functions such as
    /// `now()`, `CURRENT_TIMESTAMP` or `sa.func.now()`, which PostgreSQL
    /// evaluates once for the whole statement. On SQLite (configured or read
    /// from `sqlalchemy.url`) it checks for any default that is not a constant
    /// instead, `now()` included, outside `batch_alter_table`.
    ///
    /// ## Why is this bad?
    /// PostgreSQL (11 and later) adds a column with a constant or stable
    /// default such as `now()` without touching the rows, but a volatile
    /// default must be computed for every existing row: the whole table is
    /// rewritten while an `ACCESS EXCLUSIVE` lock blocks every read and write.
    /// SQLite refuses `ALTER TABLE ... ADD COLUMN` with a default that is not
    /// a constant (`Cannot add a column with non-constant default`).
    ///
    /// ## Example
    /// ```python
    /// def upgrade():
    ///     op.add_column(
    ///         "users",
    ///         sa.Column("token", sa.Uuid(), server_default=sa.text("gen_random_uuid()")),
    ///     )
    /// ```
    ///
    /// Use instead: add the column without a default, set the default for new
    /// rows, and backfill the existing rows in batches:
    /// ```python
    /// def upgrade():
    ///     op.add_column("users", sa.Column("token", sa.Uuid()))
    ///     op.alter_column("users", "token", server_default=sa.text("gen_random_uuid()"))
    ///     # then backfill in batches: UPDATE users SET token = gen_random_uuid() WHERE ...
    /// ```
    /// On SQLite, add the column inside `op.batch_alter_table(...)`, which
    /// recreates the table.
    pub struct VolatileServerDefault {
        code: "MC304",
        name: "volatile-server-default",
        scope: Operation,
        severity: Warning,
        checker: Checker::File(check),
    }
}

fn check(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let postgresql = ctx.settings.postgresql_or_unknown();
    let sqlite = ctx.settings.dialect.as_deref() == Some("sqlite");
    if !postgresql && !sqlite {
        return;
    }
    for op in upgrade_ops(ctx).filter(|op| op.name == "add_column" && !op.table_is_new) {
        let table = table(ctx, op);
        for col in &op.columns {
            let Some(default) = &col.server_default else {
                continue;
            };
            let name = col.name.as_deref().unwrap_or("the column");
            let qualified = column(&table, name);
            let diagnostic = if postgresql && default.volatility == Volatility::Volatile {
                Diagnostic::new(
                    Rule::VolatileServerDefault,
                    span(ctx, op),
                    format!(
                        "Adding `{qualified}` with the volatile default `{}` rewrites all of `{table}` while it is locked.",
                        default.text
                    ),
                )
                .with_help(format!(
                    "Add `{qualified}` without a default, then `op.alter_column({}, {}, server_default={})` and backfill the existing rows in batches.",
                    py_str(&table),
                    py_str(name),
                    default.text
                ))
            } else if sqlite
                && op.receiver == Receiver::Op
                && matches!(default.volatility, Volatility::Volatile | Volatility::Stable)
            {
                Diagnostic::new(
                    Rule::VolatileServerDefault,
                    span(ctx, op),
                    format!(
                        "SQLite cannot add `{qualified}` with the non-constant default `{}`.",
                        default.text
                    ),
                )
                .with_help(format!(
                    "Add it inside `with op.batch_alter_table({}) as batch_op:` so the table is recreated, or give it a constant default.",
                    py_str(&table)
                ))
            } else {
                continue;
            };
            out.push(diagnostic);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{clean, clean_with, pointed_at, render, single, upgrade, Setup, SQLITE};
    use crate::rules::testing::flagged_with;
    use crate::rules::Rule;

    const RULE: Rule = Rule::VolatileServerDefault;

    #[test]
    fn flags_volatile_defaults() {
        let text = upgrade(
            "    op.add_column(\"users\", sa.Column(\"token\", sa.Uuid(), server_default=sa.text(\"gen_random_uuid()\")))",
        );
        let finding = single(RULE, &text);
        assert!(pointed_at(&text, &finding).starts_with("op.add_column("));
        assert_eq!(
            finding.help.as_deref(),
            Some("Add `users.token` without a default, then `op.alter_column(\"users\", \"token\", server_default=sa.text(\"gen_random_uuid()\"))` and backfill the existing rows in batches.")
        );
        single(
            RULE,
            &upgrade("    op.add_column(table_name='users', column=sa.Column('r', sa.Float, server_default=sa.func.random()))"),
        );
        single(
            RULE,
            &upgrade("    op.add_column('users', sa.Column('t', sa.DateTime, server_default=text('clock_timestamp()')))"),
        );
    }

    #[test]
    fn flags_the_batch_form() {
        let text = upgrade(
            "    with op.batch_alter_table('users') as batch_op:\n        \
             batch_op.add_column(sa.Column('token', sa.Uuid(), server_default=sa.func.uuid_generate_v4()))",
        );
        assert!(single(RULE, &text).message.contains("`users.token`"));
    }

    #[test]
    fn constant_and_stable_defaults_are_safe_on_postgresql() {
        for default in ["'0'", "sa.text('now()')", "sa.func.now()", "sa.text('CURRENT_TIMESTAMP')"] {
            clean(
                RULE,
                &upgrade(&format!(
                    "    op.add_column('users', sa.Column('x', sa.DateTime, server_default={default}))"
                )),
            );
        }
    }

    #[test]
    fn table_created_earlier_and_other_dialects_are_exempt() {
        clean(
            RULE,
            &upgrade(
                "    op.create_table('users', sa.Column('id', sa.Integer, primary_key=True))\n    \
                 op.add_column('users', sa.Column('t', sa.Uuid(), server_default=sa.text('gen_random_uuid()')))",
            ),
        );
        let text = upgrade("    op.add_column('users', sa.Column('t', sa.Uuid(), server_default=sa.text('gen_random_uuid()')))");
        clean_with(RULE, &text, Setup { dialect: None, url: Some("mysql+pymysql://u@db/app") });
        flagged_with(RULE, &text, Setup { dialect: None, url: Some("postgresql+psycopg2://u@db/app") });
    }

    #[test]
    fn sqlite_refuses_non_constant_defaults_outside_batch() {
        let text = upgrade("    op.add_column('users', sa.Column('created_at', sa.DateTime, server_default=sa.func.now()))");
        let found = flagged_with(RULE, &text, SQLITE);
        assert!(found[0].message.starts_with("SQLite cannot add `users.created_at`"));
        clean_with(
            RULE,
            &upgrade(
                "    with op.batch_alter_table('users') as batch_op:\n        \
                 batch_op.add_column(sa.Column('created_at', sa.DateTime, server_default=sa.func.now()))",
            ),
            SQLITE,
        );
        clean_with(
            RULE,
            &upgrade("    op.add_column('users', sa.Column('n', sa.Integer, server_default='0'))"),
            SQLITE,
        );
    }

    #[test]
    fn snapshot() {
        let text = upgrade(
            "    op.add_column(\n        \"users\",\n        sa.Column(\"token\", sa.Uuid(), server_default=sa.text(\"gen_random_uuid()\")),\n    )",
        );
        insta::assert_snapshot!(render(RULE, &text));
    }
}
