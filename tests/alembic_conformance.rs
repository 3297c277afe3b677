//! migcheck's revision graph against the installed Alembic, on random graphs.
//!
//! Every run generates `MIGCHECK_CONFORMANCE_CASES` graphs (default 500) from a
//! seed (`MIGCHECK_CONFORMANCE_SEED`, else the clock; printed either way),
//! writes each as real revision files, asks one Python process running
//! `tests/support/alembic_oracle.py` what Alembic reports, and checks migcheck
//! agrees: load error, heads, bases, effective branch labels, `alembic history`,
//! a ranged history and the order of `alembic upgrade` from a random database
//! state.

#[path = "support/revision_gen.rs"]
mod revision_gen;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use migcheck::alembic::discovery::AlembicProject;
use migcheck::alembic::graph::{GraphProblem, LoadErrorKind, Node, ResolveError, RevisionGraph};
use migcheck::git::Snapshot;
use migcheck::project::{load_project, LoadOptions, PathSet};
use revision_gen::{generate, write_case, Case, Rng};
use serde_json::{json, Value};

/// What migcheck sees in one script folder.
struct View {
    graph: RevisionGraph,
}

/// Builds migcheck's view of the folder the way the command line does: the
/// files are listed and read from disk by the snapshot, their headers read by
/// the static reader, the graph built by the project loader. Every file must
/// read cleanly, and the nodes must be exactly the generated ones.
fn migcheck_view(dir: &Path, nodes: &[Node]) -> View {
    let snapshot = Snapshot::directory(dir);
    let alembic = AlembicProject {
        name: "alembic.ini".into(),
        config_path: "alembic.ini".into(),
        pyproject_path: None,
        section: "alembic".into(),
        working_dir: String::new(),
        script_location: String::new(),
        version_locations: vec!["versions".into()],
        recursive: false,
        sqlalchemy_url: None,
        file_template: "%(rev)s_%(slug)s".into(),
        warnings: Vec::new(),
    };
    let changed = PathSet::default();
    let overrides = BTreeMap::new();
    let options = LoadOptions {
        changed: &changed,
        all: false,
        overrides: &overrides,
        cache: None,
    };
    let project = load_project(&snapshot, alembic, &options).expect("load the revision files");
    let unexpected: Vec<String> = project
        .load_diagnostics
        .iter()
        .map(|d| {
            format!(
                "{}:{}: {} {}",
                d.span.path,
                d.span.line,
                d.rule.code(),
                d.message
            )
        })
        .collect();
    assert!(
        unexpected.is_empty(),
        "reading {}: {unexpected:#?}",
        dir.display()
    );
    assert_eq!(
        project.graph.nodes(),
        nodes,
        "the files in {} read differently from the generated graph",
        dir.display()
    );
    View {
        graph: project.graph,
    }
}

