//! One Alembic setup as migcheck sees it: its migration files (read from the
//! snapshot), what each declares, and the revision graph built from them.

mod full_read;
mod load;

pub use full_read::for_each_full_read;
pub use load::{load_project, LoadOptions};

use crate::alembic::discovery::AlembicProject;
use crate::alembic::graph::RevisionGraph;
use crate::alembic::revision_file::{Field, ParsedRevision, RevisionHeader};
use crate::diagnostic::{Diagnostic, Span};

/// Where each header variable stands in its file (1-based positions, computed
/// while the text was at hand so unchanged files need not be kept in memory).
#[derive(Debug, Clone, Default)]
pub struct HeaderSpans {
    pub revision: Option<Span>,
    pub down_revision: Option<Span>,
    pub branch_labels: Option<Span>,
    pub depends_on: Option<Span>,
}

/// One file in a versions folder.
#[derive(Debug)]
pub struct Migration {
    /// Repository-relative path with `/`.
    pub path: String,
    pub header: RevisionHeader,
    pub spans: HeaderSpans,
    /// Added, modified or renamed by the change being checked.
    pub changed: bool,
    /// The file rules look at this file (changed, or every file with `--all`).
    pub lint: bool,
    /// The full read, kept for the files the file rules look at.
    pub parsed: Option<ParsedRevision>,
    /// The graph node of this file, when it declares a usable revision id.
    pub node: Option<usize>,
    /// The revision id, once known (from the file, the configuration or the file name).
    pub id: Option<String>,
}

impl Migration {
    /// The span to point at for this file's `revision`, or its first line.
    pub fn revision_span(&self) -> Span {
        self.spans
            .revision
            .clone()
            .unwrap_or_else(|| Span::file_start(&self.path))
    }

    /// The span to point at for this file's `down_revision`, or its `revision`.
    pub fn down_revision_span(&self) -> Span {
        self.spans
            .down_revision
            .clone()
            .unwrap_or_else(|| self.revision_span())
    }

    pub fn branch_labels_span(&self) -> Span {
        self.spans
            .branch_labels
            .clone()
            .unwrap_or_else(|| self.revision_span())
    }

    pub fn depends_on_span(&self) -> Span {
        self.spans
            .depends_on
            .clone()
            .unwrap_or_else(|| self.revision_span())
    }

    /// The declared down revisions, when known.
    pub fn down_revisions(&self) -> Option<&[String]> {
        match &self.header.down_revision {
            Field::Known { value, .. } => Some(value),
            _ => None,
        }
    }
}

/// A loaded Alembic setup.
#[derive(Debug)]
pub struct Project {
    pub alembic: AlembicProject,
    pub migrations: Vec<Migration>,
    pub graph: RevisionGraph,
    /// For each graph node, the index of its migration.
    node_migration: Vec<usize>,
    /// Findings made while reading the files (unreadable, unparsable, unknowable).
    pub load_diagnostics: Vec<Diagnostic>,
}

impl Project {
    pub fn migration_of_node(&self, node: usize) -> &Migration {
        &self.migrations[self.node_migration[node]]
    }

    /// The revision id of a graph node.
    pub fn id(&self, node: usize) -> &str {
        &self.graph.node(node).id
    }

    /// `alembic` with `-c`/`-n` when this setup is not the default one, for commands in help texts.
    pub fn alembic_command(&self) -> String {
        let mut command = String::from("alembic");
        if self.alembic.config_path != "alembic.ini" {
            command.push_str(" -c ");
            command.push_str(&self.alembic.config_path);
        }
        if self.alembic.section != "alembic" {
            command.push_str(" -n ");
            command.push_str(&self.alembic.section);
        }
        command
    }
}
