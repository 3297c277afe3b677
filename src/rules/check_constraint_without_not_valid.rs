use crate::diagnostic::Diagnostic;
use crate::rules::alembic_code::{switch_is_off, py_str, span, table, upgrade_ops};
use crate::rules::{Checker, FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Checks `upgrade()` for `op.create_check_constraint(...)` (and the
    /// `batch_op` form) on a table that the migration did not create, without
    /// `postgresql_not_valid=True`. PostgreSQL only.
    ///
    /// ## Why is this bad?
    /// Adding a check constraint checks every existing row while PostgreSQL
    /// holds an `ACCESS EXCLUSIVE` lock: no query can read or write the table
    /// until the scan ends. Added `NOT VALID`, the constraint applies to new
    /// rows at once and old rows are checked later with `VALIDATE CONSTRAINT`,
    /// which lets reads and writes go on.
    ///
    /// ## Example
    /// ```python
    /// def upgrade():
    ///     op.create_check_constraint("ck_users_age", "users", "age >= 0")
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def upgrade():
    ///     op.create_check_constraint(
    ///         "ck_users_age", "users", "age >= 0", postgresql_not_valid=True
    ///     )
    ///
    /// # a later migration:
    /// def upgrade():
    ///     op.execute("ALTER TABLE users VALIDATE CONSTRAINT ck_users_age")
    /// ```
    pub struct CheckConstraintWithoutNotValid {
        code: "MC315",
        name: "check-constraint-without-not-valid",
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
        op.name == "create_check_constraint"
            && !op.table_is_new
            && switch_is_off(op, "postgresql_not_valid")
    });
    for op in ops {
        let table = table(ctx, op);
        let constraint = op.str_arg("constraint_name");
        let label = constraint.map_or(String::new(), |c| format!(" `{c}`"));
        let sql = format!(
            "ALTER TABLE {table} VALIDATE CONSTRAINT {}",
            constraint.unwrap_or("<constraint name>")
        );
        out.push(
            Diagnostic::new(
                Rule::CheckConstraintWithoutNotValid,
                span(ctx, op),
                format!(
                    "Adding check constraint{label} to `{table}` checks every row while `{table}` is locked against reads and writes."
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
    use crate::rules::testing::{clean, clean_with, pointed_at, render, single, upgrade, Setup};
    use crate::rules::Rule;

    const RULE: Rule = Rule::CheckConstraintWithoutNotValid;

    #[test]
    fn flags_positional_and_keyword_forms() {
        let text = upgrade("    op.create_check_constraint(\"ck_users_age\", \"users\", \"age >= 0\")");
        let finding = single(RULE, &text);
        assert_eq!(pointed_at(&text, &finding), "op.create_check_constraint(\"ck_users_age\", \"users\", \"age >= 0\")");
        assert_eq!(
            finding.help.as_deref(),
            Some("Add it with `postgresql_not_valid=True`, then `op.execute(\"ALTER TABLE users VALIDATE CONSTRAINT ck_users_age\")` in a later migration.")
        );
        let text = upgrade(
            "    op.create_check_constraint(constraint_name='ck', table_name='users', condition=sa.column('age') >= 0)",
        );
        assert!(single(RULE, &text).message.contains("`ck` to `users`"));
    }

    #[test]
    fn flags_the_batch_form() {
        let text = upgrade(
            "    with op.batch_alter_table('users') as batch_op:\n        batch_op.create_check_constraint('ck_users_age', 'age >= 0')",
        );
        assert!(single(RULE, &text).message.contains("to `users`"));
    }

    #[test]
    fn not_valid_is_safe() {
        clean(
            RULE,
            &upgrade("    op.create_check_constraint('ck', 'users', 'age >= 0', postgresql_not_valid=True)"),
        );
    }

    #[test]
    fn new_tables_and_other_dialects_are_exempt() {
        clean(
            RULE,
            &upgrade(
                "    op.create_table('users', sa.Column('age', sa.Integer))\n    \
                 op.create_check_constraint('ck', 'users', 'age >= 0')",
            ),
        );
        clean_with(
            RULE,
            &upgrade("    op.create_check_constraint('ck', 'users', 'age >= 0')"),
            Setup { dialect: None, url: Some("mysql://u@db/app") },
        );
    }

    #[test]
    fn snapshot() {
        let text = upgrade("    op.create_check_constraint(\"ck_users_age\", \"users\", \"age >= 0\")");
        insta::assert_snapshot!(render(RULE, &text));
    }
}
