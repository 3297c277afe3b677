use crate::alembic::graph::GraphProblem;
use crate::diagnostic::Diagnostic;
use crate::rules::{Checker, GraphContext, Rule};

declare_rule! {
    /// ## What it does
    /// Checks that every branch label is declared once and is not also a
    /// revision id.
    ///
    /// ## Why is this bad?
    /// Alembic refuses to load the history ("Branch name ... already used by
    /// revision ...") when two revisions declare the same label, so
    /// `alembic upgrade expand@head` and every other command stop working.
    ///
    /// ## Example
    /// ```python
    /// # versions/1a2b_expand.py
    /// branch_labels = ("expand",)
    /// # versions/3c4d_more_expand.py
    /// branch_labels = ("expand",)
    /// ```
    ///
    /// Use instead: label only the first revision of a branch; its
    /// descendants inherit the label.
    /// ```python
    /// # versions/3c4d_more_expand.py
    /// branch_labels = None
    /// ```
    pub struct BranchLabelConflict {
        code: "MC105",
        name: "branch-label-conflict",
        scope: Graph,
        severity: Error,
        checker: Checker::Graph(check),
    }
}

fn check(ctx: &GraphContext<'_>, out: &mut Vec<Diagnostic>) {
    for problem in ctx.graph().problems() {
        let GraphProblem::BranchLabelConflict { label, nodes } = problem else {
            continue;
        };
        let Some((&last, others)) = nodes.split_last() else {
            continue;
        };
        let owners = nodes
            .iter()
            .map(|&n| format!("`{}`", ctx.id(n)))
            .collect::<Vec<_>>()
            .join(" and ");
        let mut diagnostic = Diagnostic::new(
            Rule::BranchLabelConflict,
            ctx.migration(last).branch_labels_span(),
            format!("Branch label `{label}` is declared by {owners}."),
        )
        .with_help(format!(
            "Remove `{label}` from `branch_labels` of `{}` or give it another name; descendants inherit their branch's label.",
            ctx.id(last)
        ));
        for &other in others {
            diagnostic = diagnostic.with_related(
                ctx.migration(other).branch_labels_span(),
                format!("`{label}` is also declared by `{}`", ctx.id(other)),
            );
        }
        out.push(diagnostic);
    }
}
