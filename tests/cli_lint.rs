//! The operation rules end to end: real git repositories, the real binary, a
//! real `git commit` through the hook. Only the migrations a commit changes are
//! linted; old migrations that contain the same operation stay quiet.

mod support;

use support::TestRepo;

/// A repository whose history already has a migration that drops a column.
fn with_old_drop_column() -> TestRepo {
    let repo = TestRepo::alembic();
    repo.revision("a1", None, "    op.drop_column(\"users\", \"legacy\")");
    repo.commit_all("base");
    repo
}

/// `git commit` with the hook; (succeeded, what git printed).
fn commit(repo: &TestRepo, message: &str) -> (bool, String) {
    repo.git(&["add", "-A"]);
    let output = repo.git_output(&["commit", "-q", "-m", message]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn changed_migration_with_drop_column_warns_and_old_ones_stay_quiet() {
    let repo = with_old_drop_column();
    let path = repo.revision("b2", Some("a1"), "    op.drop_column(\"users\", \"email\")");
    repo.git(&["add", "-A"]);
    let (code, stdout, stderr) = repo.run(&["check", "--output-format", "concise"]);
    assert_eq!(code, 0, "a warning does not fail: {stdout}{stderr}");
    assert!(stdout.contains(&format!("{path}:20:5: MC301")), "{stdout}");
    assert!(stdout.contains("`users.email`"), "{stdout}");
    assert!(
        !stdout.contains("a1_step.py"),
        "old migration reported: {stdout}"
    );
    assert!(
        !stdout.contains("legacy"),
        "old migration reported: {stdout}"
    );

    repo.install_plain_hook();
    let (committed, output) = commit(&repo, "drop email");
    assert!(committed, "{output}");
    assert!(output.contains("warning[MC301]"), "{output}");
    assert!(!output.contains("legacy"), "{output}");
    // `--all` lints the old migration too.
    let (_, stdout, _) = repo.run(&["check", "--all", "--output-format", "concise"]);
    assert!(stdout.contains("`users.legacy`"), "{stdout}");
}

#[test]
fn severity_error_in_the_configuration_blocks_the_commit() {
    let repo = with_old_drop_column();
    repo.write(
        "pyproject.toml",
        "[tool.migcheck.severity]\ndrop-column = \"error\"\n",
    );
    repo.commit_all("config");
    repo.install_plain_hook();
    repo.revision("b2", Some("a1"), "    op.drop_column(\"users\", \"email\")");
    let (committed, output) = commit(&repo, "drop email");
    assert!(!committed, "the commit should be blocked: {output}");
    assert!(output.contains("error[MC301]"), "{output}");
    assert!(output.contains("b2_step.py"), "{output}");
    assert!(!output.contains("legacy"), "{output}");
    assert!(output.contains("migcheck blocked the commit"), "{output}");
    // Fixed: the migration only adds a nullable column, and the commit goes through.
    repo.revision(
        "b2",
        Some("a1"),
        "    op.add_column(\"users\", sa.Column(\"email_address\", sa.String()))",
    );
    let (committed, output) = commit(&repo, "add email_address");
    assert!(committed, "{output}");
}

#[test]
fn not_null_column_without_default_fails_by_default() {
    let repo = with_old_drop_column();
    repo.revision(
        "b2",
        Some("a1"),
        "    op.add_column(\"users\", sa.Column(\"email\", sa.String(), nullable=False))",
    );
    repo.git(&["add", "-A"]);
    insta::assert_snapshot!(repo.run_snapshot(&["check", "--output-format", "full"]));
}

#[test]
fn postgresql_advice_follows_the_dialect_of_sqlalchemy_url() {
    let repo = TestRepo::alembic();
    repo.revision("a1", None, "    pass");
    repo.commit_all("base");
    repo.revision(
        "b2",
        Some("a1"),
        "    op.create_index(\"ix_users_email\", \"users\", [\"email\"])",
    );
    repo.git(&["add", "-A"]);
    // The test repository's alembic.ini points at SQLite.
    let (code, stdout, _) = repo.run(&["check", "--output-format", "concise"]);
    assert_eq!((code, stdout.contains("MC309")), (0, false), "{stdout}");

    repo.write(
        "alembic.ini",
        "[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = postgresql+psycopg2://app@db/app\n",
    );
    repo.git(&["add", "-A"]);
    let (code, stdout, _) = repo.run(&["check", "--output-format", "concise"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("MC309"), "{stdout}");
    assert!(
        stdout.contains("postgresql_concurrently=True` blocks writes to `users`"),
        "{stdout}"
    );

    // The configured dialect wins over the URL.
    repo.write(".migcheck.yaml", "dialect: sqlite\n");
    repo.git(&["add", "-A"]);
    let (_, stdout, _) = repo.run(&["check", "--output-format", "concise"]);
    assert!(!stdout.contains("MC309"), "{stdout}");
}
