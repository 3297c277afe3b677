//! The libgit2 backend: fast in-process reads of the index, trees and blobs.
//! It cannot read split or sparse indexes, reftable refs or SHA-256 objects;
//! `probe` finds out so that auto mode can hand over to the git CLI.
//!
//! A plain index (neither split nor sparse) is listed with gix-index instead:
//! libgit2 checks the whole file's SHA-1 with collision detection and
//! validates every path each time it opens an index, which was the largest
//! cost of a hook run on a large history. libgit2 reads the index only when
//! it must (the whole-tree diff of `--worktree`, an index it alone reads).
//!
//! Like `git cat-file`, reads do not re-hash every object to check its id:
//! libgit2's strict hash verification is turned off for the process on first
//! open (it costs four fifths of the time of a batch read; packs keep their
//! own checksums and `git fsck` is the tool for corruption).

use std::cell::{OnceCell, RefCell};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Once;

use git2::{
    Delta, DiffFindOptions, DiffOptions, ErrorCode, Index, ObjectType, Oid, RepositoryOpenFlags,
};

use super::entry::{sort_changes, sort_entries, Change, ChangeStatus, Comparison, Entry};
use super::env::GitEnv;
use super::error::GitError;
use super::object_id::ObjectId;
use super::pathspec::Prefixes;

pub(crate) struct Libgit2Repo {
    repo: git2::Repository,
    index_file: Option<PathBuf>,
    index: RefCell<Option<Index>>,
    /// The index read by gix-index, when it is a plain one; read once.
    plain_index: OnceCell<Option<Box<gix_index::State>>>,
    /// The index entries the staged comparison listed, handed to the next
    /// listing of the same prefixes (loading) instead of listing them again.
    listed: RefCell<Option<(Prefixes, Vec<Entry>)>>,
}

impl Libgit2Repo {
    /// Opens the repository named by the environment, or found from `cwd` upward.
    pub(crate) fn open(cwd: &Path, env: &GitEnv) -> Result<Libgit2Repo, GitError> {
        static READ_WITHOUT_REHASHING: Once = Once::new();
        READ_WITHOUT_REHASHING.call_once(|| git2::opts::strict_hash_verification(false));
        let opened = match env.git_dir_from(cwd) {
            Some(git_dir) => git2::Repository::open_ext(
                &git_dir,
                RepositoryOpenFlags::NO_SEARCH,
                std::iter::empty::<&OsStr>(),
            ),
            None => {
                let mut flags = RepositoryOpenFlags::empty();
                if env.across_filesystem {
                    flags |= RepositoryOpenFlags::CROSS_FS;
                }
                git2::Repository::open_ext(cwd, flags, &env.ceiling_directories)
            }
        };
        let repo = opened.map_err(|e| match e.code() {
            ErrorCode::NotFound => GitError::NotARepository {
                path: cwd.to_path_buf(),
            },
            _ => GitError::libgit2("open the repository", &e),
        })?;
        set_work_tree(&repo, cwd, env)?;
        let extra = env.extra_object_directories(cwd);
        if !extra.is_empty() {
            let odb = repo
                .odb()
                .map_err(|e| GitError::libgit2("open the object database", &e))?;
            for dir in extra {
                let added = match dir.to_str() {
                    Some(dir) => odb.add_disk_alternate(dir),
                    None => Err(git2::Error::from_str("the path is not UTF-8")),
                };
                added.map_err(|e| GitError::libgit2("add an object directory", &e))?;
            }
        }
        let workdir = repo.workdir().map(Path::to_path_buf);
        let index_file = env.index_file_from(workdir.as_deref(), cwd);
        Ok(Libgit2Repo {
            repo,
            index_file,
            index: RefCell::new(None),
            plain_index: OnceCell::new(),
            listed: RefCell::new(None),
        })
    }

    pub(crate) fn git_dir(&self) -> &Path {
        self.repo.path()
    }

    pub(crate) fn workdir(&self) -> Option<&Path> {
        self.repo.workdir()
    }

    /// Reads what libgit2 may fail to read: the index and the tree of `HEAD`.
    pub(crate) fn probe(&self) -> Result<(), GitError> {
        if self.plain_index().is_none() {
            self.with_index(|_| Ok(()))?;
        }
        if let Some(head) = self.head_tree()? {
            // Reading one blob proves the object database is readable, not only its trees.
            if let Some(blob) = head.iter().find(|e| e.kind() == Some(ObjectType::Blob)) {
                let odb = self.odb()?;
                odb.read(blob.id())
                    .map_err(|e| GitError::libgit2("read a blob of HEAD", &e))?;
            }
        }
        Ok(())
    }

