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

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ruff_text_size::{TextRange, TextSize};
use serde::{Deserialize, Serialize};

use crate::alembic::revision_file::{Field, RevisionHeader};
use crate::git::ObjectId;

use super::{HeaderSpans, Place};

/// The folder in the git directory, and the file in it.
const FOLDER: &str = "migcheck";
const FILE: &str = "headers";
/// Bumped whenever what is stored changes shape or meaning.
const FORMAT: u32 = 2;
/// Entries not used by this run are kept while the cache holds at most this
/// many times the entries used (other branches, other Alembic setups).
const KEEP_UNUSED_FACTOR: usize = 4;

/// The header cache of one repository.
///
/// The file is a sorted table of blob ids and, beside it, each entry encoded
/// on its own: opening it decodes nothing, a lookup is a binary search and
/// decodes one entry, and rewriting it copies the entries it keeps as they are.
#[derive(Debug)]
pub struct HeaderCache {
    path: PathBuf,
    stamp: String,
    /// The file as read (empty when it is missing or was written by another build).
    bytes: Vec<u8>,
    /// Where the parts of the table lie in `bytes`, found once at open.
    parts: Option<Parts>,
    state: Mutex<State>,
}

/// The places of [`CacheFile`]'s borrowed parts in the file's bytes.
#[derive(Debug, Clone)]
struct Parts {
    id_len: u8,
    ids: std::ops::Range<usize>,
    ends: std::ops::Range<usize>,
    entries: std::ops::Range<usize>,
}

#[derive(Debug, Default)]
struct State {
    /// For each entry of the file, whether this run used it.
    used: Vec<bool>,
    /// Clean reads of blobs the file does not hold, encoded.
    added: Vec<(ObjectId, Vec<u8>)>,
}

/// The file: `ids` holds `id_len`-byte blob ids in ascending order, `ends`
/// where each one's entry ends in `entries` (little-endian `u32`s), and
/// `entries` the encoded [`Stored`] values one after the other.
#[derive(Serialize, Deserialize)]
struct CacheFile<'a> {
    format: u32,
    stamp: &'a str,
    id_len: u8,
    ids: &'a [u8],
    ends: &'a [u8],
    entries: &'a [u8],
}

impl<'a> CacheFile<'a> {
    /// The table of `bytes` when this build wrote it and its parts agree.
    fn read(bytes: &'a [u8], stamp: &str) -> Option<CacheFile<'a>> {
        let file = postcard::from_bytes::<CacheFile>(bytes).ok()?;
        let id_len = usize::from(file.id_len);
        let consistent = file.format == FORMAT
            && file.stamp == stamp
            && matches!(id_len, 20 | 32)
            && file.ids.len() % id_len == 0
            && file.ends.len() == file.ids.len() / id_len * 4;
        consistent.then_some(file)
    }

    fn len(&self) -> usize {
        self.ends.len() / 4
    }

    fn id(&self, index: usize) -> &'a [u8] {
        let id_len = usize::from(self.id_len);
        &self.ids[index * id_len..(index + 1) * id_len]
    }

    fn end(&self, index: usize) -> usize {
        let mut end = [0; 4];
        end.copy_from_slice(&self.ends[index * 4..index * 4 + 4]);
        u32::from_le_bytes(end) as usize
    }

