use crate::diagnostic::Diagnostic;
use crate::rules::alembic_code::{name, span, table, upgrade_ops};
use crate::rules::{Checker, FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Checks `upgrade()` for `op.rename_table(...)` of a table that the
    /// migration did not create.
    ///
    /// ## Why is this bad?
    /// The rename is instant, but the application that is running while it
    /// happens still queries the old name and fails until the new code is
    /// deployed everywhere; rolling the code back fails the other way round.
    ///
    /// ## Example
    /// ```python
    /// def upgrade():
    ///     op.rename_table("users", "accounts")
    /// ```
    ///
    /// Use instead: create the new table, write to both, backfill, move reads
    /// over, and drop the old table in a later migration:
    /// ```python
    /// def upgrade():
    ///     op.create_table("accounts", sa.Column("id", sa.Integer, primary_key=True))
    /// ```
    pub struct TableRename {
        code: "MC308",
        name: "table-rename",
        scope: Operation,
        severity: Warning,
        checker: Checker::File(check),
    }
}

fn check(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    for op in upgrade_ops(ctx).filter(|op| op.name == "rename_table" && !op.table_is_new) {
        let old = table(ctx, op);
        let new = name(ctx, op, "new_table_name", "the new name");
        out.push(
            Diagnostic::new(
                Rule::TableRename,
                span(ctx, op),
                format!("Renaming table `{old}` to `{new}` breaks the application code that still queries `{old}`."),
            )
            .with_help(format!(
                "Create `{new}`, write to both tables and backfill it, move reads to `{new}`, then drop `{old}` in a later migration."
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{clean, pointed_at, render, single, upgrade};
    use crate::rules::Rule;

    const RULE: Rule = Rule::TableRename;

    #[test]
    fn flags_positional_and_keyword_forms() {
        let text = upgrade("    op.rename_table(\"users\", \"accounts\")");
        let finding = single(RULE, &text);
        assert_eq!(pointed_at(&text, &finding), "op.rename_table(\"users\", \"accounts\")");
        assert_eq!(
            finding.message,
            "Renaming table `users` to `accounts` breaks the application code that still queries `users`."
        );
        let text = upgrade("    op.rename_table(old_table_name='users', new_table_name='accounts', schema='app')");
        assert!(single(RULE, &text).message.contains("`users` to `accounts`"));
    }

    #[test]
    fn renaming_in_downgrade_is_safe() {
        clean(
            RULE,
            &crate::rules::testing::migration(
                "def upgrade():\n    pass\n\ndef downgrade():\n    op.rename_table('accounts', 'users')\n",
            ),
        );
    }

    #[test]
    fn table_created_earlier_in_the_migration_is_exempt() {
        clean(
            RULE,
            &upgrade(
                "    op.create_table('accounts_new', sa.Column('id', sa.Integer))\n    \
                 op.rename_table('accounts_new', 'accounts')",
            ),
        );
    }

    #[test]
    fn snapshot() {
        let text = upgrade("    op.rename_table(\"users\", \"accounts\")");
        insta::assert_snapshot!(render(RULE, &text));
    }
}
