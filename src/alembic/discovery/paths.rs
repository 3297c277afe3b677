//! Turns the locations an Alembic config names into normalised paths relative
//! to the repository root, as `alembic.util.coerce_resource_to_filename` and
//! `Path.absolute()` would see them from the directory Alembic runs in.
//!
//! Alembic resolves a relative location against its working directory and a
//! `%(here)s` location against the config's directory; both are mapped back
//! into the repository here, and a path that leaves it is an error. A
//! `package:path` location is resolved without importing anything: the
//! package's directory (`a.b` -> `a/b`) is looked for, in this order, under
//! each `prepend_sys_path` entry, the working directory, `<working dir>/src`,
//! the repository root and `src/`; the first that exists wins.

use super::FileSource;

/// What `%(here)s` expands to for the repository root when the real checkout
/// path is unknown: an absolute path no real location starts with.
pub(super) const VIRTUAL_ROOT: &str = "/<repository>";

/// Why a location could not be placed in the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum LocateError {
    /// `..` climbs above the repository root.
    Escapes,
    /// An absolute path that is not inside the repository.
    Outside,
    /// A `package:path` whose package directory is nowhere in the repository.
    PackageNotFound {
        package: String,
        searched: Vec<String>,
    },
}

/// Resolves locations for one Alembic config.
pub(super) struct Locator<'a> {
    pub(super) src: &'a dyn FileSource,
    /// The absolute path that stands for the repository root.
    pub(super) root_abs: String,
    /// Where Alembic runs, relative to the repository root.
    pub(super) working_dir: String,
    /// `prepend_sys_path` entries already placed in the repository.
    pub(super) sys_path: Vec<String>,
}

impl Locator<'_> {
    /// The absolute form of a repository directory, as `%(here)s` shows it.
    pub(super) fn absolute(&self, dir: &str) -> String {
        if dir.is_empty() {
            self.root_abs.clone()
        } else {
            format!("{}/{dir}", self.root_abs)
        }
    }

    /// `coerce_resource_to_filename(value)` followed by `.absolute()`,
    /// expressed relative to the repository root.
    pub(super) fn locate(&self, value: &str) -> Result<String, LocateError> {
        let value = platform_separators(value);
        if !is_absolute(&value) && value.contains(':') {
            return self.locate_package(&value);
        }
        self.path(&value)
    }

    /// A filesystem path (no package lookup) relative to the repository root.
    pub(super) fn path(&self, value: &str) -> Result<String, LocateError> {
        let value = platform_separators(value);
        if is_absolute(&value) {
            let rest = strip_root(&value, &self.root_abs).ok_or(LocateError::Outside)?;
            return normalize(rest).ok_or(LocateError::Escapes);
        }
        normalize(&join(&self.working_dir, &value)).ok_or(LocateError::Escapes)
    }

    fn locate_package(&self, value: &str) -> Result<String, LocateError> {
        let mut tokens = value.split(':');
        let package = tokens.next().unwrap_or_default();
        let inner = tokens.collect::<Vec<_>>().join("/");
        let package_dir = package.replace('.', "/");
        let mut searched: Vec<String> = Vec::new();
        let roots = self.sys_path.iter().cloned().chain([
            self.working_dir.clone(),
            join(&self.working_dir, "src"),
            String::new(),
            "src".to_owned(),
        ]);
        for root in roots {
            let Some(root) = normalize(&root) else {
                continue;
            };
            if searched.contains(&root) {
                continue;
            }
            if !package.is_empty() {
                if let Some(candidate) = normalize(&join(&root, &package_dir)) {
                    if self.src.dir_exists(&candidate) {
                        return normalize(&join(&candidate, &inner)).ok_or(LocateError::Escapes);
                    }
                }
            }
            searched.push(root);
        }
        Err(LocateError::PackageNotFound {
            package: package.to_owned(),
            searched: searched.into_iter().map(|r| display_dir(&r)).collect(),
        })
    }
}

