//! Property tests of the two parts that take arbitrary input: the Python
//! reader (any bytes, Python-like token soup, deep nesting) and the revision
//! graph (any list of revisions and links, cycles, duplicates and dangling
//! names included). Each case must finish (a deadline catches a hang),
//! must not panic, and its output must stay proportional to its input. The
//! inputs that once found a bug are kept under `tests/fixtures/` and replayed
//! by `fixtures_replay_cleanly`.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use migcheck::alembic::graph::{Node, RevisionGraph};
use migcheck::alembic::revision_file::{decode_source, parse_revision, read_header};
use proptest::prelude::*;

/// How long one case may take, even in a debug build on a busy machine.
const DEADLINE: Duration = Duration::from_secs(60);

/// Runs `f` on another thread and fails if it panics or passes the deadline.
fn within_deadline<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (sender, receiver) = mpsc::channel();
    let handle = std::thread::Builder::new()
        .name(what.to_string())
        .spawn(move || {
            let _ = sender.send(f());
        })
        .expect("spawn");
    match receiver.recv_timeout(DEADLINE) {
        Ok(value) => {
            let _ = handle.join();
            value
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{what} panicked"),
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what} did not finish in {DEADLINE:?}"),
    }
}

// ------------------------------------------------------------ Python reader

/// Reads `bytes` as migcheck does and checks what the reader promises.
fn read_python(bytes: Vec<u8>) -> Result<(), String> {
    let Ok(text) = decode_source(&bytes) else {
        return Ok(());
    };
    within_deadline("python reader", move || {
        let full = parse_revision("migrations/versions/x.py", &text);
        let fast = read_header(&text);
        let len = text.len();
        if full.comments.len() > len || full.strings.len() > len {
            return Err(format!("more comments or strings than bytes: {text:?}"));
        }
        if full.syntax_errors.len() > len + 1 {
            return Err(format!("more syntax errors than bytes: {text:?}"));
        }
        match (&fast, full.syntax_errors.first()) {
            // Valid Python: both reads agree.
            (_, None) if fast.as_ref() != Ok(&full.header) => Err(format!(
                "fast {fast:?} != full {:?} for {text:?}",
                full.header
            )),
            // Invalid: the fast read may miss the error, but when it reports one it is the first.
            (Err(problem), Some((message, range)))
                if (&problem.message, &problem.range) != (message, range) =>
            {
                Err(format!(
                    "fast error {problem:?} is not the first of {:?}",
                    full.syntax_errors
                ))
            }
            _ => Ok(()),
        }
    })
}

const TOKENS: &[&str] = &[
    "revision",
    "down_revision",
    "branch_labels",
    "depends_on",
    " = ",
    ": str",
    "'a1'",
    "\"b2\"",
    "None",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    ";",
    ".",
    "\n",
    "\r\n",
    "\r",
    "    ",
    "\t",
    "\\\n",
    "'''",
    "\"\"\"",
    "'",
    "\"",
    "f'",
    "rb'",
    "{x}",
    "{x!r:>{w}}",
    "#",
    " ",
    "if ",
    "else ",
    "def ",
    "class ",
    "lambda ",
    "async ",
    "await ",
    "yield ",
    "match ",
    "case ",
    "try:",
    "except:",
    "with ",
    "return ",
    "pass",
    "import ",
    "from x import *",
    "globals()",
    "vars()",
    "exec",
    "@dec\n",
    "1",
    "0x1f",
    "1e5",
    "+",
    "*",
    "**",
    "-",
    "~",
    "not ",
    "and ",
    "or ",
    ":=",
    "->",
    "...",
    "é",
    "\u{ff52}",
    "\u{feff}",
    "\0",
    "<<<<<<< HEAD\n",
    "=======\n",
    ">>>>>>> b\n",
    "op.add_column(",
    "sa.Column('x', sa.Integer())",
    "\"\"\"doc\n\nRevision ID: a1\n\"\"\"\n",
];

/// Raw bytes, mostly decodable: any bytes, any characters, printable ASCII.
fn any_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..2048),
        any::<String>().prop_map(String::into_bytes),
        "[ -~\\t\\n\\r]{0,2048}".prop_map(String::into_bytes),
    ]
}

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..160).prop_map(|t| t.concat())
}

