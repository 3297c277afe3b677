//! The version table of a SQLite database, read with the bundled SQLite.
//!
//! The file is opened read-only and is never created: a missing file is
//! [`DbError::NoDatabaseFile`], where Alembic would silently create an empty database.
//! The path comes from the URL as SQLAlchemy's pysqlite dialect reads it: `sqlite://` and
//! `sqlite:///:memory:` are a fresh in-memory database, a relative path resolves against
//! the URL's base directory (Alembic: the working directory), and `?uri=true` passes the
//! path and the remaining query to SQLite as a `file:` URI.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::{DatabaseUrl, DbError, DbVersions, VersionTable};

/// The query keys SQLAlchemy hands to `sqlite3.connect` rather than to a SQLite URI.
const PYSQLITE_ARGS: &[&str] = &[
    "uri",
    "timeout",
    "isolation_level",
    "detect_types",
    "check_same_thread",
    "cached_statements",
];

/// What a SQLite URL points at.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    Memory,
    File(PathBuf),
    /// A SQLite `file:` URI (`?uri=true`), opened as SQLite reads it.
    Uri(String),
}

pub(super) fn read_versions(
    url: &DatabaseUrl,
    table: &VersionTable,
    timeout: Duration,
) -> Result<DbVersions, DbError> {
    let target = resolve(url)?;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let (path, connection) = match &target {
        Target::Memory => {
            let path = PathBuf::from(":memory:");
            let connection = Connection::open_in_memory_with_flags(flags);
            (path, connection)
        }
        Target::File(path) => {
            if let Err(err) = std::fs::metadata(path) {
                return Err(if err.kind() == std::io::ErrorKind::NotFound {
                    DbError::NoDatabaseFile { path: path.clone() }
                } else {
                    DbError::Sqlite {
                        path: path.clone(),
                        message: err.to_string(),
                    }
                });
            }
            (path.clone(), Connection::open_with_flags(path, flags))
        }
        Target::Uri(uri) => (
            PathBuf::from(uri),
            Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI),
        ),
    };
    let fail = |err: rusqlite::Error| DbError::Sqlite {
        path: path.clone(),
        message: err.to_string(),
    };
    let connection = connection.map_err(fail)?;
    connection.busy_timeout(timeout).map_err(fail)?;
    if !has_table(&connection, table).map_err(fail)? {
        return Ok(DbVersions::NoVersionTable);
    }
    select_versions(&connection, table, &path)
}

/// Where the URL points, following SQLAlchemy's `SQLiteDialect_pysqlite.create_connect_args`.
fn resolve(url: &DatabaseUrl) -> Result<Target, DbError> {
    if let Some(uri) = url.query_value("uri") {
        if as_bool(uri)? {
            let mut options: Vec<_> = url
                .query()
                .iter()
                .filter(|(key, _)| !PYSQLITE_ARGS.contains(&key.as_str()))
                .collect();
            options.sort_by(|a, b| a.0.cmp(&b.0));
            let mut uri = url.database().unwrap_or_default().to_owned();
            for (i, (key, value)) in options.into_iter().enumerate() {
                uri.push(if i == 0 { '?' } else { '&' });
                uri.push_str(&format!("{key}={value}"));
            }
            return Ok(Target::Uri(uri));
        }
    }
    match url.database() {
        None | Some("") | Some(":memory:") => Ok(Target::Memory),
        Some(database) => {
            let path = Path::new(database);
            let path = match url.base_dir() {
                Some(base) if path.is_relative() => base.join(path),
                _ => std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
            };
            Ok(Target::File(path))
        }
    }
}

/// SQLAlchemy's `util.asbool`, which reads `?uri=`.
fn as_bool(text: &str) -> Result<bool, DbError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "y" | "t" | "1" => Ok(true),
        "false" | "no" | "off" | "n" | "f" | "0" => Ok(false),
        _ => Err(DbError::InvalidUrl {
            reason: format!("`uri={text}` is neither true nor false"),
        }),
    }
}

