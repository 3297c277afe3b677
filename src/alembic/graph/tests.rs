//! Graph behaviour on hand-made histories. Expected orders and messages were
//! produced by Alembic 1.18 on the same revisions (files loaded in this order);
//! `tests/alembic_conformance.rs` checks thousands of random graphs the same way.

use std::time::{Duration, Instant};

use super::*;

fn rev(id: &str, down: &[&str]) -> Node {
    Node {
        id: id.to_string(),
        down_revisions: down.iter().map(|s| s.to_string()).collect(),
        ..Node::default()
    }
}

fn with_deps(mut node: Node, deps: &[&str]) -> Node {
    node.depends_on = deps.iter().map(|s| s.to_string()).collect();
    node
}

fn with_labels(mut node: Node, labels: &[&str]) -> Node {
    node.branch_labels = labels.iter().map(|s| s.to_string()).collect();
    node
}

fn ids(graph: &RevisionGraph, revs: &[usize]) -> Vec<String> {
    revs.iter().map(|&r| graph.node(r).id.clone()).collect()
}

fn error_of(graph: &RevisionGraph) -> (&'static str, String) {
    let err = graph.alembic_error().expect("Alembic fails on this graph");
    (err.kind.python_class(), err.message.clone())
}

#[test]
fn merge_orders_like_alembic() {
    let graph = RevisionGraph::build(vec![
        rev("a", &[]),
        rev("b", &["a"]),
        rev("c", &["b"]),
        rev("d", &["a"]),
        rev("e", &["d"]),
        rev("m", &["c", "e"]),
        rev("x", &["m"]),
    ]);
    assert_eq!(graph.alembic_error(), None);
    assert!(graph.problems().is_empty());
    assert_eq!(ids(&graph, &graph.heads()), ["x"]);
    assert_eq!(ids(&graph, &graph.bases()), ["a"]);
    assert_eq!(
        ids(&graph, &graph.history()),
        ["x", "m", "c", "b", "e", "d", "a"]
    );
    let upgrade = graph.upgrade_order(&["b"], "heads").unwrap();
    assert_eq!(ids(&graph, &upgrade), ["d", "e", "c", "m", "x"]);
}

#[test]
fn branches_order_like_alembic() {
    let graph = RevisionGraph::build(vec![
        rev("a", &[]),
        rev("b", &["a"]),
        rev("c", &["a"]),
        rev("d", &["b"]),
        rev("e", &["c"]),
        rev("f", &["a"]),
    ]);
    assert_eq!(ids(&graph, &graph.heads()), ["d", "e", "f"]);
    assert_eq!(
        ids(&graph, &graph.history()),
        ["d", "b", "e", "c", "f", "a"]
    );
    let upgrade = graph.upgrade_order(&["d"], "heads").unwrap();
    assert_eq!(ids(&graph, &upgrade), ["f", "c", "e"]);
    let err = graph.upgrade_order(&[], "head").unwrap_err();
    assert_eq!(
        err.to_string(),
        "Multiple heads are present for given argument 'head'; d, e, f"
    );
    assert_eq!(err.alembic_outcome(), "MultipleHeads");
}

#[test]
fn dependencies_labels_and_branch_targets() {
    let graph = RevisionGraph::build(vec![
        rev("a", &[]),
        rev("b", &["a"]),
        with_labels(rev("p", &[]), &["other"]),
        rev("q", &["p"]),
        with_deps(rev("c", &["b"]), &["other"]),
        with_deps(rev("d", &["c"]), &["q"]),
    ]);
    assert_eq!(ids(&graph, &graph.heads()), ["q", "d"]);
    assert_eq!(ids(&graph, &graph.real_heads()), ["d"]);
    assert_eq!(ids(&graph, &graph.bases()), ["a", "p"]);
    assert_eq!(graph.branch_labels(3), ["other".to_string()]);
    assert!(graph.branch_labels(0).is_empty());
    assert_eq!(
        ids(&graph, &graph.history()),
        ["d", "c", "b", "a", "q", "p"]
    );
    let all = graph.upgrade_order(&[], "heads").unwrap();
    assert_eq!(ids(&graph, &all), ["p", "q", "a", "b", "c", "d"]);
    let branch = graph.upgrade_order(&["b"], "other@head").unwrap();
    assert_eq!(ids(&graph, &branch), ["p", "q"]);
}

