use crate::diagnostic::Diagnostic;
use crate::rules::alembic_code::{
    in_autocommit_block, py_arg, py_str, py_table, span, table, upgrade_ops,
};
use crate::rules::{Checker, FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Checks `upgrade()` for `op.create_primary_key(...)` (and the `batch_op`
    /// form) on a table that the migration did not create.
    ///
    /// ## Why is this bad?
    /// Adding a primary key builds a unique index over every row and makes the
    /// columns NOT NULL, which checks every row too; PostgreSQL holds an
    /// `ACCESS EXCLUSIVE` lock meanwhile, so no query can read or write the
    /// table. A duplicate or a NULL makes the migration fail after the wait.
    ///
    /// ## Example
    /// ```python
    /// def upgrade():
    ///     op.create_primary_key("pk_events", "events", ["id"])
    /// ```
    ///
    /// Use instead (PostgreSQL): build the unique index concurrently, then
    /// turn it into the primary key:
    /// ```python
    /// def upgrade():
    ///     with op.get_context().autocommit_block():
    ///         op.create_index(
    ///             "pk_events", "events", ["id"], unique=True, postgresql_concurrently=True
    ///         )
    ///     op.execute("ALTER TABLE events ADD CONSTRAINT pk_events PRIMARY KEY USING INDEX pk_events")
    /// ```
    pub struct PrimaryKeyOnExistingTable {
        code: "MC313",
        name: "primary-key-on-existing-table",
        scope: Operation,
        severity: Warning,
        checker: Checker::File(check),
    }
}

fn check(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    for op in upgrade_ops(ctx).filter(|op| op.name == "create_primary_key" && !op.table_is_new) {
        let table = table(ctx, op);
        let constraint = op
            .str_arg("constraint_name")
            .map_or_else(|| format!("pk_{table}"), str::to_string);
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
                    "ALTER TABLE {table} ADD CONSTRAINT {constraint} PRIMARY KEY USING INDEX {constraint}"
                ))
            )
        } else {
            format!("Add `{constraint}` when `{table}` is quiet, after checking it has no duplicate or NULL keys.")
        };
        out.push(
            Diagnostic::new(
                Rule::PrimaryKeyOnExistingTable,
                span(ctx, op),
                format!(
                    "Adding primary key `{constraint}` to `{table}` builds a unique index over every row while `{table}` is locked."
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

    const RULE: Rule = Rule::PrimaryKeyOnExistingTable;

    #[test]
    fn flags_positional_and_keyword_forms() {
        let text = upgrade("    op.create_primary_key(\"pk_events\", \"events\", [\"id\"])");
        let finding = single(RULE, &text);
        assert_eq!(pointed_at(&text, &finding), "op.create_primary_key(\"pk_events\", \"events\", [\"id\"])");
        assert_eq!(
            finding.help.as_deref(),
            Some("Build the index first with `with op.get_context().autocommit_block(): op.create_index(\"pk_events\", \"events\", [\"id\"], unique=True, postgresql_concurrently=True)`, then `op.execute(\"ALTER TABLE events ADD CONSTRAINT pk_events PRIMARY KEY USING INDEX pk_events\")`.")
        );
        let text = upgrade("    op.create_primary_key(constraint_name=None, table_name='events', columns=['id'])");
        assert!(single(RULE, &text).message.contains("`pk_events` to `events`"));
    }

    #[test]
    fn flags_the_batch_form() {
        let text = upgrade(
            "    with op.batch_alter_table('events') as batch_op:\n        batch_op.create_primary_key('pk_events', ['id'])",
        );
        assert!(single(RULE, &text).message.contains("to `events`"));
    }

    #[test]
    fn new_tables_are_exempt() {
        clean(
            RULE,
            &upgrade(
                "    op.create_table('events', sa.Column('id', sa.Integer))\n    \
                 op.create_primary_key('pk_events', 'events', ['id'])",
            ),
        );
    }

    #[test]
    fn other_dialects_get_advice_without_postgresql_syntax() {
        let found = flagged_with(RULE, &upgrade("    op.create_primary_key('pk', 'events', ['id'])"), SQLITE);
        assert!(found[0].help.as_deref().unwrap_or_default().starts_with("Add `pk`"));
    }

    #[test]
    fn snapshot() {
        let text = upgrade("    op.create_primary_key(\"pk_events\", \"events\", [\"id\"])");
        insta::assert_snapshot!(render(RULE, &text));
    }
}