/// A repository directory for messages: the root is shown as `.`.
pub(super) fn display_dir(dir: &str) -> String {
    if dir.is_empty() {
        ".".to_owned()
    } else {
        dir.to_owned()
    }
}

/// `os.path.isabs` of the platform Alembic would run on.
fn is_absolute(path: &str) -> bool {
    if cfg!(windows) {
        let bytes = path.as_bytes();
        path.starts_with('/') || (bytes.len() >= 3 && bytes[1] == b':' && bytes[2] == b'/')
    } else {
        path.starts_with('/')
    }
}

/// Windows accepts `\` as a separator; everywhere else it is a file name character.
fn platform_separators(path: &str) -> String {
    if cfg!(windows) {
        path.replace('\\', "/")
    } else {
        path.to_owned()
    }
}

fn strip_root<'a>(path: &'a str, root: &str) -> Option<&'a str> {
    let rest = path.strip_prefix(root)?;
    if rest.is_empty() || rest.starts_with('/') {
        Some(rest)
    } else {
        None
    }
}

/// Join two repository-relative paths with `/`.
pub(super) fn join(base: &str, path: &str) -> String {
    if base.is_empty() {
        path.to_owned()
    } else if path.is_empty() {
        base.to_owned()
    } else {
        format!("{base}/{path}")
    }
}

/// The directory part of a repository-relative path (`""` for the root).
pub(super) fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// Resolve `.`, `..`, empty and leading `/` segments; `None` when `..` climbs
/// above the root. The root itself is the empty string.
pub(crate) fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            _ => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alembic::discovery::MemorySource;

    fn locator(src: &MemorySource) -> Locator<'_> {
        Locator {
            src,
            root_abs: VIRTUAL_ROOT.to_owned(),
            working_dir: "svc".to_owned(),
            sys_path: vec!["svc/lib".to_owned()],
        }
    }

    #[test]
    fn normalize_resolves_dots_and_rejects_escapes() {
        assert_eq!(normalize("a/./b//c/../d/").as_deref(), Some("a/b/d"));
        assert_eq!(normalize("a/..").as_deref(), Some(""));
        assert_eq!(normalize("a/../.."), None);
    }

    #[test]
    fn relative_and_here_paths_land_in_the_repository() {
        let src = MemorySource::default();
        let loc = locator(&src);
        assert_eq!(loc.locate("alembic").unwrap(), "svc/alembic");
        assert_eq!(loc.locate("../shared/mig").unwrap(), "shared/mig");
        let here = format!("{}/x", loc.absolute("svc"));
        assert_eq!(loc.locate(&here).unwrap(), "svc/x");
        assert_eq!(loc.locate("../../up"), Err(LocateError::Escapes));
        assert_eq!(
            loc.locate(&format!("{VIRTUAL_ROOT}/..")),
            Err(LocateError::Escapes)
        );
        assert_eq!(loc.locate("/opt/app/mig"), Err(LocateError::Outside));
    }

    #[test]
    fn packages_are_searched_in_documented_order() {
        let mut src = MemorySource::default();
        src.insert("src/app/db/__init__.py", "");
        src.insert("svc/lib/app/db/__init__.py", "");
        let loc = locator(&src);
        assert_eq!(
            loc.locate("app.db:migrations").unwrap(),
            "svc/lib/app/db/migrations"
        );
        assert_eq!(loc.locate("app:a:b").unwrap(), "svc/lib/app/a/b");
        let err = loc.locate("nothere:migrations").unwrap_err();
        assert_eq!(
            err,
            LocateError::PackageNotFound {
                package: "nothere".to_owned(),
                searched: ["svc/lib", "svc", "svc/src", ".", "src"]
                    .map(String::from)
                    .to_vec(),
            }
        );
    }

    #[test]
    fn package_under_src_of_the_root_is_found() {
        let mut src = MemorySource::default();
        src.insert("src/app/migrations/env.py", "");
        let loc = locator(&src);
        assert_eq!(loc.locate("app:migrations").unwrap(), "src/app/migrations");
    }
}
