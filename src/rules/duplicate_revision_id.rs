use crate::alembic::graph::GraphProblem;
use crate::diagnostic::Diagnostic;
use crate::rules::{Checker, GraphContext, Rule};

declare_rule! {
    /// ## What it does
    /// Checks that no two migration files declare the same `revision` id.
    ///
    /// ## Why is this bad?
    /// Alembic only warns "Revision ... is present more than once" and keeps
    /// the file it loads last: the other migration silently disappears from
    /// the history and never runs. It usually comes from copying a migration
    /// file to start a new one.
    ///
    /// ## Example
    /// ```python
    /// # versions/ae1027a6acf_add_users.py
    /// revision = "ae1027a6acf"
    /// # versions/ae1027a6acf_add_orders.py (a copy)
    /// revision = "ae1027a6acf"
    /// ```
    ///
    /// Use instead: give the copy a fresh id (`alembic revision` generates one)
    /// and point its `down_revision` at the revision it follows.
    /// ```python
    /// # versions/3f1c5e2b9d04_add_orders.py
    /// revision = "3f1c5e2b9d04"
    /// down_revision = "ae1027a6acf"
    /// ```
    pub struct DuplicateRevisionId {
        code: "MC103",
        name: "duplicate-revision-id",
        scope: Graph,
        severity: Error,
        checker: Checker::Graph(check),
    }
}

fn check(ctx: &GraphContext<'_>, out: &mut Vec<Diagnostic>) {
    for problem in ctx.graph().problems() {
        let GraphProblem::DuplicateId { id, first, second } = problem else {
            continue;
        };
        let first = ctx.migration(*first);
        let second = ctx.migration(*second);
        out.push(
            Diagnostic::new(
                Rule::DuplicateRevisionId,
                second.revision_span(),
                format!(
                    "Revision id `{id}` is declared by both `{}` and `{}`; Alembic keeps only `{}`.",
                    first.path, second.path, second.path
                ),
            )
            .with_help(format!(
                "Give `{}` a new revision id and point its `down_revision` at the revision it follows.",
                second.path
            ))
            .with_related(first.revision_span(), format!("`{id}` is first declared here")),
        );
    }
}
