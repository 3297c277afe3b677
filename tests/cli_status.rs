//! `migcheck status` and `migcheck plan` against SQLite databases that real
//! Alembic migrated, in real git repositories. The proof: from every revision of
//! generated histories with branch and merge points (and from databases on two
//! branches at once), `migcheck status` lists exactly the revisions that
//! `alembic upgrade head` then applies, in the same order.

mod status_common;
mod support;

use serde_json::Value;
use status_common::{ancestors, generate, pending_ids, revision_source, LiveRepo, Rev};

fn ids(value: &Value, key: &str) -> Vec<String> {
    value[key]
        .as_array()
        .unwrap_or_else(|| panic!("no `{key}` in {value}"))
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect()
}

fn fresh_database(live: &LiveRepo) {
    let _ = std::fs::remove_file(live.repo.path().join("app.db"));
}

/// Rows written straight into `alembic_version` of `app.db`.
fn set_rows(live: &LiveRepo, rows: &[&str]) {
    let db = rusqlite::Connection::open(live.repo.path().join("app.db")).unwrap();
    db.execute_batch(
        "CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY); DELETE FROM alembic_version;",
    )
    .unwrap();
    for row in rows {
        db.execute("INSERT INTO alembic_version VALUES (?1)", [row])
            .unwrap();
    }
}

#[test]
fn status_lists_what_alembic_upgrade_head_applies_from_every_revision() {
    for seed in [7_u64, 1234] {
        let revs = generate(seed, 9);
        assert!(
            revs.iter().any(|r| r.down.len() > 1),
            "seed {seed}: no merge point"
        );
        let live = LiveRepo::new(&revs);
        for start in &revs {
            fresh_database(&live);
            live.alembic_ok(&["upgrade", &start.id]);
            let (code, status) = live.status_json(&[]);
            let pending = pending_ids(&status);
            let applied = live.upgrade_and_log("head");
            assert_eq!(
                pending, applied,
                "seed {seed}, database at {}: migcheck status vs alembic upgrade head\n{status:#}",
                start.id
            );
            let expected_state = if applied.is_empty() {
                "up_to_date"
            } else {
                "behind"
            };
            assert_eq!(status["state"], expected_state, "seed {seed}: {status:#}");
            assert_eq!(code, if applied.is_empty() { 0 } else { 1 });
            assert_eq!(ids(&status, "current"), [start.id.as_str()]);
            let (code, after) = live.status_json(&[]);
            assert_eq!((code, after["state"].as_str()), (0, Some("up_to_date")));
        }
    }
}

#[test]
fn database_on_two_branches_has_two_rows_and_the_same_plan_as_alembic() {
    let revs = generate(99, 10);
    let live = LiveRepo::new(&revs);
    // Two revisions neither of which lies below the other.
    let mut pairs = Vec::new();
    for a in &revs {
        for b in &revs {
            if a.id < b.id
                && !ancestors(&revs, &a.id).contains(&b.id)
                && !ancestors(&revs, &b.id).contains(&a.id)
            {
                pairs.push((a.id.clone(), b.id.clone()));
            }
        }
    }
    assert!(!pairs.is_empty(), "the history has no parallel branches");
    for (a, b) in pairs.iter().take(4) {
        fresh_database(&live);
        live.alembic_ok(&["upgrade", a]);
        live.alembic_ok(&["upgrade", b]);
        let (code, status) = live.status_json(&[]);
        let mut current = ids(&status, "current");
        current.sort();
        assert_eq!(current, [a.clone(), b.clone()], "{status:#}");
        let applied = live.upgrade_and_log("head");
        assert_eq!(pending_ids(&status), applied, "database at {a} and {b}");
        assert_eq!(code, 1);
    }
}

#[test]
fn never_migrated_database_has_everything_pending() {
    let revs = generate(5, 6);
    let live = LiveRepo::new(&revs);
    let db = rusqlite::Connection::open(live.repo.path().join("app.db")).unwrap();
    db.execute_batch("CREATE TABLE users (id INTEGER PRIMARY KEY);")
        .unwrap();
    drop(db);
    let (code, status) = live.status_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(status["state"], "no_version_table");
    assert_eq!(ids(&status, "current"), Vec::<String>::new());
    let applied = live.upgrade_and_log("head");
    assert_eq!(applied.len(), revs.len());
    assert_eq!(pending_ids(&status), applied);
}

#[test]
fn never_migrated_text_says_so() {
    let live = LiveRepo::new(&[
        Rev::new("aaaa0001", &[]),
        Rev::new("bbbb0002", &["aaaa0001"]),
    ]);
    rusqlite::Connection::open(live.repo.path().join("app.db"))
        .unwrap()
        .execute_batch("CREATE TABLE t (x INTEGER);")
        .unwrap();
    insta::assert_snapshot!(live.repo.run_snapshot(&["status"]));
}

