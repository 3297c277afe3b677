//! `migcheck plan` against SQLite databases migrated by real Alembic: the
//! pending revisions in the order `alembic upgrade head` applies them, each
//! with its message, whether it can be undone and its findings.

mod status_common;
mod support;

use serde_json::Value;
use status_common::{pending_ids, revision_source_with, LiveRepo, Rev};

/// `a` applied; `b` (a TODO, then a dropped column: a dangerous operation
/// below an error; a real downgrade), `c` (drops a table, raises on
/// downgrade) and `d` (downgrade only passes) pending.
fn pending_three() -> LiveRepo {
    let revs = [
        Rev::new("aaaa0001", &[]),
        Rev::new("bbbb0002", &["aaaa0001"]),
        Rev::new("cccc0003", &["bbbb0002"]),
        Rev::new("dddd0004", &["cccc0003"]),
    ];
    let live = LiveRepo::new(&revs);
    live.repo.write(
        &LiveRepo::path_of(&revs[1]),
        revision_source_with(
            &revs[1],
            "    # TODO: backfill before making it required\n    op.add_column(\"users\", sa.Column(\"email\", sa.String()))\n    op.drop_column(\"users\", \"legacy_email\")\n",
            "    op.drop_column(\"users\", \"email\")",
        ),
    );
    live.repo.write(
        &LiveRepo::path_of(&revs[2]),
        revision_source_with(
            &revs[2],
            "    op.drop_table(\"legacy\")\n",
            "    raise NotImplementedError(\"legacy is gone for good\")",
        ),
    );
    live.repo.commit_all("pending migrations");
    let db = rusqlite::Connection::open(live.repo.path().join("app.db")).unwrap();
    db.execute_batch(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, legacy_email TEXT); CREATE TABLE legacy (id INTEGER);",
    )
    .unwrap();
    drop(db);
    live.alembic_ok(&["upgrade", "aaaa0001"]);
    live
}

#[test]
fn plan_text_lists_steps_downgrades_findings_and_the_safe_flow() {
    let live = pending_three();
    insta::assert_snapshot!(live.repo.run_snapshot(&["plan"]));
}

#[test]
fn plan_json_follows_alembic_order_and_reports_downgrades() {
    let live = pending_three();
    let (code, stdout, stderr) = live.repo.run(&["plan", "--output-format", "json"]);
    assert_eq!(code, 1, "an error finding fails the plan\n{stdout}{stderr}");
    let plan: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(plan["state"], "behind");
    let kinds: Vec<&str> = plan["pending"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["downgrade"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["real", "raises", "empty"]);
    assert_eq!(
        plan["pending"][1]["downgrade"]["exception"],
        "NotImplementedError"
    );
    // Dangerous operations first, even below an error.
    let findings = &plan["pending"][0]["findings"];
    assert_eq!(findings[0]["code"], "MC301", "{plan:#}");
    assert_eq!(findings[0]["location"]["line"], 26);
    assert_eq!(findings[1]["code"], "MC202", "{plan:#}");
    assert_eq!(findings[1]["location"]["line"], 24);
    assert_eq!(plan["pending"][1]["findings"][0]["code"], "MC302");
    assert_eq!(plan["summary"]["errors"], 1);
    // A downgrade that does nothing is a warning of its own.
    assert_eq!(
        plan["pending"][2]["findings"][0]["code"], "MC204",
        "{plan:#}"
    );
    // The same order as status, and as Alembic.
    let (_, status) = live.status_json(&[]);
    assert_eq!(pending_ids(&plan), pending_ids(&status));
    assert_eq!(pending_ids(&plan), live.upgrade_and_log("head"));
}

#[test]
fn plan_of_an_up_to_date_database_is_empty_and_passes() {
    let live = LiveRepo::new(&[Rev::new("aaaa0001", &[])]);
    live.alembic_ok(&["upgrade", "head"]);
    let (code, stdout, _) = live.repo.run(&["plan"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("Nothing to apply."), "{stdout}");
    assert!(!stdout.contains("To apply it safely"), "{stdout}");
}

#[test]
fn pending_revisions_without_findings_do_not_fail_the_plan() {
    let live = LiveRepo::new(&[
        Rev::new("aaaa0001", &[]),
        Rev::new("bbbb0002", &["aaaa0001"]),
    ]);
    live.alembic_ok(&["upgrade", "aaaa0001"]);
    let (code, stdout, _) = live.repo.run(&["plan"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("sqlite3 app.db \".backup 'app.db.bak'\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("alembic upgrade aaaa0001:head --sql > upgrade.sql"),
        "{stdout}"
    );
}

#[test]
fn plan_refuses_an_unknown_revision() {
    let live = LiveRepo::new(&[Rev::new("aaaa0001", &[])]);
    let db = rusqlite::Connection::open(live.repo.path().join("app.db")).unwrap();
    db.execute_batch(
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL); INSERT INTO alembic_version VALUES ('9999abcd');",
    )
    .unwrap();
    drop(db);
    let (code, stdout, _) = live.repo.run(&["plan"]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("No plan: Alembic cannot upgrade"),
        "{stdout}"
    );
}
