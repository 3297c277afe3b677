//! Shared by the `db_*` tests: a real Alembic project in a temporary directory whose
//! `alembic stamp` writes the version table, fresh PostgreSQL databases on the server
//! that `.ci/postgres.sh` starts, and the rule for missing prerequisites (skip with a
//! message locally, fail when `CI` is set).

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The revisions of the test project: `a` is the base, `b` and `c` both follow it, so
/// `stamp heads` writes two rows.
pub const REV_A: &str = "1a0000000001";
pub const REV_B: &str = "2b0000000002";
pub const REV_C: &str = "3c0000000003";

/// The Python that has Alembic and SQLAlchemy (`MIGCHECK_TEST_PYTHON`, else `python3`).
pub fn python() -> String {
    std::env::var("MIGCHECK_TEST_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// Whether a test may go on, or a prerequisite is missing: then it fails under CI and
/// is reported as skipped otherwise.
pub fn prerequisite(test: &str, missing: Option<String>) -> bool {
    match missing {
        None => true,
        Some(what) => {
            if std::env::var_os("CI").is_some() {
                panic!("{test}: {what} (CI is set, so this is a failure, not a skip)");
            }
            // Straight to stderr: the test harness captures `eprintln!`, and a skip
            // must be visible in a normal run.
            let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {what}");
            false
        }
    }
}

/// `None` when `python()` can import every module, else what is missing.
pub fn missing_python_modules(modules: &[&str]) -> Option<String> {
    let script = modules
        .iter()
        .map(|m| format!("import {m}"))
        .collect::<Vec<_>>()
        .join("; ");
    match Command::new(python()).args(["-c", &script]).output() {
        Ok(out) if out.status.success() => None,
        Ok(out) => Some(format!(
            "{} cannot import {}: {}",
            python(),
            modules.join(", "),
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Err(err) => Some(format!("cannot run {}: {err}", python())),
    }
}

/// The server's URL from `.ci/postgres.sh start`, or `None` (after the skip message)
/// when the test cannot run.
pub fn pg_url(test: &str) -> Option<String> {
    let url = std::env::var("MIGCHECK_TEST_PG_URL").ok();
    let missing = match &url {
        None => Some(
            "MIGCHECK_TEST_PG_URL is not set; run `eval \"$(bash .ci/postgres.sh start)\"` first"
                .to_owned(),
        ),
        Some(_) => missing_python_modules(&["alembic", "sqlalchemy", "psycopg2"]),
    };
    if prerequisite(test, missing) {
        url
    } else {
        None
    }
}

/// The same server and credentials, another database.
pub fn with_database(url: &str, database: &str) -> String {
    let (server, _) = url.rsplit_once('/').expect("URL has a database");
    format!("{server}/{database}")
}

/// SQLAlchemy 2.1 maps `postgresql://` to psycopg 3; the tests' Python has psycopg2.
pub fn for_sqlalchemy(url: &str) -> String {
    match url.split_once("://") {
        Some(("postgresql", rest)) => format!("postgresql+psycopg2://{rest}"),
        _ => url.to_owned(),
    }
}

/// Drops and creates database `name` on the test server and returns its URL.
pub fn fresh_pg_database(url: &str, name: &str) -> String {
    let script = r#"
import sys, sqlalchemy as sa
engine = sa.create_engine(sys.argv[1], isolation_level="AUTOCOMMIT")
with engine.connect() as c:
    c.execute(sa.text(f'DROP DATABASE IF EXISTS "{sys.argv[2]}" WITH (FORCE)'))
    c.execute(sa.text(f'CREATE DATABASE "{sys.argv[2]}"'))
"#;
    run_python(&[script, &for_sqlalchemy(url), name], &[]);
    with_database(url, name)
}

/// Runs SQL on a database through SQLAlchemy (committed).
pub fn execute_sql(url: &str, statements: &[&str]) {
    let script = r#"
import sys, sqlalchemy as sa
engine = sa.create_engine(sys.argv[1])
with engine.begin() as c:
    for statement in sys.argv[2:]:
        c.execute(sa.text(statement))
"#;
    let mut args = vec![script.to_owned(), for_sqlalchemy(url)];
    args.extend(statements.iter().map(|s| (*s).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run_python(&args, &[]);
}

fn run_python(args: &[&str], envs: &[(&str, &str)]) -> String {
    let mut command = Command::new(python());
    command.arg("-c").args(args).envs(envs.iter().copied());
    let out = command.output().expect("run python");
    assert!(
        out.status.success(),
        "python failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A real Alembic project (`alembic.ini`, `env.py`, three revisions) in a temporary
/// directory. `env.py` takes the URL, `version_table` and `version_table_schema` from
/// the environment and creates the schema first, so one project serves every test.
pub struct AlembicProject {
    dir: tempfile::TempDir,
}

const ENV_PY: &str = r#"
import os
from alembic import context
from sqlalchemy import create_engine, text

table = os.environ.get("MC_VERSION_TABLE") or "alembic_version"
schema = os.environ.get("MC_VERSION_SCHEMA") or None
engine = create_engine(os.environ["MC_TEST_URL"])
with engine.connect() as connection:
    if schema:
        quoted = connection.dialect.identifier_preparer.quote_identifier(schema)
        connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {quoted}"))
        connection.commit()
    context.configure(
        connection=connection,
        target_metadata=None,
        version_table=table,
        version_table_schema=schema,
    )
    with context.begin_transaction():
        context.run_migrations()
"#;

impl AlembicProject {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("migrations/versions")).expect("mkdir");
        std::fs::write(
            root.join("alembic.ini"),
            "[alembic]\nscript_location = %(here)s/migrations\n",
        )
        .expect("write alembic.ini");
        std::fs::write(root.join("migrations/env.py"), ENV_PY).expect("write env.py");
        for (rev, down) in [(REV_A, None), (REV_B, Some(REV_A)), (REV_C, Some(REV_A))] {
            let down = down.map_or("None".to_owned(), |d| format!("{d:?}"));
            let text = format!(
                "revision = {rev:?}\ndown_revision = {down}\nbranch_labels = None\n\
                 depends_on = None\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n"
            );
            std::fs::write(root.join(format!("migrations/versions/{rev}_x.py")), text)
                .expect("write revision");
        }
        Self { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `alembic stamp <target>` against `url` with the given version table.
    pub fn stamp(&self, url: &str, table: Option<&str>, schema: Option<&str>, target: &str) {
        let ini = self.dir.path().join("alembic.ini");
        let mut command = Command::new(python());
        command
            .args(["-m", "alembic", "-c"])
            .arg(&ini)
            .args(["stamp", target])
            .env("MC_TEST_URL", for_sqlalchemy(url))
            .env("MC_VERSION_TABLE", table.unwrap_or(""))
            .env("MC_VERSION_SCHEMA", schema.unwrap_or(""));
        let out = command.output().expect("run alembic");
        assert!(
            out.status.success(),
            "alembic stamp {target} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A path inside a fresh temporary directory (kept alive by the returned guard).
pub fn temp_path(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    (dir, path)
}
