//! The values a module-level name can hold while a revision module runs, as far
//! as they can be read without running it, and how Alembic turns them into
//! the four header fields (`util.to_tuple`).

use ruff_text_size::TextRange;

use super::Field;

/// A value read from literals.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    Str(String),
    None,
    Seq(SeqKind, Vec<Value>),
    /// Any other object, described for messages: "an int", "bytes", "a function".
    Other(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SeqKind {
    Tuple,
    List,
    Set,
}

impl Value {
    /// "a string", "None", "a tuple", ..., for messages.
    pub(super) fn describe(&self) -> &'static str {
        match self {
            Value::Str(_) => "a string",
            Value::None => "None",
            Value::Seq(SeqKind::Tuple, _) => "a tuple",
            Value::Seq(SeqKind::List, _) => "a list",
            Value::Seq(SeqKind::Set, _) => "a set",
            Value::Other(kind) => kind,
        }
    }

    /// Lists and sets can be changed in place by any code that gets hold of them.
    pub(super) fn is_mutable(&self) -> bool {
        match self {
            Value::Seq(SeqKind::List | SeqKind::Set, _) => true,
            Value::Seq(SeqKind::Tuple, items) => items.iter().any(Value::is_mutable),
            _ => false,
        }
    }
}

/// What a module-level name is bound to at some point of the module's run.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Binding {
    Known {
        value: Value,
        range: TextRange,
    },
    /// `reason` follows the name: "is imported from `x`".
    Unknowable {
        range: TextRange,
        reason: String,
    },
}

impl Binding {
    pub(super) fn unknowable(range: TextRange, reason: impl Into<String>) -> Self {
        Binding::Unknowable {
            range,
            reason: reason.into(),
        }
    }
}

/// `revision`: Alembic needs a string.
pub(super) fn revision_field(binding: Option<&Binding>) -> Field<String> {
    match binding {
        None => Field::Missing,
        Some(Binding::Unknowable { range, reason }) => unknowable("revision", *range, reason),
        Some(Binding::Known { value, range }) => match value {
            Value::Str(s) => Field::Known {
                value: s.clone(),
                range: *range,
            },
            other => Field::Invalid {
                range: *range,
                reason: format!(
                    "`revision` is {}, but Alembic needs a string",
                    other.describe()
                ),
            },
        },
    }
}

/// `down_revision`, `branch_labels`, `depends_on`: `util.to_tuple` of the value.
pub(super) fn id_list_field(name: &str, binding: Option<&Binding>) -> Field<Vec<String>> {
    let (value, range) = match binding {
        None => return Field::Missing,
        Some(Binding::Unknowable { range, reason }) => return unknowable(name, *range, reason),
        Some(Binding::Known { value, range }) => (value, *range),
    };
    let invalid = |reason: String| Field::Invalid { range, reason };
    match value {
        Value::None => Field::Known {
            value: Vec::new(),
            range,
        },
        Value::Str(s) => Field::Known {
            value: vec![s.clone()],
            range,
        },
        Value::Seq(kind, items) => {
            let mut ids: Vec<String> = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::Str(s) => {
                        if *kind != SeqKind::Set || !ids.contains(s) {
                            ids.push(s.clone());
                        }
                    }
                    other => {
                        return invalid(format!(
                            "`{name}` holds {}, but revision ids are strings",
                            other.describe()
                        ))
                    }
                }
            }
            Field::Known { value: ids, range }
        }
        Value::Other(kind) => invalid(format!(
            "`{name}` is {kind}, but Alembic needs a string, a tuple or list of strings, or None"
        )),
    }
}

