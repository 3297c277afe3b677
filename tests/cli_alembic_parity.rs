//! `migcheck heads` and `migcheck history` print what real Alembic prints, on
//! repositories with merges, branch labels, `depends_on` and several setups.

mod support;

use std::process::Command;

use support::TestRepo;

/// Runs the real `alembic` in the repository; panics when Alembic is missing
/// (CI installs it; a silent skip would hide a broken setup).
fn alembic(repo: &TestRepo, args: &[&str]) -> String {
    let output = Command::new("python3")
        .arg("-m")
        .arg("alembic")
        .args(args)
        .current_dir(repo.path())
        .env("PYTHONWARNINGS", "ignore")
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "alembic {args:?} failed (is alembic installed? `pip install -r tests/requirements.txt`): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn file(id: &str, down: &str, extra: &str) -> String {
    format!(
        "\"\"\"step {id}\n\nRevision ID: {id}\n\"\"\"\nrevision = \"{id}\"\ndown_revision = {down}\n{extra}\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n"
    )
}

/// base -> a -> (b, c) -> merge m -> d, plus a labelled branch and a dependency.
fn branched_repo() -> TestRepo {
    let repo = TestRepo::alembic();
    let v = "migrations/versions";
    repo.write(&format!("{v}/1000_base.py"), file("1000", "None", ""));
    repo.write(&format!("{v}/2000_a.py"), file("2000", "'1000'", ""));
    repo.write(&format!("{v}/3000_b.py"), file("3000", "'2000'", ""));
    repo.write(&format!("{v}/4000_c.py"), file("4000", "'2000'", ""));
    repo.write(
        &format!("{v}/5000_merge.py"),
        file("5000", "('3000', '4000')", ""),
    );
    repo.write(&format!("{v}/6000_d.py"), file("6000", "'5000'", ""));
    repo.write(
        &format!("{v}/7000_other.py"),
        file(
            "7000",
            "None",
            "branch_labels = ('other',)\ndepends_on = '2000'",
        ),
    );
    repo.write(&format!("{v}/8000_other2.py"), file("8000", "'7000'", ""));
    repo.commit_all("history");
    repo
}

#[test]
fn heads_match_alembic_heads() {
    let repo = branched_repo();
    let (code, stdout, stderr) = repo.run(&["heads"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, alembic(&repo, &["heads"]));
}

#[test]
fn history_matches_alembic_history() {
    let repo = branched_repo();
    let (code, stdout, stderr) = repo.run(&["history"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, alembic(&repo, &["history"]));
}

#[test]
fn heads_json_has_the_sorted_head_ids() {
    let repo = branched_repo();
    let (code, stdout, _) = repo.run(&["heads", "--output-format", "json"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["heads"], serde_json::json!(["6000", "8000"]));
}

#[test]
fn several_heads_match_alembic_and_the_check_warns() {
    let repo = branched_repo();
    repo.write("migrations/versions/9000_e.py", file("9000", "'5000'", ""));
    repo.git(&["add", "-A"]);
    // The index is what migcheck reads; alembic reads the disk, which agrees here.
    assert_eq!(repo.run(&["heads"]).1, alembic(&repo, &["heads"]));
    let (code, stdout, _) = repo.run(&["check", "--output-format", "concise"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("MC101 (warning) The revision graph has 2 heads: `6000`, `9000`."),
        "{stdout}"
    );
}

#[test]
fn rev_reads_a_commit_instead_of_the_index() {
    let repo = branched_repo();
    repo.write("migrations/versions/9000_e.py", file("9000", "'6000'", ""));
    repo.commit_all("e");
    let (_, stdout, _) = repo.run(&["heads", "--rev", "HEAD~1"]);
    assert_eq!(stdout, "6000 (head)\n8000 (other) (head)\n");
    let (_, stdout, _) = repo.run(&["heads"]);
    assert_eq!(stdout, "8000 (other) (head)\n9000 (head)\n");
}

#[test]
fn monorepo_setups_are_checked_in_one_run() {
    let repo = TestRepo::new();
    for service in ["billing", "users"] {
        repo.write(
            &format!("services/{service}/alembic.ini"),
            "[alembic]\nscript_location = %(here)s/migrations\n",
        );
        repo.write(
            &format!("services/{service}/migrations/versions/a1_first.py"),
            file("a1", "None", ""),
        );
    }
    repo.write(
        "services/users/migrations/versions/b2_second.py",
        file("b2", "'a1'", "# FIXME before release"),
    );
    repo.write(
        "pyproject.toml",
        "[tool.migcheck]\nprojects = [\n  { config = \"services/billing/alembic.ini\" },\n  { config = \"services/users/alembic.ini\" },\n]\n",
    );
    repo.git(&["add", "-A"]);
    let (code, stdout, stderr) = repo.run(&["check", "--output-format", "concise"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stdout.contains("services/users/migrations/versions/b2_second.py:7:3: MC202"),
        "{stdout}"
    );
    let (_, heads, _) = repo.run(&["heads", "--output-format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&heads).unwrap();
    assert_eq!(json["heads"], serde_json::json!(["a1", "b2"]));
    assert_eq!(json["projects"].as_array().unwrap().len(), 2);
}

#[test]
fn unknowable_values_are_reported_and_can_be_stated_in_config() {
    let repo = TestRepo::alembic();
    repo.write("migrations/versions/a1_first.py", file("a1", "None", ""));
    repo.write(
        "migrations/versions/b2_second.py",
        "from myapp.revs import PREVIOUS\n\nrevision = 'b2'\ndown_revision = PREVIOUS\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n",
    );
    repo.git(&["add", "-A"]);
    let (code, stdout, _) = repo.run(&["check", "--output-format", "concise"]);
    assert_eq!(code, 1);
    assert!(stdout.contains("b2_second.py:4:17: MC902"), "{stdout}");
    assert!(stdout.contains("`down_revision`"), "{stdout}");
    repo.write(
        "pyproject.toml",
        "[tool.migcheck.revisions.\"migrations/versions/b2_second.py\"]\ndown-revision = \"a1\"\n",
    );
    repo.git(&["add", "-A"]);
    let (code, stdout, _) = repo.run(&["check", "--output-format", "concise"]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(repo.run(&["heads"]).1, "b2 (head)\n");
}
