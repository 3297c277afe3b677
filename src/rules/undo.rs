//! What an upgrade creates and the Alembic call that removes it again, shared
//! by the downgrade rules (`missing-downgrade`, `empty-downgrade`,
//! `incomplete-downgrade`, `raw-sql-without-downgrade`) so their help spells
//! the downgrade with the user's
//! own names: `op.drop_index("ix_users_email", table_name="users")`, or
//! `DROP VIEW IF EXISTS active_users` for a `CREATE VIEW` in raw SQL.

use crate::alembic::operations::sql::statements;
use crate::alembic::operations::{Operation, Receiver};
use crate::rules::alembic_code::py_str;

/// The kind of object an operation creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Table,
    Column,
    Index,
    /// A constraint, with the `type_` that `drop_constraint` takes.
    Constraint(Option<&'static str>),
}

/// One object an upgrade operation creates.
#[derive(Debug, Clone)]
pub(crate) struct Created<'o> {
    pub op: &'o Operation,
    pub kind: Kind,
    /// The table's, column's, index's or constraint's name.
    pub name: String,
    /// The table it belongs to (for a table, itself).
    pub table: Option<String>,
}

/// What `op` creates, when it creates something named: `create_table`,
/// `add_column`, `create_index`, `create_foreign_key`, `create_*_constraint`,
/// `create_primary_key`. Names written as `op.f("...")` count as literals.
pub(crate) fn created<'o>(op: &'o Operation, source: &str) -> Option<Created<'o>> {
    let (kind, name) = match op.name.as_str() {
        "create_table" => (Kind::Table, name_arg(op, "table_name", source)?),
        "add_column" => (Kind::Column, op.columns.first()?.name.clone()?),
        "create_index" => (Kind::Index, name_arg(op, "index_name", source)?),
        "create_foreign_key" => (
            Kind::Constraint(Some("foreignkey")),
            name_arg(op, "constraint_name", source)?,
        ),
        "create_unique_constraint" => (
            Kind::Constraint(Some("unique")),
            name_arg(op, "constraint_name", source)?,
        ),
        "create_check_constraint" => (
            Kind::Constraint(Some("check")),
            name_arg(op, "constraint_name", source)?,
        ),
        "create_primary_key" => (
            Kind::Constraint(Some("primary")),
            name_arg(op, "constraint_name", source)?,
        ),
        "create_exclude_constraint" => (
            Kind::Constraint(None),
            name_arg(op, "constraint_name", source)?,
        ),
        _ => return None,
    };
    let table = match kind {
        Kind::Table => Some(name.clone()),
        _ => op.table.clone(),
    };
    Some(Created {
        op,
        kind,
        name,
        table,
    })
}

impl Created<'_> {
    /// How messages name the object: ``table `users` ``, ``column `users.email` ``.
    pub(crate) fn describe(&self) -> String {
        match self.kind {
            Kind::Table => format!("table `{}`", self.name),
            Kind::Column => match &self.table {
                Some(table) => format!("column `{table}.{}`", self.name),
                None => format!("column `{}`", self.name),
            },
            Kind::Index => format!("index `{}`", self.name),
            Kind::Constraint(Some("foreignkey")) => format!("foreign key `{}`", self.name),
            Kind::Constraint(Some("primary")) => format!("primary key `{}`", self.name),
            Kind::Constraint(Some(kind)) => format!("{kind} constraint `{}`", self.name),
            Kind::Constraint(None) => format!("constraint `{}`", self.name),
        }
    }

    /// The Alembic call that removes the object, in the form the upgrade
    /// used (`batch_op.` inside `batch_alter_table`).
    pub(crate) fn undo(&self) -> String {
        let name = py_str(&self.name);
        let table = self
            .table
            .as_deref()
            .map_or_else(|| "\"<table>\"".to_string(), py_str);
        let batch = matches!(self.op.receiver, Receiver::Batch { .. });
        match (self.kind, batch) {
            (Kind::Table, _) => format!("op.drop_table({name})"),
            (Kind::Column, false) => format!("op.drop_column({table}, {name})"),
            (Kind::Column, true) => format!("batch_op.drop_column({name})"),
            (Kind::Index, false) => format!("op.drop_index({name}, table_name={table})"),
            (Kind::Index, true) => format!("batch_op.drop_index({name})"),
            (Kind::Constraint(kind), false) => match kind {
                Some(kind) => format!("op.drop_constraint({name}, {table}, type_=\"{kind}\")"),
                None => format!("op.drop_constraint({name}, {table})"),
            },
            (Kind::Constraint(kind), true) => match kind {
                Some(kind) => format!("batch_op.drop_constraint({name}, type_=\"{kind}\")"),
                None => format!("batch_op.drop_constraint({name})"),
            },
        }
    }

    /// Whether a downgrade operation removes the object: the matching
    /// `drop_*`, dropping its whole table, or raw SQL that names it.
    pub(crate) fn is_undone_by(&self, op: &Operation, source: &str) -> bool {
        let same_table = |other: Option<&str>| match (self.table.as_deref(), other) {
            (Some(mine), Some(other)) => mine.eq_ignore_ascii_case(other),
            // A drop without a literal table still counts when the name matches.
            _ => true,
        };
        if op.name == "drop_table" {
            return match (&self.table, name_arg(op, "table_name", source)) {
                (Some(mine), Some(dropped)) => mine.eq_ignore_ascii_case(&dropped),
                _ => false,
            };
        }
        if op.name == "execute" {
            return op
                .sql
                .as_ref()
                .is_some_and(|sql| mentions(&sql.text, &self.name));
        }
        let named = |param: &str| {
            name_arg(op, param, source).is_some_and(|name| name.eq_ignore_ascii_case(&self.name))
        };
        match self.kind {
            Kind::Table => false,
            Kind::Column => {
                op.name == "drop_column" && named("column_name") && same_table(op.table.as_deref())
            }
            Kind::Index => op.name == "drop_index" && named("index_name"),
            Kind::Constraint(_) => op.name == "drop_constraint" && named("constraint_name"),
        }
    }
}

