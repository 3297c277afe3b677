//! Reads what an Alembic revision file declares, without running it: the
//! module-level `revision`, `down_revision`, `branch_labels` and `depends_on`,
//! plus (for the files a commit changes) the whole syntax tree, comments,
//! strings and syntax errors that the lint rules need.
//!
//! Alembic *executes* every revision module (`alembic.util.load_python_file`)
//! and then reads those four attributes from it, so the values here mirror what
//! that execution would yield. A value that only running code could tell (a
//! call, an import, an assignment inside an `if`, an f-string, ...) is reported
//! as [`Field::Unknowable`] with a reason that names the variable; nothing is
//! guessed.
//!
//! # What Alembic does with the values (`alembic/script/base.py`, 1.18)
//!
//! `Script._from_path` loads the module, then:
//!
//! * **No `revision` attribute**: if the *file name* matches
//!   `^[a-f0-9]+\.py$` (lowercase hex digits only, e.g. `ae1027a6acf.py`) the
//!   revision id is that hex stem (a rule kept for Alembic 0.1 scripts);
//!   otherwise Alembic raises `CommandError("Could not determine revision id
//!   from filename <name>. Be sure the 'revision' variable is declared inside
//!   the script ...")`, which aborts every command that loads the revisions
//!   (`upgrade`, `heads`, `history`, ...). The file is never skipped.
//!   [`legacy_revision_id`] gives the id Alembic would take from the name.
//! * **No `down_revision` attribute**: `Script.__init__` reads
//!   `module.down_revision` unconditionally, so loading fails with
//!   `AttributeError`. A missing `branch_labels` or `depends_on` is the same
//!   as `None` (`getattr(module, ..., None)`), which is the same as empty.
//! * **Shapes**: each of the three lists goes through `util.to_tuple`: `None`
//!   becomes `()`, a string `s` becomes `(s,)` (so `""` is `("",)`), and any
//!   iterable becomes a tuple of its items. `revision` must be a string;
//!   `None` makes `verify_rev_id` raise `TypeError`, and `RevisionMap` later
//!   rejects ids containing `@`, `-`, `+` or `:` (a check for the graph).
//!
//! Which files are revisions at all is [`is_revision_file_name`].
//!
//! # Two ways to read
//!
//! [`parse_revision`] parses the whole file, for the files a commit changes.
//! [`read_header`] is for the thousands of files it does not: a single scan of
//! the text, and only the header statements are read; it falls back to the
//! full read whenever anything in the file could make that differ, so on
//! valid Python both always agree (property tests hold them to it).
//!
//! All ranges are byte offsets into the text as given (after
//! [`decode_source`]); a leading byte order mark stays part of that text.

mod assign;
mod decode;
mod depth;
mod eval;
mod fast;
mod file_name;
mod full;
mod header;
mod literal;
mod prepass;
mod scan;
mod value;
mod walk;

use ruff_python_ast::ModModule;
use ruff_text_size::TextRange;

pub use decode::{decode_source, decode_source_owned, DecodeError};
pub use fast::read_header;
pub use file_name::{is_revision_file_name, is_sourceless_revision_file_name, legacy_revision_id};
pub use full::parse_revision;

/// The names Alembic reads from a revision module, in the order of [`RevisionHeader`].
pub const HEADER_NAMES: [&str; 4] = ["revision", "down_revision", "branch_labels", "depends_on"];

/// What one module-level variable of a revision file holds once the module has run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Field<T> {
    /// The module never assigns the variable (or deletes it with `del`).
    #[default]
    Missing,
    /// The value, read exactly; `range` is the expression it was read from.
    Known { value: T, range: TextRange },
    /// Only running the module could tell the value; `reason` names the variable.
    Unknowable { range: TextRange, reason: String },
    /// The value is known but is not what Alembic expects (`revision = None`,
    /// `down_revision = 5`, bytes, a list holding a non-string, ...).
    Invalid { range: TextRange, reason: String },
}

impl<T> Field<T> {
    /// The value when it is known.
    pub fn known(&self) -> Option<&T> {
        match self {
            Field::Known { value, .. } => Some(value),
            _ => None,
        }
    }

