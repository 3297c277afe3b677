use crate::alembic::graph::GraphProblem;
use crate::diagnostic::Diagnostic;
use crate::rules::{Checker, GraphContext, Rule};

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
            GraphProblem::SelfLoop {
                node,
                via_depends_on,
            } => {
                let id = ctx.id(*node);
                let migration = ctx.migration(*node);
                let (span, variable) = if *via_depends_on {
                    (migration.depends_on_span(), "depends_on")
                } else {
                    (migration.down_revision_span(), "down_revision")
                };
                let help = if *via_depends_on {
                    format!("Remove `{id}` (or its own branch label) from `depends_on` of `{id}`.")
                } else {
                    format!(
                        "Set `down_revision` of `{id}` to the revision it follows, or `None` for the first revision."
                    )
                };
                out.push(
                    Diagnostic::new(
                        Rule::RevisionCycle,
                        span,
                        format!("Revision `{id}` names itself in its own `{variable}`."),
                    )
                    .with_help(help),
                );
            }
            GraphProblem::Cycle {
                members,
                via_depends_on,
            } => {
                let Some(&first) = members.iter().min_by_key(|&&m| &ctx.migration(m).path) else {
                    continue;
                };
                let chain = members
                    .iter()
                    .map(|&m| format!("`{}`", ctx.id(m)))
                    .collect::<Vec<_>>()
                    .join(" -> ");
                let through = if *via_depends_on {
                    "their parents and `depends_on`"
                } else {
                    "their parents"
                };
                let mut diagnostic = Diagnostic::new(
                    Rule::RevisionCycle,
                    ctx.migration(first).down_revision_span(),
                    format!("The revisions {chain} form a cycle through {through}."),
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
