use crate::diagnostic::Diagnostic;
use crate::rules::alembic_code::{column, name, span, table, upgrade_ops};
use crate::rules::{Checker, FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Checks `upgrade()` for `op.drop_column(...)` and `batch_op.drop_column(...)`.
    ///
    /// ## Why is this bad?
    /// The application that is running while the migration runs still maps the
    /// column: SQLAlchemy selects every mapped column, so each query on the
    /// table fails from the moment the column is gone until the new code is
    /// deployed everywhere. The data in the column is lost for good, and the
    /// downgrade can only bring back an empty column.
    ///
    /// ## Example
    /// ```python
    /// def upgrade():
    ///     op.drop_column("users", "email")
    /// ```
    ///
    /// Use instead: first deploy code that no longer reads or writes the column
    /// (remove it from the model), then drop it in a later migration and say so:
    /// ```python
    /// def upgrade():
    ///     # migcheck: ignore[drop-column] the model stopped using it in release 42
    ///     op.drop_column("users", "email")
    /// ```
    pub struct DropColumn {
        code: "MC301",
        name: "drop-column",
        scope: Operation,
        severity: Warning,
        checker: Checker::File(check),
    }
}

fn check(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    for op in upgrade_ops(ctx).filter(|op| op.name == "drop_column" && !op.table_is_new) {
        let qualified = column(&table(ctx, op), &name(ctx, op, "column_name", "the column"));
        out.push(
            Diagnostic::new(
                Rule::DropColumn,
                span(ctx, op),
                format!("Dropping column `{qualified}` breaks the application code that still reads it."),
            )
            .with_help(format!(
                "Deploy code that no longer uses `{qualified}` first, then drop it in a later migration marked `# migcheck: ignore[drop-column] <reason>`."
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{clean, flagged, pointed_at, render, single, upgrade};
    use crate::rules::Rule;

    const RULE: Rule = Rule::DropColumn;

    #[test]
    fn flags_positional_and_keyword_forms() {
        let text = upgrade("    op.drop_column(\"users\", \"email\")");
        let finding = single(RULE, &text);
        assert_eq!(pointed_at(&text, &finding), "op.drop_column(\"users\", \"email\")");
        assert!(finding.message.contains("`users.email`"), "{}", finding.message);
        let text = upgrade("    op.drop_column(table_name='users', column_name='email', schema='app')");
        assert!(single(RULE, &text).message.contains("`users.email`"));
    }

    #[test]
    fn flags_the_batch_form_with_the_table_of_the_with() {
        let text = upgrade(
            "    with op.batch_alter_table(\"users\") as batch_op:\n        batch_op.drop_column(\"email\")\n        batch_op.drop_column(\"name\")",
        );
        let found = flagged(RULE, &text);
        assert_eq!(found.len(), 2);
        assert!(found[1].message.contains("`users.name`"));
        assert_eq!(pointed_at(&text, &found[0]), "batch_op.drop_column(\"email\")");
    }

    #[test]
    fn downgrade_and_adding_are_safe() {
        clean(
            RULE,
            &crate::rules::testing::migration(
                "def upgrade():\n    op.add_column('users', sa.Column('email', sa.String()))\n\n\
                 def downgrade():\n    op.drop_column('users', 'email')\n",
            ),
        );
    }

    #[test]
    fn table_created_earlier_in_the_migration_is_exempt() {
        clean(
            RULE,
            &upgrade(
                "    op.create_table('users', sa.Column('id', sa.Integer, primary_key=True), sa.Column('tmp', sa.Integer))\n    \
                 op.drop_column('users', 'tmp')",
            ),
        );
    }

    #[test]
    fn snapshot() {
        let text = upgrade(
            "    op.add_column(\"users\", sa.Column(\"email_address\", sa.String()))\n    op.drop_column(\"users\", \"email\")",
        );
        insta::assert_snapshot!(render(RULE, &text));
    }
}
