//! `migcheck history -r/--rev-range`, `--verbose` and `--indicate-current`
//! compared line for line with real `alembic history` on the same files and
//! database: generated histories with branch and merge points, branch labels,
//! `depends_on`, prefixes, `current`, and ranges Alembic refuses.

mod status_common;
mod support;

use status_common::{generate, LiveRepo, Rev};

/// Alembic prints the children of a branch point in set order, which changes
/// between runs; migcheck sorts them. Everything else must match exactly.
fn normalize(text: &str) -> String {
    text.lines()
        .map(|line| match line.strip_prefix("Branches into: ") {
            Some(children) => {
                let mut children: Vec<&str> = children.split(", ").collect();
                children.sort_unstable();
                format!("Branches into: {}", children.join(", "))
            }
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs `history ARGS` through both and compares: the same text when Alembic
/// succeeds, a failure of both when it fails. Returns whether Alembic succeeded.
fn compare(live: &LiveRepo, args: &[&str], migcheck_extra: &[&str]) -> bool {
    let mut alembic_args = vec!["history"];
    alembic_args.extend_from_slice(args);
    let alembic = live.alembic(&alembic_args);
    let mut ours_args = alembic_args.clone();
    ours_args.extend_from_slice(migcheck_extra);
    let (code, stdout, stderr) = live.repo.run(&ours_args);
    let theirs = String::from_utf8_lossy(&alembic.stdout);
    if alembic.status.success() {
        assert_eq!(
            (code, normalize(&stdout)),
            (0, normalize(&theirs)),
            "history {args:?}\nmigcheck stderr: {stderr}"
        );
        true
    } else {
        assert_eq!(
            code,
            2,
            "history {args:?}: Alembic fails ({}{}) but migcheck printed:\n{stdout}",
            theirs,
            String::from_utf8_lossy(&alembic.stderr)
        );
        let said = String::from_utf8_lossy(&alembic.stdout).replace("FAILED: ", "");
        let said = said.trim();
        assert!(
            stderr.contains(said) || said.is_empty(),
            "history {args:?}: Alembic says `{said}`, migcheck `{stderr}`"
        );
        false
    }
}

#[test]
fn ranges_of_generated_histories_match_alembic() {
    for seed in [3_u64] {
        let revs = generate(seed, 9);
        let live = LiveRepo::new(&revs);
        let id = |i: usize| revs[i].id.clone();
        let head = revs.last().unwrap().id.clone();
        let ranges = [
            "base:head".to_string(),
            ":".to_string(),
            "base:".to_string(),
            ":heads".to_string(),
            "heads:".to_string(),
            format!("{}:", id(2)),
            format!(":{}", id(4)),
            format!("{}:{}", id(1), id(6)),
            format!("{}:{}", id(5), id(2)),
            format!("{}:{}", &id(3)[..6], &head[..5]),
            format!("{}:head", id(revs.len() - 2)),
            "zzzz:head".to_string(),
            "head".to_string(),
            "a:b:c".to_string(),
        ];
        let mut succeeded = 0;
        for range in &ranges {
            if compare(&live, &["-r", range], &[]) {
                succeeded += 1;
            }
        }
        assert!(succeeded >= 8, "seed {seed}: only {succeeded} ranges ran");
        compare(&live, &[], &[]);
        compare(&live, &["--verbose"], &[]);
        compare(&live, &["-r", &format!("{}:", id(2)), "--verbose"], &[]);
    }
}

#[test]
fn branch_labels_dependencies_and_several_heads_match_alembic() {
    let live = LiveRepo::new(&[
        Rev::new("aaaa0001", &[]),
        Rev::new("bbbb0002", &["aaaa0001"]).labels(&["feature"]),
        Rev::new("cccc0003", &["bbbb0002"]),
        Rev::new("dddd0004", &["aaaa0001"]),
        Rev::new("eeee0005", &["dddd0004"]).depends_on(&["feature"]),
        Rev::new("ffff0006", &["cccc0003", "dddd0004"]),
    ]);
    for range in [
        "base:feature@head",
        ":feature@head",
        "feature@base:feature@head",
        "aaaa0001:feature@head",
        ":heads",
        ":head",
        "feature@head:",
        "cccc:eeee0005",
        "bbbb0002:ffff0006",
        "dddd0004:heads",
    ] {
        compare(&live, &["-r", range], &[]);
        compare(&live, &["-r", range, "--verbose"], &[]);
    }
    compare(&live, &[], &[]);
    compare(&live, &["--verbose"], &[]);
}

#[test]
fn current_comes_from_the_database() {
    let revs = generate(21, 7);
    let live = LiveRepo::new(&revs);
    // Never migrated: `current` is base as a start and heads as an end.
    rusqlite::Connection::open(live.repo.path().join("app.db"))
        .unwrap()
        .execute_batch("CREATE TABLE t (x INTEGER);")
        .unwrap();
    for range in ["current:", ":current", "current:heads"] {
        compare(&live, &["-r", range], &[]);
    }
    live.alembic_ok(&["upgrade", &revs[3].id]);
    for range in [
        "current:",
        "current:heads",
        ":current",
        "base:current",
        "current:current",
    ] {
        compare(&live, &["-r", range], &[]);
        compare(&live, &["-r", range, "-i"], &[]);
    }
    compare(&live, &["-i"], &[]);
    compare(&live, &["-i", "--verbose"], &[]);
}

#[test]
fn current_needs_a_database() {
    let live = LiveRepo::new(&[Rev::new("aaaa0001", &[])]);
    let (code, stdout, stderr) = live.repo.run(&["history", "-r", "current:"]);
    assert_eq!(code, 2, "{stdout}");
    assert!(stderr.contains("no database file at"), "{stderr}");
    // Without `current` no database is read at all.
    assert_eq!(live.repo.run(&["history", "-r", "base:heads"]).0, 0);
}

#[test]
fn json_history_marks_current_only_when_asked() {
    let live = LiveRepo::new(&[
        Rev::new("aaaa0001", &[]),
        Rev::new("bbbb0002", &["aaaa0001"]),
    ]);
    live.alembic_ok(&["upgrade", "aaaa0001"]);
    let (_, plain, _) = live.repo.run(&["history", "--output-format", "json"]);
    assert!(!plain.contains("is_current"), "{plain}");
    let (code, marked, _) =
        live.repo
            .run(&["history", "--output-format", "json", "-i", "-r", "base:"]);
    assert_eq!(code, 0);
    let value: serde_json::Value = serde_json::from_str(&marked).unwrap();
    let history = &value["projects"][0]["history"];
    assert_eq!(history[0]["revision"], "bbbb0002");
    assert_eq!(history[0]["is_current"], false);
    assert_eq!(history[1]["is_current"], true);
}