/// The calls that undo what `ops` create, newest first, as a list for a help
/// line: `` `op.drop_index(...)` and `op.drop_column(...)` ``. `None` when
/// nothing named is created.
pub(crate) fn undo_list<'o>(
    ops: impl Iterator<Item = &'o Operation>,
    source: &str,
) -> Option<String> {
    const SHOWN: usize = 3;
    let mut calls: Vec<String> = ops
        .filter_map(|op| created(op, source))
        .map(|created| format!("`{}`", created.undo()))
        .collect();
    calls.reverse();
    calls.dedup();
    let more = calls.len().saturating_sub(SHOWN);
    calls.truncate(SHOWN);
    if more > 0 {
        calls.push(format!("{more} more"));
    }
    match calls.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        [rest @ .., last] => Some(format!("{} and {last}", rest.join(", "))),
    }
}

/// A name argument: a string literal, or a string wrapped in a naming helper
/// (`op.f("ix_users_email")`, `f("...")`, `conv("...")`).
pub(crate) fn name_arg(op: &Operation, param: &str, source: &str) -> Option<String> {
    if let Some(value) = op.str_arg(param) {
        return Some(value.to_string());
    }
    let text = op.arg_text(param, source)?.trim();
    let (callee, rest) = text.split_once('(')?;
    let callee = callee.trim();
    let helper = callee.rsplit('.').next().unwrap_or(callee);
    if !matches!(helper, "f" | "conv") {
        return None;
    }
    let inner = rest.strip_suffix(')')?.trim().trim_end_matches(',').trim();
    let quote = inner.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = inner.strip_prefix(quote)?.strip_suffix(quote)?;
    (!value.contains(quote) && !value.contains('\\')).then(|| value.to_string())
}

