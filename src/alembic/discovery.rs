//! Finds the Alembic setups of a repository the way Alembic 1.18 does:
//! `alembic.ini` (or the file given with `-c/--config` or `ALEMBIC_CONFIG`,
//! section `-n/--name`) and `[tool.alembic]` in `pyproject.toml`, read together
//! as `alembic.config.Config` reads them, then `script_location`,
//! `version_locations` and `recursive_version_locations` resolved as
//! `ScriptDirectory.from_config` resolves them. Files come from a snapshot (the
//! git index, usually) through [`FileSource`], never from the working tree, and
//! every location is returned relative to the repository root.
//!
//! A version location that does not exist is kept: Alembic skips it when it
//! loads revisions, and so must the reader. Symbolic links are not followed.

mod error;
mod ini;
mod paths;
mod pyproject;
mod select;
mod view;

use std::collections::BTreeMap;

use serde::Deserialize;

pub use error::{DiscoveryError, DiscoveryWarning};
pub(crate) use paths::normalize;
pub(crate) use pyproject::toml_error_line;

use ini::IniFile;
use paths::{display_dir, join, parent, LocateError, Locator, VIRTUAL_ROOT};
use select::Selection;
use view::ConfigView;

/// A read-only snapshot of the repository. Paths are relative to the
/// repository root, use `/`, and the root itself is the empty string.
pub trait FileSource {
    /// The content of a file, `Ok(None)` when there is no such file.
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, DiscoveryError>;
    /// Whether a directory exists (holds at least one file).
    fn dir_exists(&self, path: &str) -> bool;
}

/// A snapshot held in memory: files by path.
#[derive(Debug, Clone, Default)]
pub struct MemorySource {
    files: BTreeMap<String, Vec<u8>>,
}

impl MemorySource {
    pub fn insert(&mut self, path: impl Into<String>, content: impl Into<Vec<u8>>) {
        self.files.insert(path.into(), content.into());
    }
}

impl<'a> FromIterator<(&'a str, &'a str)> for MemorySource {
    /// Files from `(path, text)` pairs.
    fn from_iter<I: IntoIterator<Item = (&'a str, &'a str)>>(files: I) -> MemorySource {
        let mut source = MemorySource::default();
        for (path, text) in files {
            source.insert(path, text);
        }
        source
    }
}

impl FileSource for MemorySource {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, DiscoveryError> {
        Ok(self.files.get(path).cloned())
    }

    fn dir_exists(&self, path: &str) -> bool {
        if path.is_empty() {
            return true;
        }
        let prefix = format!("{path}/");
        self.files
            .range(prefix.clone()..)
            .next()
            .is_some_and(|(file, _)| file.starts_with(&prefix))
    }
}

/// One `[tool.migcheck] projects` entry: an Alembic config and its section.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ProjectSpec {
    /// The ini file or `pyproject.toml`, relative to the repository root.
    pub config: String,
    /// The ini section, `alembic` when absent.
    #[serde(default)]
    pub name: Option<String>,
}

/// How to pick the setups. `config` wins over `projects`, which wins over
/// `alembic_config_env`, which wins over the defaults.
#[derive(Debug, Clone, Default)]
pub struct DiscoveryOptions {
    /// `-c/--config`, repository-relative: at most one ini file and one `pyproject.toml`.
    pub config: Vec<String>,
    /// `-n/--name`: the ini section, `alembic` when `None`.
    pub name: Option<String>,
    /// The value of `ALEMBIC_CONFIG`, repository-relative.
    pub alembic_config_env: Option<String>,
    /// The `[tool.migcheck] projects` of a monorepo.
    pub projects: Vec<ProjectSpec>,
    /// The directory Alembic runs in (relative locations resolve against it);
    /// by default the directory of the config file named, else the root.
    pub working_dir: Option<String>,
    /// The absolute path of the checkout with `/`, so `%(here)s` in
    /// `sqlalchemy.url` and absolute paths inside the checkout are real.
    pub repo_root: Option<String>,
}

