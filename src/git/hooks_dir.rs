//! Where git looks for hooks: `core.hooksPath` when set (a relative path is
//! taken from the top of the work tree, where git runs hooks), else the
//! `hooks` folder of the common git directory, which linked worktrees share.
//! git itself answers (`git rev-parse --git-path hooks`), so every rule git
//! applies (`~` expansion, worktree configuration, `GIT_DIR`) is the same.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::error::{one_line, spawn_error, GitError};

/// The absolute folder git runs the hooks of the repository around `dir` from.
pub fn hooks_dir(dir: &Path) -> Result<PathBuf, GitError> {
    let args = ["rev-parse", "--path-format=absolute", "--git-path", "hooks"];
    let command_line = format!("git {}", args.join(" "));
    let output = Command::new("git")
        .current_dir(dir)
        .env("LC_ALL", "C")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(Stdio::null())
        .args(args)
        .output()
        .map_err(|source| spawn_error(command_line.clone(), source))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.contains("not a git repository") {
            return Err(GitError::NotARepository {
                path: dir.to_path_buf(),
            });
        }
        return Err(GitError::Command {
            command: command_line,
            message: one_line(&stderr),
        });
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let path = text.trim_end_matches(['\n', '\r']);
    if path.is_empty() {
        return Err(GitError::Output {
            command: command_line,
            detail: "no path".to_owned(),
        });
    }
    Ok(PathBuf::from(path))
}
