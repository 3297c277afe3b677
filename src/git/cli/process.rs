//! Running git: a clean, stable environment for every command (English
//! messages, no pager, literal pathspecs, no replace objects, none of the
//! inherited variables migcheck sets itself) and one-line errors.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use crate::git::env::GitEnv;
use crate::git::error::{one_line, spawn_error, GitError};

/// Variables migcheck sets (or clears) itself for every git it runs.
pub(super) const MANAGED_VARIABLES: [&str; 7] = [
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_CEILING_DIRECTORIES",
    "GIT_DISCOVERY_ACROSS_FILESYSTEM",
];

/// A git that finds its repository from `cwd` and the environment, as at open time.
pub(super) fn discovery_command(cwd: &Path, env: &GitEnv) -> Command {
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
pub(super) fn base_command() -> Command {
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

pub(super) fn run(mut command: Command, args: &[&str]) -> Result<Vec<u8>, GitError> {
    let output = command
        .output()
        .map_err(|source| spawn_error(command_line(args), source))?;
    checked(output, args)
}

pub(super) fn checked(output: Output, args: &[&str]) -> Result<Vec<u8>, GitError> {
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

pub(super) fn finish(mut child: Child, args: &[&str]) -> Result<(), GitError> {
    let mut stderr = Vec::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_end(&mut stderr);
    }
    let status = child
        .wait()
        .map_err(|source| spawn_error(command_line(args), source))?;
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

/// How a command is named in messages: `git` and its arguments.
pub(super) fn command_line(args: &[&str]) -> String {
    format!("git {}", args.join(" "))
}