/// One Alembic setup, every path relative to the repository root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlembicProject {
    /// For messages: the config path, with the section when it is not `alembic`.
    pub name: String,
    /// The ini file when there is one, else `pyproject.toml`.
    pub config_path: String,
    /// The `pyproject.toml` whose `[tool.alembic]` was read too.
    pub pyproject_path: Option<String>,
    pub section: String,
    /// The directory relative locations were resolved against.
    pub working_dir: String,
    pub script_location: String,
    /// In configured order; `<script_location>/versions` when none is set.
    pub version_locations: Vec<String>,
    /// `recursive_version_locations`.
    pub recursive: bool,
    /// `sqlalchemy.url` of the ini section, interpolated.
    pub sqlalchemy_url: Option<String>,
    /// `file_template`, `%(rev)s_%(slug)s` by default.
    pub file_template: String,
    pub warnings: Vec<DiscoveryWarning>,
}

/// Find the Alembic setups selected by `opts` in `src`.
pub fn discover(
    src: &dyn FileSource,
    opts: &DiscoveryOptions,
) -> Result<Vec<AlembicProject>, DiscoveryError> {
    let section = opts.name.as_deref().unwrap_or("alembic");
    let env = opts.alembic_config_env.as_deref();
    let working_dir = opts.working_dir.as_deref();
    if !opts.config.is_empty() || opts.projects.is_empty() {
        let selection = select::command_line(&opts.config, env, section, working_dir)?;
        return Ok(vec![load(src, opts, &selection)?]);
    }
    opts.projects
        .iter()
        .map(|spec| load(src, opts, &select::project(spec, section)?))
        .collect()
}

fn read_text(src: &dyn FileSource, path: &str) -> Result<Option<String>, DiscoveryError> {
    match src.read(path)? {
        None => Ok(None),
        Some(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| DiscoveryError::NotUtf8 {
                path: path.to_owned(),
            }),
    }
}

fn load(
    src: &dyn FileSource,
    opts: &DiscoveryOptions,
    selection: &Selection,
) -> Result<AlembicProject, DiscoveryError> {
    let root_abs = match &opts.repo_root {
        Some(root) if root.len() > 1 => root.trim_end_matches('/').to_owned(),
        _ => VIRTUAL_ROOT.to_owned(),
    };
    let mut locator = Locator {
        src,
        root_abs,
        working_dir: selection.working_dir.clone(),
        sys_path: Vec::new(),
    };
    let (ini_path, toml_path) = (&selection.ini.path, &selection.toml.path);

    let ini = match read_text(src, ini_path)? {
        Some(text) => {
            let here = locator.absolute(parent(ini_path));
            let ini = IniFile::parse(&text, &[("here", &here)]);
            Some(ini.map_err(|message| DiscoveryError::Ini {
                path: ini_path.clone(),
                message,
            })?)
        }
        None if selection.ini.required => {
            return Err(DiscoveryError::ConfigMissing {
                path: ini_path.clone(),
            })
        }
        None => None,
    };
    let toml = match read_text(src, toml_path)? {
        Some(text) => {
            let here = locator.absolute(parent(toml_path));
            pyproject::parse(&text, &here).map_err(|message| DiscoveryError::Toml {
                path: toml_path.clone(),
                message,
            })?
        }
        None if selection.toml.required => {
            return Err(DiscoveryError::ConfigMissing {
                path: toml_path.clone(),
            })
        }
        None => None,
    };
    if ini.is_none() && toml.is_none() {
        return Err(DiscoveryError::NotFound {
            looked_for: looked_for(selection),
        });
    }

    let view = ConfigView {
        ini: ini.as_ref().map(|ini| (ini_path.as_str(), ini)),
        toml: toml.as_ref().map(|toml| (toml_path.as_str(), toml)),
        section: &selection.section,
    };
    let config_path = if ini.is_some() { ini_path } else { toml_path };
    let mut warnings = Vec::new();

    let Some(script_value) = view.alembic_option("script_location")? else {
        return Err(missing_script_location(
            selection,
            ini.as_ref(),
            toml.is_some(),
        ));
    };
    // `from_config` puts `prepend_sys_path` on `sys.path` before it resolves
    // `script_location`, so the entries are where a package is looked for.
    if let Some(entries) = view.prepend_sys_path(&mut warnings)? {
        locator.sys_path = entries
            .iter()
            .filter_map(|entry| locator.path(entry).ok())
            .collect();
    }
    let located = |option: &str, value: &str| {
        locator
            .locate(value)
            .map_err(|err| locate_error(config_path, option, value, err))
    };
    let script_location = located("script_location", &script_value)?;
    if !src.dir_exists(&script_location) {
        return Err(DiscoveryError::ScriptLocationMissing {
            path: config_path.clone(),
            value: script_value,
            location: display_dir(&script_location),
        });
    }
    let file_template = view
        .alembic_option("file_template")?
        .unwrap_or_else(|| "%(rev)s_%(slug)s".to_owned());
    let version_locations = match view.version_locations(&mut warnings)? {
        Some(values) if !values.is_empty() => values
            .iter()
            .map(|value| located("version_locations", value))
            .collect::<Result<Vec<_>, _>>()?,
        _ => vec![join(&script_location, "versions")],
    };
    let recursive = view.alembic_boolean("recursive_version_locations")?;
    let sqlalchemy_url = match view.main_option("sqlalchemy.url") {
        Ok(url) => url,
        Err(err) => {
            let message = match err {
                DiscoveryError::Interpolation { message, .. } => message,
                other => other.to_string(),
            };
            warnings.push(DiscoveryWarning::SqlalchemyUrlUnreadable {
                config: config_path.clone(),
                message,
            });
            None
        }
    };

    let name = if selection.section == "alembic" || ini.is_none() {
        config_path.clone()
    } else {
        format!("{config_path} [{}]", selection.section)
    };
    Ok(AlembicProject {
        name,
        config_path: config_path.clone(),
        pyproject_path: toml.is_some().then(|| toml_path.clone()),
        section: selection.section.clone(),
        working_dir: selection.working_dir.clone(),
        script_location,
        version_locations,
        recursive,
        sqlalchemy_url,
        file_template,
        warnings,
    })
}

