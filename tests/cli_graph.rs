//! `migcheck graph --format dot|mermaid` in real repositories: snapshots of the
//! pictures (heads, bases, merge and branch points, branch labels,
//! `depends_on`, a missing parent, several setups), and the same bytes on every
//! run and with either git backend.

mod status_common;
mod support;

use status_common::{revision_source, Rev};
use support::TestRepo;

fn repo_with(revs: &[Rev]) -> TestRepo {
    let repo = TestRepo::alembic();
    for rev in revs {
        repo.write(
            &format!(
                "migrations/versions/{}_{}.py",
                rev.id,
                rev.doc.replace(' ', "_")
            ),
            revision_source(rev, ""),
        );
    }
    repo.git(&["add", "-A"]);
    repo
}

fn doc(rev: Rev, doc: &str) -> Rev {
    Rev {
        doc: doc.to_string(),
        ..rev
    }
}

/// A base, a branch point, a labelled branch, a dependency and a merge.
fn shop() -> Vec<Rev> {
    vec![
        doc(Rev::new("1a2b3c4d5e6f", &[]), "create users"),
        doc(Rev::new("2b3c4d5e6f70", &["1a2b3c4d5e6f"]), "add orders"),
        doc(
            Rev::new("3c4d5e6f7081", &["1a2b3c4d5e6f"]).labels(&["billing"]),
            "create invoices",
        ),
        doc(
            Rev::new("4d5e6f708192", &["3c4d5e6f7081"]),
            "add \"paid\" flag <invoices> & totals",
        ),
        doc(
            Rev::new("5e6f708192a3", &["2b3c4d5e6f70", "4d5e6f708192"]),
            "merge orders and billing",
        ),
        doc(
            Rev::new("6f708192a3b4", &["5e6f708192a3"]).depends_on(&["2b3c4d5e6f70"]),
            "backfill order totals from a very long description line",
        ),
    ]
}

#[test]
fn mermaid_marks_heads_bases_merges_and_labels() {
    let repo = repo_with(&shop());
    insta::assert_snapshot!(repo.run_snapshot(&["graph", "--format", "mermaid"]));
}

#[test]
fn dot_marks_heads_bases_merges_and_labels() {
    let repo = repo_with(&shop());
    insta::assert_snapshot!(repo.run_snapshot(&["graph", "--format", "dot"]));
}

#[test]
fn missing_parent_is_drawn_and_reported() {
    let repo = repo_with(&[
        doc(Rev::new("aaaa00000001", &[]), "base"),
        doc(Rev::new("bbbb00000002", &["aaaa00000001"]), "one"),
        doc(
            Rev::new("cccc00000003", &["9999deadbeef"]),
            "points at nothing",
        ),
    ]);
    insta::assert_snapshot!(repo.run_snapshot(&["graph", "--format", "mermaid"]));
}

#[test]
fn several_setups_are_clustered() {
    let repo = repo_with(&shop()[..2]);
    repo.write(
        "pyproject.toml",
        "[tool.migcheck]\nprojects = [{ config = \"alembic.ini\" }, { config = \"billing/alembic.ini\" }]\n",
    );
    repo.write(
        "billing/alembic.ini",
        "[alembic]\nscript_location = %(here)s/migrations\n",
    );
    repo.write(
        "billing/migrations/versions/b1_first.py",
        revision_source(&doc(Rev::new("b1", &[]), "first"), ""),
    );
    repo.git(&["add", "-A"]);
    insta::assert_snapshot!(repo.run_snapshot(&["graph", "--format", "dot"]));
    insta::assert_snapshot!(repo.run_snapshot(&["graph", "--format", "mermaid"]));
}

#[test]
fn output_is_the_same_every_time_and_with_both_backends() {
    let repo = repo_with(&shop());
    for format in ["dot", "mermaid"] {
        let first = repo.run(&["graph", "--format", format]);
        assert_eq!(first.0, 0, "{}", first.2);
        for backend in ["libgit2", "cli", "auto"] {
            let again = repo.run(&["graph", "--format", format, "--git-backend", backend]);
            assert_eq!(again, first, "{format} with {backend}");
        }
    }
}

#[test]
fn dot_output_is_accepted_by_graphviz() {
    let Ok(probe) = std::process::Command::new("dot").arg("-V").output() else {
        // `.ci/run` installs Graphviz: under CI a missing `dot` is a failure.
        assert!(
            std::env::var_os("CI").is_none(),
            "Graphviz `dot` is not installed (CI is set, so this is a failure, not a skip)"
        );
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"SKIPPED dot_output_is_accepted_by_graphviz: Graphviz `dot` is not installed\n",
        );
        return;
    };
    assert!(probe.status.success());
    let repo = repo_with(&shop());
    let (_, text, _) = repo.run(&["graph", "--format", "dot"]);
    let path = repo.write("graph.dot", &text);
    let out = std::process::Command::new("dot")
        .args(["-Tsvg", "-o", "/dev/null"])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
