//! The errors of the git module. Each message is one line that names the
//! repository, the revision, the object or the git command involved.

use std::io;
use std::path::PathBuf;

use super::object_id::ObjectId;

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// Neither backend found a repository from the starting directory.
    #[error("not a git repository (or any of its parent directories): {}", path.display())]
    NotARepository { path: PathBuf },

    /// A repository was found but neither backend can read it.
    #[error("cannot read the git repository at {}: libgit2: {libgit2}; git: {cli}", path.display())]
    Unreadable {
        path: PathBuf,
        libgit2: String,
        cli: String,
    },

    /// libgit2 failed; `operation` says what it was asked to do.
    #[error("libgit2 could not {operation}: {message}")]
    Libgit2 {
        operation: &'static str,
        message: String,
    },

    /// The `git` program is not installed or not on `PATH`.
    #[error("could not run `{command}`: the `git` program was not found on PATH")]
    GitNotFound { command: String },

    /// The `git` program could not be started.
    #[error("could not run `{command}`: {source}")]
    Spawn {
        command: String,
        #[source]
        source: io::Error,
    },

    /// A `git` command exited with an error; `message` is its first line of stderr.
    #[error("`{command}` failed: {message}")]
    Command { command: String, message: String },

    /// A `git` command printed something migcheck does not understand.
    #[error("unexpected output from `{command}`: {detail}")]
    Output { command: String, detail: String },

    #[error("`{rev}` does not name a commit in this repository")]
    UnknownRevision { rev: String },

    #[error("`{a}` and `{b}` have no common ancestor")]
    NoMergeBase { a: String, b: String },

    #[error("object {id} is missing from the repository")]
    ObjectMissing { id: ObjectId },

    #[error("object {id} is a {kind}, not a blob")]
    NotABlob { id: ObjectId, kind: String },

    #[error("object id {id} does not use this repository's hash format")]
    ForeignObjectId { id: ObjectId },

    #[error("the repository at {} has no work tree", git_dir.display())]
    NoWorkTree { git_dir: PathBuf },

    #[error("`{path}` is a submodule (gitlink): it has no content to read")]
    Gitlink { path: String },

    #[error("`{path}` has unresolved merge conflicts in the index")]
    Unmerged { path: String },

    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl GitError {
    pub(crate) fn libgit2(operation: &'static str, error: &git2::Error) -> GitError {
        GitError::Libgit2 {
            operation,
            message: one_line(error.message()),
        }
    }
}

/// The error for a `git` process that could not be started.
pub(crate) fn spawn_error(command: String, source: io::Error) -> GitError {
    if source.kind() == io::ErrorKind::NotFound {
        GitError::GitNotFound { command }
    } else {
        GitError::Spawn { command, source }
    }
}

/// The first non-empty line of a message, trimmed, so every error stays on one line.
pub(crate) fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("no message")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_repository_message_is_one_line() {
        let error = GitError::Unreadable {
            path: PathBuf::from("/repo/.git"),
            libgit2: one_line("unsupported mandatory extension: 'link'\n"),
            cli: one_line("\nfatal: bad index file\nmore detail\n"),
        };
        let message = error.to_string();
        assert!(!message.contains('\n'), "{message}");
        assert_eq!(
            message,
            "cannot read the git repository at /repo/.git: libgit2: unsupported mandatory \
             extension: 'link'; git: fatal: bad index file"
        );
    }
}