fn looked_for(selection: &Selection) -> String {
    let (ini, toml) = (&selection.ini.path, &selection.toml.path);
    let place = if parent(ini).is_empty() && parent(toml).is_empty() {
        " at the repository root"
    } else {
        ""
    };
    format!("{ini} and [tool.alembic] in {toml}{place}")
}

fn missing_script_location(
    selection: &Selection,
    ini: Option<&IniFile>,
    has_toml: bool,
) -> DiscoveryError {
    let section = &selection.section;
    let (ini_path, toml_path) = (&selection.ini.path, &selection.toml.path);
    let in_ini = match ini {
        Some(ini) if ini.has_section(section) => Some(format!("section [{section}] of {ini_path}")),
        Some(_) => Some(format!("{ini_path} (it has no section [{section}])")),
        None => None,
    };
    let in_toml = has_toml.then(|| format!("[tool.alembic] of {toml_path}"));
    let looked_in = match (in_ini, in_toml) {
        (Some(a), Some(b)) => format!("{a} or in {b}"),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => String::new(),
    };
    DiscoveryError::MissingScriptLocation {
        path: if ini.is_some() { ini_path } else { toml_path }.clone(),
        section: section.clone(),
        looked_in,
    }
}

fn locate_error(path: &str, option: &str, value: &str, err: LocateError) -> DiscoveryError {
    let (path, option, value) = (path.to_owned(), option.to_owned(), value.to_owned());
    match err {
        LocateError::Escapes => DiscoveryError::EscapesRepository {
            path,
            option,
            value,
        },
        LocateError::Outside => DiscoveryError::OutsideRepository {
            path,
            option,
            value,
        },
        LocateError::PackageNotFound { package, searched } => DiscoveryError::PackageNotFound {
            path,
            option,
            value,
            package,
            searched: searched.join(", "),
        },
    }
}

#[cfg(test)]
mod parity;