/// The `DROP ...` that reverses a single `CREATE ...` of a named object whose
/// drop needs nothing but its name.
pub(crate) fn reverse_sql(sql: &str) -> Option<String> {
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

/// Whether SQL text names an object as a whole word, in any case, quoted or not.
fn mentions(sql: &str, name: &str) -> bool {
    let sql = sql.to_ascii_lowercase();
    let name = name.to_ascii_lowercase();
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    sql.match_indices(&name).any(|(start, _)| {
        let before = sql[..start].chars().next_back();
        let after = sql[start + name.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alembic::operations::Operations;
    use crate::alembic::revision_file::parse_revision;

    fn ops(body: &str) -> (Operations, String) {
        let text = format!("from alembic import op\nimport sqlalchemy as sa\n\n{body}");
        let parsed = parse_revision("versions/x.py", &text);
        (Operations::of(&parsed), text)
    }

    #[test]
    fn undo_calls_with_the_users_names() {
        let (ops, text) = ops(
            "def upgrade():\n    op.create_table('users', sa.Column('id', sa.Integer))\n    \
             op.add_column('users', sa.Column('email', sa.String()))\n    \
             op.create_index(op.f('ix_users_email'), 'users', ['email'])\n    \
             op.create_foreign_key('fk_orders_user', 'orders', 'users', ['user_id'], ['id'])\n    \
             op.create_unique_constraint('uq_email', 'users', ['email'])\n    \
             op.create_index(name_for('x'), 'users', ['x'])\n    \
             with op.batch_alter_table('users') as batch_op:\n        \
             batch_op.add_column(sa.Column('age', sa.Integer()))\n        \
             batch_op.create_check_constraint('ck_age', 'age > 0')\n",
        );
        let undo: Vec<String> = ops
            .upgrade()
            .filter_map(|op| created(op, &text))
            .map(|c| c.undo())
            .collect();
        assert_eq!(
            undo,
            [
                "op.drop_table(\"users\")",
                "op.drop_column(\"users\", \"email\")",
                "op.drop_index(\"ix_users_email\", table_name=\"users\")",
                "op.drop_constraint(\"fk_orders_user\", \"orders\", type_=\"foreignkey\")",
                "op.drop_constraint(\"uq_email\", \"users\", type_=\"unique\")",
                "batch_op.drop_column(\"age\")",
                "batch_op.drop_constraint(\"ck_age\", type_=\"check\")",
            ]
        );
    }

    #[test]
    fn drops_drop_tables_and_sql_undo() {
        let (ops, text) = ops(
            "def upgrade():\n    op.add_column('users', sa.Column('email', sa.String()))\n    \
             op.create_index('ix_users_email', 'users', ['email'])\n    \
             op.create_foreign_key('fk_a', 'orders', 'users', ['user_id'], ['id'])\n\n\
             def downgrade():\n    op.drop_index(op.f('IX_USERS_EMAIL'), table_name='users')\n    \
             op.drop_table('users')\n    op.execute('ALTER TABLE orders DROP CONSTRAINT \"fk_a\"')\n    \
             op.drop_column('accounts', 'email')\n",
        );
        let up: Vec<Created> = ops.upgrade().filter_map(|op| created(op, &text)).collect();
        let down: Vec<&Operation> = ops.downgrade().collect();
        let undone_by = |created: &Created| -> Vec<&str> {
            down.iter()
                .filter(|op| created.is_undone_by(op, &text))
                .map(|op| op.name.as_str())
                .collect()
        };
        assert_eq!(undone_by(&up[0]), ["drop_table"]);
        assert_eq!(undone_by(&up[1]), ["drop_index", "drop_table"]);
        assert_eq!(undone_by(&up[2]), ["execute"]);
    }

    #[test]
    fn undo_lists_newest_first_and_counts_the_rest() {
        let (ops, text) = ops(
            "def upgrade():\n    op.create_table('a')\n    op.create_table('b')\n    \
             op.create_table('c')\n    op.create_table('d')\n    op.create_table('e')\n    op.execute('x')\n",
        );
        assert_eq!(
            undo_list(ops.upgrade(), &text).as_deref(),
            Some(
                "`op.drop_table(\"e\")`, `op.drop_table(\"d\")`, `op.drop_table(\"c\")` and 2 more"
            )
        );
        assert_eq!(
            undo_list(ops.upgrade().take(1), &text).as_deref(),
            Some("`op.drop_table(\"a\")`")
        );
        assert_eq!(undo_list(ops.upgrade().skip(5), &text), None);
    }

    #[test]
    fn reverses_of_simple_creates() {
        for (sql, reverse) in [
            (
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                Some("DROP EXTENSION IF EXISTS pg_trgm"),
            ),
            (
                "create or replace view v as select 1",
                Some("DROP VIEW IF EXISTS v"),
            ),
            (
                "CREATE MATERIALIZED VIEW mv AS SELECT 1",
                Some("DROP MATERIALIZED VIEW IF EXISTS mv"),
            ),
            (
                "CREATE TYPE mood AS ENUM ('sad', 'ok')",
                Some("DROP TYPE IF EXISTS mood"),
            ),
            (
                "CREATE UNIQUE INDEX CONCURRENTLY ix_a ON a (x)",
                Some("DROP INDEX CONCURRENTLY IF EXISTS ix_a"),
            ),
            ("CREATE TABLE t(id int);", Some("DROP TABLE IF EXISTS t")),
            (
                "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql",
                None,
            ),
            ("CREATE VIEW a AS SELECT 1; CREATE VIEW b AS SELECT 2", None),
            ("ALTER TABLE a ADD COLUMN b int", None),
        ] {
            assert_eq!(reverse_sql(sql).as_deref(), reverse, "{sql}");
        }
    }

    #[test]
    fn sql_mentions_whole_words_only() {
        assert!(mentions("DROP INDEX \"ix_a\";", "ix_a"));
        assert!(!mentions("DROP INDEX ix_ab", "ix_a"));
        assert!(!mentions("DROP INDEX x_ix_a", "ix_a"));
    }
}
