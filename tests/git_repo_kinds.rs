//! The commit check through the real binary in every kind of repository the
//! installed git makes: split index, sparse index, reftable refs, SHA-256
//! objects, a linked worktree, and the temporary index of a partial commit
//! (`git commit <path>` through an installed hook). In each, a staged
//! migration with a `TODO` is rejected (exit 1, MC202) and a clean one is
//! accepted (exit 0), with `--git-backend auto`, with the git CLI forced, and
//! with libgit2 forced where libgit2 can read the repository; where it cannot,
//! forcing it fails with one clear line and exit 2. A kind the installed git
//! cannot create is skipped with a line that says why.

mod support;

use std::path::Path;

use support::{revision_file, TestRepo};

const TODO: &str = "    # TODO: backfill the new column\n    pass";
const CLEAN: &str = "    pass";
const STAGED: &str = "migrations/versions/b2_step.py";

/// Whether libgit2 (migcheck's in-process backend) can read a kind of repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Libgit2 {
    Reads,
    CannotRead,
}

fn skip(kind: &str, why: &str) {
    let why = why.lines().next().unwrap_or("no reason given");
    println!("SKIPPED {kind}: the installed git cannot create it: {why}");
}

/// A committed project with revision `a1`, in a repository made with `git init <options>`.
fn project(kind: &str, options: &[&str]) -> Option<TestRepo> {
    match TestRepo::alembic_with(options) {
        Ok(repo) => {
            repo.revision("a1", None, CLEAN);
            repo.commit_all("base");
            Some(repo)
        }
        Err(why) => {
            skip(kind, &why);
            None
        }
    }
}

/// Runs `migcheck --git-backend BACKEND check` in `dir`.
fn check(repo: &TestRepo, dir: &Path, backend: &str) -> (i32, String, String) {
    let output = repo
        .migcheck()
        .current_dir(dir)
        .args([
            "--git-backend",
            backend,
            "check",
            "--output-format",
            "concise",
        ])
        .output()
        .expect("run migcheck");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Stages `b2` with `body` from `dir` (the top of a work tree).
fn stage(repo: &TestRepo, dir: &Path, body: &str) {
    let path = dir.join(STAGED);
    std::fs::write(&path, revision_file("b2", Some("a1"), body)).expect("write b2");
    let status = git_in(repo, dir)
        .args(["add", STAGED])
        .status()
        .expect("git add");
    assert!(
        status.success(),
        "git add {STAGED} failed in {}",
        dir.display()
    );
}

/// The backends to try, with what each must do.
fn backends(libgit2: Libgit2) -> Vec<(&'static str, bool)> {
    vec![
        ("auto", true),
        ("cli", true),
        ("libgit2", libgit2 == Libgit2::Reads),
    ]
}

/// A staged TODO is rejected and a clean revision accepted, through every backend.
fn assert_guards(kind: &str, repo: &TestRepo, top: &Path, run_in: &Path, libgit2: Libgit2) {
    stage(repo, top, TODO);
    for (backend, reads) in backends(libgit2) {
        let (code, stdout, stderr) = check(repo, run_in, backend);
        if !reads {
            assert_cannot_read(kind, backend, code, &stdout, &stderr);
            continue;
        }
        assert_eq!(
            code, 1,
            "{kind}, {backend}: a staged TODO must be rejected\nstdout: {stdout}\nstderr: {stderr}"
        );
        assert!(
            stdout.contains(&format!("{STAGED}:20:7: MC202")),
            "{kind}, {backend}: {stdout}"
        );
    }
    stage(repo, top, CLEAN);
    for (backend, reads) in backends(libgit2) {
        let (code, stdout, stderr) = check(repo, run_in, backend);
        if !reads {
            assert_cannot_read(kind, backend, code, &stdout, &stderr);
            continue;
        }
        assert_eq!(
            code, 0,
            "{kind}, {backend}: a clean revision must be accepted\nstdout: {stdout}\nstderr: {stderr}"
        );
    }
}

/// Forcing a backend that cannot read the repository: exit 2 and one line that says so.
fn assert_cannot_read(kind: &str, backend: &str, code: i32, stdout: &str, stderr: &str) {
    assert_eq!(
        code, 2,
        "{kind}, {backend}: stdout: {stdout}\nstderr: {stderr}"
    );
    assert_eq!(stdout, "", "{kind}, {backend}");
    assert_eq!(stderr.lines().count(), 1, "{kind}, {backend}: {stderr}");
    assert!(
        stderr.starts_with("migcheck: error: "),
        "{kind}, {backend}: {stderr}"
    );
}

/// `git` with the test environment, run in `dir`.
fn git_in(repo: &TestRepo, dir: &Path) -> std::process::Command {
    let mut command = std::process::Command::new("git");
    repo.environment(&mut command);
    command.current_dir(dir);
    command
}

#[test]
fn split_index() {
    let Some(repo) = project("split index", &[]) else {
        return;
    };
    repo.git(&["config", "core.splitIndex", "true"]);
    repo.git(&["update-index", "--split-index"]);
    let shared = std::fs::read_dir(repo.path().join(".git"))
        .expect("read .git")
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().starts_with("sharedindex."));
    if !shared {
        return skip("split index", "git wrote no shared index");
    }
    assert_guards(
        "split index",
        &repo,
        repo.path(),
        repo.path(),
        Libgit2::CannotRead,
    );
}

