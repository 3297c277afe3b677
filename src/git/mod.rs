//! The only module that talks to git: staged entries, blobs, trees and changed
//! paths, read through one of two backends. libgit2 is the default (in-process
//! and fast); the `git` CLI reads what libgit2 cannot (split and sparse
//! indexes, reftable refs, SHA-256 objects). In auto mode libgit2 is tried
//! first and the CLI takes over when libgit2 cannot open the repository or
//! read its index or objects. [`Snapshot`] puts the index, a revision, the
//! work tree or a plain directory behind one interface.
//!
//! Both backends see the same [`GitEnv`]: `GIT_DIR`, `GIT_WORK_TREE`,
//! `GIT_INDEX_FILE`, `GIT_OBJECT_DIRECTORY`, `GIT_ALTERNATE_OBJECT_DIRECTORIES`,
//! `GIT_CEILING_DIRECTORIES` and `GIT_DISCOVERY_ACROSS_FILESYSTEM`. Other
//! variables (`GIT_COMMON_DIR`, `GIT_NAMESPACE`) and replace refs are ignored.

mod cli;
mod entry;
mod env;
mod error;
mod hooks_dir;
mod libgit2;
mod object_id;
mod pathspec;
mod snapshot;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub use entry::{
    Change, ChangeStatus, Entry, EntryKind, MODE_EXECUTABLE, MODE_FILE, MODE_GITLINK, MODE_SYMLINK,
};
pub use env::GitEnv;
pub use error::GitError;
pub use hooks_dir::hooks_dir;
pub use object_id::{InvalidObjectId, ObjectId};
pub use snapshot::{Snapshot, SnapshotEntry, SnapshotKind};

use cli::CliRepo;
use libgit2::Libgit2Repo;
use pathspec::Prefixes;

/// Which backend to use: `Auto` tries libgit2 and falls back to the git CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum BackendChoice {
    #[default]
    Auto,
    Libgit2,
    Cli,
}

impl FromStr for BackendChoice {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(BackendChoice::Auto),
            "libgit2" => Ok(BackendChoice::Libgit2),
            "cli" | "git" => Ok(BackendChoice::Cli),
            other => Err(format!(
                "unknown git backend `{other}`: expected `auto`, `libgit2` or `cli`"
            )),
        }
    }
}

impl fmt::Display for BackendChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            BackendChoice::Auto => "auto",
            BackendChoice::Libgit2 => "libgit2",
            BackendChoice::Cli => "cli",
        })
    }
}

/// The backend an open repository uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Libgit2,
    Cli,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Backend::Libgit2 => "libgit2",
            Backend::Cli => "cli",
        })
    }
}

enum Inner {
    Libgit2(Libgit2Repo),
    Cli(CliRepo),
}

/// An open repository, its work tree and the index git hooks are meant to see.
pub struct Repository {
    inner: Inner,
    git_dir: PathBuf,
    workdir: Option<PathBuf>,
    fallback_reason: Option<String>,
}

impl Repository {
    /// Opens the repository the way git hooks expect: honours `GIT_DIR`,
    /// `GIT_WORK_TREE` and `GIT_INDEX_FILE` (the temporary index of
    /// `git commit -a` / `git commit <path>`), linked worktrees, and discovery
    /// from `cwd` upward.
    pub fn open(cwd: &Path, choice: BackendChoice) -> Result<Repository, GitError> {
        Self::open_with_env(cwd, choice, &GitEnv::from_process())
    }

    /// Like [`Repository::open`], with the git variables given instead of read
    /// from the process environment.
    pub fn open_with_env(
        cwd: &Path,
        choice: BackendChoice,
        env: &GitEnv,
    ) -> Result<Repository, GitError> {
        match choice {
            BackendChoice::Libgit2 => Ok(Self::from_libgit2(Libgit2Repo::open(cwd, env)?, None)),
            BackendChoice::Cli => Ok(Self::from_cli(CliRepo::open(cwd, env)?, None)),
            BackendChoice::Auto => Self::open_auto(cwd, env),
        }
    }

