//! Which files in a versions directory Alembic loads as revisions, decided by
//! the file name alone, exactly as `alembic/script/base.py` (1.18) does it.
//!
//! `ScriptDirectory._load_revisions` lists every file of each version location
//! (sorted; subdirectories only with `recursive_version_locations`, and never
//! the files inside a `__pycache__` directory) and hands each to
//! `Script._from_path`, which keeps a name only if
//! `re.match(r"(?!\.\#|__init__)(.*\.py)$", name)` matches:
//!
//! * the name ends in `.py` (case-sensitive: `x.PY` is ignored);
//! * it does not start with `.#` (Emacs lock files) or with `__init__`
//!   (so `__init__.py`, but also `__init__old.py`, are ignored);
//! * `.*` stops at a newline and `$` also matches before one final `\n`, so a
//!   name with a newline is kept only when that newline is its last character.
//!
//! Two names pass the pattern and then make Alembic fail with an
//! `AssertionError` in `load_python_file`, whose `pathlib` suffix is not
//! `.py`: the bare name `.py` and a name ending in `.py\n`. They still count
//! here, since Alembic does not skip them.
//!
//! With `sourceless = true` the pattern also accepts `.pyc` and `.pyo`; such a
//! file is skipped when the `.py` next to it exists (and a `.pyo` when the
//! `.pyc` exists), and the files of a sibling `__pycache__` directory are added.
//! Bytecode cannot be read statically: [`is_sourceless_revision_file_name`]
//! lets the caller say so.

/// True when Alembic (with its default `sourceless = false`) loads a file of
/// this name as a revision script.
pub fn is_revision_file_name(file_name: &str) -> bool {
    source_name(file_name).is_some_and(|stem_and_ext| stem_and_ext.ends_with(".py"))
}

/// True when only `sourceless = true` makes Alembic load this file: a `.pyc`
/// or `.pyo` name that the sourceless pattern accepts.
pub fn is_sourceless_revision_file_name(file_name: &str) -> bool {
    source_name(file_name).is_some_and(|name| name.ends_with(".pyc") || name.ends_with(".pyo"))
}

/// The revision id Alembic takes from the file name when the module has no
/// `revision` variable: the stem of a name made of lowercase hex digits and
/// `.py` (`re.match(r"([a-f0-9]+)\.py$", name)`), or `None`, in which case
/// Alembic raises `CommandError` and loads nothing.
pub fn legacy_revision_id(file_name: &str) -> Option<&str> {
    let name = file_name.strip_suffix('\n').unwrap_or(file_name);
    let stem = name.strip_suffix(".py")?;
    let all_hex = stem.bytes().all(|b| matches!(b, b'a'..=b'f' | b'0'..=b'9'));
    (!stem.is_empty() && all_hex).then_some(stem)
}

