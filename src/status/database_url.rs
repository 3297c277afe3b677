//! Which database a command looks at: `--database-url`, else the environment
//! variable the configuration names (`database-url-env`, `DATABASE_URL` by
//! default), else `sqlalchemy.url` of the Alembic setup. Relative SQLite paths
//! resolve against the current directory, as they do for `alembic` run there.

use std::fmt;
use std::path::Path;

use crate::alembic::discovery::AlembicProject;
use crate::db::{DatabaseUrl, DbError};

/// Where the URL came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlSource {
    /// `--database-url`.
    Flag,
    /// An environment variable, by name.
    Env(String),
    /// `sqlalchemy.url` of the configuration file at this path.
    Config(String),
}

impl fmt::Display for UrlSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlSource::Flag => f.write_str("--database-url"),
            UrlSource::Env(name) => write!(f, "${name}"),
            UrlSource::Config(path) => write!(f, "sqlalchemy.url in {path}"),
        }
    }
}

/// A database URL and where it came from.
#[derive(Debug, Clone)]
pub struct DatabaseChoice {
    pub url: DatabaseUrl,
    pub source: UrlSource,
}

/// The dialect Alembic's `alembic init` writes into `alembic.ini` until someone
/// sets a real URL.
const TEMPLATE_DIALECT: &str = "driver";

/// Picks the URL (see the module docs), or `None` when no source gives one.
/// `env` reads one environment variable; an empty value counts as unset.
pub fn choose_database_url(
    flag: Option<&str>,
    env_name: &str,
    env: &dyn Fn(&str) -> Option<String>,
    project: &AlembicProject,
    cwd: &Path,
) -> Result<Option<DatabaseChoice>, DbError> {
    let (text, source) = if let Some(flag) = flag.filter(|f| !f.is_empty()) {
        (flag.to_string(), UrlSource::Flag)
    } else if let Some(value) = env(env_name).filter(|v| !v.is_empty()) {
        (value, UrlSource::Env(env_name.to_string()))
    } else if let Some(url) = project.sqlalchemy_url.as_deref().filter(|u| !u.is_empty()) {
        (
            url.to_string(),
            UrlSource::Config(project.config_path.clone()),
        )
    } else {
        return Ok(None);
    };
    let url = DatabaseUrl::parse(text.trim()).map_err(|error| match error {
        DbError::InvalidUrl { reason } => DbError::InvalidUrl {
            reason: format!("{reason} (from {source})"),
        },
        other => other,
    })?;
    if url.dialect() == TEMPLATE_DIALECT {
        return Err(DbError::InvalidUrl {
            reason: format!(
                "{source} is still the placeholder `alembic init` writes; \
                 pass --database-url or set ${env_name}"
            ),
        });
    }
    Ok(Some(DatabaseChoice {
        url: url.with_base_dir(cwd),
        source,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(url: Option<&str>) -> AlembicProject {
        AlembicProject {
            name: "alembic.ini".into(),
            config_path: "alembic.ini".into(),
            pyproject_path: None,
            section: "alembic".into(),
            working_dir: String::new(),
            script_location: "migrations".into(),
            version_locations: vec!["migrations/versions".into()],
            recursive: false,
            sqlalchemy_url: url.map(str::to_string),
            file_template: "%(rev)s_%(slug)s".into(),
            warnings: Vec::new(),
        }
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn flag_beats_environment_beats_config() {
        let env = |name: &str| (name == "APP_DB").then(|| "sqlite:///env.db".to_string());
        let cwd = Path::new("/work/app");
        let project = project(Some("sqlite:///ini.db"));
        let chosen = choose_database_url(Some("sqlite:///flag.db"), "APP_DB", &env, &project, cwd)
            .unwrap()
            .unwrap();
        assert_eq!(chosen.source, UrlSource::Flag);
        assert_eq!(chosen.url.database(), Some("flag.db"));
        let chosen = choose_database_url(None, "APP_DB", &env, &project, cwd)
            .unwrap()
            .unwrap();
        assert_eq!(chosen.source, UrlSource::Env("APP_DB".into()));
        assert_eq!(chosen.source.to_string(), "$APP_DB");
        let chosen = choose_database_url(None, "DATABASE_URL", &env, &project, cwd)
            .unwrap()
            .unwrap();
        assert_eq!(chosen.source.to_string(), "sqlalchemy.url in alembic.ini");
        assert_eq!(chosen.url.base_dir(), Some(cwd));
    }

    #[test]
    fn empty_values_count_as_unset() {
        let env = |_: &str| Some(String::new());
        let project = project(Some(""));
        let chosen = choose_database_url(Some(""), "DATABASE_URL", &env, &project, Path::new("/"));
        assert!(chosen.unwrap().is_none());
    }

    #[test]
    fn invalid_url_names_its_source_but_not_its_text() {
        let project = project(None);
        let error = choose_database_url(
            Some("not a url with secret-pw"),
            "DATABASE_URL",
            &no_env,
            &project,
            Path::new("/"),
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("(from --database-url)"), "{error}");
        assert!(!error.contains("secret-pw"), "{error}");
    }

    #[test]
    fn alembic_init_placeholder_is_explained() {
        let project = project(Some("driver://user:pass@localhost/dbname"));
        let error = choose_database_url(None, "DATABASE_URL", &no_env, &project, Path::new("/"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("placeholder"), "{error}");
        assert!(error.contains("$DATABASE_URL"), "{error}");
        assert!(!error.contains("pass@"), "{error}");
    }
}
