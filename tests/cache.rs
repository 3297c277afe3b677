//! The header cache in `.git/migcheck/headers`, through the real binary in
//! real repositories: it is written where it should be and nowhere else, it
//! is really used (a run answers with an unchanged blob deleted from the
//! object store), and a run through it, cold or warm, prints exactly what a
//! run with `--no-cache` prints, whatever changed in between and whatever
//! state the cache file is in.

mod support;

use std::path::{Path, PathBuf};

use support::{revision_file, TestRepo};

/// Where the cache lives, relative to the repository root.
const CACHE: &str = ".git/migcheck/headers";

/// Exit code, stdout and stderr of one run.
type Run = (i32, String, String);

fn cache_path(repo: &TestRepo) -> PathBuf {
    repo.path().join(CACHE)
}

/// A run with `MIGCHECK_NO_CACHE` set to `value`.
fn run_with_env(repo: &TestRepo, value: &str, args: &[&str]) -> Run {
    let output = repo
        .migcheck()
        .env("MIGCHECK_NO_CACHE", value)
        .args(args)
        .output()
        .expect("run migcheck");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `args` with `--no-cache` in front.
fn no_cache(repo: &TestRepo, args: &[&str]) -> Run {
    let mut line = vec!["--no-cache"];
    line.extend_from_slice(args);
    repo.run(&line)
}

/// Runs `args` through the cache and asserts it prints what a run without
/// the cache prints; returns that output.
fn same_as_without_cache(repo: &TestRepo, args: &[&str], when: &str) -> Run {
    let cached = repo.run(args);
    let reference = no_cache(repo, args);
    assert_eq!(
        cached, reference,
        "{args:?} ({when}): through the cache (left) and with --no-cache (right)"
    );
    cached
}

/// Deletes the loose object of the blob `spec` names (`HEAD:path`, `:path`):
/// a run that still answers took that file's header from the cache.
fn drop_blob(repo: &TestRepo, spec: &str) {
    let id = repo.git(&["rev-parse", spec]).trim().to_string();
    let object = repo
        .path()
        .join(".git/objects")
        .join(&id[..2])
        .join(&id[2..]);
    assert!(object.is_file(), "{spec} ({id}) is not a loose object");
    std::fs::remove_file(&object).expect("delete the object");
}

/// A run that had to read the blob `drop_blob` deleted.
fn assert_missing_object(run: &Run, what: &str) {
    assert_eq!(run.0, 2, "{what}: {run:?}");
    assert!(run.2.contains("is missing"), "{what}: {run:?}");
}

/// `a1 <- b2 <- c3`, committed.
fn chain() -> TestRepo {
    let repo = TestRepo::alembic();
    repo.revision("a1", None, "    pass");
    repo.revision("b2", Some("a1"), "    pass");
    repo.revision("c3", Some("b2"), "    pass");
    repo.commit_all("a1 b2 c3");
    repo
}

/// 1-based `line:column` of the value assigned on the line starting with
/// `statement` (the place a finding about that value points at).
fn value_place(text: &str, statement: &str) -> String {
    for (number, line) in text.lines().enumerate() {
        if line.starts_with(statement) {
            let column = line.find("= ").expect("an assignment") + 3;
            return format!("{}:{column}", number + 1);
        }
    }
    panic!("no line starts with {statement:?} in:\n{text}");
}

/// `text` with `count` blank lines inserted before the line starting with `statement`.
fn blank_lines_before(text: &str, statement: &str, count: usize) -> String {
    let at = text
        .find(&format!("\n{statement}"))
        .expect("the statement is there")
        + 1;
    format!("{}{}{}", &text[..at], "\n".repeat(count), &text[at..])
}

#[test]
fn heads_and_check_write_the_cache_into_the_git_directory() {
    let repo = chain();
    assert!(!cache_path(&repo).exists());
    assert_eq!(
        repo.run(&["heads"]),
        (0, "c3 (head)\n".into(), String::new())
    );
    let written = std::fs::metadata(cache_path(&repo)).expect("heads wrote the cache");
    assert!(written.is_file() && written.len() > 0);

    std::fs::remove_file(cache_path(&repo)).expect("remove the cache");
    assert_eq!(repo.run(&["check"]).0, 0);
    assert!(cache_path(&repo).is_file(), "check wrote no cache");
}

#[test]
fn no_cache_and_worktree_runs_create_no_cache() {
    let repo = chain();
    repo.revision("d4", Some("c3"), "    pass");
    repo.git(&["add", "-A"]);
    for args in [&["heads"][..], &["check"], &["history"]] {
        let mut flag = vec!["--no-cache"];
        flag.extend_from_slice(args);
        assert_eq!(repo.run(&flag).0, 0, "{flag:?}");
        for value in ["1", "true", "yes"] {
            let run = run_with_env(&repo, value, args);
            assert_eq!(run.0, 0, "MIGCHECK_NO_CACHE={value} {args:?}: {run:?}");
        }
        let mut worktree = vec!["--worktree"];
        worktree.extend_from_slice(args);
        assert_eq!(repo.run(&worktree).0, 0, "{worktree:?}");
    }
    assert!(
        !repo.path().join(".git/migcheck").exists(),
        "a run without the cache created .git/migcheck"
    );
}

#[test]
fn migcheck_no_cache_takes_1_and_0_not_only_true_and_false() {
    let repo = chain();
    for value in ["1", "0", "true", "false", "yes", "no", "on", "off", ""] {
        let run = run_with_env(&repo, value, &["heads"]);
        assert_eq!(
            run,
            (0, "c3 (head)\n".into(), String::new()),
            "MIGCHECK_NO_CACHE={value:?}"
        );
    }
}

#[test]
fn no_cache_neither_reads_nor_updates_the_cache() {
    let repo = chain();
    assert_eq!(repo.run(&["heads"]).0, 0);
    let warm = std::fs::read(cache_path(&repo)).expect("the cache");

    // A new revision the cache does not know: runs without the cache leave
    // the file as it is, a run through it adds the new header.
    repo.revision("d4", Some("c3"), "    pass");
    repo.commit_all("d4");
    assert_eq!(no_cache(&repo, &["heads"]).1, "d4 (head)\n");
    assert_eq!(run_with_env(&repo, "1", &["check"]).0, 0);
    assert_eq!(std::fs::read(cache_path(&repo)).expect("the cache"), warm);
    assert_eq!(repo.run(&["heads"]).1, "d4 (head)\n");
    assert_ne!(std::fs::read(cache_path(&repo)).expect("the cache"), warm);

    // With b2's blob gone, only a run through the cache can answer.
    drop_blob(&repo, "HEAD:migrations/versions/b2_step.py");
    assert_eq!(
        repo.run(&["heads"]),
        (0, "d4 (head)\n".into(), String::new())
    );
    assert_eq!(run_with_env(&repo, "0", &["heads"]).1, "d4 (head)\n");
    assert_missing_object(&no_cache(&repo, &["heads"]), "--no-cache");
    assert_missing_object(&run_with_env(&repo, "1", &["heads"]), "MIGCHECK_NO_CACHE=1");
}

#[test]
fn a_changed_header_is_read_again_not_taken_from_the_cache() {
    let repo = chain();
    assert_eq!(
        same_as_without_cache(&repo, &["heads"], "cold").1,
        "c3 (head)\n"
    );
    let c3_before = repo.read("migrations/versions/c3_step.py");

    // c3 now branches off a1, staged: two heads.
    repo.revision("c3", Some("a1"), "    pass");
    repo.git(&["add", "-A"]);
    let two_heads = "b2 (head)\nc3 (head)\n";
    for _ in 0..2 {
        assert_eq!(
            same_as_without_cache(&repo, &["heads"], "staged").1,
            two_heads
        );
        let (code, stdout, _) =
            same_as_without_cache(&repo, &["check", "--output-format", "concise"], "staged");
        assert_eq!(code, 0, "{stdout}");
        assert!(stdout.contains("MC101 (warning)"), "{stdout}");
        assert!(stdout.contains("`b2`, `c3`"), "{stdout}");
    }

    // Committed, c3 is unchanged again: its new blob must not be answered
    // with what the cache holds for the old one at the same path.
    repo.commit_all("c3 branches off a1");
    for _ in 0..2 {
        assert_eq!(
            same_as_without_cache(&repo, &["heads"], "committed").1,
            two_heads
        );
        let (_, stdout, _) =
            same_as_without_cache(&repo, &["check", "--output-format", "concise"], "committed");
        assert!(stdout.contains("MC101 (warning)"), "{stdout}");
    }

    // A new revision on b2, then c3 back to its first content (the blob the
    // cache learnt first): a single head again.
    repo.revision("d4", Some("b2"), "    pass");
    repo.git(&["add", "-A"]);
    assert_eq!(
        same_as_without_cache(&repo, &["heads"], "d4 staged").1,
        "c3 (head)\nd4 (head)\n"
    );
    repo.commit_all("d4");
    repo.write("migrations/versions/c3_step.py", &c3_before);
    repo.remove("migrations/versions/d4_step.py");
    repo.commit_all("back to the chain");
    for _ in 0..2 {
        assert_eq!(
            same_as_without_cache(&repo, &["heads"], "reverted").1,
            "c3 (head)\n"
        );
    }
}

/// A project where a run through the cache has every reason to go wrong:
/// duplicate ids, a dangling `down_revision`, a value that cannot be known,
/// one the configuration states, merges, labels, a legacy file named by its
/// id, CRLF line ends, a syntax error below the header, and a staged file
/// with a lint finding.
fn project_with_findings() -> TestRepo {
    let repo = TestRepo::alembic();
    let versions = "migrations/versions";
    repo.revision("a1", None, "    pass");
    repo.revision("b2", Some("a1"), "    pass");
    repo.write(
        &format!("{versions}/b2_copy.py"),
        blank_lines_before(&revision_file("b2", Some("a1"), "    pass"), "revision", 3),
    );
    repo.revision("d4", Some("zz"), "    pass");
    repo.write(
        &format!("{versions}/e5_step.py"),
        revision_file("e5", Some("b2"), "    pass").replace("= \"b2\"", "= compute()"),
    );
    repo.write(
        &format!("{versions}/f6_step.py"),
        revision_file("f6", Some("d4"), "    pass")
            .replace("= \"d4\"", "= (\"b2\", \"d4\")")
            .replace(
                "branch_labels: Union[str, Sequence[str], None] = None",
                "branch_labels = (\"feature\",)",
            )
            .replace(
                "depends_on: Union[str, Sequence[str], None] = None",
                "depends_on = \"a1\"",
            ),
    );
    repo.write(
        &format!("{versions}/0ff1ce.py"),
        "\"\"\"legacy\"\"\"\ndown_revision = 'f6'\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n",
    );
    repo.write(
        &format!("{versions}/g7_step.py"),
        revision_file("g7", Some("0ff1ce"), "    pass").replace('\n', "\r\n"),
    );
    repo.write(
        &format!("{versions}/h8_step.py"),
        revision_file("h8", Some("g7"), "    pass").replace("def downgrade()", "def downgrade(:"),
    );
    repo.write(
        &format!("{versions}/j9_step.py"),
        revision_file("j9", Some("h8"), "    pass").replace("= \"h8\"", "= pick()"),
    );
    repo.write(
        "pyproject.toml",
        "[tool.migcheck.revisions.\"migrations/versions/j9_step.py\"]\ndown-revision = \"h8\"\n",
    );
    repo.commit_all("a tangled history");
    repo.revision("k10", Some("j9"), "    # TODO: backfill\n    pass");
    repo.git(&["add", "-A"]);
    repo
}

/// Every command that reads the revision headers, in the output formats
/// that print positions.
const COMMANDS: &[&[&str]] = &[
    &["heads"],
    &["heads", "--output-format", "json"],
    &["history"],
    &["history", "--verbose"],
    &["graph"],
    &["check", "--output-format", "concise"],
    &["check", "--output-format", "json"],
    &["check", "--output-format", "full"],
    &["check", "--output-format", "sarif"],
    &["check", "--all", "--output-format", "concise"],
    &["--rev", "HEAD", "check", "--output-format", "json"],
    &["--git-backend", "cli", "check", "--output-format", "json"],
];

#[test]
fn every_command_prints_the_same_cold_or_warm_as_without_the_cache() {
    let repo = project_with_findings();
    for args in COMMANDS {
        let _ = std::fs::remove_file(cache_path(&repo));
        let reference = no_cache(&repo, args);
        assert!(!cache_path(&repo).exists(), "--no-cache wrote the cache");
        assert_eq!(repo.run(args), reference, "{args:?} on a cold cache");
        assert!(cache_path(&repo).is_file(), "{args:?} wrote no cache");
        for round in ["warm", "warm again"] {
            assert_eq!(repo.run(args), reference, "{args:?} on a {round} cache");
        }
    }
    // The project really has the findings the cache could hide or move.
    let (code, stdout, _) = repo.run(&["check", "--output-format", "concise"]);
    assert_eq!(code, 1, "{stdout}");
    for expected in ["MC102", "MC103", "e5_step.py", "MC902", "MC202"] {
        assert!(stdout.contains(expected), "{expected} missing:\n{stdout}");
    }
    assert!(
        !stdout.contains("j9_step.py"),
        "j9's stated value ignored:\n{stdout}"
    );
}

#[test]
fn a_value_stated_in_the_configuration_is_not_kept_in_the_cache() {
    let repo = project_with_findings();
    let args = ["check", "--output-format", "concise"];
    let stated = same_as_without_cache(&repo, &args, "stated");
    assert!(!stated.1.contains("j9_step.py"), "{}", stated.1);
    assert!(cache_path(&repo).is_file());

    // Without the stated value j9's `pick()` is a finding again.
    repo.remove("pyproject.toml");
    repo.git(&["add", "-A"]);
    let unstated = same_as_without_cache(&repo, &args, "no longer stated");
    let j9 = String::from_utf8(repo.read("migrations/versions/j9_step.py")).expect("text");
    let finding = format!(
        "migrations/versions/j9_step.py:{}: MC902",
        value_place(&j9, "down_revision")
    );
    assert!(unstated.1.contains(&finding), "{finding}\n{}", unstated.1);
}

#[test]
fn graph_findings_on_unchanged_files_keep_their_places() {
    let repo = TestRepo::alembic();
    let versions = "migrations/versions";
    repo.revision("a1", None, "    pass");
    let first = revision_file("b2", Some("a1"), "    pass");
    let second = blank_lines_before(&first, "revision", 3);
    let dangling = revision_file("d4", Some("zz"), "    pass");
    repo.write(&format!("{versions}/b2_a.py"), &first);
    repo.write(&format!("{versions}/b2_b.py"), &second);
    repo.write(&format!("{versions}/d4_step.py"), &dangling);
    repo.commit_all("two b2 and a dangling d4");
    repo.revision("c3", Some("a1"), "    pass");
    repo.git(&["add", "-A"]);

    let check = |when: &str, second: &str, dangling: &str| {
        let concise = ["check", "--output-format", "concise"];
        let json = ["check", "--output-format", "json"];
        for round in ["cold", "warm"] {
            let when = format!("{when}, {round}");
            let (code, stdout, stderr) = same_as_without_cache(&repo, &concise, &when);
            assert_eq!((code, stderr.as_str()), (1, ""), "{when}: {stdout}");
            let duplicate = format!(
                "{versions}/b2_b.py:{}: MC103",
                value_place(second, "revision")
            );
            let dangling = format!(
                "{versions}/d4_step.py:{}: MC102",
                value_place(dangling, "down_revision")
            );
            assert!(stdout.contains(&duplicate), "{when}: {duplicate}\n{stdout}");
            assert!(stdout.contains(&dangling), "{when}: {dangling}\n{stdout}");
            // The related place, in the first copy, is only in the JSON.
            let (_, stdout, _) = same_as_without_cache(&repo, &json, &when);
            let place = value_place(&first, "revision");
            let (line, column) = place.split_once(':').expect("line:column");
            let related = format!(
                "\"path\":\"{versions}/b2_a.py\",\"location\":{{\"line\":{line},\"column\":{column}}},\"message\":\"`b2`isfirstdeclaredhere\""
            );
            assert!(
                stdout.replace([' ', '\n'], "").contains(&related),
                "{when}: {related}\n{stdout}"
            );
        }
    };
    check("first commit", &second, &dangling);

    // Lines added above the values move the findings: the new blobs must
    // not be answered with the old places.
    let second_moved = blank_lines_before(&second, "revision", 2);
    let dangling_moved = blank_lines_before(&dangling, "down_revision", 4);
    repo.write(&format!("{versions}/b2_b.py"), &second_moved);
    repo.write(&format!("{versions}/d4_step.py"), &dangling_moved);
    repo.commit_all("blank lines");
    repo.revision("c3", Some("a1"), "    pass");
    repo.git(&["add", "-A"]);
    assert_ne!(
        value_place(&second, "revision"),
        value_place(&second_moved, "revision")
    );
    check("blank lines committed", &second_moved, &dangling_moved);
}

/// What to do to the cache file before a run.
#[derive(Debug, Clone, Copy)]
enum Damage {
    Truncated,
    Garbage,
    Empty,
    Directory,
    FolderIsAFile,
}

fn damage(repo: &TestRepo, how: Damage) {
    let path = cache_path(repo);
    let folder = path.parent().expect("a folder").to_path_buf();
    match how {
        Damage::Truncated => {
            let bytes = std::fs::read(&path).expect("the cache");
            assert!(bytes.len() > 8, "{} bytes", bytes.len());
            std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("truncate");
        }
        Damage::Garbage => {
            let garbage: Vec<u8> = (0..4096u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect();
            std::fs::write(&path, garbage).expect("write garbage");
        }
        Damage::Empty => std::fs::write(&path, b"").expect("empty the cache"),
        Damage::Directory => {
            std::fs::remove_file(&path).expect("remove the cache");
            std::fs::create_dir_all(path.join("inside")).expect("a directory in its place");
        }
        Damage::FolderIsAFile => {
            std::fs::remove_dir_all(&folder).expect("remove the folder");
            std::fs::write(&folder, b"not a folder").expect("a file in its place");
        }
    }
}

/// The runs a damaged cache must not change: a finding, a warning on stderr
/// and a clean answer.
const CHECKED: &[&[&str]] = &[
    &["check", "--output-format", "concise"],
    &["heads"],
    &["history"],
];

/// Asserts every run in `CHECKED` prints what `reference` holds.
fn assert_unchanged(repo: &TestRepo, reference: &[Run], what: &str) {
    for (args, expected) in CHECKED.iter().zip(reference) {
        let run = repo.run(args);
        assert_eq!(&run, expected, "{args:?} with {what}");
        assert!(!run.2.contains("error"), "{args:?} with {what}: {}", run.2);
    }
}

#[test]
fn a_damaged_cache_changes_no_output_and_no_exit_code() {
    for how in [
        Damage::Truncated,
        Damage::Garbage,
        Damage::Empty,
        Damage::Directory,
        Damage::FolderIsAFile,
    ] {
        let repo = project_with_findings();
        let reference: Vec<Run> = CHECKED.iter().map(|args| no_cache(&repo, args)).collect();
        assert_eq!(reference[0].0, 1, "{:?}", reference[0]);
        assert_unchanged(&repo, &reference, "a cold cache");
        assert!(cache_path(&repo).is_file());
        damage(&repo, how);
        let what = format!("{how:?} cache");
        assert_unchanged(&repo, &reference, &what);
        assert_unchanged(&repo, &reference, &format!("{what}, second run"));
        if matches!(how, Damage::Truncated | Damage::Garbage | Damage::Empty) {
            // The damaged file was replaced by a working cache.
            drop_blob(&repo, "HEAD:migrations/versions/b2_step.py");
            let heads = repo.run(&["heads"]);
            assert_eq!(heads, reference[1], "heads from the rebuilt cache");
        }
    }
}

#[test]
fn an_unreadable_or_unwritable_cache_changes_nothing() {
    use std::os::unix::fs::PermissionsExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        println!("skipped: root reads and writes whatever the permissions say");
        return;
    }
    let set_mode = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod")
    };
    let repo = project_with_findings();
    let reference: Vec<Run> = CHECKED.iter().map(|args| no_cache(&repo, args)).collect();
    assert_unchanged(&repo, &reference, "a cold cache");
    let folder = repo.path().join(".git/migcheck");

    // A folder the cache cannot be written into, with a file to learn.
    repo.revision("k10", Some("j9"), "    # TODO: backfill\n    pass");
    repo.commit_all("k10");
    repo.revision("m11", Some("k10"), "    pass");
    repo.git(&["add", "-A"]);
    let reference: Vec<Run> = CHECKED.iter().map(|args| no_cache(&repo, args)).collect();
    let before = std::fs::read(cache_path(&repo)).expect("the cache");
    set_mode(&folder, 0o555);
    assert_unchanged(&repo, &reference, "a read-only cache folder");
    set_mode(&folder, 0o755);
    assert_eq!(std::fs::read(cache_path(&repo)).expect("the cache"), before);

    // A cache file nobody may read.
    set_mode(&cache_path(&repo), 0o000);
    assert_unchanged(&repo, &reference, "an unreadable cache file");
    set_mode(&cache_path(&repo), 0o600);
}

