use crate::diagnostic::Diagnostic;
use crate::rules::alembic_code::{switch_is_off, name, py_str, span, table, upgrade_ops};
use crate::rules::{Checker, FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Checks `upgrade()` for `op.create_foreign_key(...)` (and the `batch_op`
    /// form) on a table that the migration did not create, without
    /// `postgresql_not_valid=True`. PostgreSQL only.
    ///
    /// ## Why is this bad?
    /// Adding a foreign key checks every existing row against the referenced
    /// table, and PostgreSQL blocks writes to both tables (`SHARE ROW
    /// EXCLUSIVE`) until the check ends. Added `NOT VALID`, the constraint
    /// applies to new rows at once and the check of old rows runs later with
    /// `VALIDATE CONSTRAINT`, which lets writes go on.
    ///
    /// ## Example
    /// ```python
    /// def upgrade():
    ///     op.create_foreign_key("fk_orders_user_id", "orders", "users", ["user_id"], ["id"])
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def upgrade():
    ///     op.create_foreign_key(
    ///         "fk_orders_user_id", "orders", "users", ["user_id"], ["id"],
    ///         postgresql_not_valid=True,
    ///     )
    ///
    /// # a later migration:
    /// def upgrade():
    ///     op.execute("ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_user_id")
    /// ```
    pub struct ForeignKeyWithoutNotValid {
        code: "MC314",
        name: "foreign-key-without-not-valid",
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
        op.name == "create_foreign_key" && !op.table_is_new && switch_is_off(op, "postgresql_not_valid")
    });
    for op in ops {
        let table = table(ctx, op);
        let referent = name(ctx, op, "referent_table", "the referenced table");
        let constraint = op.str_arg("constraint_name");
        let label = constraint.map_or(String::new(), |c| format!(" `{c}`"));
        let sql = format!(
            "ALTER TABLE {table} VALIDATE CONSTRAINT {}",
            constraint.unwrap_or("<constraint name>")
        );
        out.push(
            Diagnostic::new(
                Rule::ForeignKeyWithoutNotValid,
                span(ctx, op),
                format!(
                    "Adding foreign key{label} on `{table}` checks every row while blocking writes to `{table}` and `{referent}`."
                ),
            )
            .with_help(format!(
                "Add it with `postgresql_not_valid=True`, then `op.execute({})` in a later migration.",
                py_str(&sql)
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{clean, clean_with, pointed_at, render, single, upgrade, SQLITE};
    use crate::rules::Rule;

    const RULE: Rule = Rule::ForeignKeyWithoutNotValid;

    #[test]
    fn flags_positional_and_keyword_forms() {
        let text = upgrade("    op.create_foreign_key(\"fk_orders_user_id\", \"orders\", \"users\", [\"user_id\"], [\"id\"])");
        let finding = single(RULE, &text);
        assert!(pointed_at(&text, &finding).starts_with("op.create_foreign_key("));
        assert_eq!(
            finding.message,
            "Adding foreign key `fk_orders_user_id` on `orders` checks every row while blocking writes to `orders` and `users`."
        );
        assert_eq!(
            finding.help.as_deref(),
            Some("Add it with `postgresql_not_valid=True`, then `op.execute(\"ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_user_id\")` in a later migration.")
        );
        let text = upgrade(
            "    op.create_foreign_key(constraint_name='fk', source_table='orders', referent_table='users', \
             local_cols=['user_id'], remote_cols=['id'], ondelete='CASCADE')",
        );
        assert!(single(RULE, &text).message.contains("on `orders`"));
    }

    #[test]
    fn explicit_false_is_flagged() {
        single(
            RULE,
            &upgrade("    op.create_foreign_key('fk', 'orders', 'users', ['user_id'], ['id'], postgresql_not_valid=False)"),
        );
    }

    #[test]
    fn flags_the_batch_form() {
        let text = upgrade(
            "    with op.batch_alter_table('orders') as batch_op:\n        \
             batch_op.create_foreign_key('fk', 'users', ['user_id'], ['id'])",
        );
        assert!(single(RULE, &text).message.contains("`orders` and `users`"));
    }

    #[test]
    fn not_valid_is_safe() {
        clean(
            RULE,
            &upgrade("    op.create_foreign_key('fk', 'orders', 'users', ['user_id'], ['id'], postgresql_not_valid=True)"),
        );
    }

    #[test]
    fn new_tables_and_other_dialects_are_exempt() {
        clean(
            RULE,
            &upgrade(
                "    op.create_table('orders', sa.Column('user_id', sa.Integer))\n    \
                 op.create_foreign_key('fk', 'orders', 'users', ['user_id'], ['id'])",
            ),
        );
        clean_with(
            RULE,
            &upgrade("    op.create_foreign_key('fk', 'orders', 'users', ['user_id'], ['id'])"),
            SQLITE,
        );
    }

    #[test]
    fn snapshot() {
        let text = upgrade(
            "    op.create_foreign_key(\n        \"fk_orders_user_id\", \"orders\", \"users\", [\"user_id\"], [\"id\"]\n    )",
        );
        insta::assert_snapshot!(render(RULE, &text));
    }
}
