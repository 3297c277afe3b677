//! What a rule gets to look at: the loaded project (files, graph) and the
//! settings that apply, for the whole graph or for one changed file.

use std::cell::OnceCell;

use regex::Regex;

use crate::alembic::graph::RevisionGraph;
use crate::alembic::operations::Operations;
use crate::alembic::revision_file::ParsedRevision;
use crate::project::{Migration, Project};

/// Settings the rules read, resolved from configuration and flags.
#[derive(Debug, Clone)]
pub struct RuleSettings {
    /// What `todo-in-migration` looks for in comments and strings.
    pub todo_patterns: Vec<Regex>,
    /// The database dialect, when known (`postgresql`, `sqlite`, ...).
    pub dialect: Option<String>,
}

impl Default for RuleSettings {
    fn default() -> Self {
        RuleSettings {
            todo_patterns: default_todo_patterns(),
            dialect: None,
        }
    }
}

/// `TODO` and `FIXME` as whole words.
pub fn default_todo_patterns() -> Vec<Regex> {
    [r"\bTODO\b", r"\bFIXME\b"]
        .iter()
        .filter_map(|p| Regex::new(p).ok())
        .collect()
}

/// The whole revision graph of one Alembic setup.
pub struct GraphContext<'a> {
    pub project: &'a Project,
    pub settings: &'a RuleSettings,
}

impl<'a> GraphContext<'a> {
    pub fn graph(&self) -> &'a RevisionGraph {
        &self.project.graph
    }

    /// The migration file behind a graph node.
    pub fn migration(&self, node: usize) -> &'a Migration {
        self.project.migration_of_node(node)
    }

    /// The revision id of a graph node.
    pub fn id(&self, node: usize) -> &'a str {
        &self.project.graph.node(node).id
    }
}

/// One migration file whose full text was read (a changed file, or every file with `--all`).
pub struct FileContext<'a> {
    pub project: &'a Project,
    pub migration: &'a Migration,
    pub parsed: &'a ParsedRevision,
    pub settings: &'a RuleSettings,
    /// The operations of `upgrade()`/`downgrade()`, read on first use and
    /// shared by every rule.
    operations: OnceCell<Operations>,
}

impl<'a> FileContext<'a> {
    pub fn new(
        project: &'a Project,
        migration: &'a Migration,
        parsed: &'a ParsedRevision,
        settings: &'a RuleSettings,
    ) -> Self {
        FileContext {
            project,
            migration,
            parsed,
            settings,
            operations: OnceCell::new(),
        }
    }

    /// What `upgrade()` and `downgrade()` do, read once per file.
    pub fn operations(&self) -> &Operations {
        self.operations.get_or_init(|| Operations::of(self.parsed))
    }
}
