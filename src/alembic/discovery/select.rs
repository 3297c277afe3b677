//! Which ini file and which `pyproject.toml` one Alembic setup is read from:
//! Alembic's `CommandLine._inis_from_config` (`-c/--config` given once or
//! twice, `ALEMBIC_CONFIG`, the defaults `alembic.ini` and `pyproject.toml`)
//! and the directory Alembic would run in.
//!
//! Paths a user gives (`-c`, `ALEMBIC_CONFIG`, `projects`) are relative to the
//! repository root. The default file names are looked up in the working
//! directory, which is the one given, else the directory of the config file
//! named, else the repository root: migcheck reads a config as if Alembic
//! were run next to it, which is how `alembic -c` is used in practice.

use super::paths::{join, normalize, parent};
use super::{DiscoveryError, ProjectSpec};

/// One file Alembic would read, and whether its absence is an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Choice {
    pub(super) path: String,
    /// Named explicitly by the user: missing is an error, not a fallback.
    pub(super) required: bool,
}

/// The files and section of one Alembic setup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Selection {
    pub(super) ini: Choice,
    pub(super) toml: Choice,
    pub(super) section: String,
    pub(super) working_dir: String,
}

enum Pick {
    Given(String),
    Env(String),
    Default(&'static str),
}

/// The selection for `-c/--config` values, `ALEMBIC_CONFIG` and `-n/--name`.
pub(super) fn command_line(
    names: &[String],
    env: Option<&str>,
    section: &str,
    working_dir: Option<&str>,
) -> Result<Selection, DiscoveryError> {
    let env = env.filter(|e| !e.is_empty()).map(repo_path).transpose()?;
    let (mut toml, mut ini) = match env {
        Some(env) if basename(&env) == "pyproject.toml" => {
            (Pick::Env(env), Pick::Default("alembic.ini"))
        }
        Some(env) => (Pick::Default("pyproject.toml"), Pick::Env(env)),
        None => (
            Pick::Default("pyproject.toml"),
            Pick::Default("alembic.ini"),
        ),
    };
    let (mut seen_toml, mut seen_ini) = (false, false);
    for name in names {
        let name = repo_path(name)?;
        if basename(&name) == "pyproject.toml" {
            if seen_toml {
                let message = "pyproject.toml indicated more than once";
                return Err(DiscoveryError::ConflictingConfigs(message.to_owned()));
            }
            seen_toml = true;
            toml = Pick::Given(name);
        } else {
            if seen_ini {
                let message = "only one ini file may be indicated";
                return Err(DiscoveryError::ConflictingConfigs(message.to_owned()));
            }
            seen_ini = true;
            ini = Pick::Given(name);
        }
    }
    let working_dir = match working_dir {
        Some(dir) => repo_path(dir)?,
        None => [&ini, &toml]
            .into_iter()
            .find_map(|pick| match pick {
                Pick::Given(path) => Some(parent(path).to_owned()),
                _ => None,
            })
            .or_else(|| {
                [&ini, &toml].into_iter().find_map(|pick| match pick {
                    Pick::Env(path) => Some(parent(path).to_owned()),
                    _ => None,
                })
            })
            .unwrap_or_default(),
    };
    let choose = |pick: Pick| match pick {
        Pick::Given(path) => Choice {
            path,
            required: true,
        },
        Pick::Env(path) => Choice {
            path,
            required: false,
        },
        Pick::Default(name) => Choice {
            path: join(&working_dir, name),
            required: false,
        },
    };
    Ok(Selection {
        ini: choose(ini),
        toml: choose(toml),
        section: section.to_owned(),
        working_dir: working_dir.clone(),
    })
}

/// The selection for one `[tool.migcheck] projects` entry: as if Alembic were
/// run in the entry's directory with `-c <file>` and `-n <name>`.
pub(super) fn project(spec: &ProjectSpec, section: &str) -> Result<Selection, DiscoveryError> {
    let section = spec.name.as_deref().unwrap_or(section);
    command_line(std::slice::from_ref(&spec.config), None, section, None)
}

/// A repository-relative path given by the user, normalised.
fn repo_path(path: &str) -> Result<String, DiscoveryError> {
    let invalid = |reason: &str| DiscoveryError::InvalidPath {
        path: path.to_owned(),
        reason: reason.to_owned(),
    };
    if path.starts_with('/') {
        return Err(invalid("expected a path relative to the repository root"));
    }
    normalize(path).ok_or_else(|| invalid("it leaves the repository"))
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(path: &str, required: bool) -> Choice {
        Choice {
            path: path.to_owned(),
            required,
        }
    }

    #[test]
    fn defaults_are_at_the_root() {
        let s = command_line(&[], None, "alembic", None).unwrap();
        assert_eq!(s.ini, choice("alembic.ini", false));
        assert_eq!(s.toml, choice("pyproject.toml", false));
        assert_eq!(s.working_dir, "");
    }

    #[test]
    fn alembic_config_env_replaces_the_matching_default() {
        let s = command_line(&[], Some("db/prod.ini"), "alembic", None).unwrap();
        assert_eq!(s.ini, choice("db/prod.ini", false));
        assert_eq!(s.toml, choice("db/pyproject.toml", false));
        let s = command_line(&[], Some("db/pyproject.toml"), "alembic", None).unwrap();
        assert_eq!(s.toml, choice("db/pyproject.toml", false));
        assert_eq!(s.ini, choice("db/alembic.ini", false));
    }

    #[test]
    fn config_given_twice_names_both_files_and_beats_the_env() {
        let names = ["svc/pyproject.toml".to_owned(), "svc/x.ini".to_owned()];
        let s = command_line(&names, Some("other.ini"), "custom", None).unwrap();
        assert_eq!(s.ini, choice("svc/x.ini", true));
        assert_eq!(s.toml, choice("svc/pyproject.toml", true));
        assert_eq!(s.section, "custom");
        assert_eq!(s.working_dir, "svc");
    }

    #[test]
    fn working_dir_given_places_the_defaults() {
        let names = ["svc/alembic.ini".to_owned()];
        let s = command_line(&names, None, "alembic", Some("")).unwrap();
        assert_eq!(s.toml, choice("pyproject.toml", false));
    }

    #[test]
    fn two_ini_files_or_two_pyprojects_are_rejected_as_alembic_does() {
        let names = ["a.ini".to_owned(), "b.ini".to_owned()];
        let err = command_line(&names, None, "alembic", None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "-c/--config: only one ini file may be indicated"
        );
        let names = ["pyproject.toml".to_owned(), "a/pyproject.toml".to_owned()];
        let err = command_line(&names, None, "alembic", None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "-c/--config: pyproject.toml indicated more than once"
        );
    }

    #[test]
    fn paths_leaving_the_repository_are_rejected() {
        let names = ["../alembic.ini".to_owned()];
        let err = command_line(&names, None, "alembic", None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid configuration path `../alembic.ini`: it leaves the repository"
        );
    }
}
