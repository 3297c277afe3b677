//! `check --all` prints each file's findings as soon as they are final in the
//! line-by-line formats (full, concise, github), and gathers them for JSON.
//! Both ways must report exactly the same findings in the same order: graph
//! findings, findings of the staged file read while loading, suppressions
//! (used, unused, file-wide) and severities from the configuration.

mod support;

use serde_json::Value;
use support::TestRepo;

/// A history with something for every path a finding can take.
fn repo() -> TestRepo {
    let repo = TestRepo::alembic();
    repo.write(
        "pyproject.toml",
        "[tool.migcheck.severity]\ndrop-table = \"error\"\n",
    );
    // An old file with a finding, linted only with `--all`.
    repo.revision("a1", None, "    op.drop_column(\"users\", \"legacy\")");
    // One suppression used, one unused.
    repo.revision(
        "b2",
        Some("a1"),
        "    # migcheck: ignore[drop-column] nothing reads it\n    op.drop_column(\"users\", \"fax\")\n    op.drop_table(\"pagers\")  # migcheck: ignore[MC301] wrong rule",
    );
    // Two heads on one parent (with the staged file, `d4` and `f5`): a graph finding.
    repo.revision("c3", Some("b2"), "    op.drop_column(\"users\", \"pager\")");
    repo.revision("d4", Some("b2"), "    # TODO: backfill\n    pass");
    // A whole file silenced.
    repo.revision(
        "e0",
        Some("a1"),
        "    # migcheck: ignore-file[drop-column] archived\n    op.drop_column(\"users\", \"telex\")",
    );
    repo.commit_all("history");
    // Staged, not committed: read in full while loading.
    repo.revision("f5", Some("c3"), "    op.drop_table(\"faxes\")");
    repo.git(&["add", "-A"]);
    repo
}

fn run(repo: &TestRepo, format: &str) -> (i32, String) {
    let (code, stdout, stderr) = repo.run(&["check", "--all", "--output-format", format]);
    assert!(
        code == 0 || code == 1,
        "check --all --output-format {format} could not run ({code}): {stderr}"
    );
    (code, stdout)
}

/// `path:line:column: CODE` of each finding of a JSON report, in order.
fn places(report: &Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            format!(
                "{}:{}:{}: {}",
                d["path"].as_str().unwrap(),
                d["location"]["line"],
                d["location"]["column"],
                d["code"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn printing_file_by_file_reports_what_gathering_all_findings_reports() {
    let repo = repo();
    let (json_code, json) = run(&repo, "json");
    let report: Value = serde_json::from_str(&json).expect("JSON report");
    let expected = places(&report);
    // The fixture reaches every kind of path.
    let codes: Vec<&str> = expected
        .iter()
        .map(|f| f.rsplit(' ').next().unwrap())
        .collect();
    for (code, what) in [
        ("MC301", "a drop_column in an old file"),
        ("MC302", "a drop_table made an error by the configuration"),
        ("MC904", "an unused suppression"),
    ] {
        assert!(codes.contains(&code), "no {code} ({what}): {expected:#?}");
    }
    assert!(
        expected.iter().any(|f| f.contains("f5_step.py")),
        "the staged file has no finding: {expected:#?}"
    );
    assert!(
        codes.contains(&"MC202"),
        "no graph finding for the two heads: {expected:#?}"
    );
    assert!(
        !expected
            .iter()
            .any(|f| f.contains("e0_step.py") && f.ends_with("MC301")),
        "the file-wide suppression did not hold: {expected:#?}"
    );
    assert!(
        !expected
            .iter()
            .any(|f| f.starts_with("migrations/versions/b2_step.py:") && f.ends_with("MC301")),
        "the line suppression did not hold: {expected:#?}"
    );

    // In output order: path, line, column, code.
    let key = |f: &String| {
        let (place, code) = f.rsplit_once(' ').unwrap();
        let mut parts = place.trim_end_matches(':').rsplitn(3, ':');
        let column: usize = parts.next().unwrap().parse().unwrap();
        let line: usize = parts.next().unwrap().parse().unwrap();
        (
            parts.next().unwrap().to_string(),
            line,
            column,
            code.to_string(),
        )
    };
    let mut sorted = expected.clone();
    sorted.sort_by_key(key);
    assert_eq!(sorted, expected, "not in output order");
    // Without `--all` (every finding gathered, then suppressed and sorted at
    // once) the staged file gives the same findings.
    let (_, staged_only, _) = repo.run(&["check", "--output-format", "json"]);
    let staged_only = places(&serde_json::from_str(&staged_only).expect("JSON report"));
    let in_all: Vec<String> = expected
        .iter()
        .filter(|f| f.contains("f5_step.py"))
        .cloned()
        .collect();
    let staged_only: Vec<String> = staged_only
        .into_iter()
        .filter(|f| f.contains("f5_step.py"))
        .collect();
    assert_eq!(staged_only, in_all, "check and check --all disagree");

    let (code, concise) = run(&repo, "concise");
    assert_eq!(code, json_code);
    let printed: Vec<String> = concise
        .lines()
        .map(|line| {
            let (place, rest) = line.split_once(": ").expect("path:line:col: CODE");
            format!("{place}: {}", rest.split(' ').next().unwrap())
        })
        .collect();
    assert_eq!(printed, expected, "concise differs from JSON");

    let (code, github) = run(&repo, "github");
    assert_eq!(code, json_code);
    let annotated: Vec<String> = github
        .lines()
        .map(|line| {
            let file = line
                .split("file=")
                .nth(1)
                .unwrap()
                .split(',')
                .next()
                .unwrap();
            let code = line
                .split("title=")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap();
            format!("{file} {code}")
        })
        .collect();
    let expected_files: Vec<String> = expected
        .iter()
        .map(|f| {
            let (place, code) = f.rsplit_once(' ').unwrap();
            format!("{} {code}", place.split(':').next().unwrap())
        })
        .collect();
    assert_eq!(annotated, expected_files, "github differs from JSON");

    let (code, full) = run(&repo, "full");
    assert_eq!(code, json_code);
    let headed: Vec<&str> = full
        .lines()
        .filter_map(|line| {
            let line = line
                .strip_prefix("error[")
                .or(line.strip_prefix("warning["))?;
            line.split(']').next()
        })
        .collect();
    assert_eq!(headed, codes, "full differs from JSON");
    let errors = report["summary"]["errors"].as_u64().unwrap();
    let warnings = report["summary"]["warnings"].as_u64().unwrap();
    assert!(errors > 0 && warnings > 0, "{json}");
    assert_eq!(
        full.lines().last(),
        Some(format!("Found {errors} errors and {warnings} warnings.").as_str()),
        "{full}"
    );
    // The snippets quote the files themselves.
    assert!(full.contains("op.drop_table(\"faxes\")"), "{full}");
    assert!(
        full.contains("op.drop_column(\"users\", \"legacy\")"),
        "{full}"
    );
}
