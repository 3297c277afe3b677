//! What the backends return: index and tree entries (path, object id, mode,
//! merge stage) and changed paths (status, path, old path of a rename).

use super::object_id::ObjectId;

/// Mode of a regular file.
pub const MODE_FILE: u32 = 0o100644;
/// Mode of an executable file.
pub const MODE_EXECUTABLE: u32 = 0o100755;
/// Mode of a symbolic link; its blob is the link target.
pub const MODE_SYMLINK: u32 = 0o120000;
/// Mode of a submodule (gitlink); its id is a commit of another repository.
pub const MODE_GITLINK: u32 = 0o160000;

/// What an entry's mode says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    File,
    Executable,
    Symlink,
    /// A submodule: there is no blob to read.
    Gitlink,
    /// Any other mode (a directory in a sparse index, a legacy mode).
    Other,
}

impl EntryKind {
    pub fn from_mode(mode: u32) -> EntryKind {
        match mode {
            MODE_FILE | 0o100664 => EntryKind::File,
            MODE_EXECUTABLE => EntryKind::Executable,
            MODE_SYMLINK => EntryKind::Symlink,
            MODE_GITLINK => EntryKind::Gitlink,
            _ => EntryKind::Other,
        }
    }

    /// True when the entry names a blob that can be read.
    pub fn has_blob(self) -> bool {
        matches!(
            self,
            EntryKind::File | EntryKind::Executable | EntryKind::Symlink
        )
    }
}

/// One entry of the index or of a tree.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Entry {
    /// Path relative to the repository root, with `/`; lossy when not UTF-8.
    pub path: String,
    pub id: ObjectId,
    pub mode: u32,
    /// Merge stage: 0 when resolved, 1 (base), 2 (ours), 3 (theirs) in a conflict.
    pub stage: u8,
}

impl Entry {
    pub fn kind(&self) -> EntryKind {
        EntryKind::from_mode(self.mode)
    }
}

/// How a path changed between two states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChangeStatus {
    Added,
    Modified,
    Renamed,
    Copied,
    Deleted,
    TypeChanged,
    /// The index holds unresolved conflict stages for the path.
    Unmerged,
}

impl ChangeStatus {
    /// The letter `git diff --name-status` prints.
    pub fn letter(self) -> char {
        match self {
            ChangeStatus::Added => 'A',
            ChangeStatus::Modified => 'M',
            ChangeStatus::Renamed => 'R',
            ChangeStatus::Copied => 'C',
            ChangeStatus::Deleted => 'D',
            ChangeStatus::TypeChanged => 'T',
            ChangeStatus::Unmerged => 'U',
        }
    }

    /// Reads `git diff --name-status` status letters (`R086` is a rename with its score).
    pub fn from_letters(status: &str) -> Option<ChangeStatus> {
        match status.chars().next()? {
            'A' => Some(ChangeStatus::Added),
            'M' => Some(ChangeStatus::Modified),
            'R' => Some(ChangeStatus::Renamed),
            'C' => Some(ChangeStatus::Copied),
            'D' => Some(ChangeStatus::Deleted),
            'T' => Some(ChangeStatus::TypeChanged),
            'U' => Some(ChangeStatus::Unmerged),
            _ => None,
        }
    }
}

/// One changed path. For renames and copies `old_path` is the source.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Change {
    pub status: ChangeStatus,
    pub path: String,
    pub old_path: Option<String>,
}

/// The changes from the files of `before`, handed in one at a time and in
/// any order (a tree can be walked into it without being listed first), to
/// the entries `after` (in index order, as [`sort_entries`] leaves them):
/// added, deleted, modified (content or mode) and type changed paths, and
/// once each path that `after` holds in conflict stages.
pub(crate) struct Comparison<'a> {
    after: &'a [Entry],
    /// The first entry of each path of `after`.
    positions: rustc_hash::FxHashMap<&'a str, usize>,
    /// The paths of `after` that `before` has too, by their first entry.
    matched: Vec<bool>,
    changes: Vec<Change>,
}

