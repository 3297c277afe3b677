//! `migcheck check` and `migcheck hook pre-commit` in real git repositories:
//! what is staged is what is checked, through every way git runs a hook.

mod support;

use support::{revision_file, TestRepo};

/// A repository with one committed revision `a1`.
fn with_base() -> TestRepo {
    let repo = TestRepo::alembic();
    repo.revision("a1", None, "    pass");
    repo.commit_all("base");
    repo
}

#[test]
fn clean_history_passes() {
    let repo = with_base();
    repo.revision("b2", Some("a1"), "    pass");
    repo.git(&["add", "-A"]);
    let (code, stdout, stderr) = repo.run(&["check"]);
    assert_eq!(code, 0, "stdout: {stdout}\nstderr: {stderr}");
}

#[test]
fn todo_in_staged_migration_fails_with_file_and_line() {
    let repo = with_base();
    let path = repo.revision("b2", Some("a1"), "    # TODO: backfill\n    pass");
    repo.git(&["add", "-A"]);
    let (code, stdout, _) = repo.run(&["check", "--output-format", "concise"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains(&format!("{path}:20:7: MC202")), "{stdout}");
}

#[test]
fn staged_content_is_checked_not_the_working_tree() {
    let repo = with_base();
    let path = repo.revision("b2", Some("a1"), "    pass");
    repo.git(&["add", "-A"]);
    // The working tree gets a TODO after staging: the index is still clean.
    repo.write(
        &path,
        revision_file("b2", Some("a1"), "    # TODO later\n    pass"),
    );
    assert_eq!(repo.run(&["check"]).0, 0);
    assert_eq!(repo.run(&["check", "--worktree"]).0, 1);
    // And the other way round: a TODO staged, fixed only on disk.
    repo.git(&["add", "-A"]);
    repo.write(&path, revision_file("b2", Some("a1"), "    pass"));
    assert_eq!(repo.run(&["check"]).0, 1);
    assert_eq!(repo.run(&["check", "--worktree"]).0, 0);
}

#[test]
fn multiple_heads_warn_with_the_merge_command() {
    let repo = with_base();
    repo.revision("b2", Some("a1"), "    pass");
    repo.revision("c3", Some("a1"), "    pass");
    repo.git(&["add", "-A"]);
    let (code, stdout, _) = repo.run(&["check", "--output-format", "concise"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("MC101 (warning)"), "{stdout}");
    let (code, stdout, _) = repo.run(&["check", "--output-format", "json"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("alembic merge -m \\\"merge heads\\\" b2 c3"),
        "{stdout}"
    );
    assert_eq!(repo.run(&["check", "--strict-heads"]).0, 1);
}

#[test]
fn missing_down_revision_blocks() {
    let repo = with_base();
    repo.write(
        "migrations/versions/b2_step.py",
        "\"\"\"x\n\nRevision ID: b2\nRevises: a1\n\"\"\"\nrevision = 'b2'\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n",
    );
    repo.git(&["add", "-A"]);
    let (code, stdout, _) = repo.run(&["check", "--output-format", "json"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("MC201"), "{stdout}");
    assert!(
        stdout.contains(r#"Add `down_revision = \"a1\"`"#),
        "{stdout}"
    );
}

#[test]
fn first_commit_in_an_empty_repository() {
    let repo = TestRepo::alembic();
    repo.revision("a1", None, "    # FIXME\n    pass");
    repo.git(&["add", "-A"]);
    assert_eq!(repo.run(&["check"]).0, 1);
    repo.revision("a1", None, "    pass");
    repo.git(&["add", "-A"]);
    assert_eq!(repo.run(&["check"]).0, 0);
}

#[test]
fn hook_sees_the_temporary_index_of_commit_all() {
    let repo = with_base();
    repo.install_plain_hook();
    let path = repo.revision("b2", Some("a1"), "    pass");
    repo.commit_all("b2");
    // Modify the tracked file without staging it: only `git commit -a` stages it,
    // into a temporary index the hook must read.
    repo.write(
        &path,
        revision_file("b2", Some("a1"), "    # TODO x\n    pass"),
    );
    let output = repo.git_output(&["commit", "-a", "-m", "todo"]);
    assert!(!output.status.success(), "commit -a should be blocked");
    // git sends a hook's output to its own stderr.
    assert!(String::from_utf8_lossy(&output.stderr).contains("MC202"));
}

#[test]
fn hook_sees_the_temporary_index_of_commit_with_paths() {
    let repo = with_base();
    repo.install_plain_hook();
    let path = repo.revision("b2", Some("a1"), "    pass");
    repo.commit_all("b2");
    repo.write(
        &path,
        revision_file("b2", Some("a1"), "    # TODO x\n    pass"),
    );
    let output = repo.git_output(&["commit", "-m", "todo", "--", &path]);
    assert!(!output.status.success(), "commit <path> should be blocked");
    // A clean file committed by path passes.
    repo.write(&path, revision_file("b2", Some("a1"), "    pass  # done"));
    let output = repo.git_output(&["commit", "-m", "ok", "--", &path]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn works_in_a_linked_worktree() {
    let repo = with_base();
    let worktree = repo.path().join("../").join(format!(
        "{}-wt",
        repo.path().file_name().unwrap().to_string_lossy()
    ));
    let worktree = worktree.to_string_lossy().into_owned();
    repo.git(&["worktree", "add", "-q", "-b", "feature", &worktree]);
    std::fs::write(
        format!("{worktree}/migrations/versions/b2_step.py"),
        revision_file("b2", Some("a1"), "    # TODO\n    pass"),
    )
    .unwrap();
    let mut add = std::process::Command::new("git");
    repo.environment(&mut add);
    assert!(add
        .current_dir(&worktree)
        .args(["add", "-A"])
        .status()
        .unwrap()
        .success());
    let mut command = repo.migcheck();
    let output = command
        .current_dir(&worktree)
        .args(["check"])
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&worktree);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn conflicted_index_names_the_file() {
    let repo = with_base();
    repo.git(&["checkout", "-q", "-b", "other"]);
    repo.revision("b2", Some("a1"), "    op.execute('one')");
    repo.commit_all("one");
    repo.git(&["checkout", "-q", "main"]);
    repo.revision("b2", Some("a1"), "    op.execute('two')");
    repo.commit_all("two");
    let merge = repo.git_output(&["merge", "-q", "other"]);
    assert!(!merge.status.success(), "the merge should conflict");
    let (code, stdout, stderr) = repo.run(&["check", "--output-format", "concise"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stdout.contains("migrations/versions/b2_step.py:1:1: MC901"),
        "{stdout}"
    );
    assert!(stdout.contains("unresolved merge conflicts"), "{stdout}");
}

#[test]
fn non_utf8_and_binary_files_are_findings_not_crashes() {
    let repo = with_base();
    repo.write(
        "migrations/versions/b2_latin1.py",
        b"revision = 'b2'\ndown_revision = 'a1'\n# caf\xe9\n",
    );
    repo.write("migrations/versions/c3_binary.py", b"\x00\x01\x02binary");
    repo.write("migrations/versions/README.txt", b"\xff\xfe not python");
    repo.git(&["add", "-A"]);
    let (code, stdout, stderr) = repo.run(&["check", "--output-format", "concise"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains("b2_latin1.py:1:1: MC901"), "{stdout}");
    assert!(stdout.contains("c3_binary.py:1:1: MC901"), "{stdout}");
    assert!(!stdout.contains("README.txt"), "{stdout}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn five_megabyte_revision_file() {
    let repo = with_base();
    let mut body = String::from("    data = [\n");
    while body.len() < 5 * 1024 * 1024 {
        body.push_str(
            "        \"0123456789012345678901234567890123456789012345678901234567890123456789\",\n",
        );
    }
    body.push_str("    ]\n");
    repo.revision("b2", Some("a1"), &body);
    repo.git(&["add", "-A"]);
    let (code, stdout, stderr) = repo.run(&["check"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
}

#[test]
fn no_configuration_is_one_line_and_exit_2() {
    let repo = TestRepo::new();
    repo.write("README.md", "hello\n");
    repo.git(&["add", "-A"]);
    let (code, stdout, stderr) = repo.run(&["check"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("alembic.ini"), "{stderr}");
}

#[test]
fn outside_a_repository_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_migcheck"))
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_CEILING_DIRECTORIES", dir.path().parent().unwrap())
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn usage_error_is_exit_2_and_help_is_exit_0() {
    let repo = TestRepo::new();
    assert_eq!(repo.run(&["--no-such-flag"]).0, 2);
    let (code, stdout, _) = repo.run(&["--help"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("Examples:"), "{stdout}");
    assert!(stdout.contains("Exit status:"), "{stdout}");
}

#[test]
fn git_migcheck_runs_as_a_git_subcommand() {
    let repo = with_base();
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_git-migcheck"))
        .parent()
        .unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut command = std::process::Command::new("git");
    repo.environment(&mut command);
    let output = command
        .env("PATH", path)
        .args(["migcheck", "heads"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout), "a1 (head)\n");
}
