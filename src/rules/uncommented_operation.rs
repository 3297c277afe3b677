use std::collections::HashSet;

use ruff_text_size::TextRange;

use crate::alembic::operations::{Operation, Receiver};
use crate::diagnostic::Diagnostic;
use crate::rules::{Checker, FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Reports an operation in `upgrade()` with no comment on its lines or on
    /// a comment line directly above it. The operations of one `with
    /// op.batch_alter_table(...)` block count as one: a comment above the
    /// `with` covers them. Off unless selected (`extend-select =
    /// ["uncommented-operation"]`).
    ///
    /// ## Why is this bad?
    /// The code says what changes; only a comment says why, and the why is
    /// what a reviewer of a production migration needs: is this column
    /// really unused, who reads this table, can this wait for a quiet hour.
    ///
    /// ## Example
    /// ```python
    /// def upgrade():
    ///     op.drop_column("users", "fax")
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// def upgrade():
    ///     # Nothing has read users.fax since the 2019 rewrite (checked in the query log).
    ///     op.drop_column("users", "fax")
    /// ```
    pub struct UncommentedOperation {
        code: "MC208",
        name: "uncommented-operation",
        scope: File,
        severity: Warning,
        opt_in: true,
        checker: Checker::File(check),
    }
}

fn check(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let source = &ctx.parsed.source;
    let text = source.text();
    let mut comment_lines = HashSet::new();
    let mut comment_only_lines = HashSet::new();
    for comment in &ctx.parsed.comments {
        let line = source.line_of(comment.start());
        comment_lines.insert(line);
        let start = source.line_range(line).start();
        if text[TextRange::new(start, comment.start())].trim().is_empty() {
            comment_only_lines.insert(line);
        }
    }
    let commented = |range: TextRange| {
        let first = source.line_of(range.start());
        let last = source.line_of(range.end());
        (first..=last).any(|line| comment_lines.contains(&line))
            || (first > 1 && comment_only_lines.contains(&(first - 1)))
    };
    let mut batches_seen = HashSet::new();
    for op in ctx.operations().upgrade() {
        let (range, shown) = match &op.receiver {
            Receiver::Op => (op.range, call_text(text, op)),
            Receiver::Batch { range, table } => {
                if !batches_seen.insert(*range) {
                    continue;
                }
                let shown = match table {
                    Some(table) => format!("op.batch_alter_table(\"{table}\")"),
                    None => "op.batch_alter_table(...)".to_string(),
                };
                (*range, shown)
            }
        };
        if commented(range) {
            continue;
        }
        let subject = match (&op.receiver, &op.table) {
            (Receiver::Batch { .. }, Some(table)) => format!("these changes to `{table}`"),
            (_, Some(table)) => format!("this `{}` on `{table}`", op.name),
            (_, None) => format!("this `{}`", op.name),
        };
        out.push(
            Diagnostic::new(
                Rule::UncommentedOperation,
                source.span(range),
                format!("`{shown}` in `upgrade()` has no comment saying why."),
            )
            .with_help(format!(
                "Add a comment on the line above that says why {subject} is needed and safe."
            )),
        );
    }
}

/// The call as written when it is short and on one line, else `op.<name>(...)`.
fn call_text(text: &str, op: &Operation) -> String {
    match text.get(op.range.to_std_range()) {
        Some(call) if !call.contains('\n') && call.chars().count() <= 60 => call.to_string(),
        _ => format!("op.{}(...)", op.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{clean, flagged, pointed_at, render, single, upgrade};

    #[test]
    fn flags_an_operation_without_a_comment() {
        let text = upgrade("    op.drop_column(\"users\", \"fax\")");
        let found = single(Rule::UncommentedOperation, &text);
        assert_eq!(pointed_at(&text, &found), "op.drop_column(\"users\", \"fax\")");
        assert_eq!(
            found.message,
            "`op.drop_column(\"users\", \"fax\")` in `upgrade()` has no comment saying why."
        );
        assert_eq!(
            found.help.as_deref(),
            Some("Add a comment on the line above that says why this `drop_column` on `users` is needed and safe.")
        );
    }

    #[test]
    fn each_operation_needs_its_own_comment() {
        let text = upgrade(
            "    # the fax column is dead\n    op.drop_column(\"users\", \"fax\")\n    \
             op.drop_column(\"users\", \"telex\")\n\n    op.drop_table(\n        \"pagers\"  # unused since 2019\n    )",
        );
        let found = flagged(Rule::UncommentedOperation, &text);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].message.contains("telex"));
    }

    #[test]
    fn a_batch_block_counts_once() {
        let text = upgrade(
            "    with op.batch_alter_table(\"users\") as batch_op:\n        \
             batch_op.drop_column(\"fax\")\n        batch_op.drop_column(\"telex\")",
        );
        let found = single(Rule::UncommentedOperation, &text);
        assert_eq!(pointed_at(&text, &found), "op.batch_alter_table(\"users\")");
        assert!(found.help.as_deref().unwrap_or_default().contains("these changes to `users`"));
        clean(
            Rule::UncommentedOperation,
            &upgrade(
                "    # SQLite cannot drop columns in place\n    with op.batch_alter_table(\"users\") as batch_op:\n        \
                 batch_op.drop_column(\"fax\")",
            ),
        );
    }

    #[test]
    fn exempt_downgrade_operations() {
        clean(
            Rule::UncommentedOperation,
            &crate::rules::testing::migration(
                "def upgrade():\n    pass\n\n\ndef downgrade():\n    op.drop_column(\"users\", \"fax\")\n",
            ),
        );
    }

    #[test]
    fn a_suppression_is_a_comment_but_still_suppresses() {
        clean(
            Rule::UncommentedOperation,
            &upgrade("    op.drop_column(\"users\", \"fax\")  # migcheck: ignore[MC208] obvious"),
        );
    }

    #[test]
    fn snapshot() {
        insta::assert_snapshot!(render(
            Rule::UncommentedOperation,
            &upgrade("    op.drop_column(\"users\", \"fax\")")
        ));
    }
}