#[test]
fn resolves_specs_like_alembic() {
    let graph = RevisionGraph::build(vec![
        rev("aaaa1", &[]),
        with_labels(rev("aaaa2", &["aaaa1"]), &["x"]),
        rev("bbbb1", &["aaaa1"]),
        rev("cccc", &["aaaa2"]),
    ]);
    let ok = |spec: &str| ids(&graph, &graph.resolve(spec).unwrap());
    let err = |spec: &str| graph.resolve(spec).unwrap_err().to_string();
    assert_eq!(ok("aaaa1"), ["aaaa1"]);
    assert_eq!(ok("x"), ["aaaa2"]);
    assert_eq!(ok("x@head"), ["cccc"]);
    assert_eq!(ok("x@heads"), ["cccc"]);
    assert_eq!(ok("heads"), ["bbbb1", "cccc"]);
    assert_eq!(ok("bbbb"), ["bbbb1"]);
    assert!(ok("x@base").is_empty());
    assert_eq!(
        err("aaa"),
        "Multiple revisions start with 'aaa': 'aaaa1', 'aaaa2'..."
    );
    assert_eq!(
        err("x@aaaa"),
        "Multiple revisions start with 'aaaa': 'aaaa1', 'aaaa2'..."
    );
    assert_eq!(
        err("x@bbbb1"),
        "Revision bbbb1 is not a member of branch 'x'"
    );
    assert_eq!(
        err("zz"),
        "No such revision or branch 'zz'; please ensure at least four characters are present for partial revision identifier matches"
    );
    assert_eq!(
        err("head"),
        "Multiple heads are present for given argument 'head'; bbbb1, cccc"
    );
    assert_eq!(
        err("@head"),
        "Multiple heads are present for given argument 'head'; bbbb1, cccc"
    );
    assert_eq!(
        graph.resolve("-1").unwrap_err().alembic_outcome(),
        "unsupported"
    );
}

#[test]
fn duplicate_id_keeps_last_copy_and_counts_every_copy_as_head() {
    let graph = RevisionGraph::build(vec![rev("a", &[]), rev("b", &["a"]), rev("b", &["a"])]);
    assert_eq!(
        graph.problems(),
        [GraphProblem::DuplicateId {
            id: "b".into(),
            first: 1,
            second: 2
        }]
    );
    assert_eq!(graph.index_of("b"), Some(2));
    assert_eq!(graph.alembic_error(), None);
    assert_eq!(graph.heads(), [1, 2]);
    assert_eq!(ids(&graph, &graph.history()), ["b", "a"]);
}

#[test]
fn duplicate_id_with_children_breaks_history() {
    // The shadowed first copy of b stays a head although c names b.
    let graph = RevisionGraph::build(vec![
        rev("a", &[]),
        rev("b", &["a"]),
        rev("b", &[]),
        rev("c", &["b"]),
    ]);
    assert_eq!(ids(&graph, &graph.heads()), ["a", "b", "c"]);
    assert_eq!(ids(&graph, &graph.bases()), ["a", "b"]);
    let err = graph.try_history().unwrap_err();
    assert_eq!(
        err.to_string(),
        "Requested revision c overlaps with other requested revisions b"
    );
    assert_eq!(err.alembic_outcome(), "RevisionError");
    assert_eq!(
        graph.history().len(),
        3,
        "history still lists every kept revision"
    );
}

