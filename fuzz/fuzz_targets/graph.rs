//! The revision graph on arbitrary revision lists: building it and asking
//! what `heads`, `history` and `upgrade` ask must not panic or hang. The
//! bytes are read as lines `id: down, down | depends | labels`, the format of
//! `tests/fixtures/graph/`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use migcheck::alembic::graph::{Node, RevisionGraph};

fn list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(String::from)
        .collect()
}

fuzz_target!(|bytes: &[u8]| {
    let text = String::from_utf8_lossy(bytes);
    let nodes: Vec<Node> = text
        .lines()
        .take(2_000)
        .map(|line| {
            let (id, rest) = line.split_once(':').unwrap_or((line, ""));
            let mut parts = rest.split('|');
            Node {
                id: id.trim().to_string(),
                down_revisions: list(parts.next().unwrap_or("")),
                depends_on: list(parts.next().unwrap_or("")),
                branch_labels: list(parts.next().unwrap_or("")),
            }
        })
        .collect();
    let n = nodes.len();
    let graph = RevisionGraph::build(nodes);
    assert!(graph.history().len() <= n);
    let _ = (graph.heads(), graph.bases(), graph.real_heads(), graph.problems());
    let _ = (graph.alembic_error(), graph.try_history(), graph.unlabelled_heads());
    for spec in ["heads", "base", "a", "a@head", "b@heads", "-1", "a+1"] {
        let _ = graph.resolve(spec);
        let _ = graph.iterate(spec, "base");
        let _ = graph.upgrade_order(&["a"], spec);
        let _ = graph.upgrade_order(&[], spec);
    }
});