#[test]
fn sparse_index() {
    let Some(repo) = project("sparse index", &[]) else {
        return;
    };
    repo.write("app/models.py", "class User:\n    pass\n");
    repo.commit_all("app");
    let sparse = repo.git_output(&[
        "sparse-checkout",
        "set",
        "--cone",
        "--sparse-index",
        "migrations",
    ]);
    if !sparse.status.success() {
        return skip("sparse index", &String::from_utf8_lossy(&sparse.stderr));
    }
    // The index really is sparse: the folder outside the cone is one entry.
    let listed = repo.git(&["ls-files", "--sparse"]);
    assert!(listed.lines().any(|l| l == "app/"), "{listed}");
    assert_guards(
        "sparse index",
        &repo,
        repo.path(),
        repo.path(),
        Libgit2::CannotRead,
    );
}

#[test]
fn reftable_refs() {
    let Some(repo) = project("reftable", &["--ref-format=reftable"]) else {
        return;
    };
    assert!(repo.path().join(".git/reftable").is_dir());
    assert_guards(
        "reftable",
        &repo,
        repo.path(),
        repo.path(),
        Libgit2::CannotRead,
    );
}

#[test]
fn sha256_objects() {
    let Some(repo) = project("sha256", &["--object-format=sha256"]) else {
        return;
    };
    assert_eq!(repo.git(&["rev-parse", "HEAD"]).trim().len(), 64);
    assert_guards(
        "sha256",
        &repo,
        repo.path(),
        repo.path(),
        Libgit2::CannotRead,
    );
}

#[test]
fn linked_worktree() {
    let Some(repo) = project("linked worktree", &[]) else {
        return;
    };
    let linked_parent = tempfile::tempdir().expect("temp dir");
    let linked = linked_parent.path().join("linked");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "side",
        linked.to_str().expect("utf-8 path"),
    ]);
    // The main work tree stages a TODO of its own, which the linked one must not see.
    repo.revision("c3", Some("a1"), TODO);
    repo.git(&["add", "-A"]);
    assert_guards(
        "linked worktree",
        &repo,
        &linked,
        &linked.join("migrations"),
        Libgit2::Reads,
    );
}

#[test]
fn partial_commit_temporary_index() {
    let Some(repo) = project("partial commit", &[]) else {
        return;
    };
    for (backend, _) in backends(Libgit2::Reads) {
        install_hook(&repo, backend);
        // Staged clean, TODO on disk: `git commit <path>` commits what is on
        // disk, through a temporary index the hook must read.
        repo.revision("b2", Some("a1"), CLEAN);
        repo.git(&["add", STAGED]);
        repo.revision("b2", Some("a1"), TODO);
        let rejected = repo.git_output(&["commit", "-q", "-m", "b2", STAGED]);
        let said = String::from_utf8_lossy(&rejected.stdout).into_owned()
            + &String::from_utf8_lossy(&rejected.stderr);
        assert!(
            !rejected.status.success(),
            "{backend}: the TODO was committed: {said}"
        );
        assert!(said.contains("MC202"), "{backend}: {said}");
        assert!(
            said.contains("migcheck blocked the commit"),
            "{backend}: {said}"
        );
        assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]).trim(), "1");

        // Staged TODO, clean on disk: the partial commit takes the clean file.
        repo.git(&["add", STAGED]);
        repo.revision("b2", Some("a1"), CLEAN);
        let accepted = repo.git_output(&["commit", "-q", "-m", "b2", STAGED]);
        assert!(
            accepted.status.success(),
            "{backend}: the clean file was rejected: {}{}",
            String::from_utf8_lossy(&accepted.stdout),
            String::from_utf8_lossy(&accepted.stderr)
        );
        assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]).trim(), "2");
        repo.git(&["reset", "-q", "HEAD~1"]);
        repo.remove(STAGED);
    }
}

/// A pre-commit hook that runs this build of migcheck with a backend.
fn install_hook(repo: &TestRepo, backend: &str) {
    let hook = format!(
        "#!/bin/sh\nexec '{}' --git-backend {backend} hook pre-commit\n",
        env!("CARGO_BIN_EXE_migcheck")
    );
    let path = repo.write(".git/hooks/pre-commit", hook);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod hook");
}
