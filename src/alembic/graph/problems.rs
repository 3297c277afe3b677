//! Every problem in the revision graph, found independently of the order in
//! which Alembic would trip over them (it stops at the first; see `load`).

use std::collections::BTreeMap;

use rustc_hash::FxHashSet as HashSet;

use super::flat::FlatLists;
use super::links::Links;
use super::names::Names;
use super::scc;
use super::{GraphProblem, Node};

pub(super) fn find(nodes: &[Node], names: &Names, links: &Links) -> Vec<GraphProblem> {
    let mut out = Vec::new();
    duplicates(nodes, names, &mut out);
    invalid_ids(nodes, &mut out);
    self_loops(nodes, names, links, &mut out);
    dangling(nodes, names, &mut out);
    label_conflicts(nodes, names, &mut out);
    cycles(nodes, names, links, &mut out);
    out
}

fn duplicates(nodes: &[Node], names: &Names, out: &mut Vec<GraphProblem>) {
    for (i, node) in nodes.iter().enumerate() {
        let first = names.first_copy[names.rank[i]];
        if first != i {
            out.push(GraphProblem::DuplicateId {
                id: node.id.clone(),
                first,
                second: i,
            });
        }
    }
}

fn invalid_ids(nodes: &[Node], out: &mut Vec<GraphProblem>) {
    for (i, node) in nodes.iter().enumerate() {
        if node.id.contains(['@', '-', '+', ':']) {
            out.push(GraphProblem::InvalidRevisionId { node: i });
        }
    }
}

fn self_loops(nodes: &[Node], names: &Names, links: &Links, out: &mut Vec<GraphProblem>) {
    for (i, node) in nodes.iter().enumerate() {
        let me = names.vertex(i);
        let to_me = |target: &Option<usize>| target.map(|t| names.vertex(t)) == Some(me);
        if node.down_revisions.contains(&node.id) || links.down[i].iter().any(to_me) {
            out.push(GraphProblem::SelfLoop {
                node: i,
                via_depends_on: false,
            });
        }
        if node.depends_on.contains(&node.id) || links.resolved[i].contains(&me) {
            out.push(GraphProblem::SelfLoop {
                node: i,
                via_depends_on: true,
            });
        }
    }
}

fn dangling(nodes: &[Node], names: &Names, out: &mut Vec<GraphProblem>) {
    for (i, node) in nodes.iter().enumerate() {
        let mut seen = HashSet::default();
        for target in &node.down_revisions {
            if names.id(target).is_none() && seen.insert(target) {
                out.push(GraphProblem::DanglingDownRevision {
                    node: i,
                    target: target.clone(),
                });
            }
        }
        let mut seen = HashSet::default();
        for target in &node.depends_on {
            if names.full(target).is_none() && seen.insert(target) {
                out.push(GraphProblem::DanglingDependsOn {
                    node: i,
                    target: target.clone(),
                });
            }
        }
    }
}

fn label_conflicts(nodes: &[Node], names: &Names, out: &mut Vec<GraphProblem>) {
    let mut declared: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, node) in nodes.iter().enumerate() {
        for label in &node.branch_labels {
            declared.entry(label.as_str()).or_default().push(i);
        }
    }
    for (label, mut owners) in declared {
        let id_holder = names.id(label);
        if owners.len() < 2 && id_holder.is_none() {
            continue;
        }
        owners.extend(id_holder);
        owners.sort_unstable();
        owners.dedup();
        out.push(GraphProblem::BranchLabelConflict {
            label: label.to_string(),
            nodes: owners,
        });
    }
}

/// Strongly connected components of more than one revision, first through
/// `down_revision` alone, then with `depends_on` (only the ones that need it).
fn cycles(nodes: &[Node], names: &Names, links: &Links, out: &mut Vec<GraphProblem>) {
    let n = nodes.len();
    let parents = |with_dependencies: bool| -> FlatLists {
        FlatLists::from_fn(n, |i, out| {
            let me = names.vertex(i);
            let start = out.len();
            out.extend(links.down[i].iter().flatten().map(|&t| names.vertex(t)));
            if with_dependencies {
                out.extend(links.resolved[i].iter().copied());
            }
            let mut kept = start;
            for at in start..out.len() {
                if out[at] != me {
                    out[kept] = out[at];
                    kept += 1;
                }
            }
            out.truncate(kept);
        })
    };
    let cyclic = |parents: FlatLists| -> Vec<Vec<usize>> {
        scc::components(n, |v| &parents[v])
            .iter()
            .filter(|c| c.len() > 1)
            .map(<[usize]>::to_vec)
            .collect()
    };
    let mut versioned = cyclic(parents(false));
    for members in &mut versioned {
        members.sort_unstable();
    }
    // Without dependencies the second pass would find the same components.
    let mut all = if links.without_dependencies() {
        Vec::new()
    } else {
        cyclic(parents(true))
    };
    for members in &mut all {
        members.sort_unstable();
    }
    let known: HashSet<&Vec<usize>> = versioned.iter().collect();
    all.retain(|c| !known.contains(c));
    drop(known);
    let mut found: Vec<(Vec<usize>, bool)> = versioned
        .into_iter()
        .map(|c| (c, false))
        .chain(all.into_iter().map(|c| (c, true)))
        .collect();
    found.sort();
    for (members, via_depends_on) in found {
        out.push(GraphProblem::Cycle {
            members,
            via_depends_on,
        });
    }
}