/// SQLAlchemy's SQLite `has_table`: `PRAGMA main.table_info(...)` then `temp`, or the
/// named attached database if it exists.
fn has_table(connection: &Connection, table: &VersionTable) -> rusqlite::Result<bool> {
    let schemas = match &table.schema {
        Some(schema) => {
            let mut statement = connection.prepare("PRAGMA database_list")?;
            let names = statement
                .query_map([], |row| row.get::<_, String>(1))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            if !names.iter().any(|name| name == schema && name != "temp") {
                return Ok(false);
            }
            vec![quote(schema)]
        }
        None => vec!["main".to_owned(), "temp".to_owned()],
    };
    for schema in schemas {
        let sql = format!("PRAGMA {schema}.table_info({})", quote(&table.name));
        let mut statement = connection.prepare(&sql)?;
        if statement.query([])?.next()?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `SELECT <table>.version_num FROM [<schema>.]<table>`, as Alembic emits it.
fn select_versions(
    connection: &Connection,
    table: &VersionTable,
    path: &Path,
) -> Result<DbVersions, DbError> {
    let from = match &table.schema {
        Some(schema) => format!("{}.{}", quote(schema), quote(&table.name)),
        None => quote(&table.name),
    };
    let sql = format!("SELECT {}.version_num FROM {from}", quote(&table.name));
    let fail = |err: rusqlite::Error| DbError::Sqlite {
        path: path.to_path_buf(),
        message: err.to_string(),
    };
    let mut statement = connection.prepare(&sql).map_err(fail)?;
    let mut rows = statement.query([]).map_err(fail)?;
    let mut versions = Vec::new();
    while let Some(row) = rows.next().map_err(fail)? {
        let value = row.get_ref(0).map_err(fail)?;
        versions.push(match value {
            ValueRef::Text(text) => String::from_utf8_lossy(text).into_owned(),
            ValueRef::Integer(number) => number.to_string(),
            other => {
                return Err(DbError::UnexpectedValue {
                    target: path.display().to_string(),
                    table: table.to_string(),
                    detail: format!("a {} value", other.data_type()),
                })
            }
        });
    }
    Ok(DbVersions::Versions(versions))
}

/// A SQLite identifier in double quotes.
fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target_of(text: &str) -> Target {
        resolve(&DatabaseUrl::parse(text).unwrap()).unwrap()
    }

    #[test]
    fn memory_urls() {
        assert_eq!(target_of("sqlite://"), Target::Memory);
        assert_eq!(target_of("sqlite:///"), Target::Memory);
        assert_eq!(target_of("sqlite:///:memory:"), Target::Memory);
    }

    #[test]
    fn relative_path_resolves_against_base_dir_or_cwd() {
        let url = DatabaseUrl::parse("sqlite:///data/app.db").unwrap();
        let with_base = url.clone().with_base_dir("/srv/project");
        assert_eq!(
            resolve(&with_base).unwrap(),
            Target::File(PathBuf::from("/srv/project/data/app.db"))
        );
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(
            resolve(&url).unwrap(),
            Target::File(cwd.join("data/app.db"))
        );
        let absolute = DatabaseUrl::parse("sqlite:////var/app.db").unwrap();
        assert_eq!(
            resolve(&absolute.with_base_dir("/srv")).unwrap(),
            Target::File(PathBuf::from("/var/app.db"))
        );
    }

    #[test]
    fn uri_mode_keeps_sqlite_options_only() {
        assert_eq!(
            target_of("sqlite:///file:app.db?uri=true&timeout=5&mode=ro&cache=shared"),
            Target::Uri("file:app.db?cache=shared&mode=ro".into())
        );
        assert_eq!(
            target_of("sqlite:///app.db?uri=false&mode=ro"),
            Target::File(std::env::current_dir().unwrap().join("app.db"))
        );
        let url = DatabaseUrl::parse("sqlite:///app.db?uri=maybe").unwrap();
        assert!(resolve(&url).is_err());
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote("alembic_version"), "\"alembic_version\"");
        assert_eq!(quote("we\"ird"), "\"we\"\"ird\"");
    }
}
