//! The environment git hooks run in: `GIT_DIR`, `GIT_WORK_TREE`, `GIT_INDEX_FILE`
//! (the temporary index of `git commit -a` / `git commit <path>`), object
//! directories of a push quarantine, and the limits of repository discovery.
//! Captured once as a value so both backends see the same thing and tests can
//! pass their own.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The git variables that decide which repository, work tree and index are used.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GitEnv {
    /// `GIT_DIR`: the repository, no discovery. Relative to the starting directory.
    pub git_dir: Option<PathBuf>,
    /// `GIT_WORK_TREE`: the top of the work tree. Relative to the starting directory.
    pub work_tree: Option<PathBuf>,
    /// `GIT_INDEX_FILE`: the index to read. Relative to the top of the work tree.
    pub index_file: Option<PathBuf>,
    /// `GIT_OBJECT_DIRECTORY`: where new objects live (a push quarantine).
    pub object_directory: Option<PathBuf>,
    /// `GIT_ALTERNATE_OBJECT_DIRECTORIES`: more places to read objects from.
    pub alternate_object_directories: Vec<PathBuf>,
    /// `GIT_CEILING_DIRECTORIES`: discovery stops below these.
    pub ceiling_directories: Vec<PathBuf>,
    /// `GIT_DISCOVERY_ACROSS_FILESYSTEM`: discovery may cross mount points.
    pub across_filesystem: bool,
}

impl GitEnv {
    /// Reads the variables from this process's environment; empty values count as unset.
    pub fn from_process() -> GitEnv {
        Self::from_lookup(|name| std::env::var_os(name))
    }

    /// Reads the variables through `lookup` (a name to its value), for tests and embedders.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<OsString>) -> GitEnv {
        let value = |name: &str| lookup(name).filter(|v| !v.is_empty());
        let paths = |name: &str| {
            value(name)
                .map(|v| {
                    std::env::split_paths(&v)
                        .filter(|p| !p.as_os_str().is_empty())
                        .collect()
                })
                .unwrap_or_default()
        };
        GitEnv {
            git_dir: value("GIT_DIR").map(PathBuf::from),
            work_tree: value("GIT_WORK_TREE").map(PathBuf::from),
            index_file: value("GIT_INDEX_FILE").map(PathBuf::from),
            object_directory: value("GIT_OBJECT_DIRECTORY").map(PathBuf::from),
            alternate_object_directories: paths("GIT_ALTERNATE_OBJECT_DIRECTORIES"),
            ceiling_directories: paths("GIT_CEILING_DIRECTORIES"),
            across_filesystem: value("GIT_DISCOVERY_ACROSS_FILESYSTEM")
                .is_some_and(|v| is_true(&v.to_string_lossy())),
        }
    }

    /// `GIT_DIR` made absolute against the starting directory.
    pub(crate) fn git_dir_from(&self, cwd: &Path) -> Option<PathBuf> {
        self.git_dir.as_ref().map(|p| cwd.join(p))
    }

    /// `GIT_WORK_TREE` made absolute against the starting directory.
    pub(crate) fn work_tree_from(&self, cwd: &Path) -> Option<PathBuf> {
        self.work_tree.as_ref().map(|p| cwd.join(p))
    }

    /// `GIT_INDEX_FILE` made absolute the way git does: git moves to the top of
    /// the work tree before it reads the index, so a relative name starts there.
    pub(crate) fn index_file_from(&self, workdir: Option<&Path>, cwd: &Path) -> Option<PathBuf> {
        self.index_file
            .as_ref()
            .map(|p| workdir.unwrap_or(cwd).join(p))
    }

    /// `GIT_OBJECT_DIRECTORY` and `GIT_ALTERNATE_OBJECT_DIRECTORIES`, absolute.
    pub(crate) fn extra_object_directories(&self, cwd: &Path) -> Vec<PathBuf> {
        self.object_directory
            .iter()
            .chain(&self.alternate_object_directories)
            .map(|p| cwd.join(p))
            .collect()
    }
}

fn is_true(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> GitEnv {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        GitEnv::from_lookup(|name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| OsString::from(v))
        })
    }

    #[test]
    fn empty_variables_count_as_unset() {
        let env = env(&[("GIT_DIR", ""), ("GIT_INDEX_FILE", "")]);
        assert_eq!(env, GitEnv::default());
    }

    #[test]
    fn relative_index_file_starts_at_the_work_tree_top() {
        let env = env(&[("GIT_INDEX_FILE", ".git/index.lock")]);
        let index = env.index_file_from(Some(Path::new("/repo")), Path::new("/repo/sub"));
        assert_eq!(index, Some(PathBuf::from("/repo/.git/index.lock")));
        let bare = env.index_file_from(None, Path::new("/srv/repo.git"));
        assert_eq!(bare, Some(PathBuf::from("/srv/repo.git/.git/index.lock")));
    }

    #[test]
    fn absolute_paths_stay_absolute() {
        let env = env(&[("GIT_DIR", "/elsewhere/.git"), ("GIT_WORK_TREE", "wt")]);
        let cwd = Path::new("/home/me");
        assert_eq!(
            env.git_dir_from(cwd),
            Some(PathBuf::from("/elsewhere/.git"))
        );
        assert_eq!(env.work_tree_from(cwd), Some(PathBuf::from("/home/me/wt")));
    }

    #[test]
    fn path_lists_and_booleans_are_parsed() {
        let env = env(&[
            ("GIT_CEILING_DIRECTORIES", "/a:/b"),
            ("GIT_DISCOVERY_ACROSS_FILESYSTEM", "Yes"),
            ("GIT_ALTERNATE_OBJECT_DIRECTORIES", "/objs"),
            ("GIT_OBJECT_DIRECTORY", "/quarantine"),
        ]);
        assert_eq!(
            env.ceiling_directories,
            [PathBuf::from("/a"), PathBuf::from("/b")]
        );
        assert!(env.across_filesystem);
        assert_eq!(
            env.extra_object_directories(Path::new("/")),
            [PathBuf::from("/quarantine"), PathBuf::from("/objs")]
        );
    }
}