    pub(crate) fn index_entries(&self, prefixes: &Prefixes) -> Result<Vec<Entry>, GitError> {
        let mut listed = self.listed.borrow_mut();
        if let Some((_, entries)) = listed.take_if(|(listed, _)| listed == prefixes) {
            return Ok(entries);
        }
        drop(listed);
        if let Some(state) = self.plain_index() {
            let mut entries = Vec::new();
            visit_plain(state, prefixes, &mut |entry| {
                entries.push(entry);
                true
            });
            sort_entries(&mut entries);
            return Ok(entries);
        }
        self.with_index(|index| {
            let mut entries = Vec::new();
            if prefixes.is_all() {
                entries.extend(index.iter().map(entry_of));
            } else {
                visit_matching(index, prefixes, &mut |entry| {
                    entries.push(entry);
                    true
                });
            }
            sort_entries(&mut entries);
            Ok(entries)
        })
    }

    /// Whether the index holds any entry under `prefixes`, without listing them.
    pub(crate) fn index_has_entries(&self, prefixes: &Prefixes) -> Result<bool, GitError> {
        if let Some(state) = self.plain_index() {
            let mut found = false;
            visit_plain(state, prefixes, &mut |_| {
                found = true;
                false
            });
            return Ok(found);
        }
        self.with_index(|index| {
            if prefixes.is_all() {
                return Ok(!index.is_empty());
            }
            let mut found = false;
            visit_matching(index, prefixes, &mut |_| {
                found = true;
                false
            });
            Ok(found)
        })
    }

    pub(crate) fn tree_entries(
        &self,
        rev: &str,
        prefixes: &Prefixes,
    ) -> Result<Vec<Entry>, GitError> {
        let tree = self.tree_of(rev)?;
        let mut entries = Vec::new();
        self.visit_tree(&tree, prefixes, &mut |path, entry| {
            entries.push(Entry {
                path: path.to_owned(),
                id: object_id(entry.id()),
                mode: filemode(entry.filemode()),
                stage: 0,
            });
        })?;
        sort_entries(&mut entries);
        Ok(entries)
    }

    /// What the index changes against `HEAD` under `prefixes`: `HEAD`'s trees
    /// there are walked into the comparison without being listed first.
    pub(crate) fn staged_changes_under(
        &self,
        prefixes: &Prefixes,
    ) -> Result<Vec<Change>, GitError> {
        let staged = self.index_entries(prefixes)?;
        let mut comparison = Comparison::new(&staged);
        if let Some(head) = self.head_tree()? {
            self.visit_tree(&head, prefixes, &mut |path, entry| {
                comparison.before(path, object_id(entry.id()), filemode(entry.filemode()));
            })?;
        }
        let changes = comparison.finish();
        *self.listed.borrow_mut() = Some((prefixes.clone(), staged));
        Ok(changes)
    }

    /// Hands each blob to `f` as it is read, with its position in `ids`.
    pub(crate) fn read_blobs_with(
        &self,
        ids: &[ObjectId],
        f: &mut dyn FnMut(usize, Vec<u8>),
    ) -> Result<(), GitError> {
        if ids.is_empty() {
            return Ok(());
        }
        let odb = self.odb()?;
        for (index, &id) in ids.iter().enumerate() {
            let object = odb.read(oid(id)?).map_err(|e| match e.code() {
                ErrorCode::NotFound => GitError::ObjectMissing { id },
                _ => GitError::libgit2("read an object", &e),
            })?;
            if object.kind() != ObjectType::Blob {
                return Err(GitError::NotABlob {
                    id,
                    kind: object.kind().str().to_owned(),
                });
            }
            f(index, object.data().to_vec());
        }
        Ok(())
    }

    pub(crate) fn staged_changes(&self) -> Result<Vec<Change>, GitError> {
        let head = self.head_tree()?;
        self.with_index(|index| {
            let mut options = diff_options();
            let diff = self
                .repo
                .diff_tree_to_index(head.as_ref(), Some(index), Some(&mut options))
                .map_err(|e| GitError::libgit2("compare the index with HEAD", &e))?;
            changes_of(diff)
        })
    }

