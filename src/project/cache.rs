//! What migcheck learnt from each revision file's header, kept between runs
//! and keyed by the file's git blob id: a commit that changes one migration
//! of ten thousand reads one blob, not ten thousand. A blob id names exact
//! bytes, so an entry never goes stale; the file also carries the binary's
//! version and a hash of the sources it was built from, and a different one
//! discards it.
//!
//! Only clean reads are kept: every value known or missing, no finding, no
//! value stated in the configuration. The cache lives in the git directory
//! (`.git/migcheck/headers`), never in the work tree or the index; it is
//! written to a temporary file and renamed into place, so a reader sees the
//! old file or the new one. A cache that cannot be read is ignored, one that
//! cannot be written is skipped: either way the run reads the blobs.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ruff_text_size::{TextRange, TextSize};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

use crate::alembic::revision_file::{Field, RevisionHeader};
use crate::git::ObjectId;

use super::{HeaderSpans, Place};

/// The folder in the git directory, and the file in it.
const FOLDER: &str = "migcheck";
const FILE: &str = "headers";
/// Bumped whenever what is stored changes shape or meaning.
const FORMAT: u32 = 1;
/// Entries not used by this run are kept while the cache holds at most this
/// many times the entries used (other branches, other Alembic setups).
const KEEP_UNUSED_FACTOR: usize = 4;

/// The header cache of one repository.
#[derive(Debug)]
pub struct HeaderCache {
    path: PathBuf,
    stamp: String,
    /// The file as read, decoded again only if it must be rewritten.
    bytes: Vec<u8>,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// The stored entries; an entry is taken out when used.
    entries: FxHashMap<ObjectId, Stored>,
    used: FxHashSet<ObjectId>,
    added: Vec<(ObjectId, Stored)>,
}

#[derive(Serialize, Deserialize)]
struct CacheFile<'a> {
    format: u32,
    stamp: &'a str,
    #[serde(borrow)]
    entries: Vec<(&'a [u8], Stored)>,
}

/// [`CacheFile`] as written: the same fields, the entries by reference.
#[derive(Serialize)]
struct CacheFileOut<'a> {
    format: u32,
    stamp: &'a str,
    entries: Vec<(&'a [u8], &'a Stored)>,
}

