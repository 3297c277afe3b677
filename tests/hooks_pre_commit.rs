//! The pre-commit framework (the real one, from PyPI) running the hooks this
//! repository's `.pre-commit-hooks.yaml` defines, in a temporary project whose
//! `.pre-commit-config.yaml` points at a clone of this checkout: a bad
//! migration is rejected with migcheck's message, a good one passes, and a
//! commit that touches no migration does not run migcheck.
//!
//! `migcheck-system` (`language: system`) runs this build of migcheck from
//! `PATH`. `migcheck` (`language: rust`) makes pre-commit build migcheck with
//! `cargo install`, which takes minutes: that test is ignored unless asked for
//! (`cargo nextest run --run-ignored only --test hooks_pre_commit`).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::{revision_file, TestRepo};

/// The Python that has pre-commit, resolved once with the normal environment
/// (version shims need it); `None` when pre-commit is not installed.
fn python_with_pre_commit() -> Option<PathBuf> {
    let output = Command::new("python3")
        .args(["-c", "import sys, pre_commit; print(sys.executable)"])
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let path = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    (!path.is_empty()).then(|| PathBuf::from(path))
}

fn require_pre_commit() -> Option<PathBuf> {
    let python = python_with_pre_commit();
    if python.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the pre-commit framework is required in CI (pip install -r tests/requirements.txt)"
        );
        eprintln!("skipped: pre-commit is not installed (pip install -r tests/requirements.txt)");
    }
    python
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A clone of this checkout at `HEAD`, with the working copy's
/// `.pre-commit-hooks.yaml` committed on top when it differs, so the hooks
/// under test are the ones on disk.
fn clone_of_this_checkout(repo: &TestRepo) -> (PathBuf, String) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"));
    let clone = repo.home().join("migcheck-hooks-repo");
    let mut git = Command::new("git");
    repo.environment(&mut git);
    let output = git
        .args(["clone", "-q"])
        .arg(source)
        .arg(&clone)
        .output()
        .unwrap();
    assert!(output.status.success(), "git clone: {}", text(&output));
    let on_disk = std::fs::read(source.join(".pre-commit-hooks.yaml")).unwrap();
    let in_clone = std::fs::read(clone.join(".pre-commit-hooks.yaml")).unwrap_or_default();
    let in_clone_git = |args: &[&str]| {
        let mut git = Command::new("git");
        repo.environment(&mut git);
        let output = git.current_dir(&clone).args(args).output().unwrap();
        assert!(output.status.success(), "git {args:?}: {}", text(&output));
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    };
    if on_disk != in_clone {
        std::fs::write(clone.join(".pre-commit-hooks.yaml"), on_disk).unwrap();
        in_clone_git(&["add", ".pre-commit-hooks.yaml"]);
        in_clone_git(&["commit", "-q", "--no-verify", "-m", "hooks under test"]);
    }
    let rev = in_clone_git(&["rev-parse", "HEAD"]);
    (clone, rev)
}

struct Project {
    repo: TestRepo,
    python: PathBuf,
    path_var: String,
    pre_commit_home: PathBuf,
}

impl Project {
    /// A project with one committed revision, pre-commit configured with
    /// `hook_id` from a clone of this checkout and installed as the git hook.
    fn new(python: PathBuf, hook_id: &str, path_var: String) -> Project {
        let repo = TestRepo::alembic();
        repo.revision("a1", None, "    pass");
        let (clone, rev) = clone_of_this_checkout(&repo);
        repo.write(
            ".pre-commit-config.yaml",
            format!(
                "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: {hook_id}\n",
                clone.display()
            ),
        );
        repo.commit_all("base");
        let pre_commit_home = repo.home().join("pre-commit-home");
        let project = Project {
            repo,
            python,
            path_var,
            pre_commit_home,
        };
        let output = project.pre_commit(&["install"]);
        assert!(
            output.status.success(),
            "pre-commit install: {}",
            text(&output)
        );
        project
    }

