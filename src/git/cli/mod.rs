//! The git CLI backend: plumbing commands with NUL-separated output. It reads
//! every repository the installed git reads (split and sparse indexes,
//! reftable, SHA-256), at the price of a process per call; blobs come from one
//! `git cat-file --batch` process per batch.

mod output;
mod process;

use std::ffi::OsString;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::entry::{sort_entries, Change, Entry};
use super::env::GitEnv;
use super::error::{spawn_error, GitError};
use super::object_id::ObjectId;
use super::pathspec::Prefixes;
use output::{
    bad_record, parse_id, parse_ls_files, parse_ls_tree, parse_name_status, path_from_bytes,
    read_batch, trim_newline,
};
use process::{base_command, checked, command_line, discovery_command, finish, run};

const EMPTY_TREE_SHA1: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
const EMPTY_TREE_SHA256: &str = "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321";

pub(crate) struct CliRepo {
    git_dir: PathBuf,
    workdir: Option<PathBuf>,
    index_file: Option<PathBuf>,
    object_directories: (Option<PathBuf>, Vec<PathBuf>),
    sha256: bool,
}

impl CliRepo {
    /// Asks git which repository `cwd` and the environment name.
    pub(crate) fn open(cwd: &Path, env: &GitEnv) -> Result<CliRepo, GitError> {
        let args = [
            "rev-parse",
            "--absolute-git-dir",
            "--is-bare-repository",
            "--show-object-format",
        ];
        let mut command = discovery_command(cwd, env);
        command.args(args);
        let output = run(command, &args).map_err(|e| match e {
            GitError::Command { message, .. } if message.contains("not a git repository") => {
                GitError::NotARepository {
                    path: cwd.to_path_buf(),
                }
            }
            other => other,
        })?;
        let mut lines = output.split(|&b| b == b'\n');
        let (Some(git_dir), Some(bare), Some(format)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(GitError::Output {
                command: command_line(&args),
                detail: "expected the git directory, bareness and object format".to_owned(),
            });
        };
        let git_dir = path_from_bytes(git_dir);
        let workdir = if bare == b"true" {
            None
        } else {
            let args = ["rev-parse", "--show-toplevel"];
            let mut command = discovery_command(cwd, env);
            command.args(args);
            // Inside the git directory of a non-bare repository there is no top level.
            run(command, &args)
                .ok()
                .map(|out| path_from_bytes(trim_newline(&out)))
        };
        let index_file = env.index_file_from(workdir.as_deref(), cwd);
        Ok(CliRepo {
            git_dir,
            workdir,
            index_file,
            object_directories: (
                env.object_directory.as_ref().map(|p| cwd.join(p)),
                env.alternate_object_directories
                    .iter()
                    .map(|p| cwd.join(p))
                    .collect(),
            ),
            sha256: format == b"sha256",
        })
    }

    /// Reads the index and the tree of `HEAD`, as `Libgit2Repo::probe` does.
    pub(crate) fn probe(&self) -> Result<(), GitError> {
        if self.workdir.is_some() || self.index_file.is_some() {
            // A path no index can hold: git parses and checks the whole index, prints nothing.
            self.run(&["ls-files", "-z", "--", ".git/migcheck-probe"])?;
        }
        self.verify("HEAD^{tree}").map(|_| ())
    }

    pub(crate) fn git_dir(&self) -> &Path {
        &self.git_dir
    }

    pub(crate) fn workdir(&self) -> Option<&Path> {
        self.workdir.as_deref()
    }

    pub(crate) fn index_entries(&self, prefixes: &Prefixes) -> Result<Vec<Entry>, GitError> {
        if prefixes.is_none() {
            return Ok(Vec::new());
        }
        let mut args = vec!["ls-files", "--stage", "-z", "--full-name", "--"];
        args.extend(prefixes.as_slice().iter().map(String::as_str));
        let output = self.run(&args)?;
        let mut entries = parse_ls_files(&output, &args)?;
        entries.retain(|e| prefixes.matches(&e.path));
        sort_entries(&mut entries);
        Ok(entries)
    }

    pub(crate) fn tree_entries(
        &self,
        rev: &str,
        prefixes: &Prefixes,
    ) -> Result<Vec<Entry>, GitError> {
        let tree = self
            .verify(&format!("{rev}^{{tree}}"))?
            .ok_or_else(|| GitError::UnknownRevision {
                rev: rev.to_owned(),
            })?
            .to_string();
        if prefixes.is_none() {
            return Ok(Vec::new());
        }
        let mut args = vec!["ls-tree", "-r", "-z", "--full-tree", tree.as_str(), "--"];
        args.extend(prefixes.as_slice().iter().map(String::as_str));
        let output = self.run(&args)?;
        let mut entries = parse_ls_tree(&output, &args)?;
        entries.retain(|e| prefixes.matches(&e.path));
        sort_entries(&mut entries);
        Ok(entries)
    }

