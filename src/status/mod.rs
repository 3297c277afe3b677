//! Where a real database stands against the checkout: the rows of its version
//! table compared with the heads of the revision graph, for `migcheck status`
//! and `migcheck plan`.
//!
//! The pending revisions are exactly those `alembic upgrade heads` would apply,
//! in its order ([`RevisionGraph::upgrade_order`] from the stamped rows); with
//! a single head that is `alembic upgrade head`. A row the checkout does not
//! know (the database was migrated from another branch) makes the state
//! [`State::Unknown`]: Alembic itself refuses to upgrade from it, so nothing is
//! listed as pending, and the rows that are known are kept as the nearest
//! known revisions.

mod database_url;

pub use database_url::{choose_database_url, DatabaseChoice, UrlSource};

use crate::alembic::graph::{ResolveError, RevisionGraph};
use crate::db::DbVersions;

/// The answer `migcheck status` gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Every head is applied: nothing is pending.
    UpToDate,
    /// Revisions are pending (an empty version table included).
    Behind,
    /// The database is at a revision this checkout does not have.
    Unknown,
    /// The version table does not exist: Alembic never ran against this database.
    NoVersionTable,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::UpToDate => "up_to_date",
            State::Behind => "behind",
            State::Unknown => "unknown",
            State::NoVersionTable => "no_version_table",
        }
    }
}

/// A database compared with the revision graph. Revisions are graph nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseStatus {
    pub state: State,
    /// Whether the version table exists.
    pub table_exists: bool,
    /// The rows of the version table, in the order the database returned them.
    pub current: Vec<String>,
    /// The rows the checkout knows, as graph nodes, in row order.
    pub known: Vec<usize>,
    /// The rows the checkout does not know.
    pub unknown: Vec<String>,
    /// The heads of the graph, in the order `alembic heads` prints them.
    pub heads: Vec<usize>,
    /// The heads `alembic upgrade head` cannot choose between (see
    /// [`RevisionGraph::unlabelled_heads`]); two or more is a problem.
    pub unlabelled_heads: Vec<usize>,
    /// What `alembic upgrade heads` applies, in order; empty when [`State::Unknown`].
    pub pending: Vec<usize>,
}

impl DatabaseStatus {
    /// The checkout has several heads that `alembic upgrade head` refuses.
    pub fn several_heads(&self) -> bool {
        self.unlabelled_heads.len() > 1
    }

    /// Nothing to apply, nothing unknown, one head: what exit code 0 means.
    pub fn is_clean(&self) -> bool {
        self.pending.is_empty() && self.unknown.is_empty() && !self.several_heads()
    }
}

/// Why no upgrade can be planned from the rows of the version table.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    /// Alembic's own upgrade would fail the same way (rows that overlap, a
    /// history it cannot order).
    #[error("Alembic cannot plan an upgrade from {}: {source}", describe(current))]
    Plan {
        current: Vec<String>,
        #[source]
        source: ResolveError,
    },
}

