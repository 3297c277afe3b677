//! Bad input through the real binary in a real repository: each case gets a
//! clear finding or error and a defined exit code, never a panic, a hang or a
//! stack overflow. The snapshots keep the exit code and the shape of the
//! output (long lines and long outputs are cut).

mod support;

use std::io::Write;
use std::process::{Command, Stdio};

use support::{revision_file, TestRepo};

/// A repository with one committed revision `a1`.
fn with_base() -> TestRepo {
    let repo = TestRepo::alembic();
    repo.revision("a1", None, "    pass");
    repo.commit_all("base");
    repo
}

/// Exit code, stdout and stderr of `migcheck ARGS`, with lines cut at 160
/// characters and each stream cut after 12 lines.
fn shape(repo: &TestRepo, args: &[&str]) -> String {
    let (code, stdout, stderr) = repo.run(args);
    let cut = |text: &str| {
        let lines: Vec<&str> = text.lines().collect();
        let mut out = String::new();
        for line in lines.iter().take(12) {
            let mut short: String = line.chars().take(160).collect();
            if short.len() < line.len() {
                short.push_str(" [...]");
            }
            out.push_str(&short);
            out.push('\n');
        }
        if lines.len() > 12 {
            out.push_str(&format!("[... {} more lines]\n", lines.len() - 12));
        }
        out
    };
    let text = format!(
        "exit: {code}\n--- stdout\n{}--- stderr\n{}",
        cut(&stdout),
        cut(&stderr)
    );
    text.replace(&repo.path().display().to_string(), "[REPO]")
}

/// Stages `content` as a new revision file next to `a1`.
fn stage(repo: &TestRepo, name: &str, content: impl AsRef<[u8]>) {
    repo.write(&format!("migrations/versions/{name}"), content);
    repo.git(&["add", "-A"]);
}

const CHECK: &[&str] = &["check", "--output-format", "concise"];

#[test]
fn empty_file() {
    let repo = with_base();
    stage(&repo, "b2_empty.py", "");
    insta::assert_snapshot!(shape(&repo, CHECK));
}

#[test]
fn only_a_byte_order_mark() {
    let repo = with_base();
    stage(&repo, "b2_bom.py", b"\xef\xbb\xbf");
    insta::assert_snapshot!(shape(&repo, CHECK));
}

#[test]
fn bytes_that_are_not_utf8() {
    let repo = with_base();
    let mut bytes = revision_file("b2", Some("a1"), "    pass").into_bytes();
    bytes.extend_from_slice(b"# caf\xe9\n");
    stage(&repo, "b2_latin1.py", bytes);
    insta::assert_snapshot!(shape(&repo, CHECK));
}

#[test]
fn nul_bytes() {
    let repo = with_base();
    let mut bytes = revision_file("b2", Some("a1"), "    pass").into_bytes();
    bytes.extend_from_slice(b"x = 1\0\0\n");
    stage(&repo, "b2_nul.py", bytes);
    insta::assert_snapshot!(shape(&repo, CHECK));
}

#[test]
fn fifty_megabyte_file() {
    let repo = with_base();
    // A seed-data migration: one large SQL string in `op.execute`.
    let row = "    (1, 'a fairly long product name', 'SKU-0000001', 19.99, 'available'),\n";
    let mut body = String::from("    op.execute(\"\"\"INSERT INTO products VALUES\n");
    while body.len() < 50 * 1024 * 1024 {
        body.push_str(row);
    }
    body.push_str("    (2, 'last', 'SKU-2', 1.0, 'gone')\"\"\")");
    stage(&repo, "b2_seed.py", revision_file("b2", Some("a1"), &body));
    insta::assert_snapshot!(shape(&repo, CHECK));
}

#[test]
fn ten_thousand_nested_parentheses() {
    let repo = with_base();
    let deep = format!("x = {}1{}\n", "(".repeat(10_000), ")".repeat(10_000));
    stage(
        &repo,
        "b2_deep.py",
        revision_file("b2", Some("a1"), "    pass") + &deep,
    );
    insta::assert_snapshot!(shape(&repo, CHECK));
}

#[test]
fn unterminated_triple_quoted_string() {
    let repo = with_base();
    stage(
        &repo,
        "b2_open.py",
        revision_file(
            "b2",
            Some("a1"),
            "    op.execute(\"\"\"UPDATE users SET x = 1\n",
        ),
    );
    insta::assert_snapshot!(shape(&repo, CHECK));
}

#[test]
fn conflict_markers() {
    let repo = with_base();
    let text = revision_file(
        "b2",
        Some("a1"),
        "<<<<<<< HEAD\n    pass\n=======\n    op.drop_table('users')\n>>>>>>> feature\n",
    );
    stage(&repo, "b2_conflict.py", text);
    insta::assert_snapshot!(shape(&repo, CHECK));
}

