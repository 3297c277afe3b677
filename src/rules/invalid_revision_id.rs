use crate::alembic::graph::GraphProblem;
use crate::diagnostic::Diagnostic;
use crate::rules::{Checker, GraphContext, Rule};

declare_rule! {
    /// ## What it does
    /// Checks that revision ids contain none of the characters Alembic
    /// reserves for revision specs: `@`, `-`, `+` and `:`.
    ///
    /// ## Why is this bad?
    /// Alembic refuses to load the history ("Character(s) '-' not allowed in
    /// revision identifier"), because `label@head`, `-1`, `+2` and `a:b` are
    /// how revisions are named on its command line.
    ///
    /// ## Example
    /// ```python
    /// revision = "2024-01-add-users"
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// revision = "2024_01_add_users"
    /// ```
    pub struct InvalidRevisionId {
        code: "MC107",
        name: "invalid-revision-id",
        scope: Graph,
        severity: Error,
        checker: Checker::Graph(check),
    }
}

fn check(ctx: &GraphContext<'_>, out: &mut Vec<Diagnostic>) {
    for problem in ctx.graph().problems() {
        let GraphProblem::InvalidRevisionId { node } = problem else {
            continue;
        };
        let id = ctx.id(*node);
        let bad: String = id
            .chars()
            .filter(|c| matches!(c, '@' | '-' | '+' | ':'))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let fixed: String = id
            .chars()
            .map(|c| if matches!(c, '@' | '-' | '+' | ':') { '_' } else { c })
            .collect();
        out.push(
            Diagnostic::new(
                Rule::InvalidRevisionId,
                ctx.migration(*node).revision_span(),
                format!("Revision id `{id}` contains `{bad}`, which Alembic does not allow in ids."),
            )
            .with_help(format!(
                "Rename the revision to `{fixed}` here and in every `down_revision` that names it."
            )),
        );
    }
}