#[test]
fn dangling_down_revision_is_a_key_error() {
    let graph = RevisionGraph::build(vec![rev("a", &[]), rev("b", &["zz"]), rev("c", &["b"])]);
    assert_eq!(
        graph.problems(),
        [GraphProblem::DanglingDownRevision {
            node: 1,
            target: "zz".into()
        }]
    );
    assert_eq!(error_of(&graph), ("KeyError", "'zz'".to_string()));
    assert_eq!(ids(&graph, &graph.heads()), ["a", "c"]);
    assert_eq!(ids(&graph, &graph.bases()), ["a"]);
}

#[test]
fn down_revision_naming_a_label_is_dangling() {
    let graph = RevisionGraph::build(vec![with_labels(rev("a", &[]), &["x"]), rev("b", &["x"])]);
    assert!(graph
        .problems()
        .contains(&GraphProblem::DanglingDownRevision {
            node: 1,
            target: "x".into()
        }));
    assert_eq!(error_of(&graph), ("KeyError", "'x'".to_string()));
}

#[test]
fn dangling_depends_on_is_a_key_error() {
    let graph = RevisionGraph::build(vec![rev("a", &[]), with_deps(rev("b", &["a"]), &["zz"])]);
    assert_eq!(
        graph.problems(),
        [GraphProblem::DanglingDependsOn {
            node: 1,
            target: "zz".into()
        }]
    );
    assert_eq!(error_of(&graph), ("KeyError", "'zz'".to_string()));
    assert_eq!(ids(&graph, &graph.heads()), ["b"]);
}

#[test]
fn cycle_names_only_its_members_while_alembic_lists_what_it_cuts_off() {
    let graph = RevisionGraph::build(vec![
        rev("a", &[]),
        rev("b", &["c"]),
        rev("c", &["b"]),
        rev("d", &["c"]),
        rev("e", &["a"]),
    ]);
    assert_eq!(
        graph.problems(),
        [GraphProblem::Cycle {
            members: vec![1, 2],
            via_depends_on: false
        }]
    );
    assert_eq!(
        error_of(&graph),
        (
            "CycleDetected",
            "Cycle is detected in revisions (b, c, d)".to_string()
        )
    );
    assert_eq!(ids(&graph, &graph.heads()), ["d", "e"]);
}

#[test]
fn cycle_without_heads_lists_every_revision() {
    let graph = RevisionGraph::build(vec![rev("b", &["c"]), rev("c", &["b"])]);
    assert_eq!(
        error_of(&graph),
        (
            "CycleDetected",
            "Cycle is detected in revisions (b, c)".to_string()
        )
    );
    assert!(graph.heads().is_empty());
    assert!(graph.history().len() <= 2);
}

#[test]
fn cycle_reachable_from_head_and_base_is_accepted_by_alembic() {
    let graph = RevisionGraph::build(vec![
        rev("a", &[]),
        rev("b", &["a", "c"]),
        rev("c", &["b"]),
        rev("d", &["c"]),
    ]);
    assert_eq!(graph.alembic_error(), None);
    assert!(
        matches!(graph.problems(), [GraphProblem::Cycle { members, .. }] if members == &[1, 2])
    );
    assert_eq!(ids(&graph, &graph.heads()), ["d"]);
    assert_eq!(ids(&graph, &graph.history()), ["d", "c", "b", "a"]);
    assert_eq!(
        ids(&graph, &graph.upgrade_order(&[], "heads").unwrap()),
        ["a", "b", "c", "d"]
    );
}

#[test]
fn dependency_cycle() {
    let graph = RevisionGraph::build(vec![
        rev("a", &[]),
        with_deps(rev("b", &["a"]), &["c"]),
        rev("c", &["b"]),
    ]);
    assert_eq!(
        graph.problems(),
        [GraphProblem::Cycle {
            members: vec![1, 2],
            via_depends_on: true
        }]
    );
    assert_eq!(
        error_of(&graph),
        (
            "DependencyCycleDetected",
            "Dependency cycle is detected in revisions (a, b, c)".to_string()
        )
    );
}