/// The part of the name the Alembic patterns look at: `None` when the
/// negative look-ahead (`.#`, `__init__`) rejects it or a newline sits
/// anywhere but at the very end.
fn source_name(file_name: &str) -> Option<&str> {
    if file_name.starts_with(".#") || file_name.starts_with("__init__") {
        return None;
    }
    let name = file_name.strip_suffix('\n').unwrap_or(file_name);
    (!name.contains('\n')).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    const NAMES: &[&str] = &[
        "ae1027a6acf_add_table.py",
        "ae1027a6acf.py",
        "AE1027.py",
        "0001_initial.py",
        "__init__.py",
        "__init__old.py",
        "_init_.py",
        ".#ae1027a6acf.py",
        " .#lock.py",
        ".py",
        "..py",
        "x.PY",
        "x.py.bak",
        "x.pyc",
        "x.pyo",
        "x.pyx",
        "__init__.pyc",
        "notes.txt",
        "a.py\n",
        "a\nb.py",
        "abc.py\n",
        "dead beef.py",
        "café.py",
        "",
    ];

    #[test]
    fn plain_names() {
        assert!(is_revision_file_name("ae1027a6acf_add_table.py"));
        assert!(!is_revision_file_name("__init__.py"));
        assert!(!is_revision_file_name("__init__old.py"));
        assert!(!is_revision_file_name(".#ae1027a6acf.py"));
        assert!(!is_revision_file_name("x.pyc"));
        assert!(is_sourceless_revision_file_name("x.pyc"));
        assert!(!is_sourceless_revision_file_name("x.py"));
        assert_eq!(legacy_revision_id("ae1027a6acf.py"), Some("ae1027a6acf"));
        assert_eq!(legacy_revision_id("AE1027.py"), None);
        assert_eq!(legacy_revision_id("ae10_x.py"), None);
        assert_eq!(legacy_revision_id(".py"), None);
    }

    /// What Alembic's `Script._from_path` does with each file, against what the
    /// file name rules and the header predict.
    #[test]
    fn files_load_as_alembic_loads_them() {
        let files = [
            ("ae1027a6acf.py", "down_revision = None\n"),
            ("0001_init.py", "down_revision = None\n"),
            ("0002_ok.py", "revision = 'r2'\ndown_revision = None\n"),
            ("0003_no_down.py", "revision = 'r3'\n"),
            ("0004_nothing.py", "x = 1\n"),
            ("bad1.py", "x = 1\n"),
            ("__init__.py", ""),
            (".#0004_lock.py", "revision = 'r4'\ndown_revision = None\n"),
            ("README.PY", "revision = 'r5'\ndown_revision = None\n"),
            ("notes.txt", "revision = 'r6'\n"),
        ];
        let dir = tempfile::tempdir().unwrap();
        let versions = dir.path().join("versions");
        std::fs::create_dir(&versions).unwrap();
        for (name, text) in files {
            std::fs::write(versions.join(name), text).unwrap();
        }
        let script = r#"
import json, os, sys
from alembic.script.base import Script, ScriptDirectory
directory = ScriptDirectory(sys.argv[1])
out = {}
for name in os.listdir(os.path.join(sys.argv[1], "versions")):
    try:
        script = Script._from_path(directory, os.path.join(sys.argv[1], "versions", name))
        out[name] = "skipped" if script is None else "loaded " + script.revision
    except Exception as error:
        out[name] = type(error).__name__
print(json.dumps(out))
"#;
        let output = Command::new("python3")
            .args(["-c", script])
            .arg(dir.path())
            .output()
            .expect("python3 with alembic installed is needed for this test");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let alembic: std::collections::HashMap<String, String> =
            serde_json::from_slice(&output.stdout).unwrap();
        for (name, text) in files {
            let header = super::super::read_header(text).unwrap();
            let revision = header.revision.known().map(String::as_str);
            let predicted = if !is_revision_file_name(name) {
                "skipped".to_owned()
            } else if let Some(id) = revision.or(legacy_revision_id(name)) {
                if header.down_revision == super::super::Field::Missing {
                    "AttributeError".to_owned()
                } else {
                    format!("loaded {id}")
                }
            } else {
                "CommandError".to_owned()
            };
            assert_eq!(alembic[name], predicted, "{name}");
        }
    }

    /// Runs Alembic's own patterns on every name and compares.
    #[test]
    fn names_match_alembic_patterns() {
        let script = r#"
import json, sys
from alembic.script import base
names = json.load(sys.stdin)
out = []
for n in names:
    src = base._only_source_rev_file.match(n)
    sl = base._sourceless_rev_file.match(n)
    leg = base._legacy_rev.match(n)
    out.append([bool(src), bool(sl and sl.group(2)), leg.group(1) if leg else None])
print(json.dumps(out))
"#;
        let mut child = Command::new("python3")
            .args(["-c", script])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 with alembic installed is needed for this test");
        let input = serde_json::to_string(NAMES).unwrap();
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), input.as_bytes()).unwrap();
        drop(child.stdin.take());
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let expected: Vec<(bool, bool, Option<String>)> =
            serde_json::from_slice(&output.stdout).unwrap();
        for (name, (source, sourceless, legacy)) in NAMES.iter().zip(expected) {
            assert_eq!(is_revision_file_name(name), source, "{name:?}");
            assert_eq!(
                is_sourceless_revision_file_name(name),
                sourceless,
                "{name:?}"
            );
            assert_eq!(
                legacy_revision_id(name).map(str::to_owned),
                legacy,
                "{name:?}"
            );
        }
    }
}
