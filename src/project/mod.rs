//! One Alembic setup as migcheck sees it: its migration files (read from the
//! snapshot), what each declares, and the revision graph built from them.

mod cache;
mod full_read;
mod load;

pub use cache::HeaderCache;
pub use full_read::{for_each_full_read, map_full_reads, read_docstrings, FullReadFn, MAX_WORKERS};
pub use load::{load_project, project_from_sources, LoadOptions};

/// A set of repository paths (the changed files): looked up once per file of
/// the history, so hashed with Fx rather than SipHash.
pub type PathSet = rustc_hash::FxHashSet<String>;

use crate::alembic::discovery::AlembicProject;
use crate::alembic::graph::RevisionGraph;
use crate::alembic::revision_file::{Field, ParsedRevision, RevisionHeader};
use crate::diagnostic::{Diagnostic, Span};
use ruff_text_size::TextRange;

/// Where each header variable stands in its file (1-based positions, computed
/// while the text was at hand so unchanged files need not be kept in memory).
#[derive(Debug, Clone, Copy, Default)]
pub struct HeaderSpans {
    pub revision: Option<Place>,
    pub down_revision: Option<Place>,
    pub branch_labels: Option<Place>,
    pub depends_on: Option<Place>,
}

/// A [`Span`] without its path, kept for every file of a large history: the
/// migration holds the path once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub range: TextRange,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

impl Place {
    /// The place of a span (positions beyond `u32` saturate).
    pub fn of(span: &Span) -> Place {
        let narrow = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Place {
            range: span.range,
            line: narrow(span.line),
            column: narrow(span.column),
            end_line: narrow(span.end_line),
            end_column: narrow(span.end_column),
        }
    }

    /// The span of this place in the file at `path`.
    pub fn span(&self, path: &str) -> Span {
        Span {
            path: path.to_string(),
            range: self.range,
            line: self.line as usize,
            column: self.column as usize,
            end_line: self.end_line as usize,
            end_column: self.end_column as usize,
        }
    }
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
    /// The full read, kept for the files the file rules look at (boxed: most
    /// of the thousands of migrations of a large history have none).
    pub parsed: Option<Box<ParsedRevision>>,
    /// The module docstring of a file read in full after loading, for the
    /// commands that show every message (see [`read_docstrings`]).
    pub docstring: Option<String>,
    /// The graph node of this file, when it declares a usable revision id.
    pub node: Option<usize>,
}

impl Migration {
    /// The revision id, when known: from the file (or the configuration), or
    /// from a file name made only of hex digits when the file assigns none.
    pub fn id(&self) -> Option<&str> {
        match &self.header.revision {
            Field::Known { value, .. } => Some(value),
            Field::Missing => load::legacy_id_from_file_name(&self.path),
            Field::Unknowable { .. } | Field::Invalid { .. } => None,
        }
    }

    /// The span to point at for this file's `revision`, or its first line.
    pub fn revision_span(&self) -> Span {
        self.spans
            .revision
            .map_or_else(|| Span::file_start(&self.path), |p| p.span(&self.path))
    }

    /// The span to point at for this file's `down_revision`, or its `revision`.
    pub fn down_revision_span(&self) -> Span {
        self.spans
            .down_revision
            .map_or_else(|| self.revision_span(), |p| p.span(&self.path))
    }

    pub fn branch_labels_span(&self) -> Span {
        self.spans
            .branch_labels
            .map_or_else(|| self.revision_span(), |p| p.span(&self.path))
    }

    pub fn depends_on_span(&self) -> Span {
        self.spans
            .depends_on
            .map_or_else(|| self.revision_span(), |p| p.span(&self.path))
    }

    /// The module docstring, stripped, as Alembic's `Script.longdoc`; empty
    /// when there is none or the file was not read in full.
    pub fn longdoc(&self) -> &str {
        self.parsed
            .as_ref()
            .and_then(|parsed| parsed.docstring.as_ref())
            .map(|(text, _)| text.as_str())
            .or(self.docstring.as_deref())
            .map_or("", str::trim)
    }

    /// The first paragraph of the docstring, as Alembic's `Script.doc` (the
    /// message `alembic history` shows).
    pub fn doc(&self) -> &str {
        let longdoc = self.longdoc();
        longdoc.split("\n\n").next().unwrap_or(longdoc)
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
    /// In a range check (`--from-ref`), the same setup's graph at the base ref.
    pub base: Option<RangeBase>,
}

/// The revision graph of an Alembic setup at the base of a range: what the
/// branch being checked will be merged into.
#[derive(Debug)]
pub struct RangeBase {
    /// The base as the user named it (`origin/main`).
    pub rev: String,
    pub graph: RevisionGraph,
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
