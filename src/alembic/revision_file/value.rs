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
