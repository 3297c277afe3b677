//! Loading one Alembic setup from a snapshot: list the version folders, read
//! every revision file's header (fast path), read changed files in full, and
//! build the revision graph.

use std::collections::{BTreeMap, HashSet};
use std::sync::mpsc::TrySendError;

use ruff_text_size::TextRange;

use crate::alembic::discovery::AlembicProject;
use crate::alembic::graph::{Node, RevisionGraph};
use crate::alembic::revision_file::{
    decode_source_owned, is_revision_file_name, parse_revision, read_header, Field, ParsedRevision,
    RevisionHeader,
};
use crate::config::RevisionOverride;
use crate::diagnostic::{Diagnostic, Span};
use crate::git::{GitError, Snapshot, SnapshotEntry};
use crate::rules::Rule;
use crate::source::LineCursor;

use super::{HeaderCache, HeaderSpans, Migration, PathSet, Place, Project};

/// What to read in full and what to take from the configuration.
#[derive(Debug)]
pub struct LoadOptions<'a> {
    /// Paths changed by the commit or range being checked.
    pub changed: &'a PathSet,
    /// Read every file in full and lint it (`--all`).
    pub all: bool,
    /// Values stated in the configuration for what cannot be read statically.
    pub overrides: &'a BTreeMap<String, RevisionOverride>,
    /// Headers read by earlier runs, by blob id.
    pub cache: Option<&'a HeaderCache>,
}

/// Git file modes that matter here.
const MODE_SYMLINK: u32 = 0o120000;
const MODE_GITLINK: u32 = 0o160000;

pub fn load_project(
    snapshot: &Snapshot,
    alembic: AlembicProject,
    options: &LoadOptions<'_>,
) -> Result<Project, GitError> {
    let prefixes = version_prefixes(&alembic);
    let prefix_refs: Vec<&str> = prefixes.iter().map(String::as_str).collect();
    let listed = snapshot.list(&prefix_refs)?;

    let mut diagnostics = Vec::new();
    let location_of = |path: &str| prefixes.iter().position(|p| path.starts_with(p.as_str()));
    // Filtered in place (the list of a large history is large).
    let mut wanted: Vec<SnapshotEntry> = listed
        .into_iter()
        .filter_map(|entry| {
            let location = &prefixes[location_of(&entry.path)?];
            let relative = &entry.path[location.len()..];
            if !alembic.recursive && relative.contains('/') {
                return None;
            }
            if entry.mode == MODE_GITLINK {
                // Alembic skips folders, unless it walks version locations
                // recursively: then it loads what is checked out in a submodule,
                // which the index does not hold.
                if alembic.recursive && entry.stage == 0 {
                    diagnostics.push(submodule_finding(&entry.path));
                }
                return None;
            }
            let file_name = relative.rsplit('/').next().unwrap_or(relative);
            if !is_revision_file_name(file_name) {
                return None;
            }
            if entry.stage != 0 {
                diagnostics.push(conflict_finding(&entry.path));
                return None;
            }
            Some(entry)
        })
        .collect();
    // A conflicted path has up to three stage entries; report it once.
    diagnostics.dedup_by(|a, b| a.span.path == b.span.path);
    // Alembic's order: version locations as configured, each walked top-down with
    // a folder's files (sorted) before its subfolders. Git lists a folder in path
    // order, which is already this order when no location holds subfolders: the
    // check then confirms it without sorting. A file reached through two
    // locations is loaded once.
    let in_walk_order = match prefixes.as_slice() {
        [only] => {
            wanted
                .iter()
                .all(|entry| !entry.path[only.len()..].contains('/'))
                && wanted.is_sorted_by(|a, b| a.path <= b.path)
        }
        _ => false,
    };
    if !in_walk_order {
        wanted.sort_by(|a, b| {
            location_of(&a.path)
                .cmp(&location_of(&b.path))
                .then_with(|| walk_cmp(&a.path, &b.path))
        });
    }
    if prefixes.len() > 1 {
        let mut seen = HashSet::new();
        wanted.retain(|entry| seen.insert(entry.path.clone()));
    }

    // Headers the cache knows are not read again; the other files are read
    // one at a time, so only the files read in full are kept, and git reads
    // the next blobs while another thread reads the headers.
    let mut slots: Vec<Option<Migration>> = Vec::with_capacity(wanted.len());
    let mut to_read_slots = Vec::new();
    let mut to_read: Vec<SnapshotEntry> = wanted
        .into_iter()
        .filter_map(|entry| match cached(entry, options) {
            Ok(migration) => {
                slots.push(Some(migration));
                None
            }
            Err(entry) => {
                to_read_slots.push(slots.len());
                slots.push(None);
                Some(entry)
            }
        })
        .collect();
    let (slots, read) = read_files(
        snapshot,
        (&mut to_read, &to_read_slots),
        slots,
        options,
        &mut diagnostics,
    );
    read?;
    // In place: `Option<Migration>` and `Migration` have the same layout, so
    // `filter_map` reuses the slots' allocation instead of a second list.
    #[expect(
        clippy::filter_map_identity,
        reason = "`flatten` does not collect in place"
    )]
    let mut migrations: Vec<Migration> = slots.into_iter().filter_map(|slot| slot).collect();
    let (graph, node_migration) = build_graph(&mut migrations);
    Ok(Project {
        alembic,
        migrations,
        graph,
        node_migration,
        load_diagnostics: diagnostics,
        base: None,
    })
}

