use crate::diagnostic::Diagnostic;
use crate::rules::{Checker, GraphContext};

declare_rule! {
    /// ## What it does
    /// Checks that the revision graph has a single head, counting only heads
    /// that do not carry a branch label of their own.
    ///
    /// ## Why is this bad?
    /// When two branches each add a revision on the same parent, the graph has
    /// two heads and `alembic upgrade head` fails in production with
    /// "Multiple head revisions are present". Heads that each carry their own
    /// branch label (intended parallel branches such as `expand` and `contract`)
    /// are upgraded by label and are not reported.
    ///
    /// ## Example
    /// ```python
    /// # versions/1975ea83b712_add_account.py
    /// revision = "1975ea83b712"
    /// down_revision = "ae1027a6acf"
    ///
    /// # versions/27c6a30d7c24_add_order.py
    /// revision = "27c6a30d7c24"
    /// down_revision = "ae1027a6acf"
    /// ```
    ///
    /// Use instead: merge the heads into one revision.
    /// ```sh
    /// alembic merge -m "merge heads" 1975ea83b712 27c6a30d7c24
    /// ```
    ///
    /// The setting `strict-heads = true` makes this finding an error.
    pub struct MultipleHeads {
        code: "MC101",
        name: "multiple-heads",
        scope: Graph,
        severity: Warning,
        checker: Checker::Graph(check),
    }
}

fn check(ctx: &GraphContext<'_>, out: &mut Vec<Diagnostic>) {
    let graph = ctx.graph();
    // A head with a label no other head carries is an intended branch.
    let unlabelled = graph.unlabelled_heads();
    if unlabelled.len() < 2 {
        return;
    }
    // Point at a head the change touches when there is one: that is the news.
    let mut ordered = unlabelled.clone();
    ordered.sort_by_key(|&head| {
        let migration = ctx.migration(head);
        (!migration.changed, migration.path.clone())
    });
    let first = ordered[0];
    let ids: Vec<&str> = unlabelled.iter().map(|&head| ctx.id(head)).collect();
    let listed = ids
        .iter()
        .map(|id| format!("`{id}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut diagnostic = Diagnostic::new(
        super::Rule::MultipleHeads,
        ctx.migration(first).revision_span(),
        format!(
            "The revision graph has {} heads: {listed}.",
            unlabelled.len()
        ),
    )
    .with_help(format!(
        "Merge them with `{} merge -m \"merge heads\" {}`.",
        ctx.project.alembic_command(),
        ids.join(" ")
    ));
    for &head in &ordered[1..] {
        diagnostic = diagnostic.with_related(
            ctx.migration(head).revision_span(),
            format!("head `{}` is declared here", ctx.id(head)),
        );
    }
    out.push(diagnostic);
}
