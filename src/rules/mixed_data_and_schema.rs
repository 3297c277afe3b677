use std::collections::HashSet;

use crate::alembic::operations::sql::{statements, Statement};
use crate::alembic::operations::Operation;
use crate::diagnostic::Diagnostic;
use crate::rules::undo::name_arg;
use crate::rules::{Checker, FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Reports an `upgrade()` that changes rows (`op.bulk_insert`, or
    /// `UPDATE`, `INSERT`, `DELETE` or `MERGE` through `op.execute`) and also
    /// changes the schema. Filling a table created earlier in the same
    /// `upgrade()` (seeding a lookup table) is not flagged.
    ///
    /// ## Why is this bad?
    /// On PostgreSQL the whole migration runs in one transaction: the locks
    /// taken by the schema change are held for as long as the data change
    /// runs, so a backfill of a large table blocks every query on it. A
    /// failed backfill also rolls back the schema change, and the data step
    /// cannot be retried or run in batches on its own.
    ///
    /// ## Example
    /// ```python
    /// def upgrade():
    ///     op.add_column("users", sa.Column("active", sa.Boolean(), nullable=True))
    ///     op.execute("UPDATE users SET active = true")
    /// ```
    ///
    /// Use instead: the schema change in one migration,
    /// ```python
    /// def upgrade():
    ///     op.add_column("users", sa.Column("active", sa.Boolean(), nullable=True))
    /// ```
    /// and the backfill in the next one.
    /// ```python
    /// def upgrade():
    ///     op.execute("UPDATE users SET active = true WHERE active IS NULL")
    /// ```
    pub struct MixedDataAndSchema {
        code: "MC210",
        name: "mixed-data-and-schema",
        scope: File,
        severity: Warning,
        checker: Checker::File(check),
    }
}

fn check(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let source = ctx.parsed.source.text();
    let mut created: HashSet<String> = HashSet::new();
    let mut first_data: Option<(&Operation, String)> = None;
    let mut first_schema: Option<&Operation> = None;
    for op in ctx.operations().upgrade() {
        if op.name == "create_table" {
            if let Some(table) = name_arg(op, "table_name", source) {
                created.insert(table.to_ascii_lowercase());
            }
        }
        let is_new = |table: &str| created.contains(&table.to_ascii_lowercase());
        match op.name.as_str() {
            "bulk_insert" => {
                let new = op.table.as_deref().is_some_and(is_new) || op.table_is_new;
                if !new && first_data.is_none() {
                    let what = match &op.table {
                        Some(table) => format!("`op.bulk_insert` into `{table}`"),
                        None => "`op.bulk_insert`".to_string(),
                    };
                    first_data = Some((op, what));
                }
            }
            "execute" => {
                let Some(sql) = &op.sql else { continue };
                for statement in statements(&sql.text) {
                    match classify(&statement) {
                        Some(Class::Data(target)) => {
                            let new = target.as_deref().is_some_and(is_new);
                            if !new && first_data.is_none() {
                                first_data = Some((op, describe(&statement, target.as_deref())));
                            }
                        }
                        Some(Class::Schema) => {
                            first_schema.get_or_insert(op);
                        }
                        None => {}
                    }
                }
            }
            _ => {
                first_schema.get_or_insert(op);
            }
        }
    }
    let (Some((data, what)), Some(schema)) = (first_data, first_schema) else {
        return;
    };
    let schema_call = format!("op.{}", schema.name);
    let mut diagnostic = Diagnostic::new(
        Rule::MixedDataAndSchema,
        ctx.parsed.source.span(data.range),
        format!("`upgrade()` changes data ({what}) and the schema (`{schema_call}`) in one migration."),
    )
    .with_help(format!(
        "Move {what} into a migration of its own that runs after this one."
    ));
    diagnostic = diagnostic.with_related(
        ctx.parsed.source.span(schema.range),
        format!("the schema change (`{schema_call}`)"),
    );
    out.push(diagnostic);
}

enum Class {
    /// Changes rows; the table, when it can be read.
    Data(Option<String>),
    Schema,
}

fn classify(statement: &Statement<'_>) -> Option<Class> {
    match statement.verb()? {
        "INSERT" | "MERGE" => Some(Class::Data(target(statement, "INTO"))),
        "UPDATE" => Some(Class::Data(target(statement, "UPDATE"))),
        "DELETE" => Some(Class::Data(target(statement, "FROM"))),
        "CREATE" | "ALTER" | "DROP" | "TRUNCATE" | "RENAME" | "COMMENT" | "GRANT" | "REVOKE" => {
            Some(Class::Schema)
        }
        _ => None,
    }
}

/// The table after a keyword, as written in the SQL (quotes removed).
fn target(statement: &Statement<'_>, keyword: &str) -> Option<String> {
    let upper = statement.word_after(keyword)?;
    let upper = if upper == "ONLY" {
        statement
            .words
            .iter()
            .skip_while(|w| w.text != keyword)
            .nth(2)?
            .text
            .as_str()
    } else {
        upper
    };
    // The words are upper-cased; find the original spelling in the text.
    let lower = statement.text.to_ascii_lowercase();
    let wanted = upper.to_ascii_lowercase();
    let start = lower.find(&wanted)?;
    Some(
        statement.text[start..start + wanted.len()]
            .trim_matches('"')
            .to_string(),
    )
}

fn describe(statement: &Statement<'_>, target: Option<&str>) -> String {
    let verb = statement.verb().unwrap_or("SQL");
    match target {
        Some(table) => format!("`{verb} {table}`"),
        None => format!("`{verb}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{clean, pointed_at, render, single, upgrade};

    #[test]
    fn flags_a_backfill_next_to_ddl() {
        let text = upgrade(
            "    op.add_column(\"users\", sa.Column(\"active\", sa.Boolean(), nullable=True))\n    \
             op.execute(\"UPDATE users SET active = true\")\n    \
             op.alter_column(\"users\", \"active\", nullable=False)",
        );
        let found = single(Rule::MixedDataAndSchema, &text);
        assert_eq!(
            pointed_at(&text, &found),
            "op.execute(\"UPDATE users SET active = true\")"
        );
        assert_eq!(
            found.message,
            "`upgrade()` changes data (`UPDATE users`) and the schema (`op.add_column`) in one migration."
        );
        assert_eq!(
            found.help.as_deref(),
            Some("Move `UPDATE users` into a migration of its own that runs after this one.")
        );
        assert_eq!(found.related.len(), 1);
        assert!(text[found.related[0].span.range.to_std_range()].starts_with("op.add_column("));
    }

    #[test]
    fn flags_bulk_insert_and_ddl_in_sql() {
        let text = upgrade(
            "    roles = sa.table(\"roles\", sa.column(\"name\"))\n    \
             op.bulk_insert(roles, [{\"name\": \"admin\"}])\n    \
             op.execute(\"CREATE INDEX ix_roles_name ON roles (name)\")",
        );
        let found = single(Rule::MixedDataAndSchema, &text);
        assert_eq!(
            found.message,
            "`upgrade()` changes data (`op.bulk_insert` into `roles`) and the schema (`op.execute`) in one migration."
        );
    }

    #[test]
    fn exempt_seeding_a_new_table_and_pure_data_or_pure_schema() {
        clean(
            Rule::MixedDataAndSchema,
            &upgrade(
                "    roles = op.create_table(\"roles\", sa.Column(\"name\", sa.String()))\n    \
                 op.bulk_insert(roles, [{\"name\": \"admin\"}])\n    \
                 op.execute(\"INSERT INTO Roles (name) VALUES ('staff')\")",
            ),
        );
        clean(
            Rule::MixedDataAndSchema,
            &upgrade("    op.execute(\"UPDATE users SET active = true WHERE active IS NULL\")"),
        );
        clean(
            Rule::MixedDataAndSchema,
            &upgrade(
                "    op.add_column(\"users\", sa.Column(\"active\", sa.Boolean()))\n    \
                 op.execute(\"SELECT 1\")",
            ),
        );
    }

    #[test]
    fn suppressed_on_the_line() {
        clean(
            Rule::MixedDataAndSchema,
            &upgrade(
                "    op.add_column(\"flags\", sa.Column(\"on\", sa.Boolean()))\n    \
                 op.execute(\"UPDATE flags SET on = false\")  # migcheck: ignore[MC210] 12 rows",
            ),
        );
    }

    #[test]
    fn snapshot() {
        let text = upgrade(
            "    op.add_column(\"users\", sa.Column(\"active\", sa.Boolean(), nullable=True))\n    \
             op.execute(\"UPDATE users SET active = true\")",
        );
        insta::assert_snapshot!(render(Rule::MixedDataAndSchema, &text));
    }
}
