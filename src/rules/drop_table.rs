use crate::diagnostic::Diagnostic;
use crate::rules::alembic_code::{span, table, upgrade_ops};
use crate::rules::{Checker, FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Checks `upgrade()` for `op.drop_table(...)`.
    ///
    /// ## Why is this bad?
    /// Every row of the table is gone, and the downgrade can only recreate it
    /// empty. The application that is running while the migration runs may
    /// still query the table (or load it through a relationship) and fails
    /// until the new code is deployed everywhere.
    ///
    /// ## Example
    /// ```python
    /// def upgrade():
    ///     op.drop_table("orders")
    /// ```
    ///
    /// Use instead: first deploy code that no longer uses the table, keep a
    /// backup of its data if it may be needed, then drop it in its own
    /// migration and say so:
    /// ```python
    /// def upgrade():
    ///     # migcheck: ignore[drop-table] unused since release 42, archived to S3
    ///     op.drop_table("orders")
    /// ```
    pub struct DropTable {
        code: "MC302",
        name: "drop-table",
        scope: Operation,
        severity: Warning,
        checker: Checker::File(check),
    }
}

fn check(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    for op in upgrade_ops(ctx).filter(|op| op.name == "drop_table" && !op.table_is_new) {
        let table = table(ctx, op);
        out.push(
            Diagnostic::new(
                Rule::DropTable,
                span(ctx, op),
                format!("Dropping table `{table}` deletes its rows and breaks the application code that still uses it."),
            )
            .with_help(format!(
                "Deploy code that no longer uses `{table}` first, then drop it in its own migration marked `# migcheck: ignore[drop-table] <reason>`."
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{clean, migration, pointed_at, render, single, upgrade};
    use crate::rules::Rule;

    const RULE: Rule = Rule::DropTable;

    #[test]
    fn flags_positional_and_keyword_forms() {
        let text = upgrade("    op.drop_table(\"orders\")");
        let finding = single(RULE, &text);
        assert_eq!(pointed_at(&text, &finding), "op.drop_table(\"orders\")");
        assert!(finding.message.contains("`orders`"));
        let text = upgrade("    op.drop_table(table_name='orders', schema='shop', if_exists=True)");
        assert!(single(RULE, &text).message.contains("`orders`"));
    }

    #[test]
    fn a_table_named_by_a_variable_is_named_as_written() {
        let text = upgrade("    name = 'orders'\n    op.drop_table(name)");
        assert!(single(RULE, &text).message.contains("`name`"));
    }

    #[test]
    fn dropping_in_downgrade_is_safe() {
        clean(
            RULE,
            &migration(
                "def upgrade():\n    op.create_table('orders', sa.Column('id', sa.Integer, primary_key=True))\n\n\
                 def downgrade():\n    op.drop_table('orders')\n",
            ),
        );
    }

    #[test]
    fn table_created_earlier_in_the_migration_is_exempt() {
        clean(
            RULE,
            &upgrade(
                "    op.create_table('tmp_orders', sa.Column('id', sa.Integer))\n    \
                 op.execute('INSERT INTO tmp_orders SELECT id FROM orders')\n    \
                 op.drop_table('tmp_orders')",
            ),
        );
    }

    #[test]
    fn snapshot() {
        let text = upgrade("    op.drop_table(\"orders\")");
        insta::assert_snapshot!(render(RULE, &text));
    }
}
