use crate::alembic::operations::{Operation, Receiver};
use crate::diagnostic::Diagnostic;
use crate::rules::alembic_code::py_str;
use crate::rules::function_body::{function_def, refuses_to_run};
use crate::rules::undo::{created, Kind};
use crate::rules::{Checker, FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Checks that `downgrade()` removes what `upgrade()` creates: a
    /// `drop_table` for each `create_table`, a `drop_column` for each
    /// `add_column`, a `drop_index` for each `create_index`, and a
    /// `drop_constraint` for each `create_foreign_key`,
    /// `create_unique_constraint`, `create_check_constraint`,
    /// `create_primary_key` or `create_exclude_constraint`. Dropping the whole
    /// table counts, and so does raw SQL in `downgrade()` that names the
    /// object. Objects without a literal name are not checked.
    ///
    /// ## Why is this bad?
    /// A partial downgrade leaves objects behind: the next `alembic upgrade`
    /// fails with "already exists", and a stale index or constraint keeps
    /// slowing or rejecting writes on a schema that claims to be older.
    ///
    /// ## Example
    /// ```python
    /// def upgrade():
    ///     op.add_column("users", sa.Column("email", sa.String(), nullable=True))
    ///     op.create_index("ix_users_email", "users", ["email"])
    ///
    ///
    /// def downgrade():
    ///     op.drop_column("users", "email")
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def downgrade():
    ///     op.drop_index("ix_users_email", table_name="users")
    ///     op.drop_column("users", "email")
    /// ```
    pub struct IncompleteDowngrade {
        code: "MC206",
        name: "incomplete-downgrade",
        scope: File,
        severity: Warning,
        checker: Checker::File(check),
    }
}

fn check(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(down) = function_def(ctx.parsed, "downgrade") else {
        return;
    };
    if refuses_to_run(&down.body) {
        return;
    }
    let operations = ctx.operations();
    let downgrade: Vec<&Operation> = operations.downgrade().collect();
    // Raw SQL that migcheck cannot read may drop anything.
    if downgrade.iter().any(|op| op.name == "execute" && op.sql.is_none()) {
        return;
    }
    let source = ctx.parsed.source.text();
    for op in operations.upgrade() {
        let Some(object) = created(op, source) else {
            continue;
        };
        if downgrade.iter().any(|undo| object.is_undone_by(undo, source)) {
            continue;
        }
        let verb = match object.kind {
            Kind::Column => "adds",
            _ => "creates",
        };
        let undo = object.undo();
        let help = match (&op.receiver, &object.table) {
            (Receiver::Batch { .. }, Some(table)) => format!(
                "Add `{undo}` inside `with op.batch_alter_table({}) as batch_op:` in `downgrade()`.",
                py_str(table)
            ),
            _ => format!("Add `{undo}` to `downgrade()`."),
        };
        out.push(
            Diagnostic::new(
                Rule::IncompleteDowngrade,
                ctx.parsed.source.span(op.range),
                format!(
                    "`upgrade()` {verb} {} but `downgrade()` does not drop it.",
                    object.describe()
                ),
            )
            .with_help(help),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{clean, flagged, migration, pointed_at, render, single};

    fn both(up: &str, down: &str) -> String {
        migration(&format!(
            "def upgrade() -> None:\n{up}\n\n\ndef downgrade() -> None:\n{down}\n"
        ))
    }

    const UP: &str = "    op.add_column(\"users\", sa.Column(\"email\", sa.String(), nullable=True))\n    \
                      op.create_index(op.f(\"ix_users_email\"), \"users\", [\"email\"], unique=False)";

    #[test]
    fn flags_an_index_the_downgrade_keeps() {
        let text = both(UP, "    op.drop_column(\"users\", \"email\")");
        let found = single(Rule::IncompleteDowngrade, &text);
        assert!(pointed_at(&text, &found).starts_with("op.create_index("));
        assert_eq!(
            found.message,
            "`upgrade()` creates index `ix_users_email` but `downgrade()` does not drop it."
        );
        assert_eq!(
            found.help.as_deref(),
            Some("Add `op.drop_index(\"ix_users_email\", table_name=\"users\")` to `downgrade()`.")
        );
    }

    #[test]
    fn flags_each_object_left_behind_with_its_name() {
        let up = "    op.create_table(\"roles\", sa.Column(\"id\", sa.Integer(), primary_key=True))\n    \
                  op.create_foreign_key(\"fk_users_role\", \"users\", \"roles\", [\"role_id\"], [\"id\"])\n    \
                  op.create_unique_constraint(\"uq_users_email\", \"users\", [\"email\"])\n    \
                  with op.batch_alter_table(\"users\") as batch_op:\n        \
                  batch_op.add_column(sa.Column(\"role_id\", sa.Integer()))\n        \
                  batch_op.create_check_constraint(\"ck_users_age\", \"age >= 0\")";
        let text = both(up, "    op.drop_constraint(\"uq_users_email\", \"users\", type_=\"unique\")");
        let found = flagged(Rule::IncompleteDowngrade, &text);
        let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`upgrade()` creates table `roles` but `downgrade()` does not drop it.",
                "`upgrade()` creates foreign key `fk_users_role` but `downgrade()` does not drop it.",
                "`upgrade()` adds column `users.role_id` but `downgrade()` does not drop it.",
                "`upgrade()` creates check constraint `ck_users_age` but `downgrade()` does not drop it.",
            ]
        );
        assert_eq!(
            found[2].help.as_deref(),
            Some("Add `batch_op.drop_column(\"role_id\")` inside `with op.batch_alter_table(\"users\") as batch_op:` in `downgrade()`.")
        );
    }

    #[test]
    fn a_complete_downgrade_passes() {
        clean(
            Rule::IncompleteDowngrade,
            &both(
                UP,
                "    op.drop_index(op.f(\"ix_users_email\"), table_name=\"users\")\n    op.drop_column(\"users\", \"email\")",
            ),
        );
        // Dropping the table takes its indexes and columns with it.
        clean(
            Rule::IncompleteDowngrade,
            &both(
                &format!("    op.create_table(\"users\", sa.Column(\"id\", sa.Integer()))\n{UP}"),
                "    op.drop_table(\"users\")",
            ),
        );
        // Raw SQL that names the object.
        clean(
            Rule::IncompleteDowngrade,
            &both(
                UP,
                "    op.execute(\"DROP INDEX IF EXISTS ix_users_email\")\n    op.drop_column(\"users\", \"email\")",
            ),
        );
    }

    #[test]
    fn exempt_unnamed_objects_unreadable_sql_and_empty_downgrades() {
        clean(
            Rule::IncompleteDowngrade,
            &both("    op.create_index(index_name(), \"users\", [\"email\"])", "    op.drop_table(\"x\")"),
        );
        clean(
            Rule::IncompleteDowngrade,
            &both(UP, "    op.execute(DROP_EVERYTHING)"),
        );
        clean(Rule::IncompleteDowngrade, &both(UP, "    pass"));
    }

    #[test]
    fn suppressed_on_the_line_above() {
        let text = both(
            "    op.add_column(\"users\", sa.Column(\"email\", sa.String(), nullable=True))\n    \
             # migcheck: ignore[MC206] the index is shared with the next revision\n    \
             op.create_index(\"ix_users_email\", \"users\", [\"email\"])",
            "    op.drop_column(\"users\", \"email\")",
        );
        clean(Rule::IncompleteDowngrade, &text);
    }

    #[test]
    fn snapshot() {
        let text = both(UP, "    op.drop_column(\"users\", \"email\")");
        insta::assert_snapshot!(render(Rule::IncompleteDowngrade, &text));
    }
}