    fn open_auto(cwd: &Path, env: &GitEnv) -> Result<Repository, GitError> {
        let (libgit2_error, found_at) = match Libgit2Repo::open(cwd, env) {
            Ok(repo) => match repo.probe() {
                Ok(()) => return Ok(Self::from_libgit2(repo, None)),
                Err(error) => (error, Some(repo.git_dir().to_path_buf())),
            },
            Err(error) => (error, None),
        };
        let cli = CliRepo::open(cwd, env).and_then(|repo| repo.probe().map(|()| repo));
        match cli {
            Ok(repo) => Ok(Self::from_cli(repo, Some(libgit2_error.to_string()))),
            Err(GitError::NotARepository { .. })
                if matches!(libgit2_error, GitError::NotARepository { .. }) =>
            {
                Err(GitError::NotARepository {
                    path: cwd.to_path_buf(),
                })
            }
            Err(cli_error) => Err(GitError::Unreadable {
                path: found_at.unwrap_or_else(|| cwd.to_path_buf()),
                libgit2: error_detail(&libgit2_error),
                cli: error_detail(&cli_error),
            }),
        }
    }

    fn from_libgit2(repo: Libgit2Repo, fallback_reason: Option<String>) -> Repository {
        let git_dir = clean_path(repo.git_dir());
        let workdir = repo.workdir().map(clean_path);
        Repository {
            inner: Inner::Libgit2(repo),
            git_dir,
            workdir,
            fallback_reason,
        }
    }

    fn from_cli(repo: CliRepo, fallback_reason: Option<String>) -> Repository {
        let git_dir = clean_path(repo.git_dir());
        let workdir = repo.workdir().map(clean_path);
        Repository {
            inner: Inner::Cli(repo),
            git_dir,
            workdir,
            fallback_reason,
        }
    }

    pub fn backend(&self) -> Backend {
        match self.inner {
            Inner::Libgit2(_) => Backend::Libgit2,
            Inner::Cli(_) => Backend::Cli,
        }
    }

    /// In auto mode, why libgit2 was not used (its error, on one line).
    pub fn fallback_reason(&self) -> Option<&str> {
        self.fallback_reason.as_deref()
    }

    /// The top level of the work tree; `None` for a bare repository.
    pub fn workdir(&self) -> Option<&Path> {
        self.workdir.as_deref()
    }

    /// The git directory (`.git`, or `.git/worktrees/NAME` in a linked worktree).
    pub fn git_dir(&self) -> &Path {
        &self.git_dir
    }

    /// Index entries under `prefixes` (none, or `""`, means all), in index order.
    /// Conflicted paths appear once per stage (1 base, 2 ours, 3 theirs).
    pub fn index_entries(&self, prefixes: &[&str]) -> Result<Vec<Entry>, GitError> {
        let prefixes = Prefixes::new(prefixes);
        match &self.inner {
            Inner::Libgit2(repo) => repo.index_entries(&prefixes),
            Inner::Cli(repo) => repo.index_entries(&prefixes),
        }
    }

    /// Whether the index holds any entry under `prefixes`: [`Repository::index_entries`]
    /// without building the list.
    pub fn index_has_entries(&self, prefixes: &[&str]) -> Result<bool, GitError> {
        let prefixes = Prefixes::new(prefixes);
        match &self.inner {
            Inner::Libgit2(repo) => repo.index_has_entries(&prefixes),
            Inner::Cli(repo) => repo.index_entries(&prefixes).map(|e| !e.is_empty()),
        }
    }

    /// Entries of the tree of `rev` under `prefixes`, recursively (trees themselves omitted).
    pub fn tree_entries(&self, rev: &str, prefixes: &[&str]) -> Result<Vec<Entry>, GitError> {
        let prefixes = Prefixes::new(prefixes);
        match &self.inner {
            Inner::Libgit2(repo) => repo.tree_entries(rev, &prefixes),
            Inner::Cli(repo) => repo.tree_entries(rev, &prefixes),
        }
    }

    /// The contents of blobs, in the order of `ids`. Fails on a missing object or a non-blob.
    pub fn read_blobs(&self, ids: &[ObjectId]) -> Result<Vec<Vec<u8>>, GitError> {
        let mut blobs = Vec::with_capacity(ids.len());
        self.read_blobs_with(ids, &mut |_, blob| blobs.push(blob))?;
        Ok(blobs)
    }