#[test]
fn self_loops() {
    let down = RevisionGraph::build(vec![rev("a", &[]), rev("b", &["b"])]);
    assert_eq!(
        down.problems(),
        [GraphProblem::SelfLoop {
            node: 1,
            via_depends_on: false
        }]
    );
    assert_eq!(
        error_of(&down),
        (
            "LoopDetected",
            "Self-loop is detected in revisions (b)".to_string()
        )
    );
    let deps = RevisionGraph::build(vec![rev("a", &[]), with_deps(rev("b", &["a"]), &["b"])]);
    assert_eq!(
        deps.problems(),
        [GraphProblem::SelfLoop {
            node: 1,
            via_depends_on: true
        }]
    );
    assert_eq!(
        error_of(&deps),
        (
            "DependencyLoopDetected",
            "Dependency self-loop is detected in revisions (b)".to_string()
        )
    );
    let label = RevisionGraph::build(vec![with_deps(with_labels(rev("a", &[]), &["x"]), &["x"])]);
    assert_eq!(
        label.problems(),
        [GraphProblem::SelfLoop {
            node: 0,
            via_depends_on: true
        }]
    );
    assert_eq!(
        error_of(&label),
        (
            "DependencyCycleDetected",
            "Dependency cycle is detected in revisions (a)".to_string()
        )
    );
}

#[test]
fn self_loop_is_raised_before_any_other_error() {
    let graph = RevisionGraph::build(vec![rev("a", &["zz"]), rev("b", &["b"])]);
    assert_eq!(error_of(&graph).0, "LoopDetected");
    assert_eq!(graph.problems().len(), 2);
}

#[test]
fn branch_label_conflicts() {
    let twice = RevisionGraph::build(vec![
        with_labels(rev("a", &[]), &["x"]),
        with_labels(rev("b", &["a"]), &["x"]),
    ]);
    assert_eq!(
        twice.problems(),
        [GraphProblem::BranchLabelConflict {
            label: "x".into(),
            nodes: vec![0, 1]
        }]
    );
    assert_eq!(
        error_of(&twice),
        (
            "RevisionError",
            "Branch name 'x' in revision b already used by revision a".to_string()
        )
    );
    let same = RevisionGraph::build(vec![with_labels(rev("a", &[]), &["x", "x"])]);
    assert_eq!(
        error_of(&same).1,
        "Branch name 'x' in revision a already used by revision a"
    );
    assert_eq!(
        same.problems(),
        [GraphProblem::BranchLabelConflict {
            label: "x".into(),
            nodes: vec![0]
        }]
    );
    let id = RevisionGraph::build(vec![with_labels(rev("a", &[]), &["b"]), rev("b", &["a"])]);
    assert_eq!(
        id.problems(),
        [GraphProblem::BranchLabelConflict {
            label: "b".into(),
            nodes: vec![0, 1]
        }]
    );
    assert_eq!(
        error_of(&id).1,
        "Branch name 'b' in revision a already used by revision b"
    );
}

#[test]
fn invalid_revision_id() {
    let graph = RevisionGraph::build(vec![rev("a-b", &[])]);
    assert_eq!(
        graph.problems(),
        [GraphProblem::InvalidRevisionId { node: 0 }]
    );
    assert_eq!(
        error_of(&graph),
        (
            "RevisionError",
            "Character(s) '-' not allowed in revision identifier 'a-b'".to_string()
        )
    );
}

#[test]
fn label_covers_a_straight_line_both_ways() {
    let graph = RevisionGraph::build(vec![
        rev("a", &[]),
        with_labels(rev("b", &["a"]), &["x"]),
        rev("c", &["b"]),
        rev("d", &["c"]),
    ]);
    for i in 0..4 {
        assert_eq!(graph.branch_labels(i), ["x".to_string()], "revision {i}");
    }
}

#[test]
fn empty_graph() {
    let graph = RevisionGraph::build(Vec::new());
    assert!(graph.is_empty());
    assert_eq!(graph.alembic_error(), None);
    assert!(graph.history().is_empty());
    assert!(graph.upgrade_order(&[], "heads").unwrap().is_empty());
}