    pub(crate) fn range_changes(&self, from: &str, to: &str) -> Result<Vec<Change>, GitError> {
        let base = self.merge_base(from, to)?;
        let base_tree = self.find_commit(base)?.tree();
        let to_tree = self.find_commit(self.resolve_commit(to)?)?.tree();
        let base_tree = base_tree.map_err(|e| GitError::libgit2("read a tree", &e))?;
        let to_tree = to_tree.map_err(|e| GitError::libgit2("read a tree", &e))?;
        let mut options = diff_options();
        let diff = self
            .repo
            .diff_tree_to_tree(Some(&base_tree), Some(&to_tree), Some(&mut options))
            .map_err(|e| GitError::libgit2("compare two trees", &e))?;
        changes_of(diff)
    }

    pub(crate) fn resolve_commit(&self, rev: &str) -> Result<ObjectId, GitError> {
        let unknown = || GitError::UnknownRevision {
            rev: rev.to_owned(),
        };
        let object = self.repo.revparse_single(rev).map_err(|e| match e.code() {
            ErrorCode::NotFound
            | ErrorCode::InvalidSpec
            | ErrorCode::Ambiguous
            | ErrorCode::UnbornBranch => unknown(),
            _ => GitError::libgit2("resolve a revision", &e),
        })?;
        let commit = object.peel_to_commit().map_err(|_| unknown())?;
        Ok(object_id(commit.id()))
    }

    pub(crate) fn merge_base(&self, a: &str, b: &str) -> Result<ObjectId, GitError> {
        let one = oid(self.resolve_commit(a)?)?;
        let two = oid(self.resolve_commit(b)?)?;
        match self.repo.merge_base(one, two) {
            Ok(base) => Ok(object_id(base)),
            Err(e) if e.code() == ErrorCode::NotFound => Err(GitError::NoMergeBase {
                a: a.to_owned(),
                b: b.to_owned(),
            }),
            Err(e) => Err(GitError::libgit2("find a merge base", &e)),
        }
    }

    /// Runs `f` on the index: `GIT_INDEX_FILE` when set, else the repository's. Read once.
    /// The index as gix-index reads it, when it is neither split nor sparse
    /// (libgit2 reads neither, and the probe must still see it fail). `None`
    /// also when the file is missing or cannot be decoded: libgit2 then
    /// reads it and reports what is wrong as it always has.
    fn plain_index(&self) -> Option<&gix_index::State> {
        self.plain_index
            .get_or_init(|| {
                let path = match &self.index_file {
                    Some(path) => path.clone(),
                    None => self.repo.path().join("index"),
                };
                let bytes = std::fs::read(path).ok()?;
                let options = gix_index::decode::Options {
                    thread_limit: Some(1),
                    ..Default::default()
                };
                let (state, _) = gix_index::State::from_bytes(
                    &bytes,
                    filetime::FileTime::zero(),
                    gix_index::hash::Kind::Sha1,
                    options,
                )
                .ok()?;
                (state.link().is_none() && !state.is_sparse()).then(|| Box::new(state))
            })
            .as_deref()
    }

    fn with_index<T>(&self, f: impl FnOnce(&Index) -> Result<T, GitError>) -> Result<T, GitError> {
        let mut cached = self.index.borrow_mut();
        if cached.is_none() {
            let index = match &self.index_file {
                Some(path) => Index::open(path),
                None => self.repo.index(),
            };
            *cached = Some(index.map_err(|e| GitError::libgit2("read the index", &e))?);
        }
        match cached.as_ref() {
            Some(index) => f(index),
            None => Err(GitError::Libgit2 {
                operation: "read the index",
                message: "no index".to_owned(),
            }),
        }
    }

