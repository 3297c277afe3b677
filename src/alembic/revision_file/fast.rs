//! The fast header read for the thousands of revision files a commit does not
//! touch: one pass of the scanner over the file, then only the lines that
//! hold the header statements are parsed. Whenever the scanner sees anything
//! that could make those statements tell less than the whole module (a header
//! name used elsewhere, `globals()`, `import *`, an alias to read, a lexical
//! error, ...), the file is read in full instead, so the result is always the
//! header [`parse_revision`](super::parse_revision) reads.

use ruff_python_parser::{parse_cells_unchecked, Mode, ParseOptions};
use ruff_text_size::{Ranged, TextRange};

use super::depth::remove_deep_statements;
use super::header::read_statements;
use super::literal::{read_statement, Statement};
use super::scan::{scan, Scan};
use super::value::{id_list_field, revision_field, Binding};
use super::{full, RevisionHeader, SyntaxProblem};

/// Read the header of a revision file, fast.
///
/// For a file without syntax errors this is exactly
/// `parse_revision(path, text).header`. A file with a syntax error gives the
/// first syntax error `parse_revision` reports, when the error is noticed:
/// the fast path only parses the header lines, so an error elsewhere (in
/// `upgrade()`, say) may go unnoticed and the header is returned.
pub fn read_header(text: &str) -> Result<RevisionHeader, SyntaxProblem> {
    if u32::try_from(text.len()).is_err() {
        return Err(SyntaxProblem {
            message: "the file is larger than 4 GiB".to_owned(),
            range: TextRange::default(),
        });
    }
    let scan = scan(text);
    if !scan.needs_full && !scan.lexical_error && scan.problems.is_empty() {
        if let Some(header) = literal_header(text, &scan) {
            return Ok(header);
        }
        if let Some(header) = header_lines(text, &scan) {
            return Ok(header);
        }
    }
    let read = full::read(text, false);
    match read.syntax_errors.into_iter().next() {
        Some((message, range)) => Err(SyntaxProblem { message, range }),
        None => Ok(read.header),
    }
}

/// The header when every header statement is a simple literal assignment.
fn literal_header(text: &str, scan: &Scan) -> Option<RevisionHeader> {
    let mut bindings: [Option<Binding>; 4] = Default::default();
    for &statement in &scan.header_statements {
        match read_statement(text, statement)? {
            Statement::Annotation => {}
            Statement::Assign { name, value, range } => {
                *bindings.get_mut(name)? = Some(Binding::Known { value, range });
            }
        }
    }
    let [revision, down_revision, branch_labels, depends_on] = bindings;
    Some(RevisionHeader {
        revision: revision_field(revision.as_ref()),
        down_revision: id_list_field("down_revision", down_revision.as_ref()),
        branch_labels: id_list_field("branch_labels", branch_labels.as_ref()),
        depends_on: id_list_field("depends_on", depends_on.as_ref()),
    })
}

/// The header from the header lines alone, or `None` when the whole file must be read.
fn header_lines(text: &str, scan: &Scan) -> Option<RevisionHeader> {
    let Some(region) = scan.region else {
        // Nothing in the file binds a header name.
        return Some(RevisionHeader::default());
    };
    let parsed = parse_cells_unchecked(text, [region], &ParseOptions::from(Mode::Module));
    if !parsed.errors().is_empty() {
        return None;
    }
    let mut module = parsed.into_syntax();
    if !remove_deep_statements(&mut module).is_empty() {
        return None;
    }
    let body = &module.body;
    let statements = scan
        .header_statements
        .iter()
        .map(|statement| {
            let start = statement.start();
            let index = body
                .binary_search_by_key(&start, |stmt| stmt.start())
                .ok()?;
            body.get(index)
        })
        .collect::<Option<Vec<_>>>()?;
    read_statements(text, statements).ok()
}

#[cfg(test)]
mod tests {
    use super::super::{decode_source, parse_revision, HEADER_NAMES};
    use super::*;
    use proptest::prelude::*;

