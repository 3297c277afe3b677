use std::collections::HashSet;

use crate::alembic::graph::RevisionGraph;
use crate::diagnostic::Diagnostic;
use crate::rules::{Checker, GraphContext, Rule};

declare_rule! {
    /// ## What it does
    /// In a range check (`migcheck check --from-ref origin/main`), checks that
    /// every revision the branch adds builds on a head of the base ref, not on
    /// a revision the base has since moved past.
    ///
    /// ## Why is this bad?
    /// The branch forked before someone else's migration landed on the base.
    /// Both revisions name the same parent, so once the branch is merged the
    /// graph has two heads and `alembic upgrade head` fails in every
    /// environment, although each branch was fine on its own. Only a check
    /// that knows the base ref can see it before the merge.
    ///
    /// ## Example
    /// ```python
    /// # on main since the branch forked: 1975ea83b712 (down_revision = "ae1027a6acf")
    /// # on the branch:
    /// revision = "27c6a30d7c24"
    /// down_revision = "ae1027a6acf"
    /// ```
    ///
    /// Use instead: build on the head of the base ref.
    /// ```python
    /// revision = "27c6a30d7c24"
    /// down_revision = "1975ea83b712"
    /// ```
    /// or merge the base into the branch and join the heads with
    /// `alembic merge -m "merge heads" 1975ea83b712 27c6a30d7c24`.
    pub struct StaleDownRevision {
        code: "MC108",
        name: "stale-down-revision",
        scope: Graph,
        severity: Error,
        checker: Checker::Graph(check),
    }
}

