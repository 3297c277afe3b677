//! Where migcheck reads files from: the index (the default for a commit hook),
//! a revision, the work tree, or a plain directory outside any repository.
//! One interface lists files under some prefixes and reads them in a batch,
//! so everything else in migcheck is indifferent to the source. The work tree
//! is read as it is on disk: untracked and ignored files included, `.git`
//! excluded, nested repositories listed as submodules.

use std::path::{Component, Path, PathBuf};

use walkdir::WalkDir;

use super::entry::{EntryKind, MODE_EXECUTABLE, MODE_FILE, MODE_GITLINK, MODE_SYMLINK};
use super::error::GitError;
use super::object_id::ObjectId;
use super::pathspec::{normalise, Prefixes};
use super::Repository;

/// Which state of the repository a snapshot shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SnapshotKind {
    /// The index: what the next commit will contain.
    Index,
    /// The files on disk under the top of the work tree.
    Worktree,
    /// The tree of a commit (`HEAD`, `origin/main`, an id).
    Rev(String),
}

/// A file of a snapshot: its path, mode, merge stage and where its content is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SnapshotEntry {
    /// Path relative to the snapshot root, with `/`; lossy when not UTF-8.
    pub path: String,
    pub mode: u32,
    /// Merge stage in a conflicted index (1, 2, 3), else 0.
    pub stage: u8,
    handle: Handle,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Handle {
    Object(ObjectId),
    File(PathBuf),
}

impl SnapshotEntry {
    pub fn kind(&self) -> EntryKind {
        EntryKind::from_mode(self.mode)
    }

    /// The object id, for entries that come from git.
    pub fn id(&self) -> Option<ObjectId> {
        match self.handle {
            Handle::Object(id) => Some(id),
            Handle::File(_) => None,
        }
    }
}

enum Source<'r> {
    Index(&'r Repository),
    Rev {
        repo: &'r Repository,
        commit: String,
    },
    Directory(PathBuf),
}

/// A read-only view of files at one source.
pub struct Snapshot<'r> {
    source: Source<'r>,
}

impl<'r> Snapshot<'r> {
    /// A snapshot of `repo`. A revision is resolved once, here, so every later
    /// read sees the same commit.
    pub fn new(repo: &'r Repository, kind: SnapshotKind) -> Result<Snapshot<'r>, GitError> {
        let source = match kind {
            SnapshotKind::Index => Source::Index(repo),
            SnapshotKind::Rev(rev) => Source::Rev {
                repo,
                commit: repo.resolve_commit(&rev)?.to_string(),
            },
            SnapshotKind::Worktree => match repo.workdir() {
                Some(workdir) => Source::Directory(workdir.to_path_buf()),
                None => {
                    return Err(GitError::NoWorkTree {
                        git_dir: repo.git_dir().to_path_buf(),
                    })
                }
            },
        };
        Ok(Snapshot { source })
    }

    /// A snapshot of a plain directory, which need not be in a git repository.
    pub fn directory(root: impl Into<PathBuf>) -> Snapshot<'static> {
        Snapshot {
            source: Source::Directory(root.into()),
        }
    }

    /// Files under `prefixes` (none, or `""`, means all), sorted by path.
    /// Submodules are listed with mode 160000 and have no content.
    pub fn list(&self, prefixes: &[&str]) -> Result<Vec<SnapshotEntry>, GitError> {
        let from_git = |entries: Vec<super::Entry>| {
            entries
                .into_iter()
                .map(|e| SnapshotEntry {
                    path: e.path,
                    mode: e.mode,
                    stage: e.stage,
                    handle: Handle::Object(e.id),
                })
                .collect()
        };
        match &self.source {
            Source::Index(repo) => repo.index_entries(prefixes).map(from_git),
            Source::Rev { repo, commit } => repo.tree_entries(commit, prefixes).map(from_git),
            Source::Directory(root) => list_directory(root, &Prefixes::new(prefixes)),
        }
    }