fn describe(current: &[String]) -> String {
    if current.is_empty() {
        "an empty database".to_string()
    } else {
        current
            .iter()
            .map(|id| format!("`{id}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Compares what the version table holds with the graph.
pub fn compare(
    graph: &RevisionGraph,
    versions: &DbVersions,
) -> Result<DatabaseStatus, StatusError> {
    let (table_exists, current) = match versions {
        DbVersions::NoVersionTable => (false, Vec::new()),
        DbVersions::Versions(rows) => (true, rows.clone()),
    };
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for row in &current {
        // Alembic resolves a stored row like any spec: an id or a unique prefix.
        match graph.resolve(row) {
            Ok(nodes) if !nodes.is_empty() => known.extend(nodes),
            Ok(_) | Err(ResolveError::Resolution { .. }) => unknown.push(row.clone()),
            Err(source) => return Err(StatusError::Plan { current, source }),
        }
    }
    let mut status = DatabaseStatus {
        state: State::UpToDate,
        table_exists,
        current,
        known,
        unknown,
        heads: graph.heads(),
        unlabelled_heads: graph.unlabelled_heads(),
        pending: Vec::new(),
    };
    if !status.unknown.is_empty() {
        status.state = State::Unknown;
        return Ok(status);
    }
    let rows: Vec<&str> = status.current.iter().map(String::as_str).collect();
    status.pending = if graph.is_empty() {
        Vec::new()
    } else {
        match graph.upgrade_order(&rows, "heads") {
            Ok(order) => order,
            Err(source) => {
                return Err(StatusError::Plan {
                    current: status.current,
                    source,
                })
            }
        }
    };
    status.state = if !table_exists {
        State::NoVersionTable
    } else if status.pending.is_empty() {
        State::UpToDate
    } else {
        State::Behind
    };
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alembic::graph::Node;

    fn node(id: &str, down: &[&str], labels: &[&str]) -> Node {
        Node {
            id: id.to_string(),
            down_revisions: down.iter().map(|d| d.to_string()).collect(),
            depends_on: Vec::new(),
            branch_labels: labels.iter().map(|l| l.to_string()).collect(),
        }
    }

    /// a -> b -> {c1, c2} -> m (merge) -> d
    fn merged() -> RevisionGraph {
        RevisionGraph::build(vec![
            node("aaaa01", &[], &[]),
            node("bbbb02", &["aaaa01"], &[]),
            node("cccc03", &["bbbb02"], &[]),
            node("cccc04", &["bbbb02"], &[]),
            node("dddd05", &["eeee06"], &[]),
            node("eeee06", &["cccc03", "cccc04"], &[]),
        ])
    }

    fn rows(ids: &[&str]) -> DbVersions {
        DbVersions::Versions(ids.iter().map(|id| id.to_string()).collect())
    }

    fn ids(graph: &RevisionGraph, nodes: &[usize]) -> Vec<String> {
        nodes.iter().map(|&n| graph.node(n).id.clone()).collect()
    }

    #[test]
    fn up_to_date_at_the_head() {
        let graph = merged();
        let status = compare(&graph, &rows(&["dddd05"])).unwrap();
        assert_eq!(status.state, State::UpToDate);
        assert!(status.pending.is_empty());
        assert!(status.is_clean());
        assert_eq!(ids(&graph, &status.heads), ["dddd05"]);
    }

    #[test]
    fn behind_lists_pending_in_upgrade_order() {
        let graph = merged();
        let status = compare(&graph, &rows(&["cccc03"])).unwrap();
        assert_eq!(status.state, State::Behind);
        assert_eq!(ids(&graph, &status.pending), ["cccc04", "eeee06", "dddd05"]);
        assert!(!status.is_clean());
    }

    #[test]
    fn two_rows_on_two_branches() {
        let graph = merged();
        let status = compare(&graph, &rows(&["cccc04", "cccc03"])).unwrap();
        assert_eq!(status.state, State::Behind);
        assert_eq!(ids(&graph, &status.pending), ["eeee06", "dddd05"]);
        assert_eq!(ids(&graph, &status.known), ["cccc04", "cccc03"]);
    }

    #[test]
    fn no_version_table_means_everything_is_pending() {
        let graph = merged();
        let status = compare(&graph, &DbVersions::NoVersionTable).unwrap();
        assert_eq!(status.state, State::NoVersionTable);
        assert!(!status.table_exists);
        assert_eq!(status.pending.len(), 6);
        assert_eq!(ids(&graph, &status.pending[..2]), ["aaaa01", "bbbb02"]);
    }

    #[test]
    fn empty_table_is_behind_from_base() {
        let graph = merged();
        let status = compare(&graph, &rows(&[])).unwrap();
        assert_eq!(status.state, State::Behind);
        assert!(status.table_exists);
        assert_eq!(status.pending.len(), 6);
    }

    #[test]
    fn unknown_row_keeps_the_known_ones() {
        let graph = merged();
        let status = compare(&graph, &rows(&["cccc03", "ffff99"])).unwrap();
        assert_eq!(status.state, State::Unknown);
        assert_eq!(status.unknown, ["ffff99"]);
        assert_eq!(ids(&graph, &status.known), ["cccc03"]);
        assert!(status.pending.is_empty());
        assert!(!status.is_clean());
    }

    #[test]
    fn a_prefix_row_resolves_as_alembic_does() {
        let graph = merged();
        let status = compare(&graph, &rows(&["dddd"])).unwrap();
        assert_eq!(status.state, State::UpToDate);
    }

    #[test]
    fn overlapping_rows_cannot_be_planned() {
        let graph = merged();
        let error = compare(&graph, &rows(&["aaaa01", "cccc03"])).unwrap_err();
        assert!(
            error.to_string().contains("overlaps"),
            "unexpected message: {error}"
        );
    }

    #[test]
    fn several_unlabelled_heads_are_flagged() {
        let graph = RevisionGraph::build(vec![
            node("aaaa01", &[], &[]),
            node("bbbb02", &["aaaa01"], &[]),
            node("cccc03", &["aaaa01"], &[]),
        ]);
        let status = compare(&graph, &rows(&["bbbb02", "cccc03"])).unwrap();
        assert_eq!(status.state, State::UpToDate);
        assert!(status.several_heads());
        assert!(!status.is_clean());
    }

    #[test]
    fn labelled_branches_are_not_several_heads() {
        let graph = RevisionGraph::build(vec![
            node("aaaa01", &[], &[]),
            node("bbbb02", &["aaaa01"], &["expand"]),
            node("cccc03", &["aaaa01"], &["contract"]),
        ]);
        let status = compare(&graph, &rows(&["bbbb02"])).unwrap();
        assert!(!status.several_heads());
        assert_eq!(ids(&graph, &status.pending), ["cccc03"]);
    }

    #[test]
    fn empty_history_and_no_table_is_clean() {
        let graph = RevisionGraph::build(Vec::new());
        let status = compare(&graph, &DbVersions::NoVersionTable).unwrap();
        assert_eq!(status.state, State::NoVersionTable);
        assert!(status.is_clean());
    }
}