fn check(ctx: &GraphContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(base) = &ctx.project.base else {
        return;
    };
    for migration in &ctx.project.migrations {
        let (true, Some(id), Some(downs)) = (
            migration.changed,
            migration.id(),
            migration.down_revisions(),
        ) else {
            continue;
        };
        let Some(stale) = stale_parent(&base.graph, ctx.graph(), id, downs) else {
            continue;
        };
        let heads = stale
            .heads
            .iter()
            .map(|h| format!("`{h}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let help = match stale.heads.as_slice() {
            [head] if downs.len() == 1 => format!(
                    "Set `down_revision = \"{head}\"` (the head of `{}`), or merge `{}` and run `{} merge -m \"merge heads\" {head} {id}`.",
                    base.rev,
                    base.rev,
                ctx.project.alembic_command()
            ),
            [_, ..] => format!(
                    "Replace `{}` with {heads} in `down_revision`, or merge `{}` and join the heads with `{} merge`.",
                    stale.parent,
                    base.rev,
                    ctx.project.alembic_command()
            ),
            [] => continue,
        };
        out.push(
            Diagnostic::new(
                Rule::StaleDownRevision,
                migration.down_revision_span(),
                format!(
                    "`{id}` builds on `{}`, but `{}` has moved on to {heads}: after the merge there will be {} heads.",
                    stale.parent,
                    base.rev,
                    count(stale.heads.len() + 1)
                ),
            )
            .with_help(help),
        );
    }
}

/// `two`, `three`, ... for a message.
fn count(n: usize) -> String {
    match n {
        2 => "two".to_owned(),
        3 => "three".to_owned(),
        4 => "four".to_owned(),
        n => n.to_string(),
    }
}

/// A parent that the base ref has moved past.
#[derive(Debug, PartialEq, Eq)]
struct Stale {
    parent: String,
    /// The base heads above `parent` that the branch does not have.
    heads: Vec<String>,
}

/// For a revision `id` of the checked graph with parents `downs`: the first
/// parent that is in the base graph but not one of its heads, and the base
/// heads built on it that the checked graph lacks. A revision the base already
/// has, or a parent the branch adds itself, is not stale; neither is a branch
/// that already contains the base's newer revisions (then the graph itself
/// shows the two heads, or their merge).
fn stale_parent(
    base: &RevisionGraph,
    checked: &RevisionGraph,
    id: &str,
    downs: &[String],
) -> Option<Stale> {
    if base.index_of(id).is_some() {
        return None;
    }
    let base_heads: HashSet<usize> = base.heads().into_iter().collect();
    for parent in downs {
        let Some(node) = base.index_of(parent) else {
            continue;
        };
        if base_heads.contains(&node) {
            continue;
        }
        let heads: Vec<String> = descendants(base, node)
            .into_iter()
            .filter(|n| base_heads.contains(n))
            .map(|n| base.node(n).id.clone())
            .filter(|head| checked.index_of(head).is_none())
            .collect();
        if !heads.is_empty() {
            return Some(Stale {
                parent: parent.clone(),
                heads,
            });
        }
    }
    None
}

/// Every revision built on `start` through `down_revision`, in input order.
fn descendants(graph: &RevisionGraph, start: usize) -> Vec<usize> {
    let mut children = vec![Vec::new(); graph.len()];
    for (child, node) in graph.nodes().iter().enumerate() {
        for down in &node.down_revisions {
            if let Some(parent) = graph.index_of(down) {
                children[parent].push(child);
            }
        }
    }
    let mut seen = vec![false; graph.len()];
    let mut stack = vec![start];
    while let Some(node) = stack.pop() {
        for &child in &children[node] {
            if !seen[child] {
                seen[child] = true;
                stack.push(child);
            }
        }
    }
    (0..graph.len()).filter(|&n| seen[n]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> RevisionGraph {
        RevisionGraph::from_edges(edges)
    }

    fn downs(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|d| (*d).to_string()).collect()
    }

    #[test]
    fn branch_on_a_parent_the_base_moved_past() {
        let base = graph(&[("a1", &[]), ("b2", &["a1"])]);
        let branch = graph(&[("a1", &[]), ("c3", &["a1"])]);
        assert_eq!(
            stale_parent(&base, &branch, "c3", &downs(&["a1"])),
            Some(Stale {
                parent: "a1".into(),
                heads: vec!["b2".into()]
            })
        );
    }

    #[test]
    fn building_on_the_base_head_is_fine() {
        let base = graph(&[("a1", &[]), ("b2", &["a1"])]);
        let branch = graph(&[("a1", &[]), ("b2", &["a1"]), ("c3", &["b2"])]);
        assert_eq!(stale_parent(&base, &branch, "c3", &downs(&["b2"])), None);
    }

    #[test]
    fn second_revision_of_the_branch_is_not_reported_again() {
        let base = graph(&[("a1", &[]), ("b2", &["a1"])]);
        let branch = graph(&[("a1", &[]), ("c3", &["a1"]), ("d4", &["c3"])]);
        assert_eq!(stale_parent(&base, &branch, "d4", &downs(&["c3"])), None);
    }

    #[test]
    fn branch_that_merged_the_base_is_left_to_the_graph_rules() {
        let base = graph(&[("a1", &[]), ("b2", &["a1"])]);
        let branch = graph(&[("a1", &[]), ("b2", &["a1"]), ("c3", &["a1"])]);
        assert_eq!(stale_parent(&base, &branch, "c3", &downs(&["a1"])), None);
    }

    #[test]
    fn revisions_the_base_already_has_are_not_new() {
        let base = graph(&[("a1", &[]), ("b2", &["a1"]), ("c3", &["a1"])]);
        let branch = graph(&[("a1", &[]), ("c3", &["a1"])]);
        assert_eq!(stale_parent(&base, &branch, "c3", &downs(&["a1"])), None);
    }

    #[test]
    fn names_only_the_heads_built_on_the_parent() {
        // Two labelled branches at the base; the branch forks from one of them.
        let base = graph(&[
            ("a1", &[]),
            ("x1", &[]),
            ("b2", &["a1"]),
            ("y2", &["x1"]),
        ]);
        let branch = graph(&[("a1", &[]), ("x1", &[]), ("y2", &["x1"]), ("c3", &["a1"])]);
        assert_eq!(
            stale_parent(&base, &branch, "c3", &downs(&["a1"])).map(|s| s.heads),
            Some(vec!["b2".to_string()])
        );
    }
}
