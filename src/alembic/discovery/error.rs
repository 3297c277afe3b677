//! What can stop discovery (`DiscoveryError`, one line each, naming the file)
//! and what does not (`DiscoveryWarning`): Alembic's own deprecation warnings,
//! and a `sqlalchemy.url` that cannot be read, which only `env.py` would trip on.

/// Why the Alembic setups of a repository could not be found or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiscoveryError {
    /// A file source could not read a file it has.
    #[error("cannot read {path}: {message}")]
    Read { path: String, message: String },
    #[error("{path}: not valid UTF-8")]
    NotUtf8 { path: String },
    /// Neither an ini file nor `[tool.alembic]` was found where Alembic looks.
    #[error("no Alembic configuration found: looked for {looked_for}; pass -c/--config")]
    NotFound { looked_for: String },
    /// A file named with `-c/--config` or in `projects` is not in the repository.
    #[error("Alembic configuration {path} not found in the repository")]
    ConfigMissing { path: String },
    /// `-c/--config` named two ini files or two `pyproject.toml` (Alembic's own messages).
    #[error("-c/--config: {0}")]
    ConflictingConfigs(String),
    #[error("{path}: {message}")]
    Ini { path: String, message: String },
    #[error("{path}: {message}")]
    Toml { path: String, message: String },
    #[error("{path}: [{section}] {option}: {message}")]
    Interpolation {
        path: String,
        section: String,
        option: String,
        message: String,
    },
    #[error(
        "{path}: '{value}' is not a valid value for {option}; \
         expected 'space', 'newline', 'os', ':', ';'"
    )]
    InvalidSeparator {
        path: String,
        option: String,
        value: String,
    },
    /// `looked_in` says where, e.g. "section [alembic] of alembic.ini".
    #[error("no `script_location` found in {looked_in}")]
    MissingScriptLocation {
        path: String,
        section: String,
        looked_in: String,
    },
    #[error("{path}: {option} `{value}` points outside the repository")]
    EscapesRepository {
        path: String,
        option: String,
        value: String,
    },
    #[error("{path}: {option} `{value}` is an absolute path outside the repository")]
    OutsideRepository {
        path: String,
        option: String,
        value: String,
    },
    #[error(
        "{path}: {option} `{value}`: package `{package}` not found in the repository \
         (searched {searched})"
    )]
    PackageNotFound {
        path: String,
        option: String,
        value: String,
        package: String,
        searched: String,
    },
    /// Alembic: "Path doesn't exist ... Please use the 'init' command".
    #[error(
        "{path}: script_location `{value}` is {location}, which does not exist in the repository"
    )]
    ScriptLocationMissing {
        path: String,
        value: String,
        location: String,
    },
    /// A path given to discovery (option or `projects`) that is not a repository path.
    #[error("invalid configuration path `{path}`: {reason}")]
    InvalidPath { path: String, reason: String },
}

/// A problem in a config that does not stop discovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiscoveryWarning {
    /// `sqlalchemy.url` fails interpolation: left unset. Alembic's commands that
    /// do not run `env.py` (heads, history) work; `env.py` would fail.
    SqlalchemyUrlUnreadable { config: String, message: String },
    /// `version_locations` without `path_separator`: split on spaces and commas.
    LegacyVersionLocationsSplit { config: String },
    /// `prepend_sys_path` without `path_separator`: split on spaces, commas and colons.
    LegacyPrependSysPathSplit { config: String },
    /// `version_path_separator` is used because `path_separator` is not set
    /// (Alembic 1.18 `DeprecationWarning`s, like the two above).
    VersionPathSeparatorDeprecated { config: String },
}

impl std::fmt::Display for DiscoveryWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DiscoveryWarning::LegacyVersionLocationsSplit { config } => write!(
                f,
                "{config}: no path_separator found in configuration; falling back to legacy \
                 splitting on spaces/commas for version_locations; consider adding \
                 path_separator=os to the Alembic config"
            ),
            DiscoveryWarning::LegacyPrependSysPathSplit { config } => write!(
                f,
                "{config}: no path_separator found in configuration; falling back to legacy \
                 splitting on spaces, commas, and colons for prepend_sys_path; consider \
                 adding path_separator=os to the Alembic config"
            ),
            DiscoveryWarning::SqlalchemyUrlUnreadable { config, message } => {
                write!(f, "{config}: sqlalchemy.url ignored: {message}")
            }
            DiscoveryWarning::VersionPathSeparatorDeprecated { config } => write!(
                f,
                "{config}: the version_path_separator configuration parameter is deprecated; \
                 use path_separator"
            ),
        }
    }
}