/// Discovery and settings read their files from the snapshot being checked.
impl FileSource for crate::git::Snapshot<'_> {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, DiscoveryError> {
        crate::git::Snapshot::read(self, path).map_err(|error| DiscoveryError::Read {
            path: path.to_owned(),
            message: error.to_string(),
        })
    }

    fn dir_exists(&self, path: &str) -> bool {
        self.has_files(&[path]).unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(files: &[(&str, &str)]) -> MemorySource {
        files.iter().copied().collect()
    }

    fn one(src: &MemorySource, opts: &DiscoveryOptions) -> AlembicProject {
        let mut projects = discover(src, opts).unwrap();
        assert_eq!(projects.len(), 1);
        projects.remove(0)
    }

    fn error(src: &MemorySource, opts: &DiscoveryOptions) -> String {
        let message = discover(src, opts).unwrap_err().to_string();
        assert!(!message.contains('\n'), "{message}");
        message
    }

    const ENV: (&str, &str) = ("alembic/env.py", "");

    #[test]
    fn ini_only_with_here_and_default_versions_folder() {
        let src = source(&[
            (
                "alembic.ini",
                "[alembic]\nscript_location = %(here)s/alembic\n\
                 sqlalchemy.url = sqlite:///%(here)s/app.db\n",
            ),
            ENV,
        ]);
        let project = one(&src, &DiscoveryOptions::default());
        assert_eq!(project.name, "alembic.ini");
        assert_eq!(project.config_path, "alembic.ini");
        assert_eq!(project.pyproject_path, None);
        assert_eq!(project.script_location, "alembic");
        assert_eq!(project.version_locations, vec!["alembic/versions"]);
        assert!(!project.recursive);
        assert_eq!(project.file_template, "%(rev)s_%(slug)s");
        assert_eq!(
            project.sqlalchemy_url.as_deref(),
            Some("sqlite:////<repository>/app.db")
        );
        let opts = DiscoveryOptions {
            repo_root: Some("/home/me/app/".to_owned()),
            ..DiscoveryOptions::default()
        };
        let project = one(&src, &opts);
        assert_eq!(
            project.sqlalchemy_url.as_deref(),
            Some("sqlite:////home/me/app/app.db")
        );
        assert_eq!(project.script_location, "alembic");
    }

    #[test]
    fn pyproject_only_reads_tool_alembic() {
        let src = source(&[
            (
                "pyproject.toml",
                "[project]\nname = \"x\"\n[tool.alembic]\n\
                 script_location = \"%(here)s/alembic\"\n\
                 version_locations = [\"%(here)s/alembic/versions\", \"extra\"]\n\
                 recursive_version_locations = true\n\
                 file_template = \"%%(rev)s\"\n",
            ),
            ENV,
        ]);
        let project = one(&src, &DiscoveryOptions::default());
        assert_eq!(project.config_path, "pyproject.toml");
        assert_eq!(project.pyproject_path.as_deref(), Some("pyproject.toml"));
        assert_eq!(project.version_locations, vec!["alembic/versions", "extra"]);
        assert!(project.recursive);
        assert_eq!(project.sqlalchemy_url, None);
        assert_eq!(project.file_template, "%(rev)s");
    }

    #[test]
    fn both_files_combine_with_the_ini_first() {
        let toml = "[tool.alembic]\nscript_location = \"%(here)s/alembic\"\n\
                    version_locations = [\"%(here)s/from_toml\"]\n\
                    recursive_version_locations = true\n";
        let ini = "[alembic]\nsqlalchemy.url = postgresql://db/app\n";
        let src = source(&[("pyproject.toml", toml), ("alembic.ini", ini), ENV]);
        let project = one(&src, &DiscoveryOptions::default());
        assert_eq!(project.config_path, "alembic.ini");
        assert_eq!(project.pyproject_path.as_deref(), Some("pyproject.toml"));
        assert_eq!(project.script_location, "alembic");
        assert_eq!(project.version_locations, vec!["from_toml"]);
        assert!(project.recursive);
        assert_eq!(
            project.sqlalchemy_url.as_deref(),
            Some("postgresql://db/app")
        );

        let ini = "[alembic]\nscript_location = alembic\npath_separator = os\n\
                   version_locations = a:b\nrecursive_version_locations = false\n";
        let src = source(&[("pyproject.toml", toml), ("alembic.ini", ini), ENV]);
        let project = one(&src, &DiscoveryOptions::default());
        assert_eq!(project.version_locations, vec!["a", "b"]);
        assert!(!project.recursive);
    }

    #[test]
    fn name_selects_another_section() {
        let ini = "[alembic]\nscript_location = alembic\n\
                   [reports]\nscript_location = %(here)s/reports_db\nrecursive_version_locations = true\n";
        let src = source(&[("alembic.ini", ini), ENV, ("reports_db/env.py", "")]);
        let opts = DiscoveryOptions {
            name: Some("reports".to_owned()),
            ..DiscoveryOptions::default()
        };
        let project = one(&src, &opts);
        assert_eq!(project.name, "alembic.ini [reports]");
        assert_eq!(project.section, "reports");
        assert_eq!(project.script_location, "reports_db");
        assert!(project.recursive);
        let opts = DiscoveryOptions {
            name: Some("absent".to_owned()),
            ..DiscoveryOptions::default()
        };
        assert_eq!(
            error(&src, &opts),
            "no `script_location` found in alembic.ini (it has no section [absent])"
        );
    }

    #[test]
    fn alembic_config_env_is_honoured() {
        let ini = "[alembic]\nscript_location = migrations\n";
        let src = source(&[("deploy/prod.ini", ini), ("deploy/migrations/env.py", "")]);
        let opts = DiscoveryOptions {
            alembic_config_env: Some("deploy/prod.ini".to_owned()),
            ..DiscoveryOptions::default()
        };
        let project = one(&src, &opts);
        assert_eq!(project.config_path, "deploy/prod.ini");
        assert_eq!(project.script_location, "deploy/migrations");
        assert_eq!(
            project.version_locations,
            vec!["deploy/migrations/versions"]
        );
    }

    #[test]
    fn missing_config_is_one_line_naming_what_was_looked_for() {
        let src = source(&[("pyproject.toml", "[tool.ruff]\n"), ("README.md", "")]);
        assert_eq!(
            error(&src, &DiscoveryOptions::default()),
            "no Alembic configuration found: looked for alembic.ini and [tool.alembic] in \
             pyproject.toml at the repository root; pass -c/--config"
        );
        let opts = DiscoveryOptions {
            config: vec!["svc/alembic.ini".to_owned()],
            ..DiscoveryOptions::default()
        };
        assert_eq!(
            error(&src, &opts),
            "Alembic configuration svc/alembic.ini not found in the repository"
        );
    }

    #[test]
    fn missing_script_location_names_file_and_section() {
        let src = source(&[("alembic.ini", "[alembic]\nsqlalchemy.url = sqlite://\n")]);
        assert_eq!(
            error(&src, &DiscoveryOptions::default()),
            "no `script_location` found in section [alembic] of alembic.ini"
        );
        let src = source(&[
            ("alembic.ini", "[alembic]\n"),
            (
                "pyproject.toml",
                "[tool.alembic]\nrecursive_version_locations = true\n",
            ),
        ]);
        assert_eq!(
            error(&src, &DiscoveryOptions::default()),
            "no `script_location` found in section [alembic] of alembic.ini or in \
             [tool.alembic] of pyproject.toml"
        );
    }

    #[test]
    fn paths_escaping_the_repository_are_errors() {
        let src = source(&[(
            "alembic.ini",
            "[alembic]\nscript_location = %(here)s/../outside\n",
        )]);
        assert_eq!(
            error(&src, &DiscoveryOptions::default()),
            "alembic.ini: script_location `/<repository>/../outside` points outside the repository"
        );
        let ini = "[alembic]\nscript_location = alembic\nversion_locations = /var/lib/versions\n";
        let src = source(&[("alembic.ini", ini), ENV]);
        assert_eq!(
            error(&src, &DiscoveryOptions::default()),
            "alembic.ini: version_locations `/var/lib/versions` is an absolute path outside \
             the repository"
        );
    }

    #[test]
    fn package_locations_are_found_in_the_repository() {
        let ini = "[alembic]\nscript_location = myapp.db:migrations\npath_separator = space\n\
                   prepend_sys_path = . lib\nversion_locations = myapp.db:migrations/versions other\n";
        let src = source(&[
            ("alembic.ini", ini),
            ("lib/myapp/db/__init__.py", ""),
            ("lib/myapp/db/migrations/env.py", ""),
        ]);
        let project = one(&src, &DiscoveryOptions::default());
        assert_eq!(project.script_location, "lib/myapp/db/migrations");
        assert_eq!(
            project.version_locations,
            vec!["lib/myapp/db/migrations/versions", "other"]
        );
        let src = source(&[(
            "alembic.ini",
            "[alembic]\nscript_location = gone:migrations\n",
        )]);
        assert_eq!(
            error(&src, &DiscoveryOptions::default()),
            "alembic.ini: script_location `gone:migrations`: package `gone` not found in the \
             repository (searched ., src)"
        );
    }

    #[test]
    fn script_location_must_exist() {
        let src = source(&[("alembic.ini", "[alembic]\nscript_location = migrations\n")]);
        assert_eq!(
            error(&src, &DiscoveryOptions::default()),
            "alembic.ini: script_location `migrations` is migrations, which does not exist in \
             the repository"
        );
    }

    #[test]
    fn monorepo_projects_are_each_discovered_from_their_directory() {
        let a = "[alembic]\nscript_location = %(here)s/alembic\n";
        let b = "[billing]\nscript_location = migrations\n";
        let src = source(&[
            ("services/a/alembic.ini", a),
            ("services/a/alembic/env.py", ""),
            ("services/b/db.ini", b),
            ("services/b/migrations/env.py", ""),
        ]);
        let opts = DiscoveryOptions {
            projects: vec![
                ProjectSpec {
                    config: "services/a/alembic.ini".to_owned(),
                    name: None,
                },
                ProjectSpec {
                    config: "services/b/db.ini".to_owned(),
                    name: Some("billing".to_owned()),
                },
            ],
            ..DiscoveryOptions::default()
        };
        let projects = discover(&src, &opts).unwrap();
        let found: Vec<_> = projects
            .iter()
            .map(|p| (p.name.as_str(), p.version_locations.clone()))
            .collect();
        assert_eq!(
            found,
            vec![
                (
                    "services/a/alembic.ini",
                    vec!["services/a/alembic/versions".to_owned()]
                ),
                (
                    "services/b/db.ini [billing]",
                    vec!["services/b/migrations/versions".to_owned()]
                ),
            ]
        );
        // `-c` on the command line wins over the projects list.
        let opts = DiscoveryOptions {
            config: vec!["services/a/alembic.ini".to_owned()],
            ..opts
        };
        assert_eq!(discover(&src, &opts).unwrap().len(), 1);
    }

    #[test]
    fn unreadable_sqlalchemy_url_is_a_warning_not_an_error() {
        let ini =
            "[alembic]\nscript_location = alembic\nsqlalchemy.url = postgresql://u:p%40ss@h/db\n";
        let src = source(&[("alembic.ini", ini), ENV]);
        let project = one(&src, &DiscoveryOptions::default());
        assert_eq!(project.sqlalchemy_url, None);
        assert_eq!(project.warnings.len(), 1);
        let warning = project.warnings[0].to_string();
        assert!(
            warning.starts_with("alembic.ini: sqlalchemy.url ignored: '%' must be followed"),
            "{warning}"
        );
    }

    #[test]
    fn ini_syntax_and_interpolation_errors_name_the_file() {
        let src = source(&[("alembic.ini", "script_location = x\n")]);
        assert_eq!(
            error(&src, &DiscoveryOptions::default()),
            "alembic.ini: line 1: file contains no section headers before `script_location = x`"
        );
        let src = source(&[("alembic.ini", "[alembic]\nscript_location = %(nope)s/x\n")]);
        let message = error(&src, &DiscoveryOptions::default());
        assert!(
            message.starts_with("alembic.ini: [alembic] script_location: "),
            "{message}"
        );
        assert!(message.contains("'nope'"), "{message}");
    }

    #[test]
    fn memory_source_directories() {
        let src = source(&[("a/b/c.py", ""), ("ab.py", "")]);
        assert!(src.dir_exists(""));
        assert!(src.dir_exists("a"));
        assert!(src.dir_exists("a/b"));
        assert!(!src.dir_exists("a/b/c.py"));
        assert!(!src.dir_exists("ab"));
    }
}
