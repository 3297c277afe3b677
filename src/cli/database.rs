//! The database a command reads: which URL (flag, environment, `sqlalchemy.url`),
//! which version table (configuration), and its rows, within the timeout.

use std::path::PathBuf;

use anyhow::{anyhow, Context, Result};

use crate::alembic::discovery::AlembicProject;
use crate::config::Settings;
use crate::db::{read_versions, DbVersions, VersionTable};
use crate::status::{choose_database_url, DatabaseChoice};

use super::args::{DatabaseArgs, GlobalArgs};

/// What the version table of the chosen database holds.
pub struct DatabaseRead {
    pub choice: DatabaseChoice,
    pub table: VersionTable,
    pub versions: DbVersions,
}

/// The directory the command runs in (`-C`, else the process's): relative
/// SQLite paths resolve against it, as they do for `alembic` run there.
pub fn current_dir(global: &GlobalArgs) -> Result<PathBuf> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    Ok(match &global.directory {
        Some(dir) => cwd.join(dir),
        None => cwd,
    })
}

/// The URL for `project`, or an error that says where a URL can come from.
pub fn choose(
    global: &GlobalArgs,
    settings: &Settings,
    project: &AlembicProject,
    args: &DatabaseArgs,
) -> Result<DatabaseChoice> {
    let cwd = current_dir(global)?;
    let env_name = settings.database_url_env.as_str();
    let env = |name: &str| std::env::var(name).ok();
    choose_database_url(args.database_url.as_deref(), env_name, &env, project, &cwd)
        .context("cannot tell which database to read")?
        .ok_or_else(|| {
            anyhow!(
                "no database URL for `{}`: pass --database-url, set ${env_name}, or set sqlalchemy.url in {}",
                project.name,
                project.config_path
            )
        })
}

/// The version table the configuration names.
pub fn version_table(settings: &Settings) -> VersionTable {
    VersionTable::new(
        settings.version_table.clone(),
        settings.version_table_schema.clone(),
    )
}

/// Reads the version table of the database chosen for `project`.
pub fn read(
    global: &GlobalArgs,
    settings: &Settings,
    project: &AlembicProject,
    args: &DatabaseArgs,
) -> Result<DatabaseRead> {
    let choice = choose(global, settings, project, args)?;
    let table = version_table(settings);
    let versions = read_versions(&choice.url, &table, args.timeout)
        .with_context(|| format!("cannot read the database from {}", choice.source))?;
    Ok(DatabaseRead {
        choice,
        table,
        versions,
    })
}
