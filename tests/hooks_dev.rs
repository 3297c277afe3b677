//! The development helper behind `post-checkout` and `post-merge`, with real
//! git, real Alembic and a SQLite database: after a branch switch or a merge
//! that moves the migration heads it says so and where the database stands,
//! and when the repository opts in it runs `alembic upgrade head` itself,
//! logs the result, and never fails or blocks the checkout.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use support::TestRepo;

const ENV_PY: &str = r#"from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config


def run_migrations_online():
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
"#;

/// The folder of the Python that has Alembic (its `alembic` script is there).
fn alembic_bin_dir() -> Option<PathBuf> {
    let output = Command::new("python3")
        .args([
            "-c",
            "import sys, os, alembic; print(os.path.dirname(sys.executable))",
        ])
        .output()
        .ok()?;
    let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    (output.status.success() && dir.join("alembic").exists()).then_some(dir)
}

fn require_alembic() -> Option<PathBuf> {
    let dir = alembic_bin_dir();
    if dir.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "Alembic is required in CI (pip install -r tests/requirements.txt)"
        );
        eprintln!("skipped: alembic is not installed");
    }
    dir
}

struct Dev {
    repo: TestRepo,
    path_var: String,
}

impl Dev {
    /// main with revision `a1`, the database upgraded to it, migcheck's hooks
    /// installed; branch `feature` adds `b2`.
    fn new(alembic_dir: &Path) -> Dev {
        let repo = TestRepo::alembic();
        repo.write("migrations/env.py", ENV_PY);
        repo.write(".gitignore", "app.db\n__pycache__/\n");
        repo.revision("a1", None, "    pass");
        repo.commit_all("a1");
        let path_var = format!(
            "{}:{}",
            alembic_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let dev = Dev { repo, path_var };
        dev.alembic(&["upgrade", "head"]);
        let (code, stdout, stderr) = dev.repo.run(&["hook", "install"]);
        assert_eq!(code, 0, "{stdout}{stderr}");
        dev.git(&["switch", "-q", "-c", "feature"]);
        dev.repo.revision("b2", Some("a1"), "    pass");
        dev.repo.commit_all("b2");
        dev.git(&["switch", "-q", "main"]);
        dev
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        self.repo.environment(&mut command);
        command.env("PATH", &self.path_var);
        command
    }

    fn alembic(&self, args: &[&str]) {
        let output = self.command("alembic").args(args).output().unwrap();
        assert!(
            output.status.success(),
            "alembic {args:?}: {}",
            text(&output)
        );
    }

    fn git(&self, args: &[&str]) -> Output {
        let output = self.command("git").args(args).output().unwrap();
        assert!(output.status.success(), "git {args:?}: {}", text(&output));
        output
    }

    fn git_with(&self, env: &[(&str, &str)], args: &[&str]) -> Output {
        let mut command = self.command("git");
        for (name, value) in env {
            command.env(name, value);
        }
        let output = command.args(args).output().unwrap();
        assert!(output.status.success(), "git {args:?}: {}", text(&output));
        output
    }

    /// The rows of `alembic_version` in app.db.
    fn database_at(&self) -> Vec<String> {
        let db = rusqlite::Connection::open(self.repo.path().join("app.db")).unwrap();
        let mut statement = db
            .prepare("SELECT version_num FROM alembic_version")
            .unwrap();
        let rows = statement
            .query_map([], |row| row.get::<_, String>(0))
            .unwrap();
        rows.map(Result::unwrap).collect()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.repo.path().join(".git/migcheck/auto-migrate.log"))
            .unwrap_or_default()
    }
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn branch_switches_report_moved_heads_and_the_database() {
    let Some(alembic) = require_alembic() else {
        return;
    };
    let dev = Dev::new(&alembic);
    // Same heads: nothing to say.
    let output = dev.git(&["switch", "-q", "-c", "same"]);
    assert_eq!(text(&output), "");
    dev.git(&["switch", "-q", "main"]);

    let output = dev.git(&["switch", "-q", "feature"]);
    let said = text(&output);
    assert!(
        said.contains("migcheck: migration heads moved from `a1` to `b2`"),
        "{said}"
    );
    assert!(
        said.contains("migcheck: your database is at `a1`: run `alembic upgrade head`"),
        "{said}"
    );
    assert_eq!(dev.database_at(), ["a1"], "nothing runs without the opt-in");
    assert_eq!(dev.log(), "");

    dev.alembic(&["upgrade", "head"]);
    let output = dev.git(&["switch", "-q", "main"]);
    let said = text(&output);
    assert!(said.contains("moved from `b2` to `a1`"), "{said}");
    assert!(
        said.contains("your database is at `b2`, which this checkout does not have: run `alembic downgrade a1` on the branch you came from"),
        "{said}"
    );

    // A merge that brings b2 in says so too (post-merge).
    dev.git(&["switch", "-q", "-c", "behind"]);
    dev.alembic(&["stamp", "--purge", "a1"]);
    let output = dev.git(&["merge", "-q", "--ff-only", "feature"]);
    let said = text(&output);
    assert!(said.contains("moved from `a1` to `b2`"), "{said}");
    assert!(
        said.contains("your database is at `a1`: run `alembic upgrade head`"),
        "{said}"
    );
}

#[test]
fn opted_in_repositories_upgrade_the_database_and_log_it() {
    let Some(alembic) = require_alembic() else {
        return;
    };
    let dev = Dev::new(&alembic);
    // AUTO_MIGRATE alone is not enough: only in development.
    dev.git_with(&[("AUTO_MIGRATE", "true")], &["switch", "-q", "feature"]);
    assert_eq!(dev.database_at(), ["a1"]);
    dev.git(&["switch", "-q", "main"]);

    let output = dev.git_with(
        &[("AUTO_MIGRATE", "true"), ("ENVIRONMENT", "development")],
        &["switch", "-q", "feature"],
    );
    let said = text(&output);
    assert!(said.contains("ran `alembic upgrade head`: done"), "{said}");
    assert_eq!(
        dev.database_at(),
        ["b2"],
        "the real alembic upgraded the database"
    );
    let log = dev.log();
    assert!(
        log.contains("post-checkout: heads moved from `a1` to `b2`"),
        "{log}"
    );
    assert!(log.contains("$ alembic upgrade head\n"), "{log}");
    assert!(log.contains("exit status 0"), "{log}");

    // `auto-migrate = true` in the configuration opts in as well; a failing
    // upgrade is logged and reported, and the checkout still succeeds.
    dev.repo.write(".migcheck.yaml", "auto-migrate: true\n");
    dev.repo
        .revision("c3", Some("b2"), "    raise RuntimeError('broken upgrade')");
    dev.repo.commit_all("c3 breaks");
    dev.alembic(&["downgrade", "a1"]);
    dev.git(&["switch", "-q", "main"]);
    let output = dev.git(&["switch", "-q", "feature"]);
    assert!(
        text(&output).contains("`alembic upgrade head` failed with exit status 1"),
        "{}",
        text(&output)
    );
    assert_eq!(dev.database_at(), ["b2"], "b2 applied, c3 rolled back");
    assert!(
        dev.log().contains("RuntimeError: broken upgrade"),
        "{}",
        dev.log()
    );
    assert!(dev.log().contains("exit status 1"), "{}", dev.log());
}

#[test]
fn a_slow_upgrade_is_stopped_and_the_hook_still_succeeds() {
    let Some(alembic) = require_alembic() else {
        return;
    };
    let dev = Dev::new(&alembic);
    dev.git(&["switch", "-q", "feature"]);
    dev.repo
        .revision("c3", Some("b2"), "    import time\n    time.sleep(60)");
    dev.repo.write(".migcheck.yaml", "auto-migrate: true\n");
    dev.repo.commit_all("c3 is slow");
    let before = dev.repo.git(&["rev-parse", "main"]);
    let after = dev.repo.git(&["rev-parse", "HEAD"]);
    let started = Instant::now();
    let output = dev
        .command(env!("CARGO_BIN_EXE_migcheck"))
        .args([
            "hook",
            "post-checkout",
            before.trim(),
            after.trim(),
            "1",
            "--timeout",
            "2",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(
        text(&output).contains("took longer than 2s and was stopped"),
        "{}",
        text(&output)
    );
    assert!(
        dev.log().contains("stopped after the 2s timeout"),
        "{}",
        dev.log()
    );
}

#[test]
fn hook_errors_are_notes_and_never_fail() {
    let repo = TestRepo::alembic();
    repo.revision("a1", None, "    pass");
    repo.commit_all("a1");
    repo.write("alembic.ini", "[alembic]\n");
    repo.commit_all("broken config");
    let (code, stdout, stderr) = repo.run(&["hook", "post-checkout", "HEAD~1", "HEAD", "1"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stderr.starts_with("migcheck: post-checkout: "), "{stderr}");
    // File checkouts and fresh clones are not branch switches.
    let (code, stdout, stderr) = repo.run(&["hook", "post-checkout", "HEAD~1", "HEAD", "0"]);
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "", ""));
    let zero = "0".repeat(40);
    let (code, stdout, _) = repo.run(&["hook", "post-checkout", &zero, "HEAD", "1"]);
    assert_eq!((code, stdout.as_str()), (0, ""));
    // No ORIG_HEAD yet: post-merge has nothing to compare.
    let (code, stdout, stderr) = repo.run(&["hook", "post-merge", "0"]);
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "", ""));
}
