//! Reading the files of a loaded project in full after the graph is built,
//! one file at a time: `check --all` lints every file and `history` wants
//! every docstring, and neither needs to hold thousands of syntax trees at
//! once. Files already read in full while loading (the changed ones, those
//! the fast header read gave up on) are not read again.

use std::collections::HashMap;

use crate::alembic::revision_file::{decode_source_owned, parse_revision, ParsedRevision};
use crate::diagnostic::Diagnostic;
use crate::git::{GitError, Snapshot, SnapshotEntry};

use super::load::{syntax_error, version_prefixes};
use super::{Migration, Project};

/// Fills [`Migration::docstring`] for every file that was loaded only for
/// its header, reading them in full one at a time.
pub fn read_docstrings(snapshot: &Snapshot, project: &mut Project) -> Result<(), GitError> {
    let mut docstrings: HashMap<String, String> = HashMap::new();
    for_each_full_read(snapshot, project, &mut |migration, parsed, _| {
        if let Some((text, _)) = parsed.docstring {
            docstrings.insert(migration.path.clone(), text);
        }
    })?;
    for migration in &mut project.migrations {
        if let Some(text) = docstrings.remove(&migration.path) {
            migration.docstring = Some(text);
        }
    }
    Ok(())
}

/// Reads in full each migration of `project` that was loaded only for its
/// header, in the project's order, and hands it to `f` with the finding for
/// its first syntax error. Files that cannot be decoded were reported when
/// the project was loaded and are skipped; so are files that have gone from
/// the snapshot since.
pub fn for_each_full_read(
    snapshot: &Snapshot,
    project: &Project,
    f: &mut dyn FnMut(&Migration, ParsedRevision, Option<Diagnostic>),
) -> Result<(), GitError> {
    let pending: Vec<&Migration> = project
        .migrations
        .iter()
        .filter(|m| m.parsed.is_none())
        .collect();
    if pending.is_empty() {
        return Ok(());
    }
    let prefixes = version_prefixes(&project.alembic);
    let prefix_refs: Vec<&str> = prefixes.iter().map(String::as_str).collect();
    let mut listed: HashMap<String, SnapshotEntry> = snapshot
        .list(&prefix_refs)?
        .into_iter()
        .filter(|entry| entry.stage == 0)
        .map(|entry| (entry.path.clone(), entry))
        .collect();
    let (migrations, entries): (Vec<&Migration>, Vec<SnapshotEntry>) = pending
        .into_iter()
        .filter_map(|m| Some((m, listed.remove(&m.path)?)))
        .unzip();
    snapshot.read_each(&entries, &mut |index, bytes| {
        let migration = migrations[index];
        let Ok(text) = decode_source_owned(bytes) else {
            return;
        };
        let parsed = parse_revision(&migration.path, &text);
        drop(text);
        let error = syntax_error(&parsed);
        f(migration, parsed, error);
    })
}
