//! Reads the revision(s) a real database is at: the rows of Alembic's version table
//! (`alembic_version` unless configured otherwise), for `migcheck status`.
//!
//! The table is looked up as Alembic's `MigrationContext.get_current_heads` does it:
//! first whether the table exists (SQLAlchemy's `has_table`), then
//! `SELECT version_num FROM <table>`. A missing table, an empty table and a table with
//! several rows (one per branch head) are three different answers. SQLite files are
//! opened read-only and never created; PostgreSQL is reached over plain TCP or a Unix
//! socket (no TLS) within one overall timeout. MySQL and MariaDB are recognised and
//! refused with a clear error. No error message ever contains the password.

mod postgres;
mod sqlite;
mod url;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

pub use url::{Backend, DatabaseUrl, Password};

/// Alembic's version table: `version_table` and `version_table_schema` in `env.py`'s
/// `context.configure(...)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionTable {
    pub name: String,
    pub schema: Option<String>,
}

impl VersionTable {
    pub fn new(name: impl Into<String>, schema: Option<String>) -> Self {
        Self {
            name: name.into(),
            schema,
        }
    }
}

/// `alembic_version` in the default schema, as Alembic uses unless told otherwise.
impl Default for VersionTable {
    fn default() -> Self {
        Self::new("alembic_version", None)
    }
}

impl fmt::Display for VersionTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.schema {
            Some(schema) => write!(f, "{schema}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// What the version table says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbVersions {
    /// The table does not exist: Alembic has never run against this database.
    NoVersionTable,
    /// The table's rows in the order the database returned them: none (the table exists
    /// but is empty, e.g. after `alembic downgrade base`), one, or one per branch head.
    Versions(Vec<String>),
}

/// Why the versions could not be read. Every message is one line and names the
/// database (host, port, database or file) but never the password.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("invalid database URL: {reason}")]
    InvalidUrl { reason: String },
    #[error(
        "database dialect `{dialect}` is not supported: migcheck reads PostgreSQL and SQLite databases"
    )]
    UnsupportedDialect { dialect: String },
    #[error("MySQL is not supported by this build of migcheck (dialect `{dialect}`)")]
    MysqlUnsupported { dialect: String },
    #[error("no database file at `{}`", path.display())]
    NoDatabaseFile { path: PathBuf },
    #[error("cannot read SQLite database `{}`: {message}", path.display())]
    Sqlite { path: PathBuf, message: String },
    #[error("cannot connect to PostgreSQL at {target}: {message}")]
    Connect { target: String, message: String },
    #[error("PostgreSQL at {target} did not answer within {}", seconds(*timeout))]
    Timeout { target: String, timeout: Duration },
    #[error(
        "PostgreSQL at {target}: {setting} asks for TLS, which this build of migcheck does not support; use sslmode=disable or prefer"
    )]
    TlsUnsupported { target: String, setting: String },
    #[error("cannot read version table `{table}` from PostgreSQL at {target}: {message}")]
    Query {
        target: String,
        table: String,
        message: String,
    },
    #[error(
        "version table `{table}` in {target} holds a value that is not a revision id: {detail}"
    )]
    UnexpectedValue {
        target: String,
        table: String,
        detail: String,
    },
}

/// Reads the rows of the version table of the database `url` names, within `timeout`
/// (connecting included).
pub fn read_versions(
    url: &DatabaseUrl,
    table: &VersionTable,
    timeout: Duration,
) -> Result<DbVersions, DbError> {
    match url.backend() {
        Backend::Sqlite => sqlite::read_versions(url, table, timeout),
        Backend::Postgres => postgres::read_versions(url, table, timeout),
        Backend::Mysql => Err(DbError::MysqlUnsupported {
            dialect: url.drivername().to_owned(),
        }),
        Backend::Other => Err(DbError::UnsupportedDialect {
            dialect: url.drivername().to_owned(),
        }),
    }
}

/// A timeout for people: `5s`, `1.5s`, `0.25s`.
fn seconds(duration: Duration) -> String {
    format!("{}s", duration.as_secs_f64())
}

/// A driver's message with every secret replaced by `***`, on one line.
/// Servers do not echo passwords, but a message is scrubbed before it is kept all the
/// same; secrets shorter than four characters are left alone, as replacing them would
/// mangle ordinary words without protecting anything.
fn scrub<'a>(message: &str, secrets: impl IntoIterator<Item = &'a str>) -> String {
    let mut message = message.split_whitespace().collect::<Vec<_>>().join(" ");
    for secret in secrets {
        if secret.chars().count() >= 4 {
            message = message.replace(secret, "***");
        }
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_table_display() {
        assert_eq!(VersionTable::default().to_string(), "alembic_version");
        let table = VersionTable::new("versions", Some("meta".into()));
        assert_eq!(table.to_string(), "meta.versions");
    }

    #[test]
    fn mysql_and_other_dialects_are_refused_clearly() {
        let table = VersionTable::default();
        let url = DatabaseUrl::parse("mysql+pymysql://u:secretpw@127.0.0.1/db").unwrap();
        let err = read_versions(&url, &table, Duration::from_secs(1)).unwrap_err();
        assert!(matches!(err, DbError::MysqlUnsupported { .. }));
        assert_eq!(
            err.to_string(),
            "MySQL is not supported by this build of migcheck (dialect `mysql+pymysql`)"
        );
        let url = DatabaseUrl::parse("mssql+pyodbc://u:secretpw@host/db").unwrap();
        let err = read_versions(&url, &table, Duration::from_secs(1)).unwrap_err();
        assert!(err.to_string().contains("`mssql+pyodbc` is not supported"));
    }

    #[test]
    fn scrub_removes_secrets_and_line_breaks() {
        let url = DatabaseUrl::parse("postgresql://u:hunter22@h/d?password=other-secret").unwrap();
        assert_eq!(
            scrub("bad hunter22\nand other-secret", url.secrets()),
            "bad *** and ***"
        );
    }

    #[test]
    fn timeout_is_shown_in_seconds() {
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5s");
        assert_eq!(seconds(Duration::from_secs(5)), "5s");
    }
}