fn nodes_of(case: &Case) -> Vec<Node> {
    case.revs
        .iter()
        .map(|r| Node {
            id: r.id.clone(),
            down_revisions: r.down.clone(),
            depends_on: r.deps.clone(),
            branch_labels: r.labels.clone(),
        })
        .collect()
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

fn require_alembic() {
    let ok = Command::new("python3")
        .args(["-c", "import alembic"])
        .output()
        .is_ok_and(|out| out.status.success());
    assert!(
        ok,
        "python3 with Alembic is required for the conformance test (pip install alembic); \
         it is never skipped{}",
        if std::env::var_os("CI").is_some() {
            " in CI"
        } else {
            ""
        }
    );
}

fn ids(graph: &RevisionGraph, revs: &[usize]) -> Vec<String> {
    revs.iter().map(|&r| graph.node(r).id.clone()).collect()
}

/// Our outcome, shaped like one of the oracle's.
fn outcome(graph: &RevisionGraph, result: Result<Vec<usize>, ResolveError>) -> Value {
    match result {
        Ok(order) => json!({ "order": ids(graph, &order) }),
        Err(e) => json!({ "error": { "class": e.alembic_outcome(), "message": e.to_string() } }),
    }
}

/// Whether our outcome is one Alembic can produce. Error messages are compared
/// where Alembic's are deterministic and carry the same text.
fn matches(ours: &Value, theirs: &[Value]) -> bool {
    theirs.iter().any(|t| {
        if ours.get("order").is_some() || t.get("order").is_some() {
            return ours == t;
        }
        let class = ours["error"]["class"].as_str().unwrap_or("");
        if class != t["error"]["class"].as_str().unwrap_or("?") {
            return false;
        }
        match class {
            "MultipleHeads" | "ResolutionError" => {
                ours["error"]["message"] == t["error"]["message"]
            }
            _ => true,
        }
    })
}

fn check_load_error(graph: &RevisionGraph, expected: &Value, problems: &mut Vec<String>) {
    let ours = graph.alembic_error();
    let (Some(ours), Some(class)) = (ours, expected["class"].as_str()) else {
        if ours.is_some() == expected.is_null() {
            problems.push(format!("load error: migcheck {ours:?}, Alembic {expected}"));
        }
        return;
    };
    let message = expected["message"].as_str().unwrap_or_default();
    if ours.kind.python_class() != class {
        problems.push(format!(
            "load error: migcheck {ours}, Alembic {class}: {message}"
        ));
        return;
    }
    let agrees = match ours.kind {
        LoadErrorKind::BranchLabelConflict => label_clash_agrees(graph, message),
        LoadErrorKind::MissingDependsOn => graph.problems().iter().any(|p| {
            matches!(p, GraphProblem::DanglingDependsOn { target, .. } if format!("'{target}'") == message)
        }),
        _ => ours.message == message,
    };
    if !agrees {
        problems.push(format!(
            "load error message: migcheck {ours}, Alembic {class}: {message}"
        ));
    }
}

/// Alembic names one clashing pair, picked in set order: it must be a conflict
/// migcheck found.
fn label_clash_agrees(graph: &RevisionGraph, message: &str) -> bool {
    let parts: Vec<&str> = message.split('\'').collect();
    let (Some(label), Some(rest)) = (parts.get(1), parts.get(2)) else {
        return false;
    };
    let words: Vec<&str> = rest.split_whitespace().collect();
    let (Some(a), Some(b)) = (words.get(2), words.last()) else {
        return false;
    };
    graph.problems().iter().any(|p| match p {
        GraphProblem::BranchLabelConflict { label: l, nodes } => {
            let named: Vec<&str> = nodes.iter().map(|&n| graph.node(n).id.as_str()).collect();
            l == label && named.contains(a) && named.contains(b)
        }
        _ => false,
    })
}

fn compare(case: &Case, view: &View, oracle: &Value) -> Vec<String> {
    let graph = &view.graph;
    let mut problems = Vec::new();
    if let Some(err) = oracle.get("oracle_error") {
        problems.push(format!("the oracle failed: {err}"));
        return problems;
    }
    let duplicate_warnings = oracle["warnings"].as_array().map_or(0, |w| {
        w.iter()
            .filter(|m| {
                m.as_str()
                    .is_some_and(|m| m.contains("present more than once"))
            })
            .count()
    });
    let duplicates = graph
        .problems()
        .iter()
        .filter(|p| matches!(p, GraphProblem::DuplicateId { .. }))
        .count();
    if oracle["load_error"].is_null() && duplicate_warnings != duplicates {
        problems.push(format!(
            "{duplicates} duplicate ids, Alembic warned {duplicate_warnings} times"
        ));
    }
    check_load_error(graph, &oracle["load_error"], &mut problems);
    if !oracle["load_error"].is_null() {
        if graph.problems().is_empty() {
            problems.push("Alembic fails to load but migcheck records no problem".into());
        }
        return problems;
    }
    let lists = [
        ("heads", ids(graph, &graph.heads())),
        ("real_heads", ids(graph, &graph.real_heads())),
        ("bases", ids(graph, &graph.bases())),
    ];
    for (name, ours) in lists {
        if json!(ours) != oracle[name] {
            problems.push(format!(
                "{name}: migcheck {ours:?}, Alembic {}",
                oracle[name]
            ));
        }
    }
    let labels: BTreeMap<String, Vec<String>> = graph
        .nodes()
        .iter()
        .filter_map(|n| {
            graph
                .index_of(&n.id)
                .map(|i| (n.id.clone(), graph.branch_labels(i).to_vec()))
        })
        .collect();
    // With a labelled shadowed duplicate, Alembic's labels depend on set order;
    // migcheck's equal Alembic's with shadowed copies visited last.
    if json!(labels) != oracle["labels"] && json!(labels) != oracle["labels_shadows_last"] {
        problems.push(format!(
            "branch labels: migcheck {labels:?}, Alembic {}",
            oracle["labels"]
        ));
    }
    let current: Vec<&str> = case.current.iter().map(String::as_str).collect();
    let (lower, upper) = case
        .range
        .clone()
        .unwrap_or(("base".into(), "heads".into()));
    let queries = [
        ("history", outcome(graph, graph.try_history())),
        (
            "upgrade",
            outcome(graph, graph.upgrade_order(&current, &case.target)),
        ),
        ("range", outcome(graph, graph.iterate(&upper, &lower))),
    ];
    for (name, ours) in queries {
        let theirs = oracle[name]["outcomes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if !matches(&ours, &theirs) {
            problems.push(format!(
                "{name}: migcheck {ours}, Alembic {}",
                Value::Array(theirs)
            ));
        }
    }
    problems
}

fn describe(case: &Case, dir: &Path) -> String {
    let mut s = format!(
        "  folder {} (mutation: {}; current {:?}, target {:?}, range {:?})\n",
        dir.display(),
        case.mutation,
        case.current,
        case.target,
        case.range
    );
    for r in &case.revs {
        s.push_str(&format!(
            "    {} <- {:?} deps {:?} labels {:?}\n",
            r.id, r.down, r.deps, r.labels
        ));
    }
    s
}

#[test]
fn migcheck_agrees_with_alembic_on_random_graphs() {
    require_alembic();
    let seed = env_number("MIGCHECK_CONFORMANCE_SEED").unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
    });
    let count = env_number("MIGCHECK_CONFORMANCE_CASES").unwrap_or(500) as usize;
    println!("alembic conformance: seed {seed}, {count} graphs (reproduce with MIGCHECK_CONFORMANCE_SEED={seed})");
    eprintln!("alembic conformance: seed {seed}, {count} graphs (reproduce with MIGCHECK_CONFORMANCE_SEED={seed})");

    let root = tempfile::tempdir().expect("temporary directory");
    let mut rng = Rng::new(seed);
    let mut cases: Vec<(Case, PathBuf)> = Vec::with_capacity(count);
    let mut requests = Vec::with_capacity(count);
    for k in 0..count {
        let case = generate(&mut rng);
        let dir = root.path().join(format!("case{k:04}"));
        write_case(&mut rng, &dir, &case).expect("write revision files");
        requests.push(json!({
            "dir": dir.to_string_lossy(),
            "current": case.current,
            "target": case.target,
            "range": case.range.as_ref().map(|(l, u)| vec![l.clone(), u.clone()]),
        }));
        cases.push((case, dir));
    }
    let request_file = root.path().join("cases.json");
    std::fs::write(&request_file, serde_json::to_vec(&requests).expect("json"))
        .expect("write cases");

    let oracle = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/alembic_oracle.py");
    let output = Command::new("python3")
        .arg(&oracle)
        .arg(&request_file)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("run the Alembic oracle");
    assert!(
        output.status.success(),
        "the Alembic oracle failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answers: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("oracle JSON line"))
        .collect();
    assert_eq!(answers.len(), cases.len(), "one oracle answer per graph");

    let mut failures = Vec::new();
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    for ((case, dir), answer) in cases.iter().zip(&answers) {
        *tally
            .entry(format!("mutation {}", case.mutation))
            .or_default() += 1;
        if let Some(class) = answer["load_error"]["class"].as_str() {
            *tally.entry(format!("load {class}")).or_default() += 1;
        }
        for name in ["history", "upgrade", "range"] {
            for o in answer[name]["outcomes"].as_array().into_iter().flatten() {
                let kind = o["error"]["class"].as_str().unwrap_or("order");
                *tally.entry(format!("{name} {kind}")).or_default() += 1;
            }
        }
        let view = migcheck_view(dir, &nodes_of(case));
        let problems = compare(case, &view, answer);
        if !problems.is_empty() {
            failures.push(format!(
                "{}    {}",
                describe(case, dir),
                problems.join("\n    ")
            ));
        }
    }
    println!("alembic conformance outcomes: {tally:?}");
    if std::env::var_os("MIGCHECK_CONFORMANCE_KEEP").is_some() {
        println!(
            "alembic conformance: files kept in {}",
            root.keep().display()
        );
    } else if !failures.is_empty() {
        let kept = root.keep();
        panic!(
            "migcheck disagrees with Alembic on {} of {count} graphs (seed {seed}; files kept in {}):\n{}",
            failures.len(),
            kept.display(),
            failures.iter().take(8).cloned().collect::<Vec<_>>().join("\n")
        );
    }
    if !failures.is_empty() {
        panic!(
            "migcheck disagrees with Alembic on {} of {count} graphs (seed {seed}):\n{}",
            failures.len(),
            failures
                .iter()
                .take(8)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    println!("alembic conformance: {count} graphs agree");
}