#[test]
fn empty_version_table_after_downgrade_base_is_behind() {
    let live = LiveRepo::new(&[
        Rev::new("aaaa0001", &[]),
        Rev::new("bbbb0002", &["aaaa0001"]),
    ]);
    live.alembic_ok(&["upgrade", "head"]);
    live.alembic_ok(&["downgrade", "base"]);
    let (code, status) = live.status_json(&[]);
    assert_eq!((code, status["state"].as_str()), (1, Some("behind")));
    assert_eq!(pending_ids(&status), ["aaaa0001", "bbbb0002"]);
    let (_, text, _) = live.repo.run(&["status"]);
    assert!(text.contains("the version table is empty"), "{text}");
}

#[test]
fn missing_database_file_cannot_be_checked() {
    let live = LiveRepo::new(&[Rev::new("aaaa0001", &[])]);
    let (code, stdout, stderr) = live.repo.run(&["status"]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no database file at"), "{stderr}");
    assert!(stderr.contains("app.db"), "{stderr}");
    // JSON keeps its shape, for dashboards.
    let (code, status) = live.status_json(&[]);
    assert_eq!(code, 2);
    assert_eq!(status["state"], "error");
    assert!(status["error"]
        .as_str()
        .unwrap()
        .contains("no database file"));
}

#[test]
fn database_migrated_on_another_branch_is_unknown() {
    let base = [
        Rev::new("aaaa0001", &[]),
        Rev::new("bbbb0002", &["aaaa0001"]),
    ];
    let live = LiveRepo::new(&base);
    live.repo.git(&["checkout", "-q", "-b", "feature"]);
    let feature = Rev::new("ffff0003", &["bbbb0002"]);
    live.repo
        .write(&LiveRepo::path_of(&feature), revision_source(&feature, ""));
    live.repo.commit_all("feature migration");
    live.alembic_ok(&["upgrade", "head"]);
    live.repo.git(&["checkout", "-q", "main"]);

    let (code, status) = live.status_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(status["state"], "unknown");
    assert_eq!(ids(&status, "unknown"), ["ffff0003"]);
    assert_eq!(ids(&status, "nearest_known"), Vec::<String>::new());
    assert_eq!(pending_ids(&status), Vec::<String>::new());
    // Alembic agrees that it cannot upgrade from there.
    let out = live.alembic(&["upgrade", "head"]);
    assert!(!out.status.success());
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("Can't locate revision identified by 'ffff0003'"),
        "{said}"
    );
    insta::assert_snapshot!(live.repo.run_snapshot(&["status"]));
}

#[test]
fn unknown_row_next_to_a_known_one_names_the_nearest_known() {
    let live = LiveRepo::new(&[
        Rev::new("aaaa0001", &[]),
        Rev::new("bbbb0002", &["aaaa0001"]),
        Rev::new("cccc0003", &["aaaa0001"]),
    ]);
    set_rows(&live, &["bbbb0002", "eeee0009"]);
    let (code, status) = live.status_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(status["state"], "unknown");
    assert_eq!(ids(&status, "nearest_known"), ["bbbb0002"]);
    let (_, text, _) = live.repo.run(&["status"]);
    assert!(text.contains("nearest known: bbbb0002"), "{text}");
}

#[test]
fn several_heads_warn_and_fail_even_when_applied() {
    let live = LiveRepo::new(&[
        Rev::new("aaaa0001", &[]),
        Rev::new("bbbb0002", &["aaaa0001"]),
        Rev::new("cccc0003", &["aaaa0001"]),
    ]);
    live.alembic_ok(&["upgrade", "heads"]);
    let (code, status) = live.status_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(status["state"], "up_to_date");
    assert_eq!(status["several_heads"], true);
    let (code, text, _) = live.repo.run(&["status"]);
    assert_eq!(code, 1);
    assert!(
        text.contains("warning: the checkout has 2 heads (bbbb0002, cccc0003)"),
        "{text}"
    );
    assert!(
        text.contains("alembic merge -m \"merge heads\" bbbb0002 cccc0003"),
        "{text}"
    );
}

#[test]
fn labelled_branches_are_not_several_heads() {
    let live = LiveRepo::new(&[
        Rev::new("aaaa0001", &[]),
        Rev::new("bbbb0002", &["aaaa0001"]).labels(&["expand"]),
        Rev::new("cccc0003", &["aaaa0001"]).labels(&["contract"]),
    ]);
    live.alembic_ok(&["upgrade", "expand@head"]);
    let (code, status) = live.status_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(status["several_heads"], false);
    assert_eq!(pending_ids(&status), live.upgrade_and_log("heads"));
    assert_eq!(live.status_json(&[]).0, 0);
}

