//! Installing and removing migcheck's hooks in one hooks folder. An existing
//! hook is moved aside (a rename: same bytes, same mode, same inode) and run
//! by migcheck's script; uninstalling moves it back. Nothing is written when
//! the installed script is already what it should be.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use similar::TextDiff;

use super::script::{chained_name, render_script, ScriptInfo};
use super::{HookError, HookName};

/// What installing did to one hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstallAction {
    /// There was no hook; migcheck's is new.
    Created,
    /// There was a hook; it was kept as `kept_as` and runs before migcheck.
    Chained { kept_as: PathBuf },
    /// migcheck's hook was there with other content (another binary, an older
    /// script); `diff` is the unified diff of the change.
    Updated { diff: String },
    /// migcheck's hook was there as it should be; nothing was written.
    Unchanged,
}

/// What uninstalling did to one hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UninstallAction {
    /// migcheck's hook was removed; there was nothing before it.
    Removed,
    /// migcheck's hook was removed and the earlier hook put back.
    Restored,
    /// No migcheck hook there; nothing was touched.
    NotInstalled,
    /// The hook there is not migcheck's; it was left alone.
    NotOurs,
}

/// One hook and what happened to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookChange<A> {
    pub hook: HookName,
    pub path: PathBuf,
    pub action: A,
}

/// Installs `hooks` into `dir` (created when missing), each running `binary`.
pub fn install(
    dir: &Path,
    hooks: &[HookName],
    binary: &Path,
) -> Result<Vec<HookChange<InstallAction>>, HookError> {
    let binary_text = binary
        .to_str()
        .ok_or_else(|| HookError::BinaryPathNotUtf8 {
            path: binary.to_path_buf(),
        })?;
    let created_folder = !dir.exists();
    if created_folder {
        fs::create_dir_all(dir).map_err(io_error("create", dir))?;
    }
    let mut changes = Vec::new();
    for &hook in hooks {
        let path = dir.join(hook.as_str());
        let chained = dir.join(chained_name(hook));
        let action = match existing(&path)? {
            None => {
                if exists(&chained)? {
                    return Err(HookError::OrphanedChained {
                        hook: path,
                        chained,
                    });
                }
                write_script(&path, &render_script(hook, binary_text, created_folder))?;
                InstallAction::Created
            }
            Some(Existing::Ours { text, info }) => {
                let wanted = render_script(hook, binary_text, info.created_folder);
                if text == wanted {
                    InstallAction::Unchanged
                } else {
                    write_script(&path, &wanted)?;
                    let diff = TextDiff::from_lines(text.as_str(), wanted.as_str())
                        .unified_diff()
                        .header(&path.display().to_string(), &path.display().to_string())
                        .to_string();
                    InstallAction::Updated { diff }
                }
            }
            Some(Existing::Other) => {
                if exists(&chained)? {
                    return Err(HookError::ChainedExists {
                        hook: path,
                        chained,
                    });
                }
                fs::rename(&path, &chained).map_err(io_error("move", &path))?;
                write_script(&path, &render_script(hook, binary_text, created_folder))?;
                InstallAction::Chained { kept_as: chained }
            }
        };
        changes.push(HookChange { hook, path, action });
    }
    Ok(changes)
}

/// Removes migcheck's `hooks` from `dir` and puts back what they replaced.
/// The hooks folder goes too when an install created it and it is now empty.
pub fn uninstall(
    dir: &Path,
    hooks: &[HookName],
) -> Result<Vec<HookChange<UninstallAction>>, HookError> {
    let mut changes = Vec::new();
    let mut remove_folder = false;
    for &hook in hooks {
        let path = dir.join(hook.as_str());
        let chained = dir.join(chained_name(hook));
        let action = match existing(&path)? {
            Some(Existing::Other) => UninstallAction::NotOurs,
            Some(Existing::Ours { info, .. }) => {
                remove_folder |= info.created_folder;
                fs::remove_file(&path).map_err(io_error("remove", &path))?;
                if exists(&chained)? {
                    fs::rename(&chained, &path).map_err(io_error("restore", &chained))?;
                    UninstallAction::Restored
                } else {
                    UninstallAction::Removed
                }
            }
            None if exists(&chained)? => {
                fs::rename(&chained, &path).map_err(io_error("restore", &chained))?;
                UninstallAction::Restored
            }
            None => UninstallAction::NotInstalled,
        };
        changes.push(HookChange { hook, path, action });
    }
    if remove_folder && is_empty_dir(dir) {
        fs::remove_dir(dir).map_err(io_error("remove", dir))?;
    }
    Ok(changes)
}

enum Existing {
    Ours { text: String, info: ScriptInfo },
    Other,
}

/// What is at a hook's path: nothing, migcheck's script, or something else.
fn existing(path: &Path) -> Result<Option<Existing>, HookError> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(io_error("read", path)(error)),
    };
    if meta.is_dir() {
        return Err(HookError::IsADirectory {
            path: path.to_path_buf(),
        });
    }
    // A dangling symbolic link or an unreadable file is someone else's hook.
    let Ok(bytes) = fs::read(path) else {
        return Ok(Some(Existing::Other));
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Ok(Some(match ScriptInfo::parse(&text) {
        Some(info) if !meta.file_type().is_symlink() => Existing::Ours { text, info },
        _ => Existing::Other,
    }))
}

fn exists(path: &Path) -> Result<bool, HookError> {
    match fs::symlink_metadata(path) {
        Ok(_) => Ok(true),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(error) => Err(io_error("read", path)(error)),
    }
}

fn is_empty_dir(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none())
}