/// Reads `wanted`: this thread reads the blobs and a second one reads each
/// file as its blob arrives; when the second falls behind (its queue is
/// full), this thread reads the next file itself instead of waiting, so both
/// cores stay busy. Each migration goes into `slots` at the place `slot_of`
/// gives; the findings come out in `wanted`'s order either way.
fn read_files(
    snapshot: &Snapshot,
    (wanted, slot_of): (&mut [SnapshotEntry], &[usize]),
    mut slots: Vec<Option<Migration>>,
    options: &LoadOptions<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Vec<Option<Migration>>, Result<(), GitError>) {
    if wanted.is_empty() {
        return (slots, Ok(()));
    }
    // The paths move to the migrations: git reads blobs by id alone.
    let mut paths: Vec<String> = wanted
        .iter_mut()
        .map(|entry| std::mem::take(&mut entry.path))
        .collect();
    let wanted = &*wanted;
    // One file: its migration (none for a symbolic link), its findings
    // tagged with its position.
    let read_one = |index: usize,
                    path: String,
                    bytes: Vec<u8>,
                    found: &mut Vec<(usize, Diagnostic)>|
     -> Option<Migration> {
        let entry = &wanted[index];
        if entry.mode == MODE_SYMLINK {
            found.push((index, symlink_finding(&path, &bytes)));
            return None;
        }
        let changed = options.changed.contains(&path);
        let stated = options.overrides.get(&path);
        let mut own = Vec::new();
        let migration = read_migration(
            path,
            bytes,
            (changed || options.all, changed),
            stated,
            &mut own,
        );
        // A clean read, and only one: what the configuration states or a
        // finding depends on more than the blob.
        if let (Some(cache), Some(id), None, true) =
            (options.cache, entry.id(), stated, own.is_empty())
        {
            cache.put(id, &migration.header, &migration.spans);
        }
        found.extend(own.into_iter().map(|finding| (index, finding)));
        Some(migration)
    };
    // A small bound keeps memory flat when reading outpaces the headers.
    let (sender, receiver) = std::sync::mpsc::sync_channel::<(usize, String, Vec<u8>)>(64);
    std::thread::scope(|scope| {
        let read_one = &read_one;
        let reader = scope.spawn(move || {
            let mut found = Vec::new();
            for (index, path, bytes) in receiver {
                if let Some(migration) = read_one(index, path, bytes, &mut found) {
                    slots[slot_of[index]] = Some(migration);
                }
            }
            (slots, found)
        });
        let mut here = Vec::new();
        let mut found_here = Vec::new();
        let read = snapshot.read_each(wanted, &mut |index, bytes| {
            let path = std::mem::take(&mut paths[index]);
            match sender.try_send((index, path, bytes)) {
                Ok(()) => {}
                Err(TrySendError::Full((index, path, bytes))) => {
                    if let Some(migration) = read_one(index, path, bytes, &mut found_here) {
                        here.push((slot_of[index], migration));
                    }
                }
                // The other thread is gone, which joining reports.
                Err(TrySendError::Disconnected(_)) => {}
            }
        });
        drop(sender);
        match reader.join() {
            Ok((mut slots, mut found)) => {
                for (slot, migration) in here {
                    slots[slot] = Some(migration);
                }
                found.append(&mut found_here);
                found.sort_by_key(|(index, _)| *index);
                diagnostics.extend(found.into_iter().map(|(_, finding)| finding));
                (slots, read)
            }
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// The migration of `entry` from the header cache, for a file read only for
/// its header whose value the configuration does not state.
/// Hands `entry` back when it must be read.
fn cached(entry: SnapshotEntry, options: &LoadOptions<'_>) -> Result<Migration, SnapshotEntry> {
    let (Some(cache), Some(id)) = (options.cache, entry.id()) else {
        return Err(entry);
    };
    if options.all
        || entry.mode == MODE_SYMLINK
        || options.changed.contains(&entry.path)
        || options.overrides.contains_key(&entry.path)
    {
        return Err(entry);
    }
    let Some((header, spans)) = cache.get(&id) else {
        return Err(entry);
    };
    Ok(Migration {
        path: entry.path,
        header,
        spans,
        changed: false,
        lint: false,
        parsed: None,
        docstring: None,
        node: None,
    })
}

fn conflict_finding(path: &str) -> Diagnostic {
    Diagnostic::new(
        Rule::UnparsableRevisionFile,
        Span::file_start(path),
        format!("`{path}` has unresolved merge conflicts in the index."),
    )
    .with_help(format!("Resolve the conflict, then `git add {path}`."))
}

fn submodule_finding(path: &str) -> Diagnostic {
    Diagnostic::new(
        Rule::UnparsableRevisionFile,
        Span::file_start(path),
        format!(
            "`{path}` is a git submodule in a recursive version location: Alembic loads the revision files checked out in it, which migcheck cannot read."
        ),
    )
    .with_help("Keep migrations in this repository, or move the submodule out of the version locations.")
}

fn symlink_finding(path: &str, target: &[u8]) -> Diagnostic {
    Diagnostic::new(
        Rule::UnparsableRevisionFile,
        Span::file_start(path),
        format!(
            "`{path}` is a symbolic link to `{}`; migcheck reads only regular files.",
            String::from_utf8_lossy(target)
        ),
    )
    .with_help("Replace the link with the migration file itself.")
}

/// The version locations as path prefixes ending in `/`.
pub(super) fn version_prefixes(alembic: &AlembicProject) -> Vec<String> {
    alembic
        .version_locations
        .iter()
        .map(|location| format!("{}/", location.trim_end_matches('/')))
        .collect()
}

/// A project from file texts already at hand (tests, benchmarks): every file
/// is read in full and linted, as with `--all`.
pub fn project_from_sources(alembic: AlembicProject, files: &[(&str, &str)]) -> Project {
    let mut diagnostics = Vec::new();
    let mut migrations: Vec<Migration> = files
        .iter()
        .map(|(path, text)| {
            read_migration(
                path.to_string(),
                text.as_bytes().to_vec(),
                (true, true),
                None,
                &mut diagnostics,
            )
        })
        .collect();
    let (graph, node_migration) = build_graph(&mut migrations);
    Project {
        alembic,
        migrations,
        graph,
        node_migration,
        load_diagnostics: diagnostics,
        base: None,
    }
}

/// Compares paths in the order of a top-down walk: a folder's files before
/// its subfolders, each sorted by name. Two files of one folder compare as
/// their names; otherwise the paths compare as keys where each folder is
/// `1`, its name and `0`, and the file is `0` and its name (names hold no
/// NUL, so comparing keys compares the components in turn).
fn walk_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let (a_folder, a_file) = a.rsplit_once('/').unwrap_or(("", a));
    let (b_folder, b_file) = b.rsplit_once('/').unwrap_or(("", b));
    if a_folder == b_folder {
        return a_file.cmp(b_file);
    }
    walk_key(a_folder, a_file).cmp(walk_key(b_folder, b_file))
}

fn walk_key<'a>(folders: &'a str, file: &'a str) -> impl Iterator<Item = u8> + 'a {
    let folders = folders.split('/').filter(|f| !f.is_empty());
    folders
        .flat_map(|folder| std::iter::once(1).chain(folder.bytes()).chain([0]))
        .chain([0])
        .chain(file.bytes())
}

/// Reads one file: the header always, the whole file when `full`.
fn read_migration(
    path: String,
    bytes: Vec<u8>,
    (full, changed): (bool, bool),
    stated: Option<&RevisionOverride>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Migration {
    let empty = |path: String| Migration {
        path,
        header: RevisionHeader::default(),
        spans: HeaderSpans::default(),
        changed,
        lint: full,
        parsed: None,
        docstring: None,
        node: None,
    };
    let text = match decode_source_owned(bytes) {
        Ok(text) => text,
        Err(error) => {
            diagnostics.push(
                Diagnostic::new(
                    Rule::UnparsableRevisionFile,
                    Span::file_start(&path),
                    format!("`{path}` cannot be read as Python source: {error}."),
                )
                .with_help("Save the file as UTF-8 text, or move it out of the versions folder."),
            );
            return empty(path);
        }
    };
    let (mut header, parsed) = if full {
        let parsed = parse_revision(&path, &text);
        (parsed.header.clone(), Some(parsed))
    } else {
        match read_header(&text) {
            Ok(header) => (header, None),
            // The fast reader gave up: read the file in full to say exactly why.
            Err(_) => {
                let parsed = parse_revision(&path, &text);
                (parsed.header.clone(), Some(parsed))
            }
        }
    };
    if let Some(parsed) = &parsed {
        diagnostics.extend(syntax_error(parsed));
    }
    if let Some(stated) = stated {
        apply_override(&mut header, stated);
    }
    let spans = header_places(&text, &header);
    for (name, span, reason) in [
        ("revision", &spans.revision, unknowable(&header.revision)),
        (
            "down_revision",
            &spans.down_revision,
            unknowable(&header.down_revision),
        ),
        (
            "branch_labels",
            &spans.branch_labels,
            unknowable(&header.branch_labels),
        ),
        (
            "depends_on",
            &spans.depends_on,
            unknowable(&header.depends_on),
        ),
    ] {
        if let (Some(reason), Some(span)) = (reason, span) {
            diagnostics.push(
                Diagnostic::new(
                    Rule::UnknowableRevisionValue,
                    span.span(&path),
                    format!("{reason}; its value cannot be known without running the file."),
                )
                .with_help(format!(
                    "Write `{name}` as a string literal, or state it under `[tool.migcheck.revisions.\"{path}\"]`."
                )),
            );
        }
    }
    for (name, span, reason) in [
        ("revision", &spans.revision, invalid(&header.revision)),
        (
            "down_revision",
            &spans.down_revision,
            invalid(&header.down_revision),
        ),
        (
            "branch_labels",
            &spans.branch_labels,
            invalid(&header.branch_labels),
        ),
        ("depends_on", &spans.depends_on, invalid(&header.depends_on)),
    ] {
        if let (Some(reason), Some(span)) = (reason, span) {
            let expected = if name == "revision" {
                "a string"
            } else {
                "a string, a tuple or list of strings, or `None`"
            };
            diagnostics.push(
                Diagnostic::new(
                    Rule::InvalidRevisionValue,
                    span.span(&path),
                    format!("{reason}; Alembic cannot use it."),
                )
                .with_help(format!("Make `{name}` {expected}.")),
            );
        }
    }
    Migration {
        header,
        spans,
        parsed: parsed.map(Box::new),
        ..empty(path)
    }
}

/// The finding for a file's first syntax error: the one to fix, later ones
/// often follow from it.
pub(super) fn syntax_error(parsed: &ParsedRevision) -> Option<Diagnostic> {
    let (message, range) = parsed.syntax_errors.first()?;
    let path = parsed.source.path();
    Some(
        Diagnostic::new(
            Rule::UnparsableRevisionFile,
            parsed.source.span(*range),
            format!("`{path}` is not valid Python: {message}."),
        )
        .with_help("Fix the syntax error; Alembic cannot import this file either."),
    )
}

fn invalid<T>(field: &Field<T>) -> Option<&str> {
    match field {
        Field::Invalid { reason, .. } => Some(reason),
        _ => None,
    }
}

fn unknowable<T>(field: &Field<T>) -> Option<&str> {
    match field {
        Field::Unknowable { reason, .. } => Some(reason),
        _ => None,
    }
}

/// Where the four header values stand, counted in one pass over the text.
fn header_places(text: &str, header: &RevisionHeader) -> HeaderSpans {
    let ranges = [
        header.revision.range(),
        header.down_revision.range(),
        header.branch_labels.range(),
        header.depends_on.range(),
    ];
    let mut order: Vec<(usize, TextRange)> = ranges
        .iter()
        .enumerate()
        .filter_map(|(i, range)| Some((i, (*range)?)))
        .collect();
    order.sort_by_key(|(_, range)| range.start());
    let mut cursor = LineCursor::new(text);
    let mut places = [None; 4];
    for (i, range) in order {
        let (line, column) = cursor.position(usize::from(range.start()));
        let (end_line, end_column) = cursor.position(usize::from(range.end()));
        let narrow = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        places[i] = Some(Place {
            range,
            line: narrow(line),
            column: narrow(column),
            end_line: narrow(end_line),
            end_column: narrow(end_column),
        });
    }
    let [revision, down_revision, branch_labels, depends_on] = places;
    HeaderSpans {
        revision,
        down_revision,
        branch_labels,
        depends_on,
    }
}

/// Replaces what the configuration states for a file, keeping the places the
/// file assigns them so findings still point there.
fn apply_override(header: &mut RevisionHeader, stated: &RevisionOverride) {
    if let Some(value) = &stated.revision {
        header.revision = Field::Known {
            value: value.clone(),
            range: header.revision.range().unwrap_or_default(),
        };
    }
    for (field, value) in [
        (&mut header.down_revision, &stated.down_revision),
        (&mut header.branch_labels, &stated.branch_labels),
        (&mut header.depends_on, &stated.depends_on),
    ] {
        if let Some(value) = value {
            *field = Field::Known {
                value: value.clone(),
                range: field.range().unwrap_or_default(),
            };
        }
    }
}

/// Alembic takes the id of a file without `revision` from a name made only of hex digits.
pub(super) fn legacy_id_from_file_name(path: &str) -> Option<&str> {
    let name = path.rsplit('/').next()?;
    let stem = name.strip_suffix(".py")?;
    (!stem.is_empty()
        && stem
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
    .then_some(stem)
}

fn known_list(field: &Field<Vec<String>>) -> Vec<String> {
    match field {
        Field::Known { value, .. } => value.clone(),
        _ => Vec::new(),
    }
}

fn build_graph(migrations: &mut [Migration]) -> (RevisionGraph, Vec<usize>) {
    let mut nodes = Vec::with_capacity(migrations.len());
    let mut node_migration = Vec::with_capacity(migrations.len());
    for (index, migration) in migrations.iter_mut().enumerate() {
        let Some(id) = migration.id().map(str::to_string) else {
            continue;
        };
        migration.node = Some(nodes.len());
        node_migration.push(index);
        nodes.push(Node {
            id,
            down_revisions: known_list(&migration.header.down_revision),
            depends_on: known_list(&migration.header.depends_on),
            branch_labels: known_list(&migration.header.branch_labels),
        });
    }
    (RevisionGraph::build(nodes), node_migration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walk_puts_a_folders_files_before_its_subfolders() {
        // What `os.walk` gives Alembic with `recursive_version_locations`:
        // each folder's files sorted, then each subfolder, sorted, in turn.
        let walked = [
            "v/1.py",
            "v/z.py",
            "v/a/2.py",
            "v/a/9.py",
            "v/a/b/3.py",
            "v/a/c/0.py",
            "v/ab/1.py",
            "v/b/0.py",
            "v/é/0.py",
        ];
        let mut shuffled = walked.to_vec();
        shuffled.sort_unstable();
        shuffled.reverse();
        shuffled.sort_by(|a, b| walk_cmp(a, b));
        assert_eq!(shuffled, walked);
        assert_eq!(walk_cmp("v/a.py", "v/a.py"), std::cmp::Ordering::Equal);
    }
}
