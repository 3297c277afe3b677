use crate::alembic::graph::GraphProblem;
use crate::diagnostic::Diagnostic;
use crate::rules::{declare_rule, Checker, GraphContext, Rule};

declare_rule! {
    /// ## What it does
    /// Checks that following `down_revision` (and `depends_on`) never leads
    /// back to where it started, including a revision that names itself.
    ///
    /// ## Why is this bad?
    /// Alembic refuses to load a history with a cycle ("Cycle is detected in
    /// revisions") and no command works until it is broken. Cycles appear when
    /// a rebase or a hand edit points an old revision at a newer one.
    ///
    /// ## Example
    /// ```python
    /// # versions/aaa_first.py
    /// revision = "aaa"
    /// down_revision = "bbb"
    /// # versions/bbb_second.py
    /// revision = "bbb"
    /// down_revision = "aaa"
    /// ```
    ///
    /// Use instead: the oldest revision of the chain has no parent.
    /// ```python
    /// # versions/aaa_first.py
    /// revision = "aaa"
    /// down_revision = None
    /// ```
    pub struct RevisionCycle {
        code: "MC104",
        name: "revision-cycle",
        scope: Graph,
        severity: Error,
        checker: Checker::Graph(check),
    }
}

fn check(ctx: &GraphContext<'_>, out: &mut Vec<Diagnostic>) {
    for problem in ctx.graph().problems() {
        match problem {
            GraphProblem::SelfLoop { node } => {
                let id = ctx.id(*node);
                out.push(
                    Diagnostic::new(
                        Rule::RevisionCycle,
                        ctx.migration(*node).down_revision_span(),
                        format!("Revision `{id}` names itself as its parent."),
                    )
                    .with_help(format!(
                        "Set `down_revision` of `{id}` to the revision it follows, or `None` for the first revision."
                    )),
                );
            }
            GraphProblem::Cycle { members } => {
                let Some(&first) = members.iter().min_by_key(|&&m| &ctx.migration(m).path) else {
                    continue;
                };
                let chain = members
                    .iter()
                    .map(|&m| format!("`{}`", ctx.id(m)))
                    .collect::<Vec<_>>()
                    .join(" -> ");
                let mut diagnostic = Diagnostic::new(
                    Rule::RevisionCycle,
                    ctx.migration(first).down_revision_span(),
                    format!(
                        "The revisions {chain} form a cycle through their parents."
                    ),
                )
                .with_help(format!(
                    "Break the cycle: the oldest of these revisions must not descend from the others (for the first revision, `down_revision = None`); `{}` is the one shown here.",
                    ctx.id(first)
                ));
                for &member in members.iter().filter(|&&m| m != first) {
                    diagnostic = diagnostic.with_related(
                        ctx.migration(member).down_revision_span(),
                        format!("`{}` is part of the cycle", ctx.id(member)),
                    );
                }
                out.push(diagnostic);
            }
            _ => {}
        }
    }
}