#[test]
fn symbolic_links_inside_and_outside_the_repository() {
    let repo = with_base();
    repo.write(
        "shared/b2_real.py",
        revision_file("b2", Some("a1"), "    pass"),
    );
    let versions = repo.path().join("migrations/versions");
    std::os::unix::fs::symlink("../../shared/b2_real.py", versions.join("b2_inside.py"))
        .expect("symlink");
    std::os::unix::fs::symlink("/etc/hostname", versions.join("c3_outside.py")).expect("symlink");
    repo.git(&["add", "-A"]);
    insta::assert_snapshot!(shape(&repo, CHECK));
    // The files on disk: the links are reported the same way.
    insta::assert_snapshot!(shape(
        &repo,
        &["check", "--worktree", "--output-format", "concise"]
    ));
}

#[test]
fn submodule_in_the_versions_folder() {
    let repo = with_base();
    let other = TestRepo::new();
    other.write("README", "shared migrations\n");
    other.commit_all("init");
    let url = other.path().display().to_string();
    repo.git(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        &url,
        "migrations/versions/shared",
    ]);
    // And a submodule entry whose name looks like a revision file.
    let head = other.git(&["rev-parse", "HEAD"]);
    repo.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{},migrations/versions/d4_vendored.py", head.trim()),
    ]);
    repo.revision("b2", Some("a1"), "    pass");
    repo.git(&["add", "migrations/versions/b2_step.py"]);
    let listed = repo.git(&["ls-files", "-s", "migrations/versions"]);
    assert_eq!(
        listed.lines().filter(|l| l.starts_with("160000")).count(),
        2,
        "{listed}"
    );
    insta::assert_snapshot!(shape(&repo, CHECK));
    insta::assert_snapshot!(shape(&repo, &["heads"]));
    // Walking version locations recursively, Alembic would load what is
    // checked out in the submodules: migcheck says it cannot.
    repo.write(
        "alembic.ini",
        format!(
            "{}recursive_version_locations = true\n",
            support::ALEMBIC_INI
        ),
    );
    repo.git(&["add", "alembic.ini"]);
    insta::assert_snapshot!(shape(&repo, CHECK));
}

#[test]
fn file_name_that_is_a_directory_in_the_index() {
    let repo = with_base();
    // `x_step.py/` is a folder; Alembic lists only the files of the versions folder.
    repo.write(
        "migrations/versions/x_step.py/inner.py",
        revision_file("zz", Some("a1"), "    # TODO never read\n    pass"),
    );
    repo.revision("b2", Some("a1"), "    pass");
    repo.git(&["add", "-A"]);
    insta::assert_snapshot!(shape(&repo, CHECK));
    insta::assert_snapshot!(shape(&repo, &["heads"]));
}

#[test]
fn revision_id_with_illegal_characters() {
    let repo = with_base();
    stage(
        &repo,
        "b2_bad.py",
        revision_file("b2-x@y", Some("a1"), "    pass"),
    );
    insta::assert_snapshot!(shape(&repo, CHECK));
    insta::assert_snapshot!(shape(&repo, &["heads"]));
}

/// Commits generated revision files with `git fast-import` (much faster
/// than writing and adding tens of thousands of files) and makes the index
/// match the new commit; the work tree does not get the files.
fn commit_generated(repo: &TestRepo, files: impl Iterator<Item = (String, String)>) {
    let mut stream = Vec::new();
    let _ = write!(
        stream,
        "commit refs/heads/main\ncommitter Test <test@example.com> 0 +0000\ndata 9\ngenerated\nfrom refs/heads/main^0\n"
    );
    for (path, content) in files {
        let _ = write!(
            stream,
            "M 100644 inline {path}\ndata {}\n{content}\n",
            content.len()
        );
    }
    let mut command = Command::new("git");
    repo.environment(&mut command);
    let mut child = command
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("git fast-import");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&stream)
        .expect("write the stream");
    assert!(child.wait().expect("wait").success(), "fast-import failed");
    repo.git(&["reset", "-q"]);
}

fn minimal_revision(id: &str, down: &str) -> String {
    format!("\"\"\"step {id}\"\"\"\nrevision = '{id}'\ndown_revision = {down}\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n")
}

#[test]
fn linear_chain_of_a_hundred_thousand_revisions() {
    let repo = with_base();
    const N: usize = 100_000;
    commit_generated(
        &repo,
        (0..N).map(|n| {
            let down = if n == 0 {
                "'a1'".to_string()
            } else {
                format!("'r{:06}'", n - 1)
            };
            (
                format!("migrations/versions/r{n:06}_step.py"),
                minimal_revision(&format!("r{n:06}"), &down),
            )
        }),
    );
    assert_eq!(
        repo.git(&["ls-files", "migrations/versions"])
            .lines()
            .count(),
        N + 1
    );
    insta::assert_snapshot!(shape(&repo, CHECK));
    insta::assert_snapshot!(shape(&repo, &["heads"]));
}

#[test]
fn cycle_of_ten_thousand_revisions() {
    let repo = with_base();
    const N: usize = 10_000;
    commit_generated(
        &repo,
        (0..N).map(|n| {
            let down = format!("'c{:05}'", (n + N - 1) % N);
            (
                format!("migrations/versions/c{n:05}_step.py"),
                minimal_revision(&format!("c{n:05}"), &down),
            )
        }),
    );
    insta::assert_snapshot!(shape(&repo, CHECK));
    insta::assert_snapshot!(shape(&repo, &["heads"]));
    insta::assert_snapshot!(shape(&repo, &["history"]));
}
