//! The git CLI backend: plumbing commands with NUL-separated output. It reads
//! every repository the installed git reads (split and sparse indexes,
//! reftable, SHA-256), at the price of a process per call; blobs come from one
//! `git cat-file --batch` process per batch.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use super::entry::{sort_changes, sort_entries, Change, ChangeStatus, Entry};
use super::env::GitEnv;
use super::error::{one_line, GitError};
use super::object_id::ObjectId;
use super::pathspec::Prefixes;

const EMPTY_TREE_SHA1: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
const EMPTY_TREE_SHA256: &str = "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321";

/// Variables migcheck sets (or clears) itself for every git it runs.
const MANAGED_VARIABLES: [&str; 7] = [
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_CEILING_DIRECTORIES",
    "GIT_DISCOVERY_ACROSS_FILESYSTEM",
];

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
        let mut entries = Vec::new();
        for record in records(&output) {
            // <mode> SP <object> SP <stage> TAB <path>
            let parsed = split_tab(record).and_then(|(meta, path)| {
                let mut fields = meta.split(|&b| b == b' ');
                let mode = parse_mode(fields.next()?)?;
                let id = parse_id(fields.next()?)?;
                let stage = std::str::from_utf8(fields.next()?).ok()?.parse().ok()?;
                Some(Entry {
                    path: lossy(path),
                    id,
                    mode,
                    stage,
                })
            });
            let entry = parsed.ok_or_else(|| bad_record(&args, record))?;
            if prefixes.matches(&entry.path) {
                entries.push(entry);
            }
        }
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
        let mut entries = Vec::new();
        for record in records(&output) {
            // <mode> SP <type> SP <object> TAB <path>
            let parsed = split_tab(record).and_then(|(meta, path)| {
                let mut fields = meta.split(|&b| b == b' ');
                let mode = parse_mode(fields.next()?)?;
                let id = parse_id(fields.nth(1)?)?;
                Some(Entry {
                    path: lossy(path),
                    id,
                    mode,
                    stage: 0,
                })
            });
            let entry = parsed.ok_or_else(|| bad_record(&args, record))?;
            if prefixes.matches(&entry.path) {
                entries.push(entry);
            }
        }
        sort_entries(&mut entries);
        Ok(entries)
    }

    /// Reads all blobs through one `git cat-file --batch` process.
    pub(crate) fn read_blobs(&self, ids: &[ObjectId]) -> Result<Vec<Vec<u8>>, GitError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let args = ["cat-file", "--batch", "--buffer"];
        let mut command = self.command(&args);
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().map_err(|source| GitError::Spawn {
            command: command_line(&args),
            source,
        })?;
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
            Some(stdout) => read_batch(BufReader::with_capacity(1 << 16, stdout), ids, &args),
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
            (Ok(blobs), Ok(())) => Ok(blobs),
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
        let output = output.map_err(|source| GitError::Spawn {
            command: command_line(&args),
            source,
        })?;
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
        let output = output.map_err(|source| GitError::Spawn {
            command: command_line(&args),
            source,
        })?;
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

/// A git that finds its repository from `cwd` and the environment, as at open time.
fn discovery_command(cwd: &Path, env: &GitEnv) -> Command {
    let mut command = base_command();
    command.current_dir(cwd);
    let pairs = [
        ("GIT_DIR", env.git_dir.clone()),
        ("GIT_WORK_TREE", env.work_tree.clone()),
        ("GIT_OBJECT_DIRECTORY", env.object_directory.clone()),
    ];
    for (name, value) in pairs {
        if let Some(value) = value {
            command.env(name, value);
        }
    }
    if let Ok(joined) = std::env::join_paths(&env.ceiling_directories) {
        if !env.ceiling_directories.is_empty() {
            command.env("GIT_CEILING_DIRECTORIES", joined);
        }
    }
    if env.across_filesystem {
        command.env("GIT_DISCOVERY_ACROSS_FILESYSTEM", "1");
    }
    command
}

/// git with stable, English, non-interactive behaviour and none of the inherited
/// variables that migcheck sets itself.
fn base_command() -> Command {
    let mut command = Command::new("git");
    for name in MANAGED_VARIABLES {
        command.env_remove(name);
    }
    command
        .env("LC_ALL", "C")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("GIT_TERMINAL_PROMPT", "0")
        .args(["--no-pager", "--literal-pathspecs", "--no-replace-objects"])
        .stdin(Stdio::null());
    command
}

fn run(mut command: Command, args: &[&str]) -> Result<Vec<u8>, GitError> {
    let output = command.output().map_err(|source| GitError::Spawn {
        command: command_line(args),
        source,
    })?;
    checked(output, args)
}

fn checked(output: Output, args: &[&str]) -> Result<Vec<u8>, GitError> {
    if output.status.success() {
        return Ok(output.stdout);
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let message = if stderr.trim().is_empty() {
        format!("git exited with {}", output.status)
    } else {
        one_line(&stderr)
    };
    Err(GitError::Command {
        command: command_line(args),
        message,
    })
}

fn finish(mut child: Child, args: &[&str]) -> Result<(), GitError> {
    let mut stderr = Vec::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_end(&mut stderr);
    }
    let status = child.wait().map_err(|source| GitError::Spawn {
        command: command_line(args),
        source,
    })?;
    checked(
        Output {
            status,
            stdout: Vec::new(),
            stderr,
        },
        args,
    )
    .map(|_| ())
}

