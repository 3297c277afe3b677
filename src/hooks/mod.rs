//! Git hooks that run migcheck, installed without losing the hooks a
//! repository already has: an existing hook is kept beside the new one and
//! still runs first (its exit status still counts), installing twice changes
//! nothing, and uninstalling puts back exactly what was there (the same file,
//! moved back, so its bytes and mode are unchanged). The installed script
//! names the absolute path of the migcheck binary that installed it, because
//! git clients started from a desktop often have no useful `PATH`.
//!
//! This module only reads and writes files in the hooks folder it is given;
//! finding that folder (`core.hooksPath`, linked worktrees) is
//! [`crate::git::hooks_dir`]'s job.

mod install;
mod script;

use std::fmt;
use std::path::PathBuf;

pub use install::{install, uninstall, HookChange, InstallAction, UninstallAction};
pub use script::{chained_name, render_script, ScriptInfo, MARKER};

/// The hooks migcheck installs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HookName {
    /// Checks what is staged; blocks the commit on errors.
    PreCommit,
    /// After a branch switch: says when the migration heads moved.
    PostCheckout,
    /// After a merge or pull: says when the migration heads moved.
    PostMerge,
}

impl HookName {
    pub const ALL: [HookName; 3] = [
        HookName::PreCommit,
        HookName::PostCheckout,
        HookName::PostMerge,
    ];

    /// The file name git runs, which is also the `migcheck hook` subcommand.
    pub fn as_str(self) -> &'static str {
        match self {
            HookName::PreCommit => "pre-commit",
            HookName::PostCheckout => "post-checkout",
            HookName::PostMerge => "post-merge",
        }
    }

    /// Whether a failure of this hook stops what git is doing.
    pub fn blocks(self) -> bool {
        self == HookName::PreCommit
    }
}

impl fmt::Display for HookName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a hook could not be installed or removed. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum HookError {
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// A hook that is not migcheck's already has a kept copy beside it:
    /// moving it there would overwrite the older hook.
    #[error(
        "{} is not migcheck's hook and {} already exists; move one of them away, then install again",
        hook.display(),
        chained.display()
    )]
    ChainedExists { hook: PathBuf, chained: PathBuf },
    /// A kept hook without migcheck's hook in front of it: git no longer
    /// runs it, and re-installing would start running it again unasked.
    #[error(
        "{} was kept by an earlier install, but {} is gone; rename it back to {} (or delete it), then install again",
        chained.display(),
        hook.display(),
        hook.display()
    )]
    OrphanedChained { hook: PathBuf, chained: PathBuf },
    #[error("{} is a directory, not a hook", path.display())]
    IsADirectory { path: PathBuf },
    #[error("the path of the migcheck binary {} is not valid UTF-8", path.display())]
    BinaryPathNotUtf8 { path: PathBuf },
}
