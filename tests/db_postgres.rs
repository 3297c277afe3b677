//! `read_versions` on PostgreSQL: version tables written by real Alembic
//! (`alembic stamp`) in a fresh database per test on the server `.ci/postgres.sh`
//! starts, plus the failures a user meets: a wrong password (never shown), a closed
//! port, and a server that accepts the connection and never answers (bounded by the
//! timeout). Without `MIGCHECK_TEST_PG_URL` the server tests are skipped, or fail when
//! `CI` is set; the network-failure tests need no server and always run.

mod db_common;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use db_common::{fresh_pg_database, pg_url, AlembicProject, REV_B, REV_C};
use migcheck::db::{read_versions, DatabaseUrl, DbError, DbVersions, VersionTable};

const TIMEOUT: Duration = Duration::from_secs(10);

fn parse(url: &str) -> DatabaseUrl {
    DatabaseUrl::parse(url).unwrap()
}

fn read(url: &str, table: &VersionTable) -> DbVersions {
    match read_versions(&parse(url), table, TIMEOUT) {
        Ok(versions) => versions,
        Err(err) => panic!("{}: {err}", parse(url)),
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

/// A fresh database named after the test, or `None` when the test is skipped.
fn database(test: &str) -> Option<String> {
    let server = pg_url(test)?;
    Some(fresh_pg_database(&server, &format!("mc_{test}")))
}

#[test]
fn fresh_database_has_no_version_table() {
    let Some(url) = database("fresh_database_has_no_version_table") else {
        return;
    };
    assert_eq!(
        read(&url, &VersionTable::default()),
        DbVersions::NoVersionTable
    );
}

#[test]
fn one_row_after_stamp() {
    let Some(url) = database("one_row_after_stamp") else {
        return;
    };
    AlembicProject::new().stamp(&url, None, None, REV_B);
    assert_eq!(read(&url, &VersionTable::default()), versions(vec![REV_B]));
}

#[test]
fn two_rows_for_two_branch_heads() {
    let Some(url) = database("two_rows_for_two_branch_heads") else {
        return;
    };
    AlembicProject::new().stamp(&url, None, None, "heads");
    assert_eq!(
        sorted(read(&url, &VersionTable::default())),
        versions(vec![REV_B, REV_C])
    );
}

#[test]
fn empty_table_after_stamp_base_is_not_a_missing_table() {
    let Some(url) = database("empty_table_after_stamp_base") else {
        return;
    };
    let project = AlembicProject::new();
    project.stamp(&url, None, None, REV_B);
    project.stamp(&url, None, None, "base");
    assert_eq!(
        read(&url, &VersionTable::default()),
        DbVersions::Versions(vec![])
    );
}

#[test]
fn custom_version_table_name() {
    let Some(url) = database("custom_version_table_name") else {
        return;
    };
    AlembicProject::new().stamp(&url, Some("schema_versions"), None, REV_C);
    assert_eq!(
        read(&url, &VersionTable::new("schema_versions", None)),
        versions(vec![REV_C])
    );
    assert_eq!(
        read(&url, &VersionTable::default()),
        DbVersions::NoVersionTable
    );
}

#[test]
fn schema_qualified_version_table() {
    let Some(url) = database("schema_qualified_version_table") else {
        return;
    };
    AlembicProject::new().stamp(&url, None, Some("meta"), "heads");
    let in_meta = VersionTable::new("alembic_version", Some("meta".into()));
    assert_eq!(sorted(read(&url, &in_meta)), versions(vec![REV_B, REV_C]));
    // `meta` is not on the search path, and `public` holds no version table.
    assert_eq!(
        read(&url, &VersionTable::default()),
        DbVersions::NoVersionTable
    );
    let in_public = VersionTable::new("alembic_version", Some("public".into()));
    assert_eq!(read(&url, &in_public), DbVersions::NoVersionTable);
    // With `meta` on the search path (libpq's `options`), the bare name finds it.
    let with_path = format!("{url}?options=-csearch_path%3Dmeta");
    assert_eq!(
        sorted(read(&with_path, &VersionTable::default())),
        versions(vec![REV_B, REV_C])
    );
}

#[test]
fn mixed_case_names_are_kept_as_alembic_quotes_them() {
    let Some(url) = database("mixed_case_names") else {
        return;
    };
    AlembicProject::new().stamp(&url, Some("Versions"), Some("Meta"), REV_B);
    assert_eq!(
        read(&url, &VersionTable::new("Versions", Some("Meta".into()))),
        versions(vec![REV_B])
    );
    assert_eq!(
        read(&url, &VersionTable::new("versions", Some("meta".into()))),
        DbVersions::NoVersionTable
    );
}

#[test]
fn unix_socket_directory_in_the_query() {
    let Some(url) = database("unix_socket_directory") else {
        return;
    };
    let Ok(socket_dir) = std::env::var("MIGCHECK_TEST_PG_SOCKET_DIR") else {
        db_common::prerequisite(
            "unix_socket_directory_in_the_query",
            Some("MIGCHECK_TEST_PG_SOCKET_DIR is not set".into()),
        );
        return;
    };
    AlembicProject::new().stamp(&url, None, None, REV_C);
    let tcp = parse(&url);
    let (userinfo, _) = url.split_once('@').unwrap();
    let socket_url = format!(
        "{userinfo}@/{}?host={socket_dir}&port={}",
        tcp.database().unwrap(),
        tcp.port().unwrap()
    );
    assert_eq!(parse(&socket_url).host(), None);
    assert_eq!(
        read(&socket_url, &VersionTable::default()),
        versions(vec![REV_C])
    );
}

#[test]
fn wrong_password_is_reported_without_any_password() {
    let Some(url) = pg_url("wrong_password_is_reported_without_any_password") else {
        return;
    };
    let real = parse(&url);
    let real_password = real.password().unwrap().expose().to_owned();
    let wrong = "Wr0ng-S3cret-pw";
    let (scheme_user, rest) = url.split_once('@').unwrap();
    let (scheme_user, _) = scheme_user.rsplit_once(':').unwrap();
    let wrong_url = format!("{scheme_user}:{wrong}@{rest}");
    let err = read_versions(&parse(&wrong_url), &VersionTable::default(), TIMEOUT).unwrap_err();
    let shown = err.to_string();
    assert!(matches!(err, DbError::Connect { .. }), "{err:?}");
    assert!(shown.contains("password authentication failed"), "{shown}");
    assert!(
        shown.contains(&format!("127.0.0.1:{}", real.port().unwrap())),
        "{shown}"
    );
    assert!(shown.contains("database `migcheck`"), "{shown}");
    for secret in [wrong, real_password.as_str(), "Wr0ng", "S3cret"] {
        assert!(!shown.contains(secret), "{shown}");
        assert!(!format!("{err:?}").contains(secret), "{err:?}");
    }
    assert!(!shown.contains('\n'), "{shown}");
}

#[test]
fn missing_database_names_it() {
    let Some(url) = pg_url("missing_database_names_it") else {
        return;
    };
    let url = db_common::with_database(&url, "mc_no_such_database");
    let err = read_versions(&parse(&url), &VersionTable::default(), TIMEOUT).unwrap_err();
    let shown = err.to_string();
    assert!(
        shown.contains("\"mc_no_such_database\" does not exist"),
        "{shown}"
    );
    assert!(shown.contains("database `mc_no_such_database`"), "{shown}");
}

/// A port on 127.0.0.1 that nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}

#[test]
fn closed_port_fails_at_once_naming_host_and_port() {
    let port = closed_port();
    let url = format!("postgresql://app:Secret-pw-1@127.0.0.1:{port}/appdb");
    let timeout = Duration::from_secs(5);
    let started = Instant::now();
    let err = read_versions(&parse(&url), &VersionTable::default(), timeout).unwrap_err();
    let elapsed = started.elapsed();
    let shown = err.to_string();
    assert!(matches!(err, DbError::Connect { .. }), "{err:?}");
    assert!(
        shown.starts_with(&format!(
            "cannot connect to PostgreSQL at 127.0.0.1:{port}, database `appdb`, user `app`: "
        )),
        "{shown}"
    );
    assert!(shown.to_lowercase().contains("refused"), "{shown}");
    assert!(!shown.contains("Secret-pw-1"), "{shown}");
    assert!(elapsed < timeout, "took {elapsed:?}");
}

#[test]
fn server_that_never_answers_times_out() {
    // Accepts connections and keeps them open without a byte of reply: the TCP connect
    // succeeds, so only the overall deadline can end the wait.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let holder = std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().take(2) {
            match stream {
                Ok(stream) => held.push(stream),
                Err(_) => break,
            }
            std::thread::sleep(Duration::from_secs(3));
        }
        held
    });
    let url = format!("postgresql://app:Secret-pw-2@127.0.0.1:{port}/appdb");
    let timeout = Duration::from_millis(800);
    let started = Instant::now();
    let err = read_versions(&parse(&url), &VersionTable::default(), timeout).unwrap_err();
    let elapsed = started.elapsed();
    assert!(matches!(err, DbError::Timeout { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "PostgreSQL at 127.0.0.1:{port}, database `appdb`, user `app` did not answer within 0.8s"
        )
    );
    assert!(elapsed >= timeout, "gave up after {elapsed:?}");
    assert!(
        elapsed < timeout + Duration::from_secs(2),
        "took {elapsed:?}"
    );
    drop(holder);
}