/// Writes an executable script through a temporary file and a rename, so git
/// never runs half a hook.
fn write_script(path: &Path, text: &str) -> Result<(), HookError> {
    let temporary = path.with_extension("migcheck-tmp");
    fs::write(&temporary, text).map_err(io_error("write", &temporary))?;
    set_executable(&temporary)?;
    fs::rename(&temporary, path).map_err(io_error("write", path))
}

#[cfg(unix)]
fn set_executable(path: &Path) -> Result<(), HookError> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).map_err(io_error("chmod", path))
}

#[cfg(not(unix))]
fn set_executable(_path: &Path) -> Result<(), HookError> {
    Ok(())
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> HookError {
    let path = path.to_path_buf();
    move |source| HookError::Io {
        action,
        path,
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    const BINARY: &str = "/opt/migcheck/bin/migcheck";

    fn mode(path: &Path) -> u32 {
        fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn install_creates_then_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let hooks = dir.path().join("hooks");
        let first = install(&hooks, &HookName::ALL, Path::new(BINARY)).unwrap();
        assert!(first.iter().all(|c| c.action == InstallAction::Created));
        let text = fs::read_to_string(hooks.join("pre-commit")).unwrap();
        assert!(text.contains(BINARY));
        assert_eq!(mode(&hooks.join("pre-commit")), 0o755);
        let again = install(&hooks, &HookName::ALL, Path::new(BINARY)).unwrap();
        assert!(again.iter().all(|c| c.action == InstallAction::Unchanged));
        assert_eq!(fs::read_to_string(hooks.join("pre-commit")).unwrap(), text);
        // Created the folder: uninstalling removes it again.
        uninstall(&hooks, &HookName::ALL).unwrap();
        assert!(!hooks.exists());
    }

    #[test]
    fn existing_hook_is_kept_and_restored_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let hook = dir.path().join("pre-commit");
        let original = b"#!/bin/sh\n# team hook\r\nexit 0\n\xff";
        fs::write(&hook, original).unwrap();
        fs::set_permissions(&hook, fs::Permissions::from_mode(0o750)).unwrap();
        let changes = install(dir.path(), &[HookName::PreCommit], Path::new(BINARY)).unwrap();
        let kept = dir.path().join("pre-commit.migcheck-chained");
        assert_eq!(
            changes[0].action,
            InstallAction::Chained {
                kept_as: kept.clone()
            }
        );
        assert_eq!(fs::read(&kept).unwrap(), original);
        let again = install(dir.path(), &[HookName::PreCommit], Path::new(BINARY)).unwrap();
        assert_eq!(again[0].action, InstallAction::Unchanged);
        let removed = uninstall(dir.path(), &[HookName::PreCommit]).unwrap();
        assert_eq!(removed[0].action, UninstallAction::Restored);
        assert_eq!(fs::read(&hook).unwrap(), original);
        assert_eq!(mode(&hook), 0o750);
        assert!(!kept.exists());
        assert!(dir.path().exists());
    }

    #[test]
    fn another_binary_updates_the_script_and_shows_the_diff() {
        let dir = tempfile::tempdir().unwrap();
        install(dir.path(), &[HookName::PreCommit], Path::new(BINARY)).unwrap();
        let changes = install(
            dir.path(),
            &[HookName::PreCommit],
            Path::new("/usr/bin/migcheck"),
        )
        .unwrap();
        let InstallAction::Updated { diff } = &changes[0].action else {
            panic!("expected an update, got {:?}", changes[0].action);
        };
        assert!(
            diff.contains("-migcheck='/opt/migcheck/bin/migcheck'"),
            "{diff}"
        );
        assert!(diff.contains("+migcheck='/usr/bin/migcheck'"), "{diff}");
    }

    #[test]
    fn never_overwrites_a_kept_hook() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("pre-commit"), "#!/bin/sh\nnew\n").unwrap();
        fs::write(
            dir.path().join("pre-commit.migcheck-chained"),
            "#!/bin/sh\nold\n",
        )
        .unwrap();
        let error = install(dir.path(), &[HookName::PreCommit], Path::new(BINARY)).unwrap_err();
        assert!(matches!(error, HookError::ChainedExists { .. }), "{error}");
        assert_eq!(
            fs::read_to_string(dir.path().join("pre-commit")).unwrap(),
            "#!/bin/sh\nnew\n"
        );
        fs::remove_file(dir.path().join("pre-commit")).unwrap();
        let error = install(dir.path(), &[HookName::PreCommit], Path::new(BINARY)).unwrap_err();
        assert!(
            matches!(error, HookError::OrphanedChained { .. }),
            "{error}"
        );
    }

    #[test]
    fn uninstall_leaves_other_hooks_alone() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("pre-commit"), "#!/bin/sh\nexit 0\n").unwrap();
        let changes = uninstall(dir.path(), &HookName::ALL).unwrap();
        assert_eq!(changes[0].action, UninstallAction::NotOurs);
        assert_eq!(changes[1].action, UninstallAction::NotInstalled);
        assert!(dir.path().join("pre-commit").exists());
    }

    #[test]
    fn a_symbolic_link_is_kept_as_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("shared-hook.sh");
        fs::write(&target, "#!/bin/sh\nexit 0\n").unwrap();
        let hook = dir.path().join("post-merge");
        std::os::unix::fs::symlink("shared-hook.sh", &hook).unwrap();
        install(dir.path(), &[HookName::PostMerge], Path::new(BINARY)).unwrap();
        let kept = dir.path().join("post-merge.migcheck-chained");
        assert!(fs::symlink_metadata(&kept)
            .unwrap()
            .file_type()
            .is_symlink());
        uninstall(dir.path(), &[HookName::PostMerge]).unwrap();
        assert_eq!(fs::read_link(&hook).unwrap(), Path::new("shared-hook.sh"));
    }
}
