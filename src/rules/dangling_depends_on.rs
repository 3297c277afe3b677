use crate::alembic::graph::GraphProblem;
use crate::diagnostic::Diagnostic;
use crate::rules::{suggest, Checker, GraphContext, Rule};

declare_rule! {
    /// ## What it does
    /// Checks that every `depends_on` entry names an existing revision or
    /// branch label.
    ///
    /// ## Why is this bad?
    /// Alembic resolves `depends_on` when it loads the history; a missing
    /// target makes every command fail, often only after the branch that
    /// provided it was deleted or squashed.
    ///
    /// ## Example
    /// ```python
    /// revision = "55af2cb1c267"
    /// down_revision = "d747a8a8879"
    /// depends_on = "old_branch"
    /// ```
    ///
    /// Use instead: name a revision id or branch label that exists.
    /// ```python
    /// depends_on = "ae1027a6acf"
    /// ```
    pub struct DanglingDependsOn {
        code: "MC106",
        name: "dangling-depends-on",
        scope: Graph,
        severity: Error,
        checker: Checker::Graph(check),
    }
}

fn check(ctx: &GraphContext<'_>, out: &mut Vec<Diagnostic>) {
    for problem in ctx.graph().problems() {
        let GraphProblem::DanglingDependsOn { node, target } = problem else {
            continue;
        };
        let help = match suggest::similar_revision(ctx.project, target) {
            Some(id) => format!("Did you mean `{id}`? Name an existing revision id or branch label in `depends_on`."),
            None => format!("Remove `{target}` from `depends_on`, or name an existing revision id or branch label."),
        };
        out.push(
            Diagnostic::new(
                Rule::DanglingDependsOn,
                ctx.migration(*node).depends_on_span(),
                format!(
                    "`depends_on` of `{}` names `{target}`, which is neither a revision nor a branch label.",
                    ctx.id(*node)
                ),
            )
            .with_help(help),
        );
    }
}