    /// The encoded entry at `index` (`None` in a damaged file).
    fn entry(&self, index: usize) -> Option<&'a [u8]> {
        let start = if index == 0 { 0 } else { self.end(index - 1) };
        self.entries.get(start..self.end(index))
    }

    /// Where `id` stands in the table.
    fn find(&self, id: &ObjectId) -> Option<usize> {
        let id = id.as_bytes();
        if id.len() != usize::from(self.id_len) {
            return None;
        }
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let middle = low + (high - low) / 2;
            match self.id(middle).cmp(id) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return Some(middle),
            }
        }
        None
    }

    /// Writes `entries`, sorted by id and without repeated ids, in this layout.
    fn write(stamp: &str, entries: &[(&[u8], Cow<'_, [u8]>)]) -> Option<Vec<u8>> {
        let id_len = entries.first().map_or(20, |(id, _)| id.len());
        let mut ids = Vec::with_capacity(entries.len() * id_len);
        let mut ends = Vec::with_capacity(entries.len() * 4);
        let mut encoded = Vec::new();
        for (id, entry) in entries {
            ids.extend_from_slice(id);
            encoded.extend_from_slice(entry);
            ends.extend_from_slice(&u32::try_from(encoded.len()).ok()?.to_le_bytes());
        }
        postcard::to_allocvec(&CacheFile {
            format: FORMAT,
            stamp,
            id_len: u8::try_from(id_len).ok()?,
            ids: &ids,
            ends: &ends,
            entries: &encoded,
        })
        .ok()
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
        let mut bytes = std::fs::read(&path).unwrap_or_default();
        let file = CacheFile::read(&bytes, &stamp);
        let entries = file.as_ref().map_or(0, CacheFile::len);
        let parts = file.filter(|_| entries > 0).map(|file| {
            let within = |part: &[u8]| {
                let start = part.as_ptr() as usize - bytes.as_ptr() as usize;
                start..start + part.len()
            };
            Parts {
                id_len: file.id_len,
                ids: within(file.ids),
                ends: within(file.ends),
                entries: within(file.entries),
            }
        });
        if parts.is_none() {
            bytes = Vec::new();
        }
        HeaderCache {
            path,
            stamp,
            bytes,
            parts,
            state: Mutex::new(State {
                used: vec![false; entries],
                added: Vec::new(),
            }),
        }
    }

    /// The table of the file read at open, without decoding it again.
    fn file(&self) -> Option<CacheFile<'_>> {
        let parts = self.parts.as_ref()?;
        Some(CacheFile {
            format: FORMAT,
            stamp: &self.stamp,
            id_len: parts.id_len,
            ids: self.bytes.get(parts.ids.clone())?,
            ends: self.bytes.get(parts.ends.clone())?,
            entries: self.bytes.get(parts.entries.clone())?,
        })
    }

    /// The header and places read before from the blob `id`.
    pub fn get(&self, id: &ObjectId) -> Option<(RevisionHeader, HeaderSpans)> {
        let file = self.file()?;
        let index = file.find(id)?;
        let stored = postcard::from_bytes::<Stored>(file.entry(index)?).ok()?;
        if let Some(used) = self.state().used.get_mut(index) {
            *used = true;
        }
        Some(stored.restore())
    }

    /// Keeps what a clean read of the blob `id` gave.
    pub fn put(&self, id: ObjectId, header: &RevisionHeader, spans: &HeaderSpans) {
        let Some(stored) = Stored::of(header, spans) else {
            return;
        };
        let known = self.file().and_then(|file| file.find(&id));
        let mut state = self.state();
        match known {
            Some(index) => state.used[index] = true,
            None => {
                if let Ok(encoded) = postcard::to_allocvec(&stored) {
                    state.added.push((id, encoded));
                }
            }
        }
    }

    /// Writes the cache back when this run learnt something or left enough
    /// entries unused to prune. Failing to write is not an error.
    pub fn save(mut self) {
        let state = std::mem::take(self.state.get_mut().unwrap_or_else(|e| e.into_inner()));
        let used = state.used.iter().filter(|&&used| used).count() + state.added.len();
        let total = state.used.len() + state.added.len();
        let keep_unused = total <= KEEP_UNUSED_FACTOR * used + 1024;
        if state.added.is_empty() && keep_unused {
            return;
        }
        let mut entries: Vec<(&[u8], Cow<'_, [u8]>)> = state
            .added
            .iter()
            .map(|(id, encoded)| (id.as_bytes(), Cow::Borrowed(encoded.as_slice())))
            .collect();
        if let Some(file) = self.file() {
            let kept = (0..file.len()).filter(|&index| keep_unused || state.used[index]);
            entries
                .extend(kept.filter_map(|index| Some((file.id(index), file.entry(index)?.into()))));
        }
        // One id length per file: a repository's objects all use one hash.
        if let Some(id_len) = entries.first().map(|(id, _)| id.len()) {
            entries.retain(|(id, _)| id.len() == id_len);
        }
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        entries.dedup_by(|a, b| a.0 == b.0);
        if let Some(bytes) = CacheFile::write(&self.stamp, &entries) {
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

    fn restore(self) -> (RevisionHeader, HeaderSpans) {
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

    fn restore(self) -> Field<T> {
        match self {
            StoredField::Missing => Field::Missing,
            StoredField::Known(value, start, end) => Field::Known {
                value,
                range: range(start, end),
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
        let count = |dir: &Path| HeaderCache::open(dir).state().used.len();
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
    fn sha256_ids_are_found_and_never_confused_with_sha1_ones() {
        let dir = tempfile::tempdir().unwrap();
        let (header, spans) = header();
        let long = |n: u8| ObjectId::Sha256([n; 32]);
        let cache = HeaderCache::open(dir.path());
        for n in (0..50).rev() {
            cache.put(long(n), &header, &spans);
        }
        cache.save();
        let cache = HeaderCache::open(dir.path());
        for n in 0..50 {
            assert!(cache.get(&long(n)).is_some(), "entry {n}");
        }
        assert!(cache.get(&long(50)).is_none());
        assert!(cache.get(&id(7)).is_none());
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
