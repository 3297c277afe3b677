use crate::alembic::operations::sql::{statements, Statement};
use crate::diagnostic::Diagnostic;
use crate::rules::alembic_code::{span, upgrade_ops};
use crate::rules::{Checker, FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Checks the literal SQL that `upgrade()` passes to `op.execute(...)` for
    /// `UPDATE` and `DELETE` statements without a `WHERE` of their own (a
    /// `WHERE` inside a sub-query or a CTE does not count).
    ///
    /// ## Why is this bad?
    /// The statement touches every row of the table in the migration's single
    /// transaction: each row stays locked until the whole migration commits,
    /// the table bloats, and on a large table it runs for minutes while the
    /// deploy waits. Often it is also a mistake: the `WHERE` was forgotten.
    ///
    /// ## Example
    /// ```python
    /// def upgrade():
    ///     op.execute("UPDATE users SET active = true")
    /// ```
    ///
    /// Use instead: limit it to the rows that need it (and backfill large
    /// tables in batches):
    /// ```python
    /// def upgrade():
    ///     op.execute("UPDATE users SET active = true WHERE active IS NULL")
    /// ```
    pub struct UnboundedUpdateOrDelete {
        code: "MC317",
        name: "unbounded-update-or-delete",
        scope: Operation,
        severity: Warning,
        checker: Checker::File(check),
    }
}

fn check(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    for op in upgrade_ops(ctx) {
        let Some(sql) = &op.sql else { continue };
        for statement in statements(&sql.text) {
            let (verb, effect, batch) = match statement.verb() {
                Some("UPDATE") => ("UPDATE", "changes", "update"),
                Some("DELETE") => ("DELETE FROM", "deletes", "delete"),
                _ => continue,
            };
            if statement.has_top_level("WHERE") {
                continue;
            }
            let table = target(&statement, verb);
            out.push(
                Diagnostic::new(
                    Rule::UnboundedUpdateOrDelete,
                    span(ctx, op),
                    format!(
                        "`{verb} {table}` in `op.execute` has no `WHERE`, so it {effect} every row of `{table}` in one transaction."
                    ),
                )
                .with_help(format!(
                    "Add a `WHERE` that limits it to the rows you mean, and on a large `{table}` {batch} in batches of ids in a migration of its own."
                )),
            );
        }
    }
}

/// The table after `UPDATE [ONLY]` or `DELETE FROM [ONLY]`, as written.
fn target(statement: &Statement<'_>, verb: &str) -> String {
    let keyword = if verb == "UPDATE" { "UPDATE" } else { "FROM" };
    let after = statement
        .words
        .iter()
        .skip_while(|w| !(w.depth == 0 && w.text == keyword))
        .skip(1)
        .find(|w| w.text != "ONLY");
    after.map_or_else(|| "the table".to_string(), |w| w.raw.clone())
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{clean, flagged, migration, pointed_at, render, single, upgrade};
    use crate::rules::Rule;

    const RULE: Rule = Rule::UnboundedUpdateOrDelete;

    #[test]
    fn flags_update_and_delete_without_where() {
        let text = upgrade("    op.execute(\"UPDATE users SET active = true\")");
        let finding = single(RULE, &text);
        assert_eq!(pointed_at(&text, &finding), "op.execute(\"UPDATE users SET active = true\")");
        assert_eq!(
            finding.message,
            "`UPDATE users` in `op.execute` has no `WHERE`, so it changes every row of `users` in one transaction."
        );
        let text = upgrade("    op.execute(sa.text('delete from only sessions'))");
        assert!(single(RULE, &text).message.starts_with("`DELETE FROM sessions`"));
        let text = upgrade("    op.execute(sqltext='UPDATE a SET x = 1 WHERE id = 1; UPDATE b SET x = 2')");
        assert!(single(RULE, &text).message.contains("`UPDATE b`"));
    }

    #[test]
    fn a_where_in_a_subquery_or_cte_does_not_count() {
        single(RULE, &upgrade("    op.execute('UPDATE t SET a = (SELECT b FROM s WHERE s.id = t.id)')"));
        single(RULE, &upgrade("    op.execute('WITH old AS (SELECT id FROM t WHERE x) DELETE FROM t USING old')"));
    }

    #[test]
    fn flags_the_batch_form() {
        let text = upgrade(
            "    with op.batch_alter_table('users') as batch_op:\n        batch_op.execute('DELETE FROM users')",
        );
        single(RULE, &text);
    }

    #[test]
    fn bounded_statements_other_sql_and_downgrade_are_safe() {
        clean(RULE, &upgrade("    op.execute('UPDATE users SET active = true WHERE active IS NULL')"));
        clean(RULE, &upgrade("    op.execute('INSERT INTO t SELECT * FROM s')"));
        clean(RULE, &upgrade("    op.execute(\"SELECT 'DELETE FROM users'\")"));
        clean(RULE, &migration("def upgrade():\n    pass\n\ndef downgrade():\n    op.execute('DELETE FROM users')\n"));
        // SQL built at run time is not read.
        clean(RULE, &upgrade("    op.execute(f'DELETE FROM {table}')"));
    }

    #[test]
    fn several_statements_give_several_findings() {
        assert_eq!(flagged(RULE, &upgrade("    op.execute('DELETE FROM a; DELETE FROM b')")).len(), 2);
    }

    #[test]
    fn snapshot() {
        let text = upgrade("    op.execute(\n        \"\"\"\n        UPDATE users\n        SET active = true\n        \"\"\"\n    )");
        insta::assert_snapshot!(render(RULE, &text));
    }
}
