//! `migcheck status` and `plan` against PostgreSQL databases that real Alembic
//! migrated on the throwaway server of `.ci/postgres.sh`, and the failures a
//! user meets: a wrong password (never printed), a server that never answers
//! (bounded by the timeout), a closed port. The server tests are skipped without
//! `MIGCHECK_TEST_PG_URL`, and fail when `CI` is set; the network failures need
//! no server and always run.

mod db_common;
mod status_common;
mod support;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use db_common::{for_sqlalchemy, fresh_pg_database, pg_url};
use status_common::{ancestors, generate, pending_ids, LiveRepo};

/// A fresh database named `mc_<test>` and its URL, or `None` when skipped.
fn database(test: &str) -> Option<String> {
    let server = pg_url(test)?;
    Some(fresh_pg_database(&server, &format!("mc_{test}")))
}

fn status(live: &LiveRepo, url: &str) -> (i32, serde_json::Value) {
    live.status_json(&["--database-url", url])
}

#[test]
fn status_matches_alembic_upgrade_head_on_postgresql() {
    const TEST: &str = "status_matches_alembic_upgrade_head";
    let Some(server) = pg_url(TEST) else {
        return;
    };
    let revs = generate(42, 8);
    assert!(revs.iter().any(|r| r.down.len() > 1), "no merge point");
    let mut live = LiveRepo::new(&revs);
    // Single starting points (every other revision), then two branches at once.
    let mut starts: Vec<Vec<String>> = revs.iter().step_by(2).map(|r| vec![r.id.clone()]).collect();
    if let Some((a, b)) = revs.iter().find_map(|a| {
        revs.iter()
            .find(|b| {
                !ancestors(&revs, &a.id).contains(&b.id) && !ancestors(&revs, &b.id).contains(&a.id)
            })
            .map(|b| (a.id.clone(), b.id.clone()))
    }) {
        starts.push(vec![a, b]);
    }
    for start in &starts {
        let url = fresh_pg_database(&server, "mc_status_e2e");
        live.alembic_url = for_sqlalchemy(&url);
        for id in start {
            live.alembic_ok(&["upgrade", id]);
        }
        let (code, value) = status(&live, &url);
        let mut current: Vec<String> = value["current"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        current.sort();
        let mut expected = start.clone();
        expected.sort();
        assert_eq!(current, expected, "{value:#}");
        let applied = live.upgrade_and_log("head");
        assert_eq!(pending_ids(&value), applied, "database at {start:?}");
        assert_eq!(code, if applied.is_empty() { 0 } else { 1 });
        // The plan lists the same revisions, in the same order.
        let (_, plan, _) =
            live.repo
                .run(&["plan", "--output-format", "json", "--database-url", &url]);
        let plan: serde_json::Value = serde_json::from_str(&plan).unwrap();
        assert_eq!(plan["state"], "up_to_date");
        assert_eq!(status(&live, &url).1["state"], "up_to_date");
    }
}

#[test]
fn fresh_postgresql_database_was_never_migrated() {
    let Some(url) = database("fresh_never_migrated") else {
        return;
    };
    let revs = generate(8, 5);
    let mut live = LiveRepo::new(&revs);
    let (code, value) = status(&live, &url);
    assert_eq!(
        (code, value["state"].as_str()),
        (1, Some("no_version_table"))
    );
    live.alembic_url = for_sqlalchemy(&url);
    assert_eq!(pending_ids(&value), live.upgrade_and_log("head"));
    // The database URL is shown without its password.
    assert!(value["database"]
        .as_str()
        .unwrap()
        .starts_with("postgresql://migcheck:***@127.0.0.1:"));
}

#[test]
fn wrong_password_is_never_printed() {
    let Some(url) = database("wrong_password") else {
        return;
    };
    let live = LiveRepo::new(&generate(9, 3));
    let (_, rest) = url.split_once("://migcheck:").unwrap();
    let (real_password, server) = rest.split_once('@').unwrap();
    let wrong = format!("postgresql://migcheck:Wr0ngPassw0rd-zz9@{server}");
    for args in [
        vec!["status", "--database-url", &wrong],
        vec![
            "status",
            "--output-format",
            "json",
            "--database-url",
            &wrong,
        ],
        vec!["plan", "--database-url", &wrong],
        vec!["history", "-r", "current:", "--database-url", &wrong],
    ] {
        let (code, stdout, stderr) = live.repo.run(&args);
        assert_eq!(code, 2, "{args:?}: {stdout}{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.contains("password authentication failed"),
            "{stderr}"
        );
        for secret in ["Wr0ngPassw0rd-zz9", real_password, "mc p@ss:w/rd%1"] {
            assert!(
                !stdout.contains(secret),
                "{args:?} printed a password: {stdout}"
            );
            assert!(
                !stderr.contains(secret),
                "{args:?} printed a password: {stderr}"
            );
        }
    }
    // The same through the environment.
    let out = live
        .repo
        .migcheck()
        .arg("status")
        .env("DATABASE_URL", &wrong)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("from $DATABASE_URL"), "{stderr}");
    assert!(!stderr.contains("Wr0ngPassw0rd-zz9"), "{stderr}");
}

#[test]
fn unreachable_server_fails_within_the_timeout() {
    // A server that accepts connections and never says a word.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let live = LiveRepo::new(&generate(10, 2));
    let url = format!("postgresql://app:T0pSecret-pw@127.0.0.1:{port}/app");
    let started = Instant::now();
    let (code, stdout, stderr) =
        live.repo
            .run(&["status", "--database-url", &url, "--timeout", "1"]);
    let took = started.elapsed();
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(took < Duration::from_secs(8), "took {took:?}");
    assert!(took >= Duration::from_millis(900), "took {took:?}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("did not answer within 1s"), "{stderr}");
    assert!(!stderr.contains("T0pSecret-pw"), "{stderr}");
    drop(silent);
}

#[test]
fn closed_port_fails_at_once_with_one_line() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let live = LiveRepo::new(&generate(11, 2));
    let url = format!("postgresql://app:T0pSecret-pw@127.0.0.1:{port}/app");
    let started = Instant::now();
    let (code, stdout, stderr) = live.repo.run(&["status", "--database-url", &url]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("migcheck: error: cannot read the database from --database-url: cannot connect to PostgreSQL at 127.0.0.1:"),
        "{stderr}"
    );
    assert!(!stderr.contains("T0pSecret-pw"), "{stderr}");
}