    fn string_literal() -> impl Strategy<Value = String> + Clone {
        let quotes = prop::sample::select(vec!["'", "\"", "'''", "\"\"\""]);
        let prefixes = prop::sample::select(vec!["", "", "r", "u", "R", "U"]);
        let tricky = vec![r"a\'b", r"c\\", r#"d\"e"#, r"f\\\\", r"\\\\\'"];
        let content = prop_oneof![
            4 => "[a-f0-9]{1,12}",
            1 => prop::sample::select(tricky).prop_map(String::from),
        ];
        (content, quotes, prefixes).prop_map(|(id, q, p)| format!("{p}{q}{id}{q}"))
    }

    fn value() -> impl Strategy<Value = String> {
        let items = || prop::collection::vec(string_literal(), 1..4);
        prop_oneof![
            4 => string_literal(),
            2 => Just("None".to_owned()),
            1 => Just("()".to_owned()),
            1 => Just("[]".to_owned()),
            1 => (string_literal(), string_literal()).prop_map(|(a, b)| format!("{a} {b}")),
            1 => (string_literal(), string_literal()).prop_map(|(a, b)| format!("({a}\n    # part\n    {b})")),
            2 => items().prop_map(|i| format!("({},)", i.join(", "))),
            1 => items().prop_map(|i| format!("[\n    {},  # parents\n]", i.join(",\n    "))),
            1 => items().prop_map(|i| format!("{{{}}}", i.join(", "))),
            1 => items().prop_map(|i| i.join(" , ")),
            1 => items().prop_map(|i| format!("{},  ", i.join(","))),
            1 => string_literal().prop_map(|s| format!("({s})")),
            1 => Just("f'{X}1'".to_owned()),
            1 => Just("get_parent()".to_owned()),
            1 => Just("b'x'".to_owned()),
            1 => Just("5".to_owned()),
        ]
    }

    fn header_statement() -> impl Strategy<Value = String> {
        let name = prop::sample::select(HEADER_NAMES.to_vec());
        let shape = prop::sample::select(vec![
            "{n} = {v}",
            "{n}: Union[str, Sequence[str], None] = {v}",
            "{n}: str = {v}",
            "{n} = \\\n    {v}",
            "{n} += {v}",
            "{n}: str",
            "{n}=({v})",
        ]);
        (name, shape, value()).prop_map(|(n, s, v)| s.replace("{n}", n).replace("{v}", &v))
    }

    /// Chunks the fast path reads on its own.
    fn plain_chunk() -> impl Strategy<Value = String> {
        prop_oneof![
            8 => header_statement().prop_map(|s| s + "\n"),
            2 => header_statement().prop_map(|s| format!("x = 1; {s}\n")),
            1 => (header_statement(), header_statement()).prop_map(|(a, b)| format!("{a}; {b}\n")),
            1 => Just("\"\"\"Revision ID: x\nrevision = 'doc'\ndown_revision = 'doc'\n\"\"\"\n".to_owned()),
            1 => Just("# revision = 'comment'\n".to_owned()),
            1 => Just("SQL = '''\nrevision = \"in a string\"\n'''\n".to_owned()),
            1 => Just("def upgrade():\n    op.execute(f\"UPDATE t SET r = '{x.revision}'\")\n".to_owned()),
            1 => Just("from alembic import op\nimport sqlalchemy as sa\n".to_owned()),
            1 => Just("op.revision = 'attr'\nx = (1 +\n     2)\n".to_owned()),
            1 => Just("x = 1 + \\\n    2\n".to_owned()),
            1 => Just("msg = f\"{'revision'}\" f'{d[\"k\"]!r:>{w}}' rf'\\N{x}{{y}}'\n".to_owned()),
            1 => Just("class M:\n    x = 'down_revision = 1'\n".to_owned()),
            1 => Just("def upgrade(engine_name: str) -> None:\n    globals()[\"upgrade_%s\" % engine_name]()\n".to_owned()),
            1 => Just("s = 'it\\'s\\\nrevision = \"no\"'\n".to_owned()),
            1 => Just(r#"s = "\\"; revision = 'a'"#.to_owned() + "\n"),
            1 => Just(r#"s = '\'; revision = "hidden" #'"#.to_owned() + "\n"),
            1 => Just(r#"s = """\"""; revision = 'hidden' #""""#.to_owned() + "\n"),
            1 => Just(r#"s = f'\'; revision = {x} #'"#.to_owned() + "\n"),
            1 => Just(r#"s = f'{"'"}'; revision = 'a'"#.to_owned() + "\n"),
            1 => Just(r#"s = '''a\'''' + """b\"""" '''"#.to_owned() + "\nrevision = 'no' '''\n"),
            1 => Just("\n".to_owned()),
        ]
    }

    /// Snippets that send the fast path to a full read (or would mislead a
    /// scanner that got strings wrong).
    const FALLBACK: &[&str] = &[
        "def upgrade():\n    revision = 'inner'\n    op.execute(f\"UPDATE t SET r = '{revision}'\")\n",
        "class M:\n    down_revision = 'cls'\n",
        "if X:\n    depends_on = 'cond'\n",
        "if X: y = 1; revision = 'cond'\n",
        "PARENT = 'p0'\ndown_revision = PARENT\n",
        "call(revision='kw')\n",
        "def fix():\n    global revision\n    revision = 'g'\n",
        "def fix():\n    global revision\n    revision = 'g'\nfix()\n",
        "def upgrade(engine):\n    globals()['upgrade_%s' % engine]()\n",
        "async def upgrade(engine):\n    globals()['upgrade_%s' % engine]()\nx = upgrade\n",
        "@dec\ndef f():\n    exec('revision = 1')\n",
        "@dec\n# note\ndef f():\n    exec('revision = 1')\n",
        "def f(x=eval('1')):\n    pass\n",
        "def f(x: int = eval('1')):\n    pass\n",
        "def f(): return vars()\nf()\n",
        "def f(): return vars()\n",
        "class K:\n    def m(self):\n        vars()\n",
        "from x import *\n",
        "(branch_labels := 'w')\n",
        "msg = f'''\n{down_revision}\n'''\n",
        "down_revision.append('z')\n",
        "\u{ff52}\u{ff45}\u{ff56}\u{ff49}\u{ff53}\u{ff49}\u{ff4f}\u{ff4e} = 'fullwidth'\n",
        "s = f'\\{(revision := \"w\")}'\n",
        "s = f'\\'; revision = {\"x\"} #'\n",
        "s = f'\\N{BULLET}{(depends_on := 1)}'\n",
        "s = rf'\\N{(depends_on := 1)}'\n",
        "import sys\nsys.modules[__name__].revision = 'm'\n",
        "def __getattr__(name):\n    return 'g'\n",
        "exec('revision = 1')\n",
    ];

    fn fallback_chunk() -> impl Strategy<Value = String> {
        prop::sample::select(FALLBACK).prop_map(String::from)
    }

    /// Files written by Alembic's own templates (`alembic init` and
    /// `alembic revision`, with a branch label, a dependency and a merge) read
    /// as Alembic reads them, on the literal path.
    #[test]
    fn files_alembic_writes_read_like_alembic() {
        let dir = tempfile::tempdir().unwrap();
        let script = r#"
import json, os, sys
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
root = sys.argv[1]
out = []
for template in ["generic", "multidb", "async", "pyproject"]:
    d = os.path.join(root, template)
    os.makedirs(d)
    toml = os.path.join(d, "pyproject.toml") if template == "pyproject" else None
    cfg = Config(os.path.join(d, "alembic.ini"), toml_file=toml)
    command.init(cfg, os.path.join(d, "migrations"), template=template)
    command.revision(cfg, "base", rev_id="a1")
    command.revision(cfg, "feature", rev_id="b2", branch_label="feature", head="a1")
    command.revision(cfg, "other", rev_id="c3", head="a1", splice=True, depends_on=["a1"])
    command.merge(cfg, ["b2", "c3"], message="merge", rev_id="d4")
    for s in ScriptDirectory.from_config(cfg).walk_revisions():
        deps = s.dependencies
        deps = list(deps) if isinstance(deps, tuple) else [deps] if deps else []
        out.append([s.path, s.revision, list(s._versioned_down_revisions), sorted(s._orig_branch_labels), deps])
with open(os.path.join(root, "out.json"), "w") as f:
    json.dump(out, f)
"#;
        let output = std::process::Command::new("python3")
            .args(["-c", script])
            .arg(dir.path())
            .output()
            .expect("python3 with alembic installed is needed for this test");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        type Expected = (String, String, Vec<String>, Vec<String>, Vec<String>);
        let json = std::fs::read(dir.path().join("out.json")).unwrap();
        let expected: Vec<Expected> = serde_json::from_slice(&json).unwrap();
        assert_eq!(expected.len(), 16);
        for (path, revision, down, labels, depends) in expected {
            let text = std::fs::read_to_string(&path).unwrap();
            let scan = scan(&text);
            assert!(!scan.needs_full, "{path} needs a full read");
            let header = literal_header(&text, &scan).expect("literal path");
            assert_eq!(read_header(&text), Ok(header.clone()));
            assert_eq!(header.revision.known(), Some(&revision), "{path}");
            assert_eq!(header.down_revision.known(), Some(&down), "{path}");
            let mut ours = header.branch_labels.known().cloned().unwrap();
            ours.sort();
            assert_eq!(ours, labels, "{path}");
            assert_eq!(header.depends_on.known(), Some(&depends), "{path}");
        }
    }

    /// Each snippet before and after a plain header, both ways.
    #[test]
    fn fallback_snippets_agree() {
        let header = "revision = 'a'\ndown_revision = 'b'\n";
        for snippet in FALLBACK {
            for text in [format!("{snippet}{header}"), format!("{header}{snippet}")] {
                let full = parse_revision("v.py", &text);
                assert!(
                    full.syntax_errors.is_empty(),
                    "{text:?}: {:?}",
                    full.syntax_errors
                );
                assert_eq!(read_header(&text), Ok(full.header), "{text:?}");
            }
        }
    }

    fn chunk() -> impl Strategy<Value = String> {
        prop_oneof![15 => plain_chunk(), 1 => fallback_chunk()]
    }

    fn revision_file() -> impl Strategy<Value = String> {
        let line_end = prop::sample::select(vec!["\n", "\r\n", "\r"]);
        (
            any::<bool>(),
            prop::collection::vec(chunk(), 0..12),
            line_end,
        )
            .prop_map(|(bom, chunks, end)| {
                let text = chunks.concat().replace('\n', end);
                if bom {
                    format!("\u{feff}{text}")
                } else {
                    text
                }
            })
    }

    /// What read_header promises about any text.
    fn check(text: &str) -> Result<(), TestCaseError> {
        let full = parse_revision("v.py", text);
        let fast = read_header(text);
        if full.syntax_errors.is_empty() {
            prop_assert_eq!(fast, Ok(full.header));
        } else if let Err(problem) = fast {
            let first = &full.syntax_errors[0];
            prop_assert_eq!((problem.message, problem.range), first.clone());
        }
        Ok(())
    }

    /// The Alembic template, and the common ways of writing a header, need
    /// neither a full read nor the parser.
    #[test]
    fn common_headers_take_the_literal_path() {
        for text in [
            "\"\"\"Add users\n\nRevision ID: ae1027a6acf\nRevises: 1975ea83b712\n\"\"\"\nfrom typing import Sequence, Union\n\nfrom alembic import op\nimport sqlalchemy as sa\n\n# revision identifiers, used by Alembic.\nrevision: str = 'ae1027a6acf'\ndown_revision: Union[str, Sequence[str], None] = '1975ea83b712'\nbranch_labels: Union[str, Sequence[str], None] = None\ndepends_on: Union[str, Sequence[str], None] = None\n\n\ndef upgrade() -> None:\n    op.add_column('users', sa.Column('revision', sa.String()))\n    op.execute(f\"UPDATE users SET revision = '{x.revision}'\")\n",
            "revision = 'a'\ndown_revision = ('b', 'c')\nbranch_labels = ['x']\ndepends_on = None  # none\n",
            "revision = \"a\"\r\ndown_revision = (\r\n    \"b\",  # merge\r\n    \"c\",\r\n)\r\n",
        ] {
            let scan = scan(text);
            assert!(!scan.needs_full && !scan.lexical_error && scan.problems.is_empty());
            let header = literal_header(text, &scan).expect("literal path");
            let full = full::read(text, false);
            assert!(full.syntax_errors.is_empty());
            assert_eq!(header, full.header);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn fast_read_equals_full_read(text in revision_file()) {
            let full = parse_revision("v.py", &text);
            prop_assert!(full.syntax_errors.is_empty(), "{:?}", full.syntax_errors);
            prop_assert_eq!(read_header(&text), Ok(full.header));
        }

        #[test]
        fn damaged_files_keep_the_promise(
            text in revision_file(),
            at in any::<prop::sample::Index>(),
            len in 0usize..4,
            insert in prop::sample::select(vec!["", "'", "\"", "\\", "{", "}", "(", ")", "#", "\n", "\r", ";", ":", "=", "f'", "\"\"\"", "\0", "\u{feff}"]),
        ) {
            let mut text = text;
            let mut start = at.index(text.len() + 1);
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = (start + len).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            text.replace_range(start..end, insert);
            check(&text)?;
        }

        #[test]
        fn arbitrary_text_never_panics(text in any::<String>()) {
            check(&text)?;
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
            if let Ok(text) = decode_source(&bytes) {
                check(&text)?;
            }
        }
    }
}