#[test]
fn tls_required_by_the_url_is_refused_without_connecting() {
    let port = closed_port();
    let url = format!("postgresql://app:Secret-pw-3@127.0.0.1:{port}/appdb?sslmode=require");
    let err = read_versions(&parse(&url), &VersionTable::default(), TIMEOUT).unwrap_err();
    assert!(matches!(err, DbError::TlsUnsupported { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "PostgreSQL at 127.0.0.1:{port}, database `appdb`, user `app`: sslmode=require asks \
             for TLS, which this build of migcheck does not support; use sslmode=disable or prefer"
        )
    );
}

#[test]
fn server_requiring_tls_is_explained() {
    // `.ci/postgres.sh` refuses `migcheck_tls_only` on plain connections, as a server
    // with only `hostssl` lines does.
    let Some(url) = pg_url("server_requiring_tls_is_explained") else {
        return;
    };
    let (_, rest) = url.split_once('@').unwrap();
    let url = format!("postgresql://migcheck_tls_only:Secret-pw-4@{rest}");
    let err = read_versions(&parse(&url), &VersionTable::default(), TIMEOUT).unwrap_err();
    let shown = err.to_string();
    assert!(matches!(err, DbError::Connect { .. }), "{err:?}");
    assert!(shown.contains("no encryption"), "{shown}");
    assert!(
        shown.ends_with(
            "(the server may require TLS, which this build of migcheck does not support)"
        ),
        "{shown}"
    );
    assert!(!shown.contains("Secret-pw-4"), "{shown}");
}