fn chain(n: usize) -> Vec<Node> {
    (0..n)
        .map(|i| {
            let down: Vec<String> = if i == 0 {
                vec![]
            } else {
                vec![format!("r{:06}", i - 1)]
            };
            Node {
                id: format!("r{i:06}"),
                down_revisions: down,
                ..Node::default()
            }
        })
        .collect()
}

fn within(limit: Duration, what: &str, start: Instant) {
    let spent = start.elapsed();
    assert!(spent < limit, "{what} took {spent:?}");
}

#[test]
fn chain_of_100_000() {
    let start = Instant::now();
    let mut nodes = chain(100_000);
    nodes[50_000].branch_labels = vec!["mid".into()];
    let graph = RevisionGraph::build(nodes);
    assert_eq!(graph.alembic_error(), None);
    assert_eq!(graph.heads(), [99_999]);
    assert_eq!(graph.bases(), [0]);
    let history = graph.history();
    assert_eq!(history.len(), 100_000);
    assert_eq!((history[0], history[99_999]), (99_999, 0));
    let upgrade = graph.upgrade_order(&["r050000"], "heads").unwrap();
    assert_eq!(upgrade.len(), 49_999);
    assert_eq!(upgrade[0], 50_001);
    assert_eq!(graph.branch_labels(0), ["mid".to_string()]);
    assert_eq!(graph.resolve("mid@head").unwrap(), [99_999]);
    within(Duration::from_secs(20), "a 100,000 chain", start);
}

#[test]
fn cycle_of_10_000() {
    let start = Instant::now();
    let mut nodes = chain(10_000);
    nodes[0].down_revisions = vec!["r009999".into()];
    let graph = RevisionGraph::build(nodes);
    assert!(
        matches!(graph.problems(), [GraphProblem::Cycle { members, .. }] if members.len() == 10_000)
    );
    assert_eq!(error_of(&graph).0, "CycleDetected");
    assert!(graph.heads().is_empty());
    let _ = graph.history();
    within(Duration::from_secs(10), "a 10,000 cycle", start);
}

#[test]
fn cycle_of_10_000_that_alembic_accepts_never_hangs() {
    // base -> r0 ... r9999 -> r0, and a head below r5000: reachable from both
    // ends, so Alembic loads it; ordering must finish either way.
    let start = Instant::now();
    let mut nodes = chain(10_000);
    nodes[0].down_revisions = vec!["base".into(), "r009999".into()];
    nodes.push(rev("base", &[]));
    nodes.push(rev("head", &["r005000"]));
    let graph = RevisionGraph::build(nodes);
    assert_eq!(graph.alembic_error(), None);
    assert!(
        matches!(graph.problems(), [GraphProblem::Cycle { members, .. }] if members.len() == 10_000)
    );
    let _ = graph.try_history();
    assert_eq!(graph.history().len(), 10_002);
    within(Duration::from_secs(10), "an accepted 10,000 cycle", start);
}

#[test]
fn many_heads_and_many_merges_stay_fast() {
    let start = Instant::now();
    let mut star = vec![rev("base", &[])];
    star.extend((0..20_000).map(|i| rev(&format!("h{i}"), &["base"])));
    let graph = RevisionGraph::build(star);
    assert_eq!(graph.heads().len(), 20_000);
    assert_eq!(graph.history().last(), Some(&0));
    // two lines merged at every step: a ladder of 20,000 merges
    let mut ladder = vec![rev("l0", &[]), rev("r0", &["l0"])];
    for i in 1..20_000 {
        let (l, r) = (format!("l{i}"), format!("r{i}"));
        ladder.push(rev(&l, &[&format!("l{}", i - 1), &format!("r{}", i - 1)]));
        ladder.push(rev(&r, &[&l]));
    }
    let graph = RevisionGraph::build(ladder);
    assert_eq!(graph.history().len(), 40_000);
    within(Duration::from_secs(20), "a star and a ladder", start);
}