    /// The tree of `HEAD`, or `None` before the first commit.
    fn head_tree(&self) -> Result<Option<git2::Tree<'_>>, GitError> {
        match self.repo.head() {
            Ok(head) => head
                .peel_to_tree()
                .map(Some)
                .map_err(|e| GitError::libgit2("read the tree of HEAD", &e)),
            Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => Ok(None),
            Err(e) => Err(GitError::libgit2("read HEAD", &e)),
        }
    }

    fn tree_of(&self, rev: &str) -> Result<git2::Tree<'_>, GitError> {
        let unknown = || GitError::UnknownRevision {
            rev: rev.to_owned(),
        };
        let object = self.repo.revparse_single(rev).map_err(|e| match e.code() {
            ErrorCode::NotFound
            | ErrorCode::InvalidSpec
            | ErrorCode::Ambiguous
            | ErrorCode::UnbornBranch => unknown(),
            _ => GitError::libgit2("resolve a revision", &e),
        })?;
        object.peel_to_tree().map_err(|_| unknown())
    }

    fn find_commit(&self, id: ObjectId) -> Result<git2::Commit<'_>, GitError> {
        self.repo
            .find_commit(oid(id)?)
            .map_err(|e| GitError::libgit2("read a commit", &e))
    }

    fn find_tree(&self, id: Oid) -> Result<git2::Tree<'_>, GitError> {
        self.repo
            .find_tree(id)
            .map_err(|e| GitError::libgit2("read a tree", &e))
    }

    fn odb(&self) -> Result<git2::Odb<'_>, GitError> {
        self.repo
            .odb()
            .map_err(|e| GitError::libgit2("open the object database", &e))
    }

    /// Hands `visit` every non-tree entry of `tree` under `prefixes`, with its path.
    fn visit_tree(
        &self,
        tree: &git2::Tree<'_>,
        prefixes: &Prefixes,
        visit: &mut dyn FnMut(&str, &git2::TreeEntry<'_>),
    ) -> Result<(), GitError> {
        if prefixes.is_all() {
            return self.walk(tree, "", visit);
        }
        for prefix in prefixes.as_slice() {
            let entry = match tree.get_path(Path::new(prefix)) {
                Ok(entry) => entry,
                Err(e) if e.code() == ErrorCode::NotFound => continue,
                Err(e) => return Err(GitError::libgit2("look up a path in a tree", &e)),
            };
            if entry.kind() == Some(ObjectType::Tree) {
                let subtree = self.find_tree(entry.id())?;
                self.walk(&subtree, &format!("{prefix}/"), visit)?;
            } else {
                visit(prefix, &entry);
            }
        }
        Ok(())
    }

    /// Every non-tree entry below `tree`, paths prefixed with `base`. Names are
    /// read as bytes, so a directory whose name is not UTF-8 does not stop the walk.
    fn walk(
        &self,
        tree: &git2::Tree<'_>,
        base: &str,
        visit: &mut dyn FnMut(&str, &git2::TreeEntry<'_>),
    ) -> Result<(), GitError> {
        let mut pending = vec![(base.to_owned(), tree.clone())];
        let mut path = String::new();
        while let Some((base, tree)) = pending.pop() {
            for entry in tree.iter() {
                path.clear();
                path.push_str(&base);
                path.push_str(&String::from_utf8_lossy(entry.name_bytes()));
                if entry.kind() == Some(ObjectType::Tree) {
                    pending.push((format!("{path}/"), self.find_tree(entry.id())?));
                } else {
                    visit(&path, &entry);
                }
            }
        }
        Ok(())
    }
}

/// Applies the work-tree rules git follows when `GIT_DIR` or `GIT_WORK_TREE` is set.
fn set_work_tree(repo: &git2::Repository, cwd: &Path, env: &GitEnv) -> Result<(), GitError> {
    let set = |path: &Path| {
        repo.set_workdir(path, false)
            .map_err(|e| GitError::libgit2("use the work tree", &e))
    };
    if let Some(work_tree) = env.work_tree_from(cwd) {
        return set(&work_tree);
    }
    if env.git_dir.is_none() {
        return Ok(());
    }
    // `GIT_DIR` without `GIT_WORK_TREE`: core.worktree if set, bare if core.bare,
    // otherwise the current directory is the top of the work tree.
    let config = repo
        .config()
        .map_err(|e| GitError::libgit2("read the configuration", &e))?;
    if config.get_path("core.worktree").is_ok() || config.get_bool("core.bare").unwrap_or(false) {
        return Ok(());
    }
    set(cwd)
}

fn diff_options() -> DiffOptions {
    let mut options = DiffOptions::new();
    options.include_typechange(true);
    options
}

fn changes_of(mut diff: git2::Diff<'_>) -> Result<Vec<Change>, GitError> {
    let mut find = DiffFindOptions::new();
    find.renames(true);
    diff.find_similar(Some(&mut find))
        .map_err(|e| GitError::libgit2("detect renames", &e))?;
    let mut changes = Vec::new();
    for delta in diff.deltas() {
        let path_of = |file: git2::DiffFile<'_>| {
            file.path_bytes()
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .unwrap_or_default()
        };
        let (old, new) = (path_of(delta.old_file()), path_of(delta.new_file()));
        let status = match delta.status() {
            Delta::Added => ChangeStatus::Added,
            Delta::Deleted => ChangeStatus::Deleted,
            Delta::Modified => ChangeStatus::Modified,
            Delta::Renamed => ChangeStatus::Renamed,
            Delta::Copied => ChangeStatus::Copied,
            Delta::Typechange => ChangeStatus::TypeChanged,
            Delta::Conflicted => ChangeStatus::Unmerged,
            Delta::Unmodified | Delta::Ignored | Delta::Untracked | Delta::Unreadable => continue,
        };
        let change = match status {
            ChangeStatus::Renamed | ChangeStatus::Copied => Change {
                status,
                path: new,
                old_path: Some(old),
            },
            ChangeStatus::Deleted => Change {
                status,
                path: old,
                old_path: None,
            },
            _ => Change {
                status,
                path: if new.is_empty() { old } else { new },
                old_path: None,
            },
        };
        changes.push(change);
    }
    sort_changes(&mut changes);
    Ok(changes)
}

