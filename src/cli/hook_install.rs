//! `migcheck hook install` and `migcheck hook uninstall`: find the folder git
//! runs hooks from, install or remove migcheck's hooks there (see
//! [`crate::hooks`]), and say what changed, file by file.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::hooks::{self, HookName, InstallAction, UninstallAction};

use super::args::{GlobalArgs, HookTargetArgs, HookType, InstallArgs};
use super::output::Output;
use super::ExitStatus;

pub fn install(global: &GlobalArgs, args: &InstallArgs) -> Result<ExitStatus> {
    if args.uninstall {
        return uninstall(global, &args.target);
    }
    let dir = hooks_dir(global, &args.target)?;
    let binary = std::env::current_exe().context("cannot find the path of this migcheck binary")?;
    let changes = hooks::install(&dir, &selected(&args.target), &binary)?;
    let mut text = String::new();
    for change in &changes {
        let path = change.path.display();
        match &change.action {
            InstallAction::Created => text.push_str(&format!("installed {path}\n")),
            InstallAction::Chained { kept_as } => text.push_str(&format!(
                "installed {path}; the hook that was there is kept as {} and still runs first\n",
                kept_as.display()
            )),
            InstallAction::Updated { diff } => {
                text.push_str(&format!("updated {path}:\n{diff}"));
                if !diff.ends_with('\n') {
                    text.push('\n');
                }
            }
            InstallAction::Unchanged => text.push_str(&format!("{path} is up to date\n")),
        }
    }
    text.push_str(&format!(
        "The hooks run {}; `migcheck hook uninstall` removes them.\n",
        binary.display()
    ));
    Output::stdout(global.color)
        .write(&text)
        .context("cannot write the report")?;
    Ok(ExitStatus::Success)
}

pub fn uninstall(global: &GlobalArgs, args: &HookTargetArgs) -> Result<ExitStatus> {
    let dir = hooks_dir(global, args)?;
    let changes = hooks::uninstall(&dir, &selected(args))?;
    let mut text = String::new();
    for change in &changes {
        let path = change.path.display();
        text.push_str(&match change.action {
            UninstallAction::Removed => format!("removed {path}\n"),
            UninstallAction::Restored => {
                format!("removed migcheck's hook; {path} is the hook that was there before\n")
            }
            UninstallAction::NotInstalled => format!("{path}: no migcheck hook installed\n"),
            UninstallAction::NotOurs => {
                format!("{path} is not migcheck's hook; left as it is\n")
            }
        });
    }
    Output::stdout(global.color)
        .write(&text)
        .context("cannot write the report")?;
    Ok(ExitStatus::Success)
}

fn selected(args: &HookTargetArgs) -> Vec<HookName> {
    if args.hook_types.is_empty() {
        return HookName::ALL.to_vec();
    }
    let mut hooks: Vec<HookName> = args
        .hook_types
        .iter()
        .map(|t| match t {
            HookType::PreCommit => HookName::PreCommit,
            HookType::PostCheckout => HookName::PostCheckout,
            HookType::PostMerge => HookName::PostMerge,
        })
        .collect();
    hooks.sort();
    hooks.dedup();
    hooks
}

/// The hooks folder of `--repo`, else of `-C`, else of the current directory.
fn hooks_dir(global: &GlobalArgs, args: &HookTargetArgs) -> Result<PathBuf> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let base = global
        .directory
        .as_deref()
        .map_or(cwd.clone(), |d| cwd.join(d));
    let dir = match &args.repo {
        Some(repo) => base.join(repo),
        None => base,
    };
    crate::git::hooks_dir(&dir)
        .with_context(|| format!("cannot find the hooks folder of {}", display(&dir)))
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
