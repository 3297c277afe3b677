//! What CI runs: `check --from-ref BASE [--to-ref REF]` on a branch in a real
//! repository (file rules on the changed migrations, the stale-parent rule
//! against the base ref), and the machine-readable formats: SARIF validated
//! against the official SARIF 2.1.0 schema, GitHub workflow commands with
//! their escaping, and `GITHUB_ACTIONS` leaving the format alone.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use support::{revision_file, TestRepo};

/// main: `a1`; branch `feature` forks there and adds `c3` on `a1`; then
/// `b2` (on `a1`) lands on main, which `origin/main` points at.
fn forked_before_b2_landed() -> TestRepo {
    let repo = TestRepo::alembic();
    repo.revision("a1", None, "    pass");
    repo.commit_all("a1");
    repo.git(&["switch", "-q", "-c", "feature"]);
    repo.revision("c3", Some("a1"), "    pass");
    repo.commit_all("c3 on a1");
    repo.git(&["switch", "-q", "main"]);
    repo.revision("b2", Some("a1"), "    pass");
    repo.commit_all("b2 on a1");
    repo.git(&["update-ref", "refs/remotes/origin/main", "main"]);
    repo.git(&["switch", "-q", "feature"]);
    repo
}

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

#[test]
fn branch_that_forked_before_another_migration_landed_is_stale() {
    let repo = forked_before_b2_landed();
    // The branch on its own is fine.
    assert_eq!(repo.run(&["check", "--rev", "HEAD"]).0, 0);
    let (code, stdout, stderr) = repo.run(&[
        "check",
        "--from-ref",
        "origin/main",
        "--output-format",
        "json",
    ]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    let report = json(&stdout);
    let found = &report["diagnostics"][0];
    assert_eq!(found["code"], "MC108", "{stdout}");
    assert_eq!(found["name"], "stale-down-revision");
    assert_eq!(found["path"], "migrations/versions/c3_step.py");
    assert_eq!(found["location"]["line"], 14, "points at `down_revision`");
    assert_eq!(
        found["message"],
        "`c3` builds on `a1`, but `origin/main` has moved on to `b2`: after the merge there will be two heads."
    );
    let help = found["help"].as_str().unwrap();
    assert!(help.starts_with("Set `down_revision = \"b2\"`"), "{help}");
    assert!(
        help.contains("alembic merge -m \"merge heads\" b2 c3"),
        "{help}"
    );
    assert_eq!(
        report["diagnostics"].as_array().unwrap().len(),
        1,
        "{stdout}"
    );

    // The same range named from the main checkout with --to-ref.
    repo.git(&["switch", "-q", "main"]);
    let (code, stdout, _) = repo.run(&[
        "check",
        "--from-ref",
        "origin/main",
        "--to-ref",
        "feature",
        "--output-format",
        "concise",
    ]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("migrations/versions/c3_step.py:14:") && stdout.contains("MC108"),
        "{stdout}"
    );
}

#[test]
fn rebased_branch_passes_and_merged_branch_is_left_to_multiple_heads() {
    let repo = forked_before_b2_landed();
    // Rebased by hand: c3 now builds on b2.
    repo.git(&["rebase", "-q", "main"]);
    repo.revision("c3", Some("b2"), "    pass");
    repo.commit_all("c3 on b2");
    let (code, stdout, _) = repo.run(&["check", "--from-ref", "origin/main"]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(stdout, "", "nothing to report");

    // A branch that merged main without fixing the parent: two heads, which
    // the graph rule reports; the stale-parent rule does not repeat it.
    let repo = forked_before_b2_landed();
    repo.git(&["merge", "-q", "--no-edit", "main"]);
    let (code, stdout, _) = repo.run(&[
        "check",
        "--from-ref",
        "origin/main",
        "--output-format",
        "concise",
    ]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("MC101 (warning)"), "{stdout}");
    assert!(!stdout.contains("MC108"), "{stdout}");
}

#[test]
fn range_lints_only_the_migrations_the_range_changed() {
    let repo = TestRepo::alembic();
    repo.revision("a1", None, "    # TODO: old debt\n    pass");
    repo.commit_all("a1");
    repo.git(&["update-ref", "refs/remotes/origin/main", "main"]);
    repo.git(&["switch", "-q", "-c", "feature"]);
    repo.revision("b2", Some("a1"), "    # FIXME before merging\n    pass");
    repo.commit_all("b2");
    // Uncommitted work is not part of the range.
    repo.revision("c3", Some("b2"), "    # TODO uncommitted\n    pass");
    let (code, stdout, _) = repo.run(&[
        "check",
        "--from-ref",
        "origin/main",
        "--output-format",
        "concise",
    ]);
    assert_eq!(code, 1);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stdout.starts_with("migrations/versions/b2_step.py:20:7: MC202"),
        "{stdout}"
    );
}

#[test]
fn unknown_refs_are_errors() {
    let repo = forked_before_b2_landed();
    let (code, _, stderr) = repo.run(&["check", "--from-ref", "origin/nope"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("origin/nope"), "{stderr}");
    let (code, _, stderr) = repo.run(&["check", "--from-ref", "main", "--worktree"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--worktree"), "{stderr}");
}

#[test]
fn github_actions_variable_does_not_change_the_format() {
    let repo = forked_before_b2_landed();
    let run = |github: bool| {
        let mut command = repo.migcheck();
        if github {
            command.env("GITHUB_ACTIONS", "true").env("CI", "true");
        }
        let output = command
            .args(["check", "--from-ref", "origin/main"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let plain = run(false);
    assert!(
        plain.starts_with("migrations/versions/c3_step.py:14:"),
        "{plain}"
    );
    assert_eq!(run(true), plain);
}

#[test]
fn github_commands_escape_the_message_and_the_file() {
    let repo = TestRepo::alembic();
    repo.revision("a1", None, "    pass");
    repo.commit_all("a1");
    let path = "migrations/versions/b2_50%,off:x.py";
    repo.write(
        path,
        revision_file("b2", Some("a1"), "    # TODO: 100%, then: done\n    pass"),
    );
    repo.git(&["add", "-A"]);
    let (code, stdout, _) = repo.run(&["check", "--output-format", "github"]);
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(
        stdout,
        "::error file=migrations/versions/b2_50%25%2Coff%3Ax.py,line=20,endLine=20,col=7,endColumn=11,\
title=MC202 (todo-in-migration)::`TODO` in a comment of a changed migration: `# TODO: 100%25, then: done`.\
%0Ahelp: Finish the step (or move it to its own migration) and remove `TODO` before committing.\n"
    );
}

#[test]
fn github_commands_drop_columns_of_a_multi_line_span() {
    let repo = forked_before_b2_landed();
    // c3's parent as a tuple over three lines: the finding spans them.
    let text = revision_file("c3", Some("a1"), "    pass").replace(
        "down_revision: Union[str, Sequence[str], None] = \"a1\"",
        "down_revision: Union[str, Sequence[str], None] = (\n    \"a1\",\n)",
    );
    repo.write("migrations/versions/c3_step.py", text);
    repo.commit_all("c3 as a tuple");
    let (code, stdout, _) = repo.run(&[
        "check",
        "--from-ref",
        "origin/main",
        "--output-format",
        "github",
    ]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.starts_with(
            "::error file=migrations/versions/c3_step.py,line=14,endLine=16,title=MC108 (stale-down-revision)::"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("col="), "{stdout}");
}

/// The Python that has `jsonschema`, resolved with the normal environment.
fn python_with_jsonschema() -> Option<PathBuf> {
    let output = Command::new("python3")
        .args(["-c", "import sys, jsonschema; print(sys.executable)"])
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()))
}

const VALIDATE: &str = r#"
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1], encoding="utf-8"))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
log = json.load(sys.stdin)
errors = sorted(cls(schema, format_checker=cls.FORMAT_CHECKER).iter_errors(log), key=str)
for error in errors:
    print("/".join(map(str, error.absolute_path)), error.message)
sys.exit(1 if errors else 0)
"#;

fn validate_sarif(python: &Path, sarif: &str) -> (bool, String) {
    let schema =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sarif-schema-2.1.0.json");
    let mut child = Command::new(python)
        .args(["-c", VALIDATE])
        .arg(&schema)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(sarif.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    let Some(python) = python_with_jsonschema() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "python jsonschema is required in CI (pip install -r tests/requirements.txt)"
        );
        eprintln!("skipped: python jsonschema is not installed");
        return;
    };
    // Findings of several kinds: a stale parent, a TODO, several heads with
    // related locations, a dangling parent, in a file name that needs escaping.
    let repo = forked_before_b2_landed();
    repo.revision("d4", Some("a1"), "    # TODO later\n    pass");
    repo.write(
        "migrations/versions/e5 [draft]#1.py",
        revision_file("e5", Some("zz"), "    pass"),
    );
    repo.commit_all("more");
    let (code, stdout, stderr) = repo.run(&[
        "check",
        "--from-ref",
        "origin/main",
        "--output-format",
        "sarif",
    ]);
    assert_eq!(code, 1, "{stderr}");
    let (valid, errors) = validate_sarif(&python, &stdout);
    assert!(valid, "SARIF does not validate:\n{errors}\n{stdout}");
    let log = json(&stdout);
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    let codes: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    for code in ["MC101", "MC102", "MC108", "MC202"] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1);
        assert!(region["endColumn"].as_u64().unwrap() >= 1);
    }
    let heads = results.iter().find(|r| r["ruleId"] == "MC101").unwrap();
    assert!(!heads["relatedLocations"].as_array().unwrap().is_empty());
    assert!(
        stdout.contains("migrations/versions/e5%20%5Bdraft%5D%231.py"),
        "{stdout}"
    );

    // The validator itself rejects what is not SARIF.
    let broken = stdout.replacen("\"startLine\"", "\"startLine\": \"one\", \"x\"", 1);
    assert!(!validate_sarif(&python, &broken).0);
    // No findings is still a valid log.
    let clean = TestRepo::alembic();
    clean.revision("a1", None, "    pass");
    clean.git(&["add", "-A"]);
    let (code, stdout, _) = clean.run(&["check", "--output-format", "sarif"]);
    assert_eq!(code, 0);
    let (valid, errors) = validate_sarif(&python, &stdout);
    assert!(valid, "{errors}");
}

#[test]
fn pre_push_through_the_pre_commit_framework_checks_the_pushed_range() {
    let repo = forked_before_b2_landed();
    let mut command = repo.migcheck();
    let output = command
        .env("PRE_COMMIT_FROM_REF", "origin/main")
        .env("PRE_COMMIT_TO_REF", "HEAD")
        .args(["hook", "pre-commit", "--output-format", "concise"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("MC108"), "{stdout}");
    let output = command_with_range(&repo);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("migcheck blocked the push"), "{stdout}");
    // Without the range (a commit), the same checkout is clean.
    assert_eq!(repo.run(&["hook", "pre-commit"]).0, 0);
}

fn command_with_range(repo: &TestRepo) -> std::process::Output {
    repo.migcheck()
        .env("PRE_COMMIT_FROM_REF", "origin/main")
        .env("PRE_COMMIT_TO_REF", "HEAD")
        .args(["hook", "pre-commit"])
        .output()
        .unwrap()
}