/// Hands `visit` the index entries under `prefixes` (not all of them), prefix
/// by prefix, until it returns false. The index is sorted by path: each
/// prefix starts at its first match and stops after its last.
fn visit_matching(index: &Index, prefixes: &Prefixes, visit: &mut dyn FnMut(Entry) -> bool) {
    for prefix in prefixes.as_slice() {
        let Ok(start) = index.find_prefix(prefix.as_str()) else {
            continue;
        };
        for position in start..index.len() {
            let Some(raw) = index.get(position) else {
                break;
            };
            if !raw.path.starts_with(prefix.as_bytes()) {
                break;
            }
            let entry = entry_of(raw);
            if prefixes.matches(&entry.path) && !visit(entry) {
                return;
            }
        }
    }
}

/// [`visit_matching`] over an index gix-index read.
fn visit_plain(
    state: &gix_index::State,
    prefixes: &Prefixes,
    visit: &mut dyn FnMut(Entry) -> bool,
) {
    let entries = state.entries();
    let plain_entry = |entry: &gix_index::Entry| Entry {
        path: utf8_path(entry.path(state).to_vec()),
        id: ObjectId::from_bytes(entry.id.as_bytes()).unwrap_or(ObjectId::Sha1([0; 20])),
        mode: entry.mode.bits(),
        stage: u8::try_from(entry.stage_raw()).unwrap_or(0),
    };
    if prefixes.is_all() {
        for entry in entries {
            if !visit(plain_entry(entry)) {
                return;
            }
        }
        return;
    }
    for prefix in prefixes.as_slice() {
        let prefix = prefix.as_bytes();
        let start = entries.partition_point(|entry| entry.path(state) < prefix);
        for entry in &entries[start..] {
            if !entry.path(state).starts_with(prefix) {
                break;
            }
            let entry = plain_entry(entry);
            if prefixes.matches(&entry.path) && !visit(entry) {
                return;
            }
        }
    }
}

/// A path as a string, lossily when it is not UTF-8.
fn utf8_path(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn entry_of(raw: git2::IndexEntry) -> Entry {
    Entry {
        path: utf8_path(raw.path),
        id: object_id(raw.id),
        mode: raw.mode,
        // GIT_INDEX_ENTRY_STAGEMASK (0x3000) >> GIT_INDEX_ENTRY_STAGESHIFT (12).
        stage: ((raw.flags >> 12) & 0x3) as u8,
    }
}

fn filemode(mode: i32) -> u32 {
    u32::try_from(mode).unwrap_or_default()
}

pub(crate) fn object_id(oid: Oid) -> ObjectId {
    ObjectId::from_bytes(oid.as_bytes()).unwrap_or(ObjectId::Sha1([0; 20]))
}

fn oid(id: ObjectId) -> Result<Oid, GitError> {
    match id {
        ObjectId::Sha1(bytes) => {
            Oid::from_bytes(&bytes).map_err(|_| GitError::ForeignObjectId { id })
        }
        ObjectId::Sha256(_) => Err(GitError::ForeignObjectId { id }),
    }
}