    /// Whether any file lies under `prefixes`: [`Snapshot::list`] without the list.
    pub fn has_files(&self, prefixes: &[&str]) -> Result<bool, GitError> {
        match &self.source {
            Source::Index(repo) => repo.index_has_entries(prefixes),
            Source::Rev { .. } | Source::Directory(_) => {
                self.list(prefixes).map(|entries| !entries.is_empty())
            }
        }
    }

    /// The content of one file, `None` when the snapshot has no file at `path`.
    /// A symbolic link reads as its target, as git stores it.
    pub fn read(&self, path: &str) -> Result<Option<Vec<u8>>, GitError> {
        let Some(path) = normalise(path).filter(|p| !p.is_empty()) else {
            return Ok(None);
        };
        let entries = match &self.source {
            Source::Directory(root) => return read_file(root, &path),
            Source::Index(_) | Source::Rev { .. } => self.list(&[&path])?,
        };
        let exact: Vec<SnapshotEntry> = entries.into_iter().filter(|e| e.path == path).collect();
        let Some(entry) = exact.iter().find(|e| e.stage == 0) else {
            return match exact.first() {
                Some(_) => Err(GitError::Unmerged { path }),
                None => Ok(None),
            };
        };
        Ok(self.read_many(std::slice::from_ref(entry))?.pop())
    }

    /// The contents of `entries`, handed to `f` one at a time with their
    /// position in `entries`, as they are read: only one is held at a time.
    /// Errors as [`Snapshot::read_many`]; on an error `f` has seen the entries before it.
    pub fn read_each(
        &self,
        entries: &[SnapshotEntry],
        f: &mut dyn FnMut(usize, Vec<u8>),
    ) -> Result<(), GitError> {
        let ids: Option<Vec<ObjectId>> = entries.iter().map(SnapshotEntry::id).collect();
        match (&self.source, ids) {
            (Source::Index(repo) | Source::Rev { repo, .. }, Some(ids))
                if entries.iter().all(|e| e.kind() != EntryKind::Gitlink) =>
            {
                repo.read_blobs_with(&ids, f)
            }
            (Source::Directory(_), _)
                if entries.iter().all(|e| matches!(e.handle, Handle::File(_))) =>
            {
                for (index, entry) in entries.iter().enumerate() {
                    if let Handle::File(path) = &entry.handle {
                        f(index, read_path(path, entry.kind() == EntryKind::Symlink)?);
                    }
                }
                Ok(())
            }
            _ => {
                for (index, content) in self.read_many(entries)?.into_iter().enumerate() {
                    f(index, content);
                }
                Ok(())
            }
        }
    }

    /// The contents of `entries`, in order; blobs from git in one batch.
    /// A submodule entry is an error: filter them out with [`EntryKind::has_blob`].
    pub fn read_many(&self, entries: &[SnapshotEntry]) -> Result<Vec<Vec<u8>>, GitError> {
        if let Some(gitlink) = entries.iter().find(|e| e.kind() == EntryKind::Gitlink) {
            return Err(GitError::Gitlink {
                path: gitlink.path.clone(),
            });
        }
        let ids: Vec<ObjectId> = entries.iter().filter_map(SnapshotEntry::id).collect();
        let mut blobs = match &self.source {
            Source::Index(repo) | Source::Rev { repo, .. } => repo.read_blobs(&ids)?,
            Source::Directory(_) if ids.is_empty() => Vec::new(),
            Source::Directory(_) => {
                return Err(GitError::Io {
                    path: PathBuf::from(&entries[0].path),
                    source: std::io::Error::other("this entry does not come from a directory"),
                })
            }
        }
        .into_iter();
        entries
            .iter()
            .map(|entry| match &entry.handle {
                Handle::Object(id) => blobs.next().ok_or(GitError::ObjectMissing { id: *id }),
                Handle::File(path) => read_path(path, entry.kind() == EntryKind::Symlink),
            })
            .collect()
    }
}