impl CacheFile<'_> {
    /// The entries of `bytes` when they were written by this build.
    fn entries(bytes: &[u8], stamp: &str) -> Option<Vec<(ObjectId, Stored)>> {
        let file = postcard::from_bytes::<CacheFile>(bytes).ok()?;
        if file.format != FORMAT || file.stamp != stamp {
            return None;
        }
        Some(
            file.entries
                .into_iter()
                .filter_map(|(id, stored)| Some((ObjectId::from_bytes(id)?, stored)))
                .collect(),
        )
    }
}
/// One file's header and the places of its four values.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    revision: StoredField<String>,
    down_revision: StoredField<Vec<String>>,
    branch_labels: StoredField<Vec<String>>,
    depends_on: StoredField<Vec<String>>,
    places: [Option<StoredPlace>; 4],
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum StoredField<T> {
    Missing,
    Known(T, u32, u32),
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct StoredPlace {
    start: u32,
    end: u32,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
}

impl HeaderCache {
    /// The cache of the repository whose git directory is `git_dir`; empty
    /// when there is none yet or it cannot be used.
    pub fn open(git_dir: &Path) -> HeaderCache {
        let path = git_dir.join(FOLDER).join(FILE);
        let stamp = build_stamp();
        let bytes = std::fs::read(&path).unwrap_or_default();
        let entries = CacheFile::entries(&bytes, &stamp)
            .unwrap_or_default()
            .into_iter()
            .collect();
        HeaderCache {
            path,
            stamp,
            bytes,
            state: Mutex::new(State {
                entries,
                ..State::default()
            }),
        }
    }

    /// The header and places read before from the blob `id`. Each entry is
    /// handed out once: a run reads each blob once.
    pub fn get(&self, id: &ObjectId) -> Option<(RevisionHeader, HeaderSpans)> {
        let mut state = self.state();
        let stored = state.entries.remove(id)?;
        state.used.insert(*id);
        Some(stored.restore())
    }

    /// Keeps what a clean read of the blob `id` gave.
    pub fn put(&self, id: ObjectId, header: &RevisionHeader, spans: &HeaderSpans) {
        let Some(stored) = Stored::of(header, spans) else {
            return;
        };
        let mut state = self.state();
        if state.entries.contains_key(&id) || state.used.contains(&id) {
            state.used.insert(id);
        } else {
            state.added.push((id, stored));
        }
    }

    /// Writes the cache back when this run learnt something or left enough
    /// entries unused to prune. Failing to write is not an error.
    pub fn save(self) {
        let state = self.state.into_inner().unwrap_or_else(|e| e.into_inner());
        let used = state.used.len() + state.added.len();
        let total = state.entries.len() + used;
        let keep_unused = total <= KEEP_UNUSED_FACTOR * used + 1024;
        if state.added.is_empty() && keep_unused {
            // Nothing to write; the entries need no freeing before exit.
            std::mem::forget(state);
            return;
        }
        let kept = CacheFile::entries(&self.bytes, &self.stamp)
            .unwrap_or_default()
            .into_iter()
            .filter(|(id, _)| keep_unused || state.used.contains(id));
        let mut entries: Vec<(ObjectId, Stored)> = state.added.into_iter().chain(kept).collect();
        entries.sort_unstable_by_key(|entry| entry.0);
        entries.dedup_by(|a, b| a.0 == b.0);
        let file = CacheFileOut {
            format: FORMAT,
            stamp: &self.stamp,
            entries: entries
                .iter()
                .map(|(id, stored)| (id.as_bytes(), stored))
                .collect(),
        };
        if let Ok(bytes) = postcard::to_allocvec(&file) {
            let _ = write_atomically(&self.path, &bytes);
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Writes `bytes` to a temporary file beside `path` and renames it over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let folder = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder)?;
    let mut temp = tempfile::NamedTempFile::new_in(folder)?;
    temp.write_all(bytes)?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The version and a hash of the sources this binary was built from: a
/// reader built from other sources may read a file differently, so its cache
/// starts afresh. (`migcheck` and `git-migcheck` share one stamp.)
fn build_stamp() -> String {
    format!(
        "{} {}",
        env!("CARGO_PKG_VERSION"),
        env!("MIGCHECK_SOURCE_HASH")
    )
}

impl Stored {
    fn of(header: &RevisionHeader, spans: &HeaderSpans) -> Option<Stored> {
        Some(Stored {
            revision: StoredField::of(&header.revision)?,
            down_revision: StoredField::of(&header.down_revision)?,
            branch_labels: StoredField::of(&header.branch_labels)?,
            depends_on: StoredField::of(&header.depends_on)?,
            places: [
                spans.revision,
                spans.down_revision,
                spans.branch_labels,
                spans.depends_on,
            ]
            .map(|place| place.map(StoredPlace::of)),
        })
    }

    fn restore(&self) -> (RevisionHeader, HeaderSpans) {
        let header = RevisionHeader {
            revision: self.revision.restore(),
            down_revision: self.down_revision.restore(),
            branch_labels: self.branch_labels.restore(),
            depends_on: self.depends_on.restore(),
        };
        let [revision, down_revision, branch_labels, depends_on] =
            self.places.map(|place| place.map(StoredPlace::restore));
        let spans = HeaderSpans {
            revision,
            down_revision,
            branch_labels,
            depends_on,
        };
        (header, spans)
    }
}

impl<T: Clone> StoredField<T> {
    fn of(field: &Field<T>) -> Option<StoredField<T>> {
        match field {
            Field::Missing => Some(StoredField::Missing),
            Field::Known { value, range } => Some(StoredField::Known(
                value.clone(),
                range.start().into(),
                range.end().into(),
            )),
            Field::Unknowable { .. } | Field::Invalid { .. } => None,
        }
    }

    fn restore(&self) -> Field<T> {
        match self {
            StoredField::Missing => Field::Missing,
            StoredField::Known(value, start, end) => Field::Known {
                value: value.clone(),
                range: range(*start, *end),
            },
        }
    }
}

impl StoredPlace {
    fn of(place: Place) -> StoredPlace {
        StoredPlace {
            start: place.range.start().into(),
            end: place.range.end().into(),
            line: place.line,
            column: place.column,
            end_line: place.end_line,
            end_column: place.end_column,
        }
    }

    fn restore(self) -> Place {
        Place {
            range: range(self.start, self.end),
            line: self.line,
            column: self.column,
            end_line: self.end_line,
            end_column: self.end_column,
        }
    }
}

fn range(start: u32, end: u32) -> TextRange {
    TextRange::new(TextSize::new(start), TextSize::new(end.max(start)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> (RevisionHeader, HeaderSpans) {
        let known = |value: Vec<String>, start: u32| Field::Known {
            value,
            range: range(start, start + 4),
        };
        let header = RevisionHeader {
            revision: Field::Known {
                value: "a1".into(),
                range: range(10, 14),
            },
            down_revision: known(vec!["b2".into(), "c3".into()], 20),
            branch_labels: Field::Missing,
            depends_on: known(Vec::new(), 40),
        };
        let place = Place {
            range: range(10, 14),
            line: 3,
            column: 12,
            end_line: 3,
            end_column: 16,
        };
        let spans = HeaderSpans {
            revision: Some(place),
            ..HeaderSpans::default()
        };
        (header, spans)
    }

    fn id(n: u8) -> ObjectId {
        ObjectId::Sha1([n; 20])
    }

    #[test]
    fn a_saved_header_comes_back_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let (header, spans) = header();
        let cache = HeaderCache::open(dir.path());
        assert!(cache.get(&id(1)).is_none());
        cache.put(id(1), &header, &spans);
        cache.save();

        let cache = HeaderCache::open(dir.path());
        let (read, read_spans) = cache.get(&id(1)).expect("cached");
        assert_eq!(read, header);
        assert_eq!(read_spans.revision, spans.revision);
        assert_eq!(read_spans.down_revision, None);
        assert!(cache.get(&id(2)).is_none());
    }

    #[test]
    fn unclean_reads_are_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        let (mut header, spans) = header();
        header.depends_on = Field::Unknowable {
            range: range(0, 1),
            reason: "`depends_on` is a call".into(),
        };
        let cache = HeaderCache::open(dir.path());
        cache.put(id(1), &header, &spans);
        cache.save();
        assert!(HeaderCache::open(dir.path()).get(&id(1)).is_none());
    }

    #[test]
    fn another_build_or_a_damaged_file_starts_afresh() {
        let dir = tempfile::tempdir().unwrap();
        let (header, spans) = header();
        let cache = HeaderCache::open(dir.path());
        cache.put(id(1), &header, &spans);
        cache.save();
        let path = dir.path().join(FOLDER).join(FILE);

        let bytes = std::fs::read(&path).unwrap();
        let mut file: CacheFile = postcard::from_bytes(&bytes).unwrap();
        let other = format!("{} other", file.stamp);
        file.stamp = &other;
        std::fs::write(&path, postcard::to_allocvec(&file).unwrap()).unwrap();
        assert!(HeaderCache::open(dir.path()).get(&id(1)).is_none());

        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        assert!(HeaderCache::open(dir.path()).get(&id(1)).is_none());
        std::fs::write(&path, b"\xff\xfe not a cache").unwrap();
        assert!(HeaderCache::open(dir.path()).get(&id(1)).is_none());
    }

    #[test]
    fn unused_entries_are_pruned_once_they_outnumber_the_used_ones() {
        let dir = tempfile::tempdir().unwrap();
        let (header, spans) = header();
        let many = |n: u16| {
            let mut bytes = [0u8; 20];
            bytes[..2].copy_from_slice(&n.to_be_bytes());
            ObjectId::Sha1(bytes)
        };
        let count = |dir: &Path| HeaderCache::open(dir).state().entries.len();
        let cache = HeaderCache::open(dir.path());
        for n in 0..600 {
            cache.put(many(n), &header, &spans);
        }
        cache.save();
        assert_eq!(count(dir.path()), 600);

        // One used, 599 unused: within 4 x 1 + 1024, all are kept.
        let cache = HeaderCache::open(dir.path());
        assert!(cache.get(&many(7)).is_some());
        cache.save();
        assert_eq!(count(dir.path()), 600);

        // A run that adds 600 more uses them: 1,200 entries are within
        // 4 x 600 + 1024. A run that then uses one of 1,200 keeps only it.
        let cache = HeaderCache::open(dir.path());
        for n in 600..1200 {
            cache.put(many(n), &header, &spans);
        }
        cache.save();
        assert_eq!(count(dir.path()), 1200);
        let cache = HeaderCache::open(dir.path());
        assert!(cache.get(&many(1100)).is_some());
        cache.save();
        assert_eq!(count(dir.path()), 1);
        assert!(HeaderCache::open(dir.path()).get(&many(1100)).is_some());
    }

    #[test]
    fn an_unwritable_git_directory_is_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-folder");
        std::fs::write(&file, "").unwrap();
        let (header, spans) = header();
        let cache = HeaderCache::open(&file);
        cache.put(id(1), &header, &spans);
        cache.save();
        assert!(HeaderCache::open(&file).get(&id(1)).is_none());
    }
}