    fn command(&self, program: &Path) -> Command {
        let mut command = Command::new(program);
        self.repo.environment(&mut command);
        command
            .env("PATH", &self.path_var)
            .env("PRE_COMMIT_HOME", &self.pre_commit_home)
            .env("PRE_COMMIT_COLOR", "never");
        for name in ["CARGO_HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN"] {
            if let Some(value) = std::env::var_os(name) {
                command.env(name, value);
            }
        }
        // The private HOME hides the toolchain; name where it lives.
        if let Some(home) = std::env::var_os("HOME") {
            let home = PathBuf::from(home);
            if std::env::var_os("CARGO_HOME").is_none() && home.join(".cargo").is_dir() {
                command.env("CARGO_HOME", home.join(".cargo"));
            }
            if std::env::var_os("RUSTUP_HOME").is_none() && home.join(".rustup").is_dir() {
                command.env("RUSTUP_HOME", home.join(".rustup"));
            }
        }
        command
    }

    fn pre_commit(&self, args: &[&str]) -> Output {
        self.command(&self.python)
            .args(["-m", "pre_commit"])
            .args(args)
            .output()
            .unwrap()
    }

    /// `git add -A && git commit` with the hooks on.
    fn commit(&self, message: &str) -> Output {
        let add = self
            .command(Path::new("git"))
            .args(["add", "-A"])
            .output()
            .unwrap();
        assert!(add.status.success(), "{}", text(&add));
        self.command(Path::new("git"))
            .args(["commit", "-m", message])
            .output()
            .unwrap()
    }

    fn last_commit(&self) -> String {
        self.repo
            .git(&["log", "-1", "--format=%s"])
            .trim()
            .to_owned()
    }

    /// The three cases every hook variant must get right.
    fn check_bad_good_and_unrelated(&self) {
        let path = self
            .repo
            .revision("b2", Some("a1"), "    # TODO: backfill\n    pass");
        let output = self.commit("bad migration");
        let all = text(&output);
        assert!(
            !output.status.success(),
            "a bad migration must be rejected:\n{all}"
        );
        assert!(all.contains("migcheck") && all.contains("Failed"), "{all}");
        assert!(
            all.contains("error[MC202]"),
            "migcheck's own message:\n{all}"
        );
        assert!(all.contains("migcheck blocked the commit"), "{all}");
        assert_eq!(self.last_commit(), "base");

        self.repo
            .write(&path, revision_file("b2", Some("a1"), "    pass"));
        let output = self.commit("good migration");
        let all = text(&output);
        assert!(
            output.status.success(),
            "a good migration must pass:\n{all}"
        );
        assert!(all.contains("Passed"), "{all}");
        assert_eq!(self.last_commit(), "good migration");

        self.repo.write("README.md", "# app\n");
        let output = self.commit("docs only");
        let all = text(&output);
        assert!(output.status.success(), "{all}");
        assert!(all.contains("(no files to check)Skipped"), "{all}");
        assert_eq!(self.last_commit(), "docs only");
    }
}

#[test]
fn pre_commit_framework_runs_the_system_hook() {
    let Some(python) = require_pre_commit() else {
        return;
    };
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_migcheck")).parent().unwrap();
    let path_var = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let project = Project::new(python, "migcheck-system", path_var);
    project.check_bad_good_and_unrelated();
    // A change to the configuration alone triggers it too.
    project.repo.write(
        "alembic.ini",
        format!("{}\n# tuned\n", support::ALEMBIC_INI),
    );
    let output = project.commit("config");
    assert!(
        text(&output).contains("migcheck") && text(&output).contains("Passed"),
        "{}",
        text(&output)
    );
}

/// `language: rust`: pre-commit builds migcheck from the clone with
/// `cargo install` (no `--locked`, as pre-commit does it) before the first run.
#[test]
#[ignore = "builds migcheck with cargo install (minutes); run with --run-ignored only"]
fn pre_commit_framework_builds_and_runs_the_rust_hook() {
    let Some(python) = require_pre_commit() else {
        return;
    };
    // No migcheck on PATH: only the one pre-commit builds can run.
    let path_var = std::env::var("PATH").unwrap_or_default();
    let project = Project::new(python, "migcheck", path_var);
    let started = std::time::Instant::now();
    let output = project.pre_commit(&["install-hooks"]);
    assert!(
        output.status.success(),
        "pre-commit install-hooks: {}",
        text(&output)
    );
    eprintln!(
        "pre-commit built migcheck in {:.0}s",
        started.elapsed().as_secs_f64()
    );
    project.check_bad_good_and_unrelated();
}
