//! `read_versions` on SQLite files written by real Alembic (`alembic stamp`): no file,
//! no version table, an empty table, one row, two rows, a custom table name, and the
//! file is only ever read.

mod db_common;

use std::time::{Duration, Instant};

use db_common::{missing_python_modules, prerequisite, AlembicProject, REV_B, REV_C};
use migcheck::db::{read_versions, DatabaseUrl, DbError, DbVersions, VersionTable};

const TIMEOUT: Duration = Duration::from_secs(5);

fn alembic_available(test: &str) -> bool {
    prerequisite(test, missing_python_modules(&["alembic", "sqlalchemy"]))
}

fn sqlite_url(path: &std::path::Path) -> DatabaseUrl {
    DatabaseUrl::parse(&format!("sqlite:///{}", path.display())).unwrap()
}

fn read(url: &DatabaseUrl, table: &VersionTable) -> DbVersions {
    match read_versions(url, table, TIMEOUT) {
        Ok(versions) => versions,
        Err(err) => panic!("{url}: {err}"),
    }
}

fn versions(mut list: Vec<&str>) -> DbVersions {
    list.sort();
    DbVersions::Versions(list.into_iter().map(str::to_owned).collect())
}

fn sorted(versions: DbVersions) -> DbVersions {
    match versions {
        DbVersions::Versions(mut list) => {
            list.sort();
            DbVersions::Versions(list)
        }
        other => other,
    }
}

