//! What the operation rules (MC3xx) share: which operations they look at,
//! where a finding points, the user's names for messages, and the Alembic
//! code of a fix written with those names (`op.create_index("ix_users_email",
//! "users", ["email"], postgresql_concurrently=True)`).

use crate::alembic::operations::{Literal, Operation};
use crate::diagnostic::Span;
use crate::rules::FileContext;

/// The operations of `upgrade()` (and `upgrade_<suffix>()`): a downgrade is
/// expected to drop what the upgrade added.
pub(crate) fn upgrade_ops<'c>(ctx: &'c FileContext<'_>) -> impl Iterator<Item = &'c Operation> {
    ctx.operations().upgrade()
}

/// A `postgresql_*=True` switch is off: missing, `False` or `None`. A value
/// that is not a literal may well be `True`, so it counts as on.
pub(crate) fn switch_is_off(op: &Operation, param: &str) -> bool {
    match op.arg(param) {
        None => true,
        Some(arg) => matches!(arg.value, Some(Literal::Bool(false) | Literal::None)),
    }
}

/// The call expression of an operation, `op.` included.
pub(crate) fn span(ctx: &FileContext<'_>, op: &Operation) -> Span {
    ctx.parsed.source.span(op.range)
}

/// The source text of a parameter's value, as written.
pub(crate) fn written<'s>(
    ctx: &'s FileContext<'_>,
    op: &Operation,
    param: &str,
) -> Option<&'s str> {
    op.arg_text(param, ctx.parsed.source.text())
}

/// A name for messages: the literal string, else the expression as written,
/// else `fallback`.
pub(crate) fn name(ctx: &FileContext<'_>, op: &Operation, param: &str, fallback: &str) -> String {
    match op.str_arg(param) {
        Some(value) => value.to_string(),
        None => written(ctx, op, param).unwrap_or(fallback).to_string(),
    }
}

/// The table of an operation for messages.
pub(crate) fn table(ctx: &FileContext<'_>, op: &Operation) -> String {
    match &op.table {
        Some(table) => table.clone(),
        None => {
            let param = match op.name.as_str() {
                "create_foreign_key" => "source_table",
                "rename_table" => "old_table_name",
                _ => "table_name",
            };
            name(ctx, op, param, "the table")
        }
    }
}

/// `table.column`, the way messages name a column.
pub(crate) fn column(table: &str, column: &str) -> String {
    format!("{table}.{column}")
}

/// A Python string literal in double quotes.
pub(crate) fn py_str(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A literal as Python source, strings in double quotes, sequences as lists.
pub(crate) fn py_literal(literal: &Literal) -> String {
    match literal {
        Literal::Str(value) => py_str(value),
        Literal::Bool(true) => "True".to_string(),
        Literal::Bool(false) => "False".to_string(),
        Literal::None => "None".to_string(),
        Literal::Number(number) => number.clone(),
        Literal::Sequence(items) => format!(
            "[{}]",
            items.iter().map(py_literal).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// A parameter's value as Python source for a fix: a literal rewritten with
/// double quotes, else the expression as written (`op.f("ix_users_email")`
/// stays as it is), else `fallback`.
pub(crate) fn py_arg(ctx: &FileContext<'_>, op: &Operation, param: &str, fallback: &str) -> String {
    let Some(text) = written(ctx, op, param) else {
        return fallback.to_string();
    };
    match op.literal(param) {
        Some(literal) if is_literal_syntax(text) => py_literal(literal),
        _ => text.to_string(),
    }
}

/// The text is a literal itself, not a call that yields one.
fn is_literal_syntax(text: &str) -> bool {
    let text = text.trim_start();
    text.starts_with(['\'', '"', '[', '(', '-', '+'])
        || text.starts_with(|c: char| c.is_ascii_digit())
        || matches!(text, "True" | "False" | "None")
        || text.find(['\'', '"']).is_some_and(|quote| {
            quote <= 3 && text[..quote].chars().all(|c| c.is_ascii_alphabetic())
        })
}

/// The table of an operation as Python source for a fix.
pub(crate) fn py_table(ctx: &FileContext<'_>, op: &Operation) -> String {
    match &op.table {
        Some(table) => py_str(table),
        None => written(ctx, op, "table_name")
            .unwrap_or("\"<table>\"")
            .to_string(),
    }
}

/// The keyword arguments of an operation as written, except `skip`, each as
/// `, name=value`: what a rewritten call keeps.
pub(crate) fn other_keywords(ctx: &FileContext<'_>, op: &Operation, skip: &[&str]) -> String {
    let source = ctx.parsed.source.text();
    let mut out = String::new();
    for arg in op.args.iter().filter(|a| a.keyword) {
        let Some(param) = arg.param.as_deref() else {
            continue;
        };
        if skip.contains(&param) {
            continue;
        }
        if let Some(text) = source.get(arg.range.to_std_range()) {
            out.push_str(&format!(", {param}={text}"));
        }
    }
    out
}

/// `code` inside `with op.get_context().autocommit_block():`, on one line.
pub(crate) fn in_autocommit_block(code: &str) -> String {
    format!("with op.get_context().autocommit_block(): {code}")
}

/// A SQL statement for a message: whitespace collapsed, at most 60 characters.
pub(crate) fn sql_excerpt(sql: &str) -> String {
    let collapsed = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= 60 {
        return collapsed;
    }
    let cut: String = collapsed.chars().take(57).collect();
    format!("{}...", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::{py_literal, py_str, sql_excerpt};
    use crate::alembic::operations::Literal;

    #[test]
    fn python_literals_in_double_quotes() {
        assert_eq!(py_str("it's \"x\"\\"), "\"it's \\\"x\\\"\\\\\"");
        assert_eq!(
            py_literal(&Literal::Sequence(vec![
                Literal::Str("a".into()),
                Literal::Bool(true),
                Literal::None,
                Literal::Number("-1".into()),
            ])),
            "[\"a\", True, None, -1]"
        );
    }

    #[test]
    fn sql_excerpts_are_short_and_on_one_line() {
        assert_eq!(
            sql_excerpt("DROP TABLE\n   users  CASCADE"),
            "DROP TABLE users CASCADE"
        );
        let long = format!("UPDATE users SET {}", "a = 1, ".repeat(20));
        let excerpt = sql_excerpt(&long);
        assert!(
            excerpt.ends_with("...") && excerpt.chars().count() <= 60,
            "{excerpt}"
        );
    }
}