fn deep_nesting() -> impl Strategy<Value = String> {
    let open = prop::sample::select(vec![
        "(",
        "[",
        "{",
        "f'{",
        "lambda: (",
        "-",
        "not ",
        "x if (",
    ]);
    (
        prop::collection::vec(open, 1..40),
        1usize..400,
        any::<bool>(),
    )
        .prop_map(|(opens, repeat, close)| {
            let prefix = opens.concat().repeat(repeat);
            let suffix = if close {
                ")".repeat(prefix.len())
            } else {
                String::new()
            };
            format!("revision = 'a'\ndown_revision = None\nx = {prefix}1{suffix}\n")
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn reader_survives_any_bytes(bytes in any_bytes()) {
        read_python(bytes).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn reader_survives_python_like_text(text in token_soup()) {
        read_python(text.into_bytes()).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn reader_survives_deep_nesting(text in deep_nesting()) {
        read_python(text.into_bytes()).map_err(TestCaseError::fail)?;
    }
}

// ------------------------------------------------------------ revision graph

/// A list of revisions over a small pool of names, so that links often hit
/// (and often miss), ids repeat, labels clash and cycles form.
fn revisions(max: usize) -> impl Strategy<Value = Vec<Node>> {
    let names = prop::sample::select(vec![
        "a", "b", "c", "d", "e", "f", "g", "h", "abcd1", "abcd2", "x-y", "p@q", "lbl", "head",
        "base", "heads", "",
    ]);
    let ids = || prop::collection::vec(names.clone(), 0..4);
    prop::collection::vec((names.clone(), ids(), ids(), ids()), 0..max).prop_map(|revs| {
        revs.into_iter()
            .map(|(id, down, depends, labels)| {
                let own = |v: Vec<&str>| v.into_iter().map(String::from).collect();
                Node {
                    id: id.to_string(),
                    down_revisions: own(down),
                    depends_on: own(depends),
                    branch_labels: own(labels),
                }
            })
            .collect()
    })
}

/// Builds the graph and asks it everything `heads`, `history`, `status` and
/// `upgrade` ask, checking that answers stay within the input.
fn exercise(nodes: Vec<Node>) -> Result<(), String> {
    within_deadline("revision graph", move || {
        let n = nodes.len();
        let links: usize = nodes
            .iter()
            .map(|r| 1 + r.down_revisions.len() + r.depends_on.len() + r.branch_labels.len())
            .sum();
        let graph = RevisionGraph::build(nodes);
        let in_range = |list: &[usize]| list.iter().all(|&i| i < n);
        let heads = graph.heads();
        let bases = graph.bases();
        let history = graph.history();
        if !(in_range(&heads)
            && in_range(&bases)
            && in_range(&history)
            && in_range(&graph.real_heads()))
        {
            return Err("an index out of range".to_string());
        }
        if history.len() > n || heads.len() > n || bases.len() > n {
            return Err(format!(
                "more answers than revisions: {} {} {}",
                history.len(),
                heads.len(),
                bases.len()
            ));
        }
        if graph.problems().len() > 2 * links + 1 {
            return Err(format!(
                "{} problems for {links} links",
                graph.problems().len()
            ));
        }
        let _ = graph.alembic_error();
        let _ = graph.unlabelled_heads();
        let _ = graph.try_history();
        for spec in [
            "heads",
            "head",
            "base",
            "a",
            "abcd",
            "lbl@head",
            "lbl@heads",
            "a@b",
            "-1",
            "c+2",
            "",
        ] {
            let _ = graph.resolve(spec);
            let _ = graph.iterate(spec, "base");
            for current in [&[][..], &["a"][..], &["b", "zz"][..]] {
                if let Ok(order) = graph.upgrade_order(current, spec) {
                    if !in_range(&order) || order.len() > n {
                        return Err(format!("upgrade order {order:?} for {spec}"));
                    }
                }
            }
        }
        for node in 0..n {
            let _ = (
                graph.is_head(node),
                graph.is_branch_point(node),
                graph.is_merge_point(node),
            );
            let _ = graph.branch_labels(node);
            let _ = graph.dependencies(node);
        }
        Ok(())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn graph_survives_any_revisions(nodes in revisions(40)) {
        exercise(nodes).map_err(TestCaseError::fail)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    /// Long histories with random extra links: nothing recursive may overflow.
    #[test]
    fn graph_survives_long_histories(
        size in 2_000usize..20_000,
        extra in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>(), 0u8..3), 0..50),
    ) {
        let mut nodes: Vec<Node> = (0..size)
            .map(|i| Node {
                id: format!("r{i}"),
                down_revisions: if i == 0 { Vec::new() } else { vec![format!("r{}", i - 1)] },
                ..Node::default()
            })
            .collect();
        for (from, to, kind) in extra {
            let (from, to) = (from.index(size), to.index(size));
            let target = format!("r{to}");
            match kind {
                0 => nodes[from].down_revisions.push(target),
                1 => nodes[from].depends_on.push(target),
                _ => nodes[from].branch_labels.push(format!("l{to}")),
            }
        }
        exercise(nodes).map_err(TestCaseError::fail)?;
    }
}

// ------------------------------------------------------------ kept inputs

/// Every input kept under `tests/fixtures/` replays cleanly: Python files
/// through the reader, graph files (one revision a line: `id: down,down |
/// depends | labels`) through the graph.
#[test]
fn fixtures_replay_cleanly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut replayed = 0;
    for (folder, is_python) in [("reader", true), ("graph", false)] {
        let Ok(entries) = std::fs::read_dir(root.join(folder)) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("fixture entry").path();
            let bytes = std::fs::read(&path).expect("read fixture");
            let result = if is_python {
                read_python(bytes)
            } else {
                exercise(graph_fixture(&String::from_utf8_lossy(&bytes)))
            };
            if let Err(problem) = result {
                panic!("{}: {problem}", path.display());
            }
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no fixtures under {}", root.display());
}

fn graph_fixture(text: &str) -> Vec<Node> {
    let list = |s: &str| -> Vec<String> {
        s.split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(String::from)
            .collect()
    };
    text.lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (id, rest) = line.split_once(':').unwrap_or((line, ""));
            let mut parts = rest.split('|');
            Node {
                id: id.trim().to_string(),
                down_revisions: list(parts.next().unwrap_or("")),
                depends_on: list(parts.next().unwrap_or("")),
                branch_labels: list(parts.next().unwrap_or("")),
            }
        })
        .collect()
}