/// Reads `<id> <type> <size>\n<content>\n` (or `<id> missing\n`) once per id.
fn read_batch(
    mut reader: impl BufRead,
    ids: &[ObjectId],
    args: &[&str],
) -> Result<Vec<Vec<u8>>, GitError> {
    let truncated = || GitError::Output {
        command: command_line(args),
        detail: "the output ended early".to_owned(),
    };
    let mut blobs = Vec::with_capacity(ids.len());
    let mut header = Vec::new();
    for &id in ids {
        header.clear();
        let read = reader
            .read_until(b'\n', &mut header)
            .map_err(|_| truncated())?;
        if read == 0 {
            return Err(truncated());
        }
        let line = trim_newline(&header);
        let mut fields = line.split(|&b| b == b' ');
        let (_, kind, size) = (fields.next(), fields.next(), fields.next());
        let Some(size) = size.and_then(|s| std::str::from_utf8(s).ok()?.parse::<usize>().ok())
        else {
            return Err(match kind {
                Some(b"missing") => GitError::ObjectMissing { id },
                _ => bad_record(args, line),
            });
        };
        let mut content = vec![0; size];
        reader.read_exact(&mut content).map_err(|_| truncated())?;
        let mut newline = [0u8; 1];
        reader.read_exact(&mut newline).map_err(|_| truncated())?;
        if kind != Some(b"blob") {
            return Err(GitError::NotABlob {
                id,
                kind: lossy(kind.unwrap_or_default()),
            });
        }
        blobs.push(content);
    }
    Ok(blobs)
}

/// Parses `--name-status -z`: a status, then one path, or two for renames and copies.
fn parse_name_status(output: &[u8], args: &[&str]) -> Result<Vec<Change>, GitError> {
    let mut fields = records(output);
    let mut changes = Vec::new();
    while let Some(status) = fields.next() {
        let status_text = String::from_utf8_lossy(status);
        let status =
            ChangeStatus::from_letters(&status_text).ok_or_else(|| bad_record(args, status))?;
        let first = fields
            .next()
            .ok_or_else(|| bad_record(args, status_text.as_bytes()))?;
        let change = if matches!(status, ChangeStatus::Renamed | ChangeStatus::Copied) {
            let second = fields.next().ok_or_else(|| bad_record(args, first))?;
            Change {
                status,
                path: lossy(second),
                old_path: Some(lossy(first)),
            }
        } else {
            Change {
                status,
                path: lossy(first),
                old_path: None,
            }
        };
        changes.push(change);
    }
    sort_changes(&mut changes);
    Ok(changes)
}

/// NUL-terminated records, without the empty one after the last NUL.
fn records(output: &[u8]) -> impl Iterator<Item = &[u8]> {
    output.split(|&b| b == 0).filter(|r| !r.is_empty())
}

fn split_tab(record: &[u8]) -> Option<(&[u8], &[u8])> {
    let tab = record.iter().position(|&b| b == b'\t')?;
    Some((&record[..tab], &record[tab + 1..]))
}

fn parse_mode(field: &[u8]) -> Option<u32> {
    u32::from_str_radix(std::str::from_utf8(field).ok()?, 8).ok()
}

fn parse_id(field: &[u8]) -> Option<ObjectId> {
    ObjectId::from_hex(std::str::from_utf8(field).ok()?).ok()
}

fn trim_newline(bytes: &[u8]) -> &[u8] {
    bytes.strip_suffix(b"\n").unwrap_or(bytes)
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn bad_record(args: &[&str], record: &[u8]) -> GitError {
    GitError::Output {
        command: command_line(args),
        detail: format!(
            "cannot parse `{}`",
            String::from_utf8_lossy(record).escape_debug()
        ),
    }
}

fn command_line(args: &[&str]) -> String {
    format!("git {}", args.join(" "))
}

#[cfg(unix)]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARGS: [&str; 1] = ["test"];

    #[test]
    fn name_status_reads_renames_with_scores() {
        let output = b"M\0b.py\0R086\0old.py\0new.py\0A\0c.py\0";
        let changes = parse_name_status(output, &ARGS).unwrap();
        assert_eq!(changes.len(), 3);
        assert_eq!(changes[2].status, ChangeStatus::Renamed);
        assert_eq!(changes[2].path, "new.py");
        assert_eq!(changes[2].old_path.as_deref(), Some("old.py"));
    }

    #[test]
    fn truncated_name_status_is_an_error() {
        let error = parse_name_status(b"R100\0only-one\0", &ARGS).unwrap_err();
        assert!(matches!(error, GitError::Output { .. }), "{error}");
        let error = parse_name_status(b"Z\0x\0", &ARGS).unwrap_err();
        assert!(error.to_string().contains("cannot parse `Z`"), "{error}");
    }

    #[test]
    fn batch_output_is_split_by_sizes_not_by_lines() {
        let id = ObjectId::from_hex(EMPTY_TREE_SHA1).unwrap();
        let output = format!("{id} blob 5\na\nb\0c\n{id} blob 0\n\n");
        let blobs = read_batch(output.as_bytes(), &[id, id], &ARGS).unwrap();
        assert_eq!(blobs, [b"a\nb\0c".to_vec(), Vec::new()]);
    }

    #[test]
    fn batch_reports_missing_and_non_blob_objects() {
        let id = ObjectId::from_hex(EMPTY_TREE_SHA1).unwrap();
        let missing = format!("{id} missing\n");
        let error = read_batch(missing.as_bytes(), &[id], &ARGS).unwrap_err();
        assert!(matches!(error, GitError::ObjectMissing { .. }), "{error}");
        let tree = format!("{id} tree 0\n\n");
        let error = read_batch(tree.as_bytes(), &[id], &ARGS).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("object {id} is a tree, not a blob")
        );
        let error = read_batch(&b""[..], &[id], &ARGS).unwrap_err();
        assert!(error.to_string().contains("ended early"), "{error}");
    }
}
