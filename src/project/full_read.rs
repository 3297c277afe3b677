//! Reading the files of a loaded project in full after the graph is built:
//! `check --all` lints every file and `history` wants every docstring. This
//! thread reads the blobs; worker threads (one per core, at most
//! [`MAX_WORKERS`]) parse them and hand each syntax tree to the caller's
//! function, which keeps what it needs, so no more than a few trees are
//! ever in memory. Files already read in full while loading (the changed
//! ones, those the fast header read gave up on) are not read again.

use std::collections::HashMap;
use std::sync::{mpsc, Mutex};

use crate::alembic::revision_file::{decode_source_owned, parse_revision, ParsedRevision};
use crate::diagnostic::Diagnostic;
use crate::git::{GitError, Snapshot, SnapshotEntry};

use super::load::{syntax_error, version_prefixes};
use super::{Migration, Project};

/// Parsing threads, at most: beyond this the blob reads are the bottleneck.
pub const MAX_WORKERS: usize = 8;

/// What the caller does with each file read in full: its migration, its
/// syntax tree and the finding for its first syntax error.
pub type FullReadFn<'f, T> =
    dyn Fn(&Migration, ParsedRevision, Option<Diagnostic>) -> T + Sync + 'f;

/// Fills [`Migration::docstring`] for every file that was loaded only for
/// its header.
pub fn read_docstrings(snapshot: &Snapshot, project: &mut Project) -> Result<(), GitError> {
    let found = map_full_reads(snapshot, project, &|migration, parsed, _| {
        (
            migration.path.clone(),
            parsed.docstring.map(|(text, _)| text),
        )
    })?;
    let mut docstrings: HashMap<String, Option<String>> = found.into_iter().collect();
    for migration in &mut project.migrations {
        if let Some(text) = docstrings.remove(&migration.path) {
            migration.docstring = text;
        }
    }
    Ok(())
}

/// Reads in full each migration of `project` that was loaded only for its
/// header and returns what `f` makes of each, in the project's order. Files
/// that cannot be decoded were reported when the project was loaded and are
/// skipped; so are files that have gone from the snapshot since.
pub fn map_full_reads<T: Send>(
    snapshot: &Snapshot,
    project: &Project,
    f: &FullReadFn<'_, T>,
) -> Result<Vec<T>, GitError> {
    let pending: Vec<&Migration> = project
        .migrations
        .iter()
        .filter(|m| m.parsed.is_none())
        .collect();
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    let prefixes = version_prefixes(&project.alembic);
    let prefix_refs: Vec<&str> = prefixes.iter().map(String::as_str).collect();
    let mut listed: Vec<Option<SnapshotEntry>> = snapshot
        .list(&prefix_refs)?
        .into_iter()
        .filter(|entry| entry.stage == 0)
        .map(Some)
        .collect();
    // Where each pending migration's entry is, by path (borrowed, not copied).
    let positions: HashMap<&str, usize> = listed
        .iter()
        .enumerate()
        .filter_map(|(i, entry)| Some((entry.as_ref()?.path.as_str(), i)))
        .collect();
    let found: Vec<(&Migration, usize)> = pending
        .into_iter()
        .filter_map(|m| Some((m, *positions.get(m.path.as_str())?)))
        .collect();
    drop(positions);
    let (migrations, entries): (Vec<&Migration>, Vec<SnapshotEntry>) = found
        .into_iter()
        .filter_map(|(m, i)| Some((m, listed[i].take()?)))
        .unzip();
    drop(listed);

    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, MAX_WORKERS)
        .min(entries.len());
    // A small bound keeps memory flat when reading outpaces parsing.
    let (sender, receiver) = mpsc::sync_channel::<(usize, Vec<u8>)>(4 * workers);
    let receiver = Mutex::new(receiver);
    // Each result goes to its file's slot: no per-thread lists to grow and merge.
    let slots: Mutex<Vec<Option<T>>> = Mutex::new((0..entries.len()).map(|_| None).collect());
    let migrations = &migrations;
    let (receiver, slots_ref) = (&receiver, &slots);
    let read = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(move || loop {
                    let next = match receiver.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => break,
                    };
                    let Ok((index, bytes)) = next else { break };
                    let migration = migrations[index];
                    let Ok(text) = decode_source_owned(bytes) else {
                        continue;
                    };
                    let parsed = parse_revision(&migration.path, &text);
                    drop(text);
                    let error = syntax_error(&parsed);
                    let value = f(migration, parsed, error);
                    if let Ok(mut slots) = slots_ref.lock() {
                        slots[index] = Some(value);
                    }
                })
            })
            .collect();
        // A send fails only when every worker is gone, which joining reports.
        let read = snapshot.read_each(&entries, &mut |index, bytes| {
            let _ = sender.send((index, bytes));
        });
        drop(sender);
        for handle in handles {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
        read
    });
    read?;
    let slots = slots.into_inner().unwrap_or_else(|e| e.into_inner());
    // In place where the layouts allow, as they do for the callers' types.
    #[expect(
        clippy::filter_map_identity,
        reason = "`flatten` does not collect in place"
    )]
    Ok(slots.into_iter().filter_map(|slot| slot).collect())
}
