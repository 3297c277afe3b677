//! Which migration files the file and operation rules look at: the files read
//! in full (the changed ones, or every one with `--all`), minus the files an
//! `exclude` glob matches and the revisions at or below `start-after` (the
//! baseline of a legacy project). Graph rules still see every file: a broken
//! old revision breaks `alembic upgrade` all the same.

use std::collections::HashSet;

use crate::alembic::graph::{ResolveError, RevisionGraph};
use crate::project::{Migration, Project};

use super::CheckSettings;

/// `start-after` names a revision that no Alembic setup has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("start-after = \"{revision}\" does not name a revision: {reason}")]
pub struct StartAfterError {
    pub revision: String,
    pub reason: String,
}

/// The graph nodes at or below `start-after` in one project, or why the
/// revision cannot be resolved there.
pub(crate) fn baseline(
    graph: &RevisionGraph,
    start_after: &str,
) -> Result<HashSet<usize>, ResolveError> {
    let mut seen = HashSet::new();
    let mut todo = graph.resolve(start_after.trim())?;
    while let Some(node) = todo.pop() {
        if !seen.insert(node) {
            continue;
        }
        let revision = graph.node(node);
        for parent in &revision.down_revisions {
            todo.extend(graph.index_of(parent));
        }
        for dependency in &revision.depends_on {
            match graph.index_of(dependency) {
                Some(index) => todo.push(index),
                None => todo.extend(graph.resolve(dependency).unwrap_or_default()),
            }
        }
    }
    Ok(seen)
}

/// Fails when `start-after` resolves in none of the projects (a typo would
/// otherwise lint nothing or everything without a word).
pub fn check_start_after(
    projects: &[Project],
    settings: &CheckSettings,
) -> Result<(), StartAfterError> {
    let Some(revision) = &settings.start_after else {
        return Ok(());
    };
    let mut reason = String::from("there are no migrations");
    for project in projects {
        match baseline(&project.graph, revision) {
            Ok(_) => return Ok(()),
            Err(error) => reason = error.to_string(),
        }
    }
    Err(StartAfterError {
        revision: revision.clone(),
        reason,
    })
}

/// Decides, file by file, whether the file rules run on a migration.
pub(crate) struct LintScope<'a> {
    settings: &'a CheckSettings,
    baseline: HashSet<usize>,
}

impl<'a> LintScope<'a> {
    pub(crate) fn new(project: &Project, settings: &'a CheckSettings) -> Self {
        let baseline = settings
            .start_after
            .as_deref()
            .and_then(|revision| baseline(&project.graph, revision).ok())
            .unwrap_or_default();
        LintScope { settings, baseline }
    }

    pub(crate) fn includes(&self, migration: &Migration) -> bool {
        migration.lint && migration.parsed.is_some() && self.allows(migration)
    }

    /// Neither excluded nor at or below `start-after`, whether read in full or not.
    pub(crate) fn allows(&self, migration: &Migration) -> bool {
        !self.settings.exclude.is_match(&migration.path)
            && !migration
                .node
                .is_some_and(|node| self.baseline.contains(&node))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alembic::graph::Node;

    fn node(id: &str, down: &[&str], depends: &[&str], labels: &[&str]) -> Node {
        let strings = |items: &[&str]| items.iter().map(|s| s.to_string()).collect();
        Node {
            id: id.to_string(),
            down_revisions: strings(down),
            depends_on: strings(depends),
            branch_labels: strings(labels),
        }
    }

    fn ids(graph: &RevisionGraph, nodes: HashSet<usize>) -> Vec<String> {
        let mut ids: Vec<String> = nodes
            .into_iter()
            .map(|n| graph.node(n).id.clone())
            .collect();
        ids.sort();
        ids
    }

    #[test]
    fn baseline_is_the_revision_and_its_ancestors_through_merges_and_dependencies() {
        let graph = RevisionGraph::build(vec![
            node("a1", &[], &[], &[]),
            node("b2", &["a1"], &[], &[]),
            node("c3", &["a1"], &[], &["side"]),
            node("d4", &["b2", "c3"], &[], &[]),
            node("x9", &[], &[], &["other"]),
            node("e5", &["d4"], &["other"], &[]),
            node("f6", &["e5"], &[], &[]),
        ]);
        assert_eq!(
            ids(&graph, baseline(&graph, "e5").unwrap()),
            vec!["a1", "b2", "c3", "d4", "e5", "x9"]
        );
        assert_eq!(
            ids(&graph, baseline(&graph, "c3").unwrap()),
            vec!["a1", "c3"]
        );
        assert!(baseline(&graph, "zz").is_err());
    }

    #[test]
    fn a_cycle_does_not_loop() {
        let graph = RevisionGraph::build(vec![
            node("a1", &["b2"], &[], &[]),
            node("b2", &["a1"], &[], &[]),
        ]);
        assert_eq!(
            ids(&graph, baseline(&graph, "a1").unwrap()),
            vec!["a1", "b2"]
        );
    }
}
