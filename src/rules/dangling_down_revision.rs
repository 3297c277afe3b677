use crate::alembic::graph::GraphProblem;
use crate::diagnostic::Diagnostic;
use crate::rules::{suggest, Checker, GraphContext, Rule};

declare_rule! {
    /// ## What it does
    /// Checks that every `down_revision` names a revision that exists.
    ///
    /// ## Why is this bad?
    /// Alembic cannot place a revision whose parent is missing: every command
    /// that loads the history fails with "Revision ... referenced from ... is
    /// not present". This happens when a parent file was deleted, renamed with
    /// a new id, or when the id was copied wrong (often the file name instead
    /// of the id).
    ///
    /// ## Example
    /// ```python
    /// revision = "27c6a30d7c24"
    /// down_revision = "ae1027a6acf_add_users"
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// revision = "27c6a30d7c24"
    /// down_revision = "ae1027a6acf"
    /// ```
    pub struct DanglingDownRevision {
        code: "MC102",
        name: "dangling-down-revision",
        scope: Graph,
        severity: Error,
        checker: Checker::Graph(check),
    }
}

fn check(ctx: &GraphContext<'_>, out: &mut Vec<Diagnostic>) {
    for problem in ctx.graph().problems() {
        let GraphProblem::DanglingDownRevision { node, target } = problem else {
            continue;
        };
        let migration = ctx.migration(*node);
        let folder = ctx.project.alembic.version_locations.join("`, `");
        let help = match suggest::similar_revision(ctx.project, target) {
            Some(id) => format!("Did you mean `{id}`? Set `down_revision = \"{id}\"`."),
            None => {
                let heads: Vec<&str> = ctx
                    .graph()
                    .heads()
                    .into_iter()
                    .filter(|&head| head != *node)
                    .map(|head| ctx.id(head))
                    .collect();
                match heads.as_slice() {
                    [head] => format!(
                        "Point `down_revision` at an existing revision, such as the current head `{head}`."
                    ),
                    _ => "Point `down_revision` at an existing revision, or restore the missing file.".to_string(),
                }
            }
        };
        out.push(
            Diagnostic::new(
                Rule::DanglingDownRevision,
                migration.down_revision_span(),
                format!(
                    "`down_revision` of `{}` names `{target}`, which is not a revision in `{folder}`.",
                    ctx.id(*node)
                ),
            )
            .with_help(help),
        );
    }
}
