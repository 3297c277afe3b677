use crate::alembic::operations::sql::statements;
use crate::alembic::operations::Operation;
use crate::diagnostic::Diagnostic;
use crate::rules::alembic_code::py_str;
use crate::rules::function_body::{function_def, refuses_to_run};
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
    let help = match first.sql.as_ref().and_then(|sql| reverse_of(&sql.text)) {
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

/// The `DROP ...` that reverses a single `CREATE ...` of a named object whose
/// drop needs nothing but its name.
fn reverse_of(sql: &str) -> Option<String> {
    let statements = statements(sql);
    let [statement] = statements.as_slice() else {
        return None;
    };
    let tokens: Vec<&str> = statement.text.split_whitespace().collect();
    let upper: Vec<String> = tokens.iter().map(|t| t.to_ascii_uppercase()).collect();
    if upper.first().map(String::as_str) != Some("CREATE") {
        return None;
    }
    let mut i = 1;
    if upper.get(i).map(String::as_str) == Some("OR")
        && upper.get(i + 1).map(String::as_str) == Some("REPLACE")
    {
        i += 2;
    }
    let kind = match upper.get(i).map(String::as_str)? {
        "MATERIALIZED" if upper.get(i + 1).map(String::as_str) == Some("VIEW") => {
            i += 1;
            "MATERIALIZED VIEW"
        }
        "UNIQUE" if upper.get(i + 1).map(String::as_str) == Some("INDEX") => {
            i += 1;
            "INDEX"
        }
        "VIEW" => "VIEW",
        "EXTENSION" => "EXTENSION",
        "TYPE" => "TYPE",
        "SEQUENCE" => "SEQUENCE",
        "SCHEMA" => "SCHEMA",
        "INDEX" => "INDEX",
        "TABLE" => "TABLE",
        _ => return None,
    };
    i += 1;
    let mut concurrently = false;
    if kind == "INDEX" && upper.get(i).map(String::as_str) == Some("CONCURRENTLY") {
        concurrently = true;
        i += 1;
    }
    if upper.get(i).map(String::as_str) == Some("IF")
        && upper.get(i + 1).map(String::as_str) == Some("NOT")
        && upper.get(i + 2).map(String::as_str) == Some("EXISTS")
    {
        i += 3;
    }
    let name = tokens
        .get(i)?
        .split(['(', ';'])
        .next()
        .filter(|name| !name.is_empty() && !name.eq_ignore_ascii_case("ON"))?;
    let concurrently = if concurrently { " CONCURRENTLY" } else { "" };
    Some(format!("DROP {kind}{concurrently} IF EXISTS {name}"))
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
    fn reverses_of_simple_creates() {
        for (sql, reverse) in [
            ("CREATE EXTENSION IF NOT EXISTS pg_trgm", Some("DROP EXTENSION IF EXISTS pg_trgm")),
            ("create or replace view v as select 1", Some("DROP VIEW IF EXISTS v")),
            ("CREATE MATERIALIZED VIEW mv AS SELECT 1", Some("DROP MATERIALIZED VIEW IF EXISTS mv")),
            ("CREATE TYPE mood AS ENUM ('sad', 'ok')", Some("DROP TYPE IF EXISTS mood")),
            ("CREATE UNIQUE INDEX CONCURRENTLY ix_a ON a (x)", Some("DROP INDEX CONCURRENTLY IF EXISTS ix_a")),
            ("CREATE TABLE t(id int);", Some("DROP TABLE IF EXISTS t")),
            ("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql", None),
            ("CREATE VIEW a AS SELECT 1; CREATE VIEW b AS SELECT 2", None),
            ("ALTER TABLE a ADD COLUMN b int", None),
        ] {
            assert_eq!(reverse_of(sql).as_deref(), reverse, "{sql}");
        }
    }

    #[test]
    fn snapshot() {
        let text = both(VIEW, "    op.drop_column(\"users\", \"active\")");
        insta::assert_snapshot!(render(Rule::RawSqlWithoutDowngrade, &text));
    }
}