    /// Where the value comes from, if the module assigns it.
    pub fn range(&self) -> Option<TextRange> {
        match self {
            Field::Missing => None,
            Field::Known { range, .. }
            | Field::Unknowable { range, .. }
            | Field::Invalid { range, .. } => Some(*range),
        }
    }
}

/// The four variables Alembic reads from a revision module.
///
/// The three lists are already normalised the way `util.to_tuple` does it:
/// `None`, `()` and `[]` are an empty list, a string is a one-element list,
/// tuples, lists and sets keep their string items (a set deduplicated, in
/// source order; Alembic's order for a set is hash order, which no graph
/// result depends on). [`Field::Missing`] for `branch_labels` or `depends_on`
/// means the same as empty; for `down_revision` it makes Alembic fail.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RevisionHeader {
    pub revision: Field<String>,
    pub down_revision: Field<Vec<String>>,
    pub branch_labels: Field<Vec<String>>,
    pub depends_on: Field<Vec<String>>,
}

/// A revision file read in full, for the files a commit changes.
#[derive(Debug)]
pub struct ParsedRevision {
    pub source: crate::source::SourceFile,
    pub header: RevisionHeader,
    /// The syntax tree, with error recovery. Top-level statements nested too
    /// deeply to be handled safely are left out (and reported as syntax errors).
    pub module: ModModule,
    /// The module docstring: its value and the range of the string literal.
    pub docstring: Option<(String, TextRange)>,
    /// Every comment, `#` included, in source order.
    pub comments: Vec<TextRange>,
    /// Every string literal, quotes and prefix included, in source order. For
    /// f-strings and t-strings these are the literal parts (from the opening
    /// quote to the first `{`, between fields, up to the closing quote), not
    /// the expressions inside the braces.
    pub strings: Vec<TextRange>,
    /// Syntax errors, in source order: the parser's, plus what Python itself
    /// rejects that the parser accepts (merge conflict markers, NUL bytes, more
    /// than 200 nested brackets, 100 levels of indentation, nesting beyond what
    /// Python can compile).
    pub syntax_errors: Vec<(String, TextRange)>,
}

/// Why the fast header read gave up: the file has a syntax error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SyntaxProblem {
    pub message: String,
    pub range: TextRange,
}

#[cfg(test)]
pub(super) mod testing {
    //! Helpers for the tests of the submodules.
    use super::{parse_revision, read_header, Field, RevisionHeader};

    /// The header both ways; the file must be valid and both ways must agree.
    pub(crate) fn header(text: &str) -> RevisionHeader {
        let full = parse_revision("versions/x.py", text);
        assert!(full.syntax_errors.is_empty(), "{:?}", full.syntax_errors);
        assert_eq!(
            read_header(text).as_ref(),
            Ok(&full.header),
            "fast and full differ"
        );
        full.header
    }

    pub(crate) fn ids(field: &Field<Vec<String>>) -> Vec<&str> {
        match field {
            Field::Known { value, .. } => value.iter().map(String::as_str).collect(),
            other => panic!("not known: {other:?}"),
        }
    }

    pub(crate) fn revision(text: &str) -> String {
        match header(text).revision {
            Field::Known { value, .. } => value,
            other => panic!("not known: {other:?}"),
        }
    }

    pub(crate) fn unknowable<T: std::fmt::Debug>(field: &Field<T>) -> &str {
        match field {
            Field::Unknowable { reason, .. } => reason,
            other => panic!("not unknowable: {other:?}"),
        }
    }

    pub(crate) fn invalid<T: std::fmt::Debug>(field: &Field<T>) -> &str {
        match field {
            Field::Invalid { reason, .. } => reason,
            other => panic!("not invalid: {other:?}"),
        }
    }

    pub(crate) trait MapIds {
        fn map_ids(self) -> Field<Vec<String>>;
    }

    impl MapIds for Field<String> {
        fn map_ids(self) -> Field<Vec<String>> {
            match self {
                Field::Missing => Field::Missing,
                Field::Known { value, range } => Field::Known {
                    value: vec![value],
                    range,
                },
                Field::Unknowable { range, reason } => Field::Unknowable { range, reason },
                Field::Invalid { range, reason } => Field::Invalid { range, reason },
            }
        }
    }
}