impl<'a> Comparison<'a> {
    pub(crate) fn new(after: &'a [Entry]) -> Comparison<'a> {
        let mut positions = rustc_hash::FxHashMap::default();
        positions.reserve(after.len());
        for (i, entry) in after.iter().enumerate() {
            positions.entry(entry.path.as_str()).or_insert(i);
        }
        Comparison {
            after,
            positions,
            matched: vec![false; after.len()],
            changes: Vec::new(),
        }
    }

    /// One file of `before`.
    pub(crate) fn before(&mut self, path: &str, id: ObjectId, mode: u32) {
        let Some(&i) = self.positions.get(path) else {
            self.push(ChangeStatus::Deleted, path);
            return;
        };
        self.matched[i] = true;
        let now = &self.after[i];
        let status = if now.stage != 0 {
            ChangeStatus::Unmerged
        } else if !same_type(EntryKind::from_mode(mode), now.kind()) {
            ChangeStatus::TypeChanged
        } else if id != now.id || mode != now.mode {
            ChangeStatus::Modified
        } else {
            return;
        };
        self.push(status, path);
    }

    /// The changes, in [`sort_changes`] order: what `before` named, and the
    /// paths of `after` it did not name (added, or in conflict).
    pub(crate) fn finish(mut self) -> Vec<Change> {
        let mut last = None;
        for (i, entry) in self.after.iter().enumerate() {
            if last == Some(entry.path.as_str()) {
                continue;
            }
            last = Some(entry.path.as_str());
            if !self.matched[i] {
                let status = if entry.stage == 0 {
                    ChangeStatus::Added
                } else {
                    ChangeStatus::Unmerged
                };
                self.push(status, &entry.path);
            }
        }
        sort_changes(&mut self.changes);
        self.changes
    }

    fn push(&mut self, status: ChangeStatus, path: &str) {
        self.changes.push(Change {
            status,
            path: path.to_owned(),
            old_path: None,
        });
    }
}

/// Whether git sees no change of type between two kinds: a file that only
/// gains or loses its executable bit is modified, not type changed.
fn same_type(a: EntryKind, b: EntryKind) -> bool {
    let blob = |kind| matches!(kind, EntryKind::File | EntryKind::Executable);
    a == b || (blob(a) && blob(b))
}

/// Puts changes in one order for both backends: by path, then status.
pub(crate) fn sort_changes(changes: &mut [Change]) {
    changes.sort_by(|a, b| (&a.path, &a.old_path, a.status).cmp(&(&b.path, &b.old_path, b.status)));
}

/// Puts entries in index order (path, then stage) and drops duplicates.
pub(crate) fn sort_entries(entries: &mut Vec<Entry>) {
    entries.sort_by(|a, b| (&a.path, a.stage).cmp(&(&b.path, b.stage)));
    entries.dedup_by(|a, b| a.path == b.path && a.stage == b.stage);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_map_to_kinds() {
        assert_eq!(EntryKind::from_mode(MODE_FILE), EntryKind::File);
        assert_eq!(EntryKind::from_mode(MODE_EXECUTABLE), EntryKind::Executable);
        assert_eq!(EntryKind::from_mode(MODE_SYMLINK), EntryKind::Symlink);
        assert_eq!(EntryKind::from_mode(MODE_GITLINK), EntryKind::Gitlink);
        assert_eq!(EntryKind::from_mode(0o040000), EntryKind::Other);
        assert!(!EntryKind::Gitlink.has_blob());
        assert!(EntryKind::Symlink.has_blob());
    }

    #[test]
    fn status_letters_round_trip() {
        for status in [
            ChangeStatus::Added,
            ChangeStatus::Modified,
            ChangeStatus::Renamed,
            ChangeStatus::Copied,
            ChangeStatus::Deleted,
            ChangeStatus::TypeChanged,
            ChangeStatus::Unmerged,
        ] {
            assert_eq!(
                ChangeStatus::from_letters(&status.letter().to_string()),
                Some(status)
            );
        }
        assert_eq!(
            ChangeStatus::from_letters("R086"),
            Some(ChangeStatus::Renamed)
        );
        assert_eq!(ChangeStatus::from_letters("X"), None);
        assert_eq!(ChangeStatus::from_letters(""), None);
    }

    fn compare(before: &[Entry], after: &[Entry]) -> Vec<Change> {
        let mut comparison = Comparison::new(after);
        for entry in before {
            comparison.before(&entry.path, entry.id, entry.mode);
        }
        comparison.finish()
    }

    #[test]
    fn comparing_a_listing_with_the_files_before_it() {
        let entry = |path: &str, id: u8, mode: u32, stage: u8| Entry {
            path: path.to_owned(),
            id: ObjectId::Sha1([id; 20]),
            mode,
            stage,
        };
        let before = [
            entry("a.py", 1, MODE_FILE, 0),
            entry("b.py", 2, MODE_FILE, 0),
            entry("c.py", 3, MODE_FILE, 0),
            entry("d.py", 4, MODE_FILE, 0),
            entry("e.py", 5, MODE_FILE, 0),
            entry("f.py", 6, MODE_FILE, 0),
        ];
        let after = [
            entry("a.py", 1, MODE_FILE, 0),
            entry("b.py", 9, MODE_FILE, 0),
            entry("c.py", 3, MODE_EXECUTABLE, 0),
            entry("d.py", 4, MODE_SYMLINK, 0),
            entry("e.py", 1, MODE_FILE, 1),
            entry("e.py", 2, MODE_FILE, 2),
            entry("e.py", 3, MODE_FILE, 3),
            entry("g.py", 7, MODE_FILE, 0),
            entry("h.py", 8, MODE_FILE, 2),
            entry("h.py", 8, MODE_FILE, 3),
        ];
        let changes = compare(&before, &after);
        let found: Vec<(ChangeStatus, &str)> = changes
            .iter()
            .map(|c| (c.status, c.path.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (ChangeStatus::Modified, "b.py"),
                (ChangeStatus::Modified, "c.py"),
                (ChangeStatus::TypeChanged, "d.py"),
                (ChangeStatus::Unmerged, "e.py"),
                (ChangeStatus::Deleted, "f.py"),
                (ChangeStatus::Added, "g.py"),
                (ChangeStatus::Unmerged, "h.py"),
            ]
        );
        assert!(compare(&before, &before).is_empty());
        let mut reversed = Comparison::new(&after);
        for entry in before.iter().rev() {
            reversed.before(&entry.path, entry.id, entry.mode);
        }
        assert_eq!(
            reversed.finish(),
            changes,
            "the order of `before` matters not"
        );
    }
}