#[test]
fn a_cache_from_another_build_is_not_used() {
    let repo = chain();
    assert_eq!(repo.run(&["heads"]).1, "c3 (head)\n");
    drop_blob(&repo, "HEAD:migrations/versions/b2_step.py");
    assert_eq!(repo.run(&["heads"]).1, "c3 (head)\n");

    // Another build stamps the file differently. The file opens with the
    // format number (one byte) and the stamp's length (one byte), then the
    // stamp, which starts with the version: change its first digit.
    let path = cache_path(&repo);
    let original = std::fs::read(&path).expect("read the cache");
    let mut other = original.clone();
    assert!(other[2].is_ascii_digit(), "{:?}", &other[..8]);
    other[2] = if other[2] == b'9' { b'8' } else { other[2] + 1 };
    std::fs::write(&path, &other).expect("write the cache");
    let (code, _, stderr) = repo.run(&["heads"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is missing"), "{stderr}");

    // `git-migcheck` is the same build as `migcheck`: it uses their cache.
    std::fs::write(&path, &original).expect("write the cache");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_git-migcheck"));
    repo.environment(&mut command);
    let output = command.arg("heads").output().expect("run git-migcheck");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "c3 (head)\n");
}

#[test]
fn rev_reads_an_older_commit_through_the_cache() {
    let repo = chain();
    repo.revision("d4", Some("c3"), "    pass");
    repo.commit_all("d4");
    repo.revision("c3", Some("a1"), "    pass");
    repo.commit_all("c3 branches off a1");

    let older = ["--rev", "HEAD~1", "heads"];
    for when in ["cold", "warm"] {
        assert_eq!(same_as_without_cache(&repo, &older, when).1, "d4 (head)\n");
        assert_eq!(
            same_as_without_cache(&repo, &["heads"], when).1,
            "b2 (head)\nd4 (head)\n"
        );
    }
    // c3's first content is in HEAD~1 only and unchanged by it: with its
    // blob gone, only the cache can answer for that commit.
    drop_blob(&repo, "HEAD~1:migrations/versions/c3_step.py");
    assert_eq!(repo.run(&older), (0, "d4 (head)\n".into(), String::new()));
    assert_missing_object(&no_cache(&repo, &older), "--no-cache --rev HEAD~1");
    assert_eq!(repo.run(&["heads"]).1, "b2 (head)\nd4 (head)\n");
}

#[test]
fn the_cache_stays_out_of_the_work_tree_and_the_index() {
    let repo = project_with_findings();
    repo.commit_all("k10");
    for args in COMMANDS {
        repo.run(args);
    }
    assert!(cache_path(&repo).is_file());
    assert_eq!(repo.git(&["status", "--porcelain", "--ignored"]), "");
    assert!(!repo.git(&["ls-files"]).contains("migcheck/"));
    assert_eq!(
        repo.git(&["rev-parse", "--absolute-git-dir"]).trim(),
        repo.path()
            .join(".git")
            .canonicalize()
            .expect("git dir")
            .display()
            .to_string()
    );

    // A linked work tree keeps its cache in its own git directory.
    let outside = tempfile::tempdir().expect("temp dir");
    let linked = outside.path().join("linked");
    let linked_arg = linked.display().to_string();
    repo.git(&["worktree", "add", "-q", "--detach", &linked_arg]);
    let heads = ["-C", linked_arg.as_str(), "heads"];
    assert_eq!(repo.run(&heads), no_cache(&repo, &heads));
    let linked_git_dir = repo.git(&["-C", &linked_arg, "rev-parse", "--absolute-git-dir"]);
    let linked_cache = Path::new(linked_git_dir.trim()).join("migcheck/headers");
    assert!(linked_cache.is_file(), "{}", linked_cache.display());
    assert!(!linked_cache.starts_with(&linked));
    assert_eq!(
        repo.git(&["-C", &linked_arg, "status", "--porcelain", "--ignored"]),
        ""
    );
    assert_eq!(repo.git(&["status", "--porcelain", "--ignored"]), "");
}
