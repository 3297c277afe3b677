use crate::alembic::operations::sql::{statements, Statement};
use crate::diagnostic::Diagnostic;
use crate::rules::alembic_code::{span, sql_excerpt, upgrade_ops};
use crate::rules::{Checker, FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Checks the literal SQL that `upgrade()` passes to `op.execute(...)`
    /// (a string, `sa.text(...)` or `text(...)`) for `TRUNCATE`, and for
    /// `CASCADE` other than a foreign key's `ON DELETE` / `ON UPDATE CASCADE`.
    ///
    /// ## Why is this bad?
    /// `TRUNCATE` deletes every row at once, cannot be limited, and takes an
    /// `ACCESS EXCLUSIVE` lock. `CASCADE` (on `DROP`, `TRUNCATE`, `DROP
    /// CONSTRAINT`, ...) silently extends the statement to every object that
    /// depends on its target: views, foreign keys, the rows of referencing
    /// tables. Neither can be undone by the downgrade.
    ///
    /// ## Example
    /// ```python
    /// def upgrade():
    ///     op.execute("DROP TABLE legacy_orders CASCADE")
    /// ```
    ///
    /// Use instead: drop the dependent objects by name, so the migration says
    /// what it destroys:
    /// ```python
    /// def upgrade():
    ///     op.execute("DROP VIEW order_totals")
    ///     op.drop_table("legacy_orders")
    /// ```
    pub struct TruncateOrCascadeInSql {
        code: "MC316",
        name: "truncate-or-cascade-in-sql",
        scope: Operation,
        severity: Warning,
        checker: Checker::File(check),
    }
}

fn check(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    for op in upgrade_ops(ctx) {
        let Some(sql) = &op.sql else { continue };
        for statement in statements(&sql.text) {
            let excerpt = sql_excerpt(statement.text);
            let (message, help) = if statement.verb() == Some("TRUNCATE") {
                let tables = truncated_tables(&statement);
                let first = tables.first().copied().unwrap_or("the table");
                let listed = tables
                    .iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                (
                    format!("`{excerpt}` deletes every row of {listed} and cannot be limited or undone."),
                    format!(
                        "Delete only the rows you mean with `DELETE FROM {first} WHERE ...`, or mark the line `# migcheck: ignore[truncate-or-cascade-in-sql] <reason>` if emptying {listed} is intended."
                    ),
                )
            } else if has_destructive_cascade(&statement) {
                (
                    format!("`{excerpt}` uses `CASCADE`, which also removes every object that depends on its target."),
                    "Drop the dependent objects by name first and remove `CASCADE`, so the migration says what it destroys.".to_string(),
                )
            } else {
                continue;
            };
            out.push(
                Diagnostic::new(Rule::TruncateOrCascadeInSql, span(ctx, op), message).with_help(help),
            );
        }
    }
}

/// The tables after `TRUNCATE [TABLE] [ONLY]`, as written.
fn truncated_tables<'s>(statement: &'s Statement<'_>) -> Vec<&'s str> {
    let mut tables = Vec::new();
    for word in statement.words.iter().skip(1) {
        match word.text.as_str() {
            "TABLE" | "ONLY" => {}
            "RESTART" | "CONTINUE" | "CASCADE" | "RESTRICT" => break,
            _ => tables.push(word.raw.as_str()),
        }
    }
    tables
}

/// `CASCADE` that is not the referential action of a foreign key.
fn has_destructive_cascade(statement: &Statement<'_>) -> bool {
    statement.words.iter().enumerate().any(|(index, word)| {
        word.text == "CASCADE"
            && !(index >= 2
                && matches!(statement.words[index - 1].text.as_str(), "DELETE" | "UPDATE")
                && statement.words[index - 2].text == "ON")
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{clean, flagged, migration, pointed_at, render, single, upgrade};
    use crate::rules::Rule;

    const RULE: Rule = Rule::TruncateOrCascadeInSql;

    #[test]
    fn flags_truncate_in_every_literal_form() {
        for call in [
            "op.execute(\"TRUNCATE audit_log\")",
            "op.execute(sa.text('truncate table only audit_log restart identity'))",
            "op.execute(sqltext=text('TRUNCATE audit_log'))",
        ] {
            let text = migration(&format!(
                "from sqlalchemy import text\n\ndef upgrade():\n    {call}\n\ndef downgrade():\n    pass\n"
            ));
            let finding = single(RULE, &text);
            assert_eq!(pointed_at(&text, &finding), call);
            assert!(finding.message.contains("every row of `audit_log`"), "{}", finding.message);
        }
    }

    #[test]
    fn flags_cascade_but_not_foreign_key_actions() {
        let text = upgrade("    op.execute('DROP TABLE legacy CASCADE; ALTER TABLE a DROP CONSTRAINT fk CASCADE')");
        assert_eq!(flagged(RULE, &text).len(), 2);
        clean(
            RULE,
            &upgrade(
                "    op.execute('ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE')",
            ),
        );
    }

    #[test]
    fn flags_the_batch_form() {
        let text = upgrade(
            "    with op.batch_alter_table('users') as batch_op:\n        batch_op.execute('TRUNCATE users')",
        );
        single(RULE, &text);
    }

    #[test]
    fn strings_comments_and_downgrade_are_not_flagged() {
        clean(RULE, &upgrade("    op.execute(\"UPDATE notes SET body = 'TRUNCATE CASCADE' WHERE id = 1 -- CASCADE\")"));
        clean(
            RULE,
            &migration("def upgrade():\n    pass\n\ndef downgrade():\n    op.execute('TRUNCATE users CASCADE')\n"),
        );
    }

    #[test]
    fn snapshot() {
        let text = upgrade("    op.execute(\"TRUNCATE TABLE audit_log, audit_events\")");
        insta::assert_snapshot!(render(RULE, &text));
    }
}