#[test]
fn url_from_flag_then_environment_then_alembic_ini() {
    let live = LiveRepo::new(&[
        Rev::new("aaaa0001", &[]),
        Rev::new("bbbb0002", &["aaaa0001"]),
    ]);
    live.alembic_ok(&["upgrade", "aaaa0001"]); // app.db, from alembic.ini
    let other = live.repo.path().join("other.db");
    let migrate_other = live.alembic_with(
        &["upgrade", "head"],
        &[("MC_TEST_URL", &format!("sqlite:///{}", other.display()))],
    );
    assert!(migrate_other.status.success());

    let (_, from_ini) = live.status_json(&[]);
    assert_eq!(ids(&from_ini, "current"), ["aaaa0001"]);
    assert_eq!(from_ini["database_source"], "sqlalchemy.url in alembic.ini");

    let from_env = live
        .repo
        .migcheck()
        .args(["status", "--output-format", "json"])
        .env("DATABASE_URL", "sqlite:///other.db")
        .output()
        .unwrap();
    let from_env: Value = serde_json::from_slice(&from_env.stdout).unwrap();
    assert_eq!(ids(&from_env, "current"), ["bbbb0002"]);
    assert_eq!(from_env["database_source"], "$DATABASE_URL");

    // The flag beats the environment; a relative path is relative to the current directory.
    let from_flag = live
        .repo
        .migcheck()
        .args([
            "status",
            "--output-format",
            "json",
            "--database-url",
            "sqlite:///app.db",
        ])
        .env("DATABASE_URL", "sqlite:///other.db")
        .output()
        .unwrap();
    let from_flag: Value = serde_json::from_slice(&from_flag.stdout).unwrap();
    assert_eq!(ids(&from_flag, "current"), ["aaaa0001"]);
    assert_eq!(from_flag["database_source"], "--database-url");

    // `database-url-env` names another variable.
    live.repo.write(
        "pyproject.toml",
        "[tool.migcheck]\ndatabase-url-env = \"APP_DB\"\n",
    );
    live.repo.git(&["add", "pyproject.toml"]);
    let from_app_db = live
        .repo
        .migcheck()
        .args(["status", "--output-format", "json"])
        .env("DATABASE_URL", "sqlite:///app.db")
        .env("APP_DB", "sqlite:///other.db")
        .output()
        .unwrap();
    let from_app_db: Value = serde_json::from_slice(&from_app_db.stdout).unwrap();
    assert_eq!(ids(&from_app_db, "current"), ["bbbb0002"]);
    assert_eq!(from_app_db["database_source"], "$APP_DB");
}

#[test]
fn no_url_anywhere_says_where_one_can_come_from() {
    let live = LiveRepo::new(&[Rev::new("aaaa0001", &[])]);
    live.repo.write(
        "alembic.ini",
        "[alembic]\nscript_location = %(here)s/migrations\n",
    );
    live.repo.git(&["add", "alembic.ini"]);
    let (code, stdout, stderr) = live.repo.run(&["status"]);
    assert_eq!(code, 2, "{stdout}");
    assert!(
        stderr.contains(
            "pass --database-url, set $DATABASE_URL, or set sqlalchemy.url in alembic.ini"
        ),
        "{stderr}"
    );
}

#[test]
fn configured_version_table_is_read() {
    let mut live = LiveRepo::new(&[
        Rev::new("aaaa0001", &[]),
        Rev::new("bbbb0002", &["aaaa0001"]),
    ]);
    live.version_table = "schema_versions".to_string();
    live.alembic_ok(&["upgrade", "aaaa0001"]);
    // Without the setting migcheck looks for `alembic_version`, which is not there.
    assert_eq!(live.status_json(&[]).1["state"], "no_version_table");
    live.repo
        .write(".migcheck.yaml", "version-table: schema_versions\n");
    live.repo.git(&["add", ".migcheck.yaml"]);
    let (code, status) = live.status_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(status["version_table"], "schema_versions");
    assert_eq!(ids(&status, "current"), ["aaaa0001"]);
    assert_eq!(pending_ids(&status), ["bbbb0002"]);
}

#[test]
fn status_text_behind_after_a_merge_point() {
    let live = LiveRepo::new(&[
        Rev::new("aaaa0001", &[]),
        Rev::new("bbbb0002", &["aaaa0001"]),
        Rev::new("cccc0003", &["aaaa0001"]),
        Rev::new("dddd0004", &["bbbb0002", "cccc0003"]),
        Rev::new("eeee0005", &["dddd0004"]),
    ]);
    live.alembic_ok(&["upgrade", "bbbb0002"]);
    insta::assert_snapshot!(live.repo.run_snapshot(&["status"]));
}

#[test]
fn several_setups_need_a_choice() {
    let live = LiveRepo::new(&[Rev::new("aaaa0001", &[])]);
    live.repo.write(
        "pyproject.toml",
        "[tool.migcheck]\nprojects = [{ config = \"alembic.ini\" }, { config = \"billing/alembic.ini\" }]\n",
    );
    live.repo.write(
        "billing/alembic.ini",
        "[alembic]\nscript_location = %(here)s/migrations\n",
    );
    live.repo.write("billing/migrations/env.py", "# env\n");
    live.repo.git(&["add", "-A"]);
    let (code, _, stderr) = live.repo.run(&["status"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("choose one with -c/--config"), "{stderr}");
    live.alembic_ok(&["upgrade", "head"]);
    assert_eq!(live.repo.run(&["status", "-c", "alembic.ini"]).0, 0);
}