fn unknowable<T>(name: &str, range: TextRange, reason: &str) -> Field<T> {
    Field::Unknowable {
        range,
        reason: format!("`{name}` {reason}"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{header, invalid, MapIds};
    use super::super::Field;
    use std::process::{Command, Stdio};

    #[test]
    fn invalid_values() {
        let h = header(
            "revision = None\ndown_revision = 5\nbranch_labels = b'x'\ndepends_on = ['a', None]\n",
        );
        assert_eq!(
            invalid(&h.revision),
            "`revision` is None, but Alembic needs a string"
        );
        assert!(invalid(&h.down_revision).starts_with("`down_revision` is an int"));
        assert!(invalid(&h.branch_labels).starts_with("`branch_labels` is bytes"));
        assert_eq!(
            invalid(&h.depends_on),
            "`depends_on` holds None, but revision ids are strings"
        );
    }

    /// Snippets whose values are checked against running them in Python the
    /// way Alembic does (`hasattr`, then `util.to_tuple`).
    const EXECUTED: &[&str] = &[
        "revision = 'a'\ndown_revision = None",
        "revision: str = 'a'\ndown_revision: str | None = 'b'",
        "revision = 'a' 'b'\ndown_revision = ('c', 'd')\nbranch_labels = ['x']\ndepends_on = 'y'",
        "revision = r'\\d' + u'é'\ndown_revision = ()",
        "revision = '''x\ny'''\ndown_revision = []",
        "revision = '''x\r\ny\rz'''\r\ndown_revision = r\"\"\"a\r\nb\"\"\"\r\n",
        "revision = '''x\r\\ty'''\ndown_revision = None",
        "P = 'p'\nQ = (P, 'q')\ndown_revision = Q\nrevision = P + 'r'",
        "revision, down_revision = 'a', 'b'\nrevision, down_revision = down_revision, revision",
        "revision = 'a'\nrevision += 'b'\ndown_revision = ['c']\ndown_revision += ('d',)",
        "revision = 'a'\ndel revision\ndown_revision = 'x'",
        "revision = 'a'\ndef upgrade():\n    revision = 'b'\nclass K:\n    down_revision = 'c'",
        "revision = 'x'; down_revision = None; depends_on = ('a', 'b', 'a')",
        "revision = '\\N{BULLET}\\x41'\ndown_revision = ['a', *['b'], *'cd']",
        "(revision) = 'a'\n[down_revision] = ['b']",
        "revision = None\ndown_revision = 5",
        "down_revision = ['a', 1]\nrevision = b'x'",
        "depends_on = {'z'}\nrevision = 'a'\ndown_revision = None",
        "revision = 'a'\nif False:\n    down_revision = 'b'",
        "def revision(): pass\ndown_revision = None",
        "revision = 'a'\ndown_revision = None\nrevision: int",
    ];

    #[test]
    fn values_match_python() {
        let script = r#"
import json, sys
from alembic.util import to_tuple
out = []
for source in json.load(sys.stdin):
    ns = {}
    exec(compile(source, "rev.py", "exec"), ns)
    def read(name, scalar):
        if name not in ns:
            return ["missing"]
        v = ns[name]
        if scalar:
            return ["known", [v]] if isinstance(v, str) else ["invalid"]
        t = to_tuple(v, default=())
        if all(isinstance(i, str) for i in t):
            return ["known", sorted(t) if isinstance(v, set) else list(t)]
        return ["invalid"]
    out.append([read("revision", True)] + [read(n, False) for n in ("down_revision", "branch_labels", "depends_on")])
print(json.dumps(out))
"#;
        let mut child = Command::new("python3")
            .args(["-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with alembic installed is needed for this test");
        let input = serde_json::to_string(EXECUTED).unwrap();
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), input.as_bytes()).unwrap();
        drop(child.stdin.take());
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let expected: Vec<Vec<serde_json::Value>> = serde_json::from_slice(&output.stdout).unwrap();
        let mut compared = 0;
        for (source, expected) in EXECUTED.iter().zip(expected) {
            let h = header(source);
            let fields = [
                h.revision.map_ids(),
                h.down_revision,
                h.branch_labels,
                h.depends_on,
            ];
            for (field, expected) in fields.iter().zip(expected) {
                let kind = expected[0].as_str().unwrap();
                match field {
                    Field::Unknowable { .. } => continue,
                    Field::Missing => assert_eq!(kind, "missing", "{source}"),
                    Field::Invalid { .. } => assert_eq!(kind, "invalid", "{source}"),
                    Field::Known { value, .. } => {
                        assert_eq!(kind, "known", "{source}");
                        let mut ours = value.clone();
                        if source.contains("{'") {
                            ours.sort();
                        }
                        let theirs: Vec<String> =
                            serde_json::from_value(expected[1].clone()).unwrap();
                        assert_eq!(ours, theirs, "{source}");
                    }
                }
                compared += 1;
            }
        }
        assert!(compared > 60, "too few values compared: {compared}");
    }
}