    /// Reads all blobs through one `git cat-file --batch` process.
    /// Hands each blob to `f` as `git cat-file --batch` prints it, with its position in `ids`.
    pub(crate) fn read_blobs_with(
        &self,
        ids: &[ObjectId],
        f: &mut dyn FnMut(usize, Vec<u8>),
    ) -> Result<(), GitError> {
        if ids.is_empty() {
            return Ok(());
        }
        let args = ["cat-file", "--batch", "--buffer"];
        let mut command = self.command(&args);
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .map_err(|source| spawn_error(command_line(&args), source))?;
        let mut input = String::with_capacity(ids.len() * 65);
        for id in ids {
            input.push_str(&id.to_string());
            input.push('\n');
        }
        // Write from another thread so a full stdout pipe cannot block the writer.
        let writer = child.stdin.take().map(|mut stdin| {
            std::thread::spawn(move || {
                // An early exit of git shows up as a read error below.
                let _ = stdin.write_all(input.as_bytes());
            })
        });
        let result = match child.stdout.take() {
            Some(stdout) => read_batch(BufReader::with_capacity(1 << 16, stdout), ids, &args, f),
            None => Err(GitError::Output {
                command: command_line(&args),
                detail: "no output pipe".to_owned(),
            }),
        };
        if result.is_err() {
            let _ = child.kill();
        }
        if let Some(writer) = writer {
            let _ = writer.join();
        }
        let status = finish(child, &args);
        match (result, status) {
            (Ok(()), Ok(())) => Ok(()),
            // When git died, its own message says more than the truncated output.
            (Err(GitError::Output { .. }), Err(error)) => Err(error),
            (Err(error), _) | (Ok(_), Err(error)) => Err(error),
        }
    }

    pub(crate) fn staged_changes(&self) -> Result<Vec<Change>, GitError> {
        let base = match self.verify("HEAD^{tree}")? {
            Some(tree) => tree.to_string(),
            None => self.empty_tree().to_owned(),
        };
        let args = [
            "diff-index",
            "--cached",
            "-r",
            "-z",
            "--name-status",
            "-M",
            base.as_str(),
            "--",
        ];
        parse_name_status(&self.run(&args)?, &args)
    }

    pub(crate) fn range_changes(&self, from: &str, to: &str) -> Result<Vec<Change>, GitError> {
        let base = self.merge_base(from, to)?.to_string();
        let to = self.resolve_commit(to)?.to_string();
        let args = [
            "diff-tree",
            "-r",
            "-z",
            "--name-status",
            "-M",
            base.as_str(),
            to.as_str(),
            "--",
        ];
        parse_name_status(&self.run(&args)?, &args)
    }

    pub(crate) fn resolve_commit(&self, rev: &str) -> Result<ObjectId, GitError> {
        self.verify(&format!("{rev}^{{commit}}"))?
            .ok_or_else(|| GitError::UnknownRevision {
                rev: rev.to_owned(),
            })
    }

    pub(crate) fn merge_base(&self, a: &str, b: &str) -> Result<ObjectId, GitError> {
        let one = self.resolve_commit(a)?.to_string();
        let two = self.resolve_commit(b)?.to_string();
        let args = ["merge-base", one.as_str(), two.as_str()];
        let output = self.command(&args).output();
        let output = output.map_err(|source| spawn_error(command_line(&args), source))?;
        if output.status.code() == Some(1) && output.stdout.is_empty() {
            return Err(GitError::NoMergeBase {
                a: a.to_owned(),
                b: b.to_owned(),
            });
        }
        let stdout = checked(output, &args)?;
        parse_id(trim_newline(&stdout)).ok_or_else(|| bad_record(&args, &stdout))
    }

    /// `git rev-parse --verify --quiet`: `None` when the name resolves to nothing.
    fn verify(&self, name: &str) -> Result<Option<ObjectId>, GitError> {
        let args = ["rev-parse", "--verify", "--quiet", "--end-of-options", name];
        let output = self.command(&args).output();
        let output = output.map_err(|source| spawn_error(command_line(&args), source))?;
        if output.status.code() == Some(1) && output.stdout.is_empty() {
            return Ok(None);
        }
        let stdout = checked(output, &args)?;
        parse_id(trim_newline(&stdout))
            .map(Some)
            .ok_or_else(|| bad_record(&args, &stdout))
    }

    fn empty_tree(&self) -> &'static str {
        if self.sha256 {
            EMPTY_TREE_SHA256
        } else {
            EMPTY_TREE_SHA1
        }
    }

    fn run(&self, args: &[&str]) -> Result<Vec<u8>, GitError> {
        run(self.command(args), args)
    }

    /// A git command pinned to this repository, work tree and index.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = base_command();
        let mut git_dir = OsString::from("--git-dir=");
        git_dir.push(&self.git_dir);
        command.arg(git_dir);
        if let Some(workdir) = &self.workdir {
            let mut work_tree = OsString::from("--work-tree=");
            work_tree.push(workdir);
            command.arg(work_tree).current_dir(workdir);
        } else {
            command.current_dir(&self.git_dir);
        }
        if let Some(index) = &self.index_file {
            command.env("GIT_INDEX_FILE", index);
        }
        let (objects, alternates) = &self.object_directories;
        if let Some(objects) = objects {
            command.env("GIT_OBJECT_DIRECTORY", objects);
        }
        if !alternates.is_empty() {
            if let Ok(joined) = std::env::join_paths(alternates) {
                command.env("GIT_ALTERNATE_OBJECT_DIRECTORIES", joined);
            }
        }
        command.args(args);
        command
    }
}