#[test]
fn missing_file_is_no_database_file_and_is_not_created() {
    let (_dir, path) = db_common::temp_path("absent.db");
    let err = read_versions(&sqlite_url(&path), &VersionTable::default(), TIMEOUT).unwrap_err();
    match &err {
        DbError::NoDatabaseFile { path: shown } => assert_eq!(shown, &path),
        other => panic!("expected NoDatabaseFile, got {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        format!("no database file at `{}`", path.display())
    );
    assert!(!path.exists(), "reading must not create the database file");
}

#[test]
fn file_without_version_table() {
    let (_dir, path) = db_common::temp_path("app.db");
    let connection = rusqlite::Connection::open(&path).unwrap();
    connection
        .execute_batch("CREATE TABLE users (id INTEGER PRIMARY KEY)")
        .unwrap();
    drop(connection);
    assert_eq!(
        read(&sqlite_url(&path), &VersionTable::default()),
        DbVersions::NoVersionTable
    );
}

#[test]
fn one_row_after_stamp() {
    if !alembic_available("one_row_after_stamp") {
        return;
    }
    let project = AlembicProject::new();
    let path = project.path().join("app.db");
    let url = sqlite_url(&path);
    project.stamp(&url.to_string(), None, None, REV_B);
    assert_eq!(read(&url, &VersionTable::default()), versions(vec![REV_B]));
}

#[test]
fn two_rows_for_two_branch_heads() {
    if !alembic_available("two_rows_for_two_branch_heads") {
        return;
    }
    let project = AlembicProject::new();
    let url = sqlite_url(&project.path().join("app.db"));
    project.stamp(&url.to_string(), None, None, "heads");
    assert_eq!(
        sorted(read(&url, &VersionTable::default())),
        versions(vec![REV_B, REV_C])
    );
}

#[test]
fn empty_table_after_stamp_base_is_not_a_missing_table() {
    if !alembic_available("empty_table_after_stamp_base_is_not_a_missing_table") {
        return;
    }
    let project = AlembicProject::new();
    let url = sqlite_url(&project.path().join("app.db"));
    project.stamp(&url.to_string(), None, None, REV_B);
    project.stamp(&url.to_string(), None, None, "base");
    assert_eq!(
        read(&url, &VersionTable::default()),
        DbVersions::Versions(vec![])
    );
}

#[test]
fn custom_version_table_name() {
    if !alembic_available("custom_version_table_name") {
        return;
    }
    let project = AlembicProject::new();
    let url = sqlite_url(&project.path().join("app.db"));
    project.stamp(&url.to_string(), Some("schema_versions"), None, REV_C);
    assert_eq!(
        read(&url, &VersionTable::new("schema_versions", None)),
        versions(vec![REV_C])
    );
    assert_eq!(
        read(&url, &VersionTable::default()),
        DbVersions::NoVersionTable
    );
    // SQLite has one schema, `main`; any other is not there.
    assert_eq!(
        read(
            &url,
            &VersionTable::new("schema_versions", Some("main".into()))
        ),
        versions(vec![REV_C])
    );
    assert_eq!(
        read(
            &url,
            &VersionTable::new("schema_versions", Some("meta".into()))
        ),
        DbVersions::NoVersionTable
    );
}

#[test]
fn relative_path_resolves_against_the_base_dir() {
    if !alembic_available("relative_path_resolves_against_the_base_dir") {
        return;
    }
    let project = AlembicProject::new();
    project.stamp(
        &format!("sqlite:///{}", project.path().join("data.db").display()),
        None,
        None,
        REV_B,
    );
    let url = DatabaseUrl::parse("sqlite:///data.db")
        .unwrap()
        .with_base_dir(project.path());
    assert_eq!(read(&url, &VersionTable::default()), versions(vec![REV_B]));
}

#[test]
fn uri_mode_reads_a_file_uri() {
    if !alembic_available("uri_mode_reads_a_file_uri") {
        return;
    }
    let project = AlembicProject::new();
    let path = project.path().join("app.db");
    project.stamp(&format!("sqlite:///{}", path.display()), None, None, REV_B);
    let url = DatabaseUrl::parse(&format!(
        "sqlite:///file:{}?mode=ro&uri=true",
        path.display()
    ))
    .unwrap();
    assert_eq!(read(&url, &VersionTable::default()), versions(vec![REV_B]));
}

#[test]
fn reading_leaves_the_file_untouched() {
    if !alembic_available("reading_leaves_the_file_untouched") {
        return;
    }
    let project = AlembicProject::new();
    let path = project.path().join("app.db");
    let url = sqlite_url(&path);
    project.stamp(&url.to_string(), None, None, "heads");
    let before = std::fs::read(&path).unwrap();
    read(&url, &VersionTable::default());
    read(&url, &VersionTable::new("absent", None));
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(project.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("app.db-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_file_that_is_not_a_database_is_an_error_naming_it() {
    let (_dir, path) = db_common::temp_path("notes.db");
    std::fs::write(
        &path,
        "this is not a SQLite database, just text that is long enough",
    )
    .unwrap();
    let err = read_versions(&sqlite_url(&path), &VersionTable::default(), TIMEOUT).unwrap_err();
    assert!(matches!(err, DbError::Sqlite { .. }), "{err:?}");
    let shown = err.to_string();
    assert!(shown.contains(&path.display().to_string()), "{shown}");
    assert!(shown.contains("not a database"), "{shown}");
}

#[test]
fn in_memory_database_has_no_version_table() {
    for text in ["sqlite://", "sqlite:///:memory:"] {
        let url = DatabaseUrl::parse(text).unwrap();
        assert_eq!(
            read(&url, &VersionTable::default()),
            DbVersions::NoVersionTable
        );
    }
}

#[test]
fn a_locked_database_fails_within_the_timeout() {
    let (_dir, path) = db_common::temp_path("locked.db");
    let writer = rusqlite::Connection::open(&path).unwrap();
    writer
        .execute_batch(
            "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, \
             CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)); \
             INSERT INTO alembic_version VALUES ('abc'); \
             BEGIN EXCLUSIVE; UPDATE alembic_version SET version_num = 'def';",
        )
        .unwrap();
    let timeout = Duration::from_millis(300);
    let started = Instant::now();
    let result = read_versions(&sqlite_url(&path), &VersionTable::default(), timeout);
    let elapsed = started.elapsed();
    let err = result.unwrap_err();
    assert!(matches!(err, DbError::Sqlite { .. }), "{err:?}");
    assert!(err.to_string().contains("locked"), "{err}");
    assert!(
        elapsed >= timeout,
        "gave up after {elapsed:?}, before the busy timeout"
    );
    assert!(
        elapsed < timeout + Duration::from_secs(2),
        "took {elapsed:?}"
    );
    writer.execute_batch("COMMIT").unwrap();
    assert_eq!(
        read(&sqlite_url(&path), &VersionTable::default()),
        versions(vec!["def"])
    );
}
