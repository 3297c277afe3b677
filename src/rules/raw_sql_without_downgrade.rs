use crate::alembic::operations::sql::statements;
use crate::alembic::operations::Operation;
use crate::diagnostic::Diagnostic;
use crate::rules::alembic_code::py_str;
use crate::rules::function_body::{function_def, refuses_to_run};
use crate::rules::undo::reverse_sql;
use crate::rules::{Checker, FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Reports raw SQL run with `op.execute(...)` in `upgrade()` when
    /// `downgrade()` runs no raw SQL at all. SQL that only changes rows
    /// (`UPDATE`, `INSERT`, `DELETE`) is left to `mixed-data-and-schema`, and
    /// a missing or empty `downgrade()` to `missing-downgrade` and
    /// `empty-downgrade`.
    ///
    /// ## Why is this bad?
    /// Alembic cannot reverse SQL it did not generate. A view, function,
    /// trigger or extension created by hand stays behind after `alembic
    /// downgrade`, and the next upgrade fails on an object that already
    /// exists.
    ///
    /// ## Example
    /// ```python
    /// def upgrade():
    ///     op.execute("CREATE VIEW active_users AS SELECT * FROM users WHERE active")
    ///
    ///
    /// def downgrade():
    ///     op.drop_column("users", "active")
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def downgrade():
    ///     op.execute("DROP VIEW IF EXISTS active_users")
    ///     op.drop_column("users", "active")
    /// ```
    pub struct RawSqlWithoutDowngrade {
        code: "MC205",
        name: "raw-sql-without-downgrade",
        scope: File,
        severity: Warning,
        checker: Checker::File(check),
    }
}

fn check(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let operations = ctx.operations();
    let Some(down) = function_def(ctx.parsed, "downgrade") else {
        return;
    };
    if refuses_to_run(&down.body) || operations.downgrade().any(|op| op.name == "execute") {
        return;
    }
    let Some(first) = operations
        .upgrade()
        .find(|op| op.name == "execute" && !only_changes_rows(op))
    else {
        return;
    };
    let function = match &first.suffix {
        Some(suffix) => format!("upgrade_{suffix}()"),
        None => "upgrade()".to_string(),
    };
    let help = match first.sql.as_ref().and_then(|sql| reverse_sql(&sql.text)) {
        Some(reverse) => format!("Add `op.execute({})` to `downgrade()`.", py_str(&reverse)),
        None => match first.sql.as_ref() {
            Some(sql) => format!(
                "Add the `op.execute(...)` that reverses `{}` to `downgrade()`.",
                shorten(&sql.text, 60)
            ),
            None => "Add the `op.execute(...)` that reverses this SQL to `downgrade()`.".to_string(),
        },
    };
    out.push(
        Diagnostic::new(
            Rule::RawSqlWithoutDowngrade,
            ctx.parsed.source.span(first.range),
            match first.sql.as_ref() {
                Some(sql) => format!(
                    "`{function}` runs `{}` with `op.execute` but `downgrade()` runs no raw SQL.",
                    shorten(&sql.text, 40)
                ),
                None => format!(
                    "`{function}` runs raw SQL with `op.execute` but `downgrade()` runs none."
                ),
            },
        )
        .with_help(help),
    );
}

/// Literal SQL whose statements all read or change rows.
fn only_changes_rows(op: &Operation) -> bool {
    let Some(sql) = &op.sql else {
        return false;
    };
    let statements = statements(&sql.text);
    !statements.is_empty()
        && statements.iter().all(|statement| {
            matches!(
                statement.verb(),
                Some("SELECT" | "INSERT" | "UPDATE" | "DELETE" | "MERGE")
            )
        })
}

/// The first line of SQL, cut at a word to at most `max` characters.
fn shorten(sql: &str, max: usize) -> String {
    let line = sql.trim().lines().next().unwrap_or_default().trim();
    if line.chars().count() <= max {
        return line.to_string();
    }
    let mut out = String::new();
    for word in line.split_whitespace() {
        if out.chars().count() + word.chars().count() + 1 > max.saturating_sub(3) {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out = line.chars().take(max.saturating_sub(3)).collect();
    }
    out + "..."
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{clean, migration, pointed_at, render, single};

    fn both(up: &str, down: &str) -> String {
        migration(&format!(
            "def upgrade() -> None:\n{up}\n\n\ndef downgrade() -> None:\n{down}\n"
        ))
    }

    const VIEW: &str = "    op.execute(\"CREATE VIEW active_users AS SELECT * FROM users WHERE active\")";

    #[test]
    fn flags_sql_that_downgrade_does_not_reverse() {
        let text = both(VIEW, "    op.drop_column(\"users\", \"active\")");
        let found = single(Rule::RawSqlWithoutDowngrade, &text);
        assert!(pointed_at(&text, &found).starts_with("op.execute(\"CREATE VIEW"));
        assert_eq!(
            found.message,
            "`upgrade()` runs `CREATE VIEW active_users AS SELECT *...` with `op.execute` but `downgrade()` runs no raw SQL."
        );
        assert_eq!(
            found.help.as_deref(),
            Some("Add `op.execute(\"DROP VIEW IF EXISTS active_users\")` to `downgrade()`.")
        );
    }

    #[test]
    fn sql_that_cannot_be_reversed_by_name_is_quoted() {
        let text = both(
            "    op.execute(sa.text(\"ALTER TABLE users ALTER COLUMN id SET DEFAULT nextval('users_id_seq')\"))",
            "    op.drop_column(\"users\", \"active\")",
        );
        let found = single(Rule::RawSqlWithoutDowngrade, &text);
        assert_eq!(
            found.help.as_deref(),
            Some("Add the `op.execute(...)` that reverses `ALTER TABLE users ALTER COLUMN id SET DEFAULT...` to `downgrade()`.")
        );
    }

    #[test]
    fn exempt_row_changes_raw_sql_in_downgrade_and_empty_downgrades() {
        clean(
            Rule::RawSqlWithoutDowngrade,
            &both(
                "    op.execute(\"UPDATE users SET active = true WHERE active IS NULL\")",
                "    op.drop_column(\"users\", \"active\")",
            ),
        );
        clean(
            Rule::RawSqlWithoutDowngrade,
            &both(VIEW, "    op.execute(\"DROP VIEW active_users\")"),
        );
        // empty-downgrade and missing-downgrade report these.
        clean(Rule::RawSqlWithoutDowngrade, &both(VIEW, "    pass"));
        clean(
            Rule::RawSqlWithoutDowngrade,
            &migration(&format!("def upgrade() -> None:\n{VIEW}\n")),
        );
    }

    #[test]
    fn suppressed_on_the_line() {
        let text = both(
            &format!("{VIEW}  # migcheck: ignore[raw-sql-without-downgrade] dropped by the app"),
            "    op.drop_column(\"users\", \"active\")",
        );
        clean(Rule::RawSqlWithoutDowngrade, &text);
    }

    #[test]
    fn snapshot() {
        let text = both(VIEW, "    op.drop_column(\"users\", \"active\")");
        insta::assert_snapshot!(render(Rule::RawSqlWithoutDowngrade, &text));
    }
}
