//! Shared by the CLI tests: real git repositories in temporary folders, Alembic
//! projects written into them, and the real binary run with a cleared environment.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

/// A git repository in a temporary folder, with its own HOME so the user's git
/// configuration cannot leak in.
pub struct TestRepo {
    dir: TempDir,
    home: TempDir,
}

impl TestRepo {
    /// `git init` with a main branch and an identity.
    pub fn new() -> TestRepo {
        match TestRepo::init(&[]) {
            Ok(repo) => repo,
            Err(why) => panic!("git init failed: {why}"),
        }
    }

    /// `git init` with extra options (`--object-format=sha256`, ...); `Err`
    /// carries git's reason when the installed git cannot make such a repository.
    pub fn init(options: &[&str]) -> Result<TestRepo, String> {
        let repo = TestRepo {
            dir: tempfile::Builder::new()
                .prefix("migcheck-repo")
                .tempdir()
                .expect("temp dir"),
            home: tempfile::Builder::new()
                .prefix("migcheck-home")
                .tempdir()
                .expect("temp dir"),
        };
        let mut args = vec!["init", "-q", "-b", "main"];
        args.extend_from_slice(options);
        let output = repo.git_output(&args);
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).trim().to_string());
        }
        Ok(repo)
    }

    /// An Alembic project committed in a repository made with `git init <options>`.
    pub fn alembic_with(options: &[&str]) -> Result<TestRepo, String> {
        let repo = TestRepo::init(options)?;
        repo.write("alembic.ini", ALEMBIC_INI);
        repo.write("migrations/env.py", "# env\n");
        repo.write("migrations/script.py.mako", "# template\n");
        Ok(repo)
    }

    /// A repository with `alembic.ini` pointing at `migrations/`.
    pub fn alembic() -> TestRepo {
        let repo = TestRepo::new();
        repo.write("alembic.ini", ALEMBIC_INI);
        repo.write("migrations/env.py", "# env\n");
        repo.write("migrations/script.py.mako", "# template\n");
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    pub fn write(&self, relative: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create dirs");
        }
        std::fs::write(&path, content).expect("write file");
        path
    }

    pub fn read(&self, relative: &str) -> Vec<u8> {
        std::fs::read(self.dir.path().join(relative)).expect("read file")
    }

    pub fn remove(&self, relative: &str) {
        std::fs::remove_file(self.dir.path().join(relative)).expect("remove file");
    }

    /// Writes a revision file under `migrations/versions/` and returns its path.
    pub fn revision(&self, id: &str, down: Option<&str>, body: &str) -> String {
        let relative = format!("migrations/versions/{id}_step.py");
        self.write(&relative, revision_file(id, down, body));
        relative
    }

    /// A git command in the repository, with the test environment; panics on failure.
    pub fn git(&self, args: &[&str]) -> String {
        let output = self.git_output(args);
        assert!(
            output.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    pub fn git_output(&self, args: &[&str]) -> Output {
        let mut command = Command::new("git");
        self.environment(&mut command);
        command.args(args).output().expect("run git")
    }

    /// `git add -A && git commit`.
    pub fn commit_all(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--no-verify", "-m", message]);
    }

    /// The migcheck binary in this repository with a cleared environment.
    pub fn migcheck(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_migcheck"));
        self.environment(&mut command);
        command
    }

    /// Runs migcheck with arguments and returns (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let output = self.migcheck().args(args).output().expect("run migcheck");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// Exit code, stdout and stderr in one text, for snapshots; temp paths replaced.
    pub fn run_snapshot(&self, args: &[&str]) -> String {
        let (code, stdout, stderr) = self.run(args);
        let text = format!("exit: {code}\n--- stdout\n{stdout}--- stderr\n{stderr}");
        text.replace(&self.path().display().to_string(), "[REPO]")
    }

    /// Installs a plain pre-commit hook that runs this build of migcheck.
    pub fn install_plain_hook(&self) {
        use std::os::unix::fs::PermissionsExt;
        let hook = format!(
            "#!/bin/sh\nexec '{}' hook pre-commit\n",
            env!("CARGO_BIN_EXE_migcheck")
        );
        let path = self.write(".git/hooks/pre-commit", hook);
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
            .expect("make the hook executable");
    }

    /// A cleared environment: PATH, a private HOME, no system git config, fixed identity.
    pub fn environment(&self, command: &mut Command) {
        command
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Test")
            .env("GIT_AUTHOR_EMAIL", "test@example.com")
            .env("GIT_COMMITTER_NAME", "Test")
            .env("GIT_COMMITTER_EMAIL", "test@example.com")
            .env("NO_COLOR", "1");
    }
}

pub const ALEMBIC_INI: &str = "\
[alembic]
script_location = %(here)s/migrations
sqlalchemy.url = sqlite:///app.db
";

/// A revision file as `alembic revision` writes it.
pub fn revision_file(id: &str, down: Option<&str>, body: &str) -> String {
    let down_literal = match down {
        Some(down) => format!("\"{down}\""),
        None => "None".to_string(),
    };
    let revises = down.unwrap_or("");
    format!(
        "\"\"\"step {id}\n\nRevision ID: {id}\nRevises: {revises}\nCreate Date: 2024-01-01 00:00:00\n\n\"\"\"\n\
from typing import Sequence, Union\n\nfrom alembic import op\nimport sqlalchemy as sa\n\n\
revision: str = \"{id}\"\n\
down_revision: Union[str, Sequence[str], None] = {down_literal}\n\
branch_labels: Union[str, Sequence[str], None] = None\n\
depends_on: Union[str, Sequence[str], None] = None\n\n\n\
def upgrade() -> None:\n{body}\n\n\ndef downgrade() -> None:\n    pass\n"
    )
}
