//! Reading the files of a loaded project in full after the graph is built:
//! `check --all` lints every file and `history` wants every docstring. This
//! thread reads the blobs; worker threads (one per core, at most
//! [`MAX_WORKERS`]) parse them and hand each syntax tree to the caller's
//! function, which keeps what it needs, so no more than a few trees are
//! ever in memory. Files already read in full while loading (the changed
//! ones, those the fast header read gave up on) are not read again.

use std::collections::{BTreeMap, HashMap};
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
/// header and returns what `f` makes of each, in path order. Files that
/// cannot be decoded were reported when the project was loaded and are
/// skipped; so are files that have gone from the snapshot since.
pub fn map_full_reads<T: Send>(
    snapshot: &Snapshot,
    project: &Project,
    f: &FullReadFn<'_, T>,
) -> Result<Vec<T>, GitError> {
    let mut out = Vec::new();
    for_each_full_read(snapshot, project, f, &mut |value| out.push(value))?;
    Ok(out)
}

/// [`map_full_reads`] that hands each result to `each`, on this thread and
/// in path order, as soon as it and every result before it are ready: the
/// caller can finish with a file (print its findings) while later files are
/// still being read, so what it keeps does not grow with the files.
pub fn for_each_full_read<T: Send>(
    snapshot: &Snapshot,
    project: &Project,
    f: &FullReadFn<'_, T>,
    each: &mut dyn FnMut(T),
) -> Result<(), GitError> {
    let mut pending: Vec<&Migration> = project
        .migrations
        .iter()
        .filter(|m| m.parsed.is_none())
        .collect();
    if pending.is_empty() {
        return Ok(());
    }
    pending.sort_unstable_by(|a, b| a.path.cmp(&b.path));
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
    // The results not handed on yet, by position (`None` for a file that
    // could not be decoded): this thread hands them on in order as they come,
    // so only the few in flight are ever kept.
    let done: Mutex<BTreeMap<usize, Option<T>>> = Mutex::new(BTreeMap::new());
    let mut next = 0;
    let mut hand_on = |all_done: bool| {
        let ready: Vec<T> = {
            let Ok(mut done) = done.lock() else {
                return;
            };
            let mut ready = Vec::new();
            while let Some(entry) = done.first_entry() {
                if *entry.key() != next && !all_done {
                    break;
                }
                next = *entry.key() + 1;
                ready.extend(entry.remove());
            }
            ready
        };
        ready.into_iter().for_each(&mut *each);
    };
    let migrations = &migrations;
    let (receiver, done_ref) = (&receiver, &done);
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
                    let value = decode_source_owned(bytes).ok().map(|text| {
                        let parsed = parse_revision(&migration.path, &text);
                        drop(text);
                        let error = syntax_error(&parsed);
                        f(migration, parsed, error)
                    });
                    if let Ok(mut done) = done_ref.lock() {
                        done.insert(index, value);
                    }
                })
            })
            .collect();
        // A send fails only when every worker is gone, which joining reports.
        let read = snapshot.read_each(&entries, &mut |index, bytes| {
            let _ = sender.send((index, bytes));
            hand_on(false);
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
    hand_on(true);
    Ok(())
}