    /// Like [`Repository::read_blobs`], handing each blob to `f` (with its
    /// position in `ids`) as soon as it is read, so that only one is held at a
    /// time. On an error, `f` has seen the blobs before it.
    pub fn read_blobs_with(
        &self,
        ids: &[ObjectId],
        f: &mut dyn FnMut(usize, Vec<u8>),
    ) -> Result<(), GitError> {
        match &self.inner {
            Inner::Libgit2(repo) => repo.read_blobs_with(ids, f),
            Inner::Cli(repo) => repo.read_blobs_with(ids, f),
        }
    }

    /// What a commit would change: the index against `HEAD` (against the empty
    /// tree before the first commit), renames detected.
    pub fn staged_changes(&self) -> Result<Vec<Change>, GitError> {
        match &self.inner {
            Inner::Libgit2(repo) => repo.staged_changes(),
            Inner::Cli(repo) => repo.staged_changes(),
        }
    }

    /// What a commit would change under `prefixes` (every path when empty):
    /// the paths [`Repository::staged_changes`] names there. With libgit2 the
    /// entries there alone are compared, without rename detection (a renamed
    /// file shows as added at its new path and deleted at its old one), and
    /// the rest of the tree and of the index is never read; the `git` command
    /// diffs the whole index in one process, which costs it less than listing
    /// both sides.
    pub fn staged_changes_under(&self, prefixes: &[&str]) -> Result<Vec<Change>, GitError> {
        match &self.inner {
            Inner::Libgit2(repo) => repo.staged_changes_under(&Prefixes::new(prefixes)),
            Inner::Cli(repo) => {
                let prefixes = Prefixes::new(prefixes);
                let mut changes = repo.staged_changes()?;
                changes.retain(|change| prefixes.matches(&change.path));
                Ok(changes)
            }
        }
    }

    /// What `git diff from...to` shows: from the merge base of `from` and `to` to `to`.
    pub fn range_changes(&self, from: &str, to: &str) -> Result<Vec<Change>, GitError> {
        match &self.inner {
            Inner::Libgit2(repo) => repo.range_changes(from, to),
            Inner::Cli(repo) => repo.range_changes(from, to),
        }
    }

    /// The commit a revision names (`HEAD`, a branch, a tag, `main~2`, an id).
    pub fn resolve_commit(&self, rev: &str) -> Result<ObjectId, GitError> {
        match &self.inner {
            Inner::Libgit2(repo) => repo.resolve_commit(rev),
            Inner::Cli(repo) => repo.resolve_commit(rev),
        }
    }

    /// The best common ancestor of two revisions.
    pub fn merge_base(&self, a: &str, b: &str) -> Result<ObjectId, GitError> {
        match &self.inner {
            Inner::Libgit2(repo) => repo.merge_base(a, b),
            Inner::Cli(repo) => repo.merge_base(a, b),
        }
    }

    /// A snapshot of this repository's index, work tree or a revision.
    pub fn snapshot(&self, kind: SnapshotKind) -> Result<Snapshot<'_>, GitError> {
        Snapshot::new(self, kind)
    }
}

impl fmt::Debug for Repository {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Repository")
            .field("backend", &self.backend())
            .field("git_dir", &self.git_dir)
            .field("workdir", &self.workdir)
            .finish()
    }
}

/// What went wrong in one backend, without repeating the path it was opened at.
fn error_detail(error: &GitError) -> String {
    match error {
        GitError::NotARepository { .. } => "not a git repository".to_owned(),
        other => other.to_string(),
    }
}

/// Resolves symbolic links and `..`, and drops the trailing `/` libgit2 adds, so
/// both backends report the same paths.
fn clean_path(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.components().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_choice_parses_its_names() {
        for choice in [
            BackendChoice::Auto,
            BackendChoice::Libgit2,
            BackendChoice::Cli,
        ] {
            assert_eq!(choice.to_string().parse::<BackendChoice>(), Ok(choice));
        }
        let error = "svn".parse::<BackendChoice>().unwrap_err();
        assert!(error.contains("`svn`"), "{error}");
    }
}