/// Walks the directories named by the prefixes, skipping `.git`; a directory
/// holding its own `.git` is a nested repository and is listed as a submodule.
fn list_directory(root: &Path, prefixes: &Prefixes) -> Result<Vec<SnapshotEntry>, GitError> {
    let starts: Vec<PathBuf> = if prefixes.is_all() {
        vec![root.to_path_buf()]
    } else {
        prefixes
            .as_slice()
            .iter()
            .filter_map(|p| safe_join(root, p))
            .collect()
    };
    let mut entries = Vec::new();
    for start in starts {
        if start != root && std::fs::symlink_metadata(&start).is_err() {
            continue;
        }
        // A prefix that is a symbolic link is an entry, not a directory to enter.
        let mut walk = WalkDir::new(&start)
            .follow_links(false)
            .follow_root_links(start == root)
            .into_iter();
        while let Some(item) = walk.next() {
            let item = item.map_err(|e| GitError::Io {
                path: e.path().unwrap_or(&start).to_path_buf(),
                source: e.into(),
            })?;
            let path = item.path();
            if item.file_name() == ".git" {
                if item.file_type().is_dir() {
                    walk.skip_current_dir();
                }
                continue;
            }
            let file_type = item.file_type();
            let mode = if file_type.is_dir() {
                if path == root || !path.join(".git").exists() {
                    continue;
                }
                walk.skip_current_dir();
                MODE_GITLINK
            } else if file_type.is_symlink() {
                MODE_SYMLINK
            } else if file_type.is_file() {
                file_mode(&item)
            } else {
                continue;
            };
            let Ok(relative) = path.strip_prefix(root) else {
                continue;
            };
            let relative = relative_name(relative);
            if prefixes.matches(&relative) {
                entries.push(SnapshotEntry {
                    path: relative,
                    mode,
                    stage: 0,
                    handle: Handle::File(path.to_path_buf()),
                });
            }
        }
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    entries.dedup_by(|a, b| a.path == b.path);
    Ok(entries)
}

#[cfg(unix)]
fn file_mode(item: &walkdir::DirEntry) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    match item.metadata() {
        Ok(meta) if meta.permissions().mode() & 0o111 != 0 => MODE_EXECUTABLE,
        _ => MODE_FILE,
    }
}

#[cfg(not(unix))]
fn file_mode(_item: &walkdir::DirEntry) -> u32 {
    MODE_FILE
}

fn read_file(root: &Path, path: &str) -> Result<Option<Vec<u8>>, GitError> {
    let Some(full) = safe_join(root, path) else {
        return Ok(None);
    };
    match std::fs::symlink_metadata(&full) {
        Ok(meta) if meta.is_dir() => Ok(None),
        Ok(meta) => read_path(&full, meta.file_type().is_symlink()).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(GitError::Io { path: full, source }),
    }
}

/// A file's bytes, or a symbolic link's target as bytes.
fn read_path(path: &Path, symlink: bool) -> Result<Vec<u8>, GitError> {
    let io = |source| GitError::Io {
        path: path.to_path_buf(),
        source,
    };
    if symlink {
        let target = std::fs::read_link(path).map_err(io)?;
        return Ok(os_bytes(target.as_os_str()));
    }
    std::fs::read(path).map_err(io)
}

/// `root/relative` when `relative` stays inside `root`.
fn safe_join(root: &Path, relative: &str) -> Option<PathBuf> {
    let relative = Path::new(relative);
    relative
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        .then(|| root.join(relative))
}

/// A relative path with `/` separators, lossy when not UTF-8.
fn relative_name(relative: &Path) -> String {
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(unix)]
fn os_bytes(value: &std::ffi::OsStr) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    value.as_bytes().to_vec()
}

#[cfg(not(unix))]
fn os_bytes(value: &std::ffi::OsStr) -> Vec<u8> {
    value.to_string_lossy().into_owned().into_bytes()
}
