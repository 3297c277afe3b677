use crate::alembic::operations::Literal;
use crate::diagnostic::Diagnostic;
use crate::rules::alembic_code::{column, name, span, table, upgrade_ops, written};
use crate::rules::{Checker, FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Checks `upgrade()` for `op.alter_column(..., type_=...)` (and the
    /// `batch_op` form) on a table that the migration did not create.
    ///
    /// ## Why is this bad?
    /// Most type changes rewrite the whole table and rebuild its indexes while
    /// an exclusive lock blocks every read and write (PostgreSQL's `ALTER
    /// COLUMN ... TYPE`, MySQL's table copy, SQLite's batch recreate). The
    /// running application may also send values the new type rejects. A few
    /// changes are cheap (PostgreSQL: `varchar(n)` to `text` or to a longer
    /// `varchar`); suppress the finding for those.
    ///
    /// ## Example
    /// ```python
    /// def upgrade():
    ///     op.alter_column("orders", "total", type_=sa.Numeric(12, 2))
    /// ```
    ///
    /// Use instead: add a column of the new type, write to both, backfill,
    /// move reads over, then drop the old column in a later migration:
    /// ```python
    /// def upgrade():
    ///     op.add_column("orders", sa.Column("total_exact", sa.Numeric(12, 2)))
    /// ```
    pub struct ColumnTypeChange {
        code: "MC306",
        name: "column-type-change",
        scope: Operation,
        severity: Warning,
        checker: Checker::File(check),
    }
}

fn check(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let ops = upgrade_ops(ctx).filter(|op| {
        op.name == "alter_column"
            && !op.table_is_new
            && op.has_arg("type_")
            && op.literal("type_") != Some(&Literal::None)
    });
    for op in ops {
        let qualified = column(&table(ctx, op), &name(ctx, op, "column_name", "the column"));
        let new_type = written(ctx, op, "type_").unwrap_or("the new type");
        out.push(
            Diagnostic::new(
                Rule::ColumnTypeChange,
                span(ctx, op),
                format!(
                    "Changing the type of `{qualified}` to `{new_type}` can rewrite the table and its indexes while it is locked."
                ),
            )
            .with_help(format!(
                "Add a new `{new_type}` column, write to both and backfill it, move reads over, then drop `{qualified}` in a later migration."
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{clean, pointed_at, render, single, upgrade};
    use crate::rules::Rule;

    const RULE: Rule = Rule::ColumnTypeChange;

    #[test]
    fn flags_positional_and_keyword_forms() {
        let text = upgrade("    op.alter_column(\"orders\", \"total\", type_=sa.Numeric(12, 2))");
        let finding = single(RULE, &text);
        assert_eq!(pointed_at(&text, &finding), "op.alter_column(\"orders\", \"total\", type_=sa.Numeric(12, 2))");
        assert!(finding.message.contains("`orders.total` to `sa.Numeric(12, 2)`"), "{}", finding.message);
        let text = upgrade("    op.alter_column(column_name='total', table_name='orders', type_=sa.BigInteger(), existing_type=sa.Integer())");
        assert!(single(RULE, &text).message.contains("`orders.total`"));
    }

    #[test]
    fn flags_the_batch_form() {
        let text = upgrade(
            "    with op.batch_alter_table('orders') as batch_op:\n        batch_op.alter_column('total', type_=sa.Numeric())",
        );
        assert!(single(RULE, &text).message.contains("`orders.total`"));
    }

    #[test]
    fn existing_type_alone_or_none_is_safe() {
        clean(RULE, &upgrade("    op.alter_column('orders', 'total', existing_type=sa.Integer(), nullable=True)"));
        clean(RULE, &upgrade("    op.alter_column('orders', 'total', type_=None)"));
    }

    #[test]
    fn table_created_earlier_in_the_migration_is_exempt() {
        clean(
            RULE,
            &upgrade(
                "    op.create_table('orders', sa.Column('total', sa.Integer))\n    \
                 op.alter_column('orders', 'total', type_=sa.BigInteger())",
            ),
        );
    }

    #[test]
    fn snapshot() {
        let text = upgrade("    op.alter_column(\"orders\", \"total\", existing_type=sa.Integer(), type_=sa.Numeric(12, 2))");
        insta::assert_snapshot!(render(RULE, &text));
    }
}
