//! Runs a revision module's top-level statements in the head, in order, to
//! know what `revision`, `down_revision`, `branch_labels` and `depends_on` hold
//! once the module has been executed: plain, annotated, augmented and
//! unpacking assignments of literals are followed exactly (last one wins), a
//! name may be an alias of an earlier module-level literal, and everything
//! else that could bind those names (imports, `if`/`for`/`try`/`with`/`match`
//! blocks, `:=`, `global` in a function, `from m import *`, `globals()` and the
//! like, a module `__getattr__`) makes them [`Field::Unknowable`](super::Field).
//! Function and lambda bodies are taken not to run while the module loads.

use std::collections::HashMap;

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};

use super::eval::Rhs;
use super::prepass;
use super::value::{id_list_field, revision_field, Binding, Value};
use super::walk::ScopeWalker;
use super::{RevisionHeader, HEADER_NAMES};

/// Identifiers that let code reach the module's namespace indirectly: a file
/// that mentions one can have its header changed by it.
pub(super) const ESCAPE_NAMES: [&str; 8] = [
    "globals",
    "vars",
    "locals",
    "exec",
    "eval",
    "modules",
    "f_globals",
    "__getattr__",
];

/// How names outside the header are treated: read in full, or (fast path)
/// handed only the header statements, where any lookup of another name means
/// the whole module must be read after all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Full,
    Fast,
}

/// The fast path met something only a full read can decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct NeedsFull;

pub(super) struct Reader<'a> {
    pub(super) source: &'a str,
    pub(super) mode: Mode,
    pub(super) names: HashMap<String, Binding>,
    /// The module of the latest `from m import *`.
    pub(super) star_import: Option<String>,
    /// Names declared `global` in a function or class, with that scope's name.
    pub(super) globals: HashMap<String, (String, TextRange)>,
    /// The first `globals()`, `exec`, `sys.modules`, ... in the file.
    pub(super) escape: Option<(String, TextRange)>,
    pub(super) module_getattr: Option<TextRange>,
}

/// Read the header of a whole module.
pub(super) fn read_module(source: &str, body: &[Stmt]) -> RevisionHeader {
    let mut reader = Reader::new(source, Mode::Full);
    prepass::run(&mut reader, body);
    for stmt in body {
        // A full read never asks for a full read.
        let _ = reader.statement(stmt);
    }
    reader.finish()
}

/// Read the header from the header statements alone (see [`Mode::Fast`]).
pub(super) fn read_statements<'s>(
    source: &str,
    statements: impl IntoIterator<Item = &'s Stmt>,
) -> Result<RevisionHeader, NeedsFull> {
    let mut reader = Reader::new(source, Mode::Fast);
    for stmt in statements {
        reader.statement(stmt)?;
    }
    Ok(reader.finish())
}

impl<'a> Reader<'a> {
    fn new(source: &'a str, mode: Mode) -> Self {
        Reader {
            source,
            mode,
            names: HashMap::new(),
            star_import: None,
            globals: HashMap::new(),
            escape: None,
            module_getattr: None,
        }
    }

    pub(super) fn is_header_name(name: &str) -> bool {
        HEADER_NAMES.contains(&name)
    }

    pub(super) fn set(&mut self, name: &str, binding: Binding) {
        if name == "__getattr__" {
            let (Binding::Known { range, .. } | Binding::Unknowable { range, .. }) = &binding;
            self.module_getattr.get_or_insert(*range);
        }
        self.names.insert(name.to_owned(), binding);
    }

    /// Every name the module has bound so far (and the header names) may now
    /// come from `from m import *`.
    pub(super) fn star(&mut self, module: String, range: TextRange) {
        let reason = format!("may be set by `from {module} import *`");
        let mut names: Vec<String> = self.names.keys().cloned().collect();
        names.extend(HEADER_NAMES.iter().map(|n| (*n).to_owned()));
        for name in names {
            self.set(&name, Binding::unknowable(range, reason.clone()));
        }
        self.star_import = Some(module);
    }

    /// One top-level statement, run unconditionally.
    fn statement(&mut self, stmt: &Stmt) -> Result<(), NeedsFull> {
        match stmt {
            Stmt::Assign(assign) => {
                self.target_loads(&assign.targets)?;
                self.loads(&assign.value)?;
                let rhs = self.rhs(&assign.value)?;
                for target in &assign.targets {
                    self.bind_target(target, &rhs);
                }
            }
            Stmt::AnnAssign(assign) => {
                self.target_loads(std::slice::from_ref(&*assign.target))?;
                self.loads(&assign.annotation)?;
                if let Some(value) = &assign.value {
                    self.loads(value)?;
                    let rhs = self.rhs(value)?;
                    self.bind_target(&assign.target, &rhs);
                }
            }
            Stmt::AugAssign(assign) => {
                self.loads(&assign.value)?;
                match &*assign.target {
                    Expr::Name(name) => {
                        let value = self.eval(&assign.value)?;
                        let binding = self.augmented(&name.id, assign.op, value, assign.range);
                        self.set(&name.id, binding);
                    }
                    target => self.loads(target)?,
                }
            }
            Stmt::Delete(delete) => {
                for target in &delete.targets {
                    match target {
                        Expr::Name(name) => {
                            self.names.remove(name.id.as_str());
                        }
                        target => self.loads(target)?,
                    }
                }
            }
            Stmt::Expr(_)
            | Stmt::Assert(_)
            | Stmt::Raise(_)
            | Stmt::Return(_)
            | Stmt::Pass(_)
            | Stmt::Break(_)
            | Stmt::Continue(_)
            | Stmt::Global(_)
            | Stmt::Nonlocal(_)
            | Stmt::IpyEscapeCommand(_) => ScopeWalker::statement(self, None, stmt)?,
            _ if self.mode == Mode::Fast => return Err(NeedsFull),
            Stmt::Import(import) => {
                for alias in &import.names {
                    let bound = alias.asname.as_ref().map_or_else(
                        || alias.name.split('.').next().unwrap_or_default(),
                        |asname| asname.as_str(),
                    );
                    let reason = format!("is imported (`import {}`)", alias.name.as_str());
                    self.set(bound, Binding::unknowable(alias.range, reason));
                }
            }
            Stmt::ImportFrom(import) => {
                let module = import_from_module(import);
                for alias in &import.names {
                    if alias.name.as_str() == "*" {
                        self.star(module.clone(), import.range);
                    } else {
                        let bound = alias.asname.as_ref().unwrap_or(&alias.name);
                        let reason = format!("is imported from `{module}`");
                        self.set(bound, Binding::unknowable(alias.range, reason));
                    }
                }
            }
            Stmt::FunctionDef(function) => {
                ScopeWalker::statement(self, None, stmt)?;
                let binding = defined(&function.decorator_list, "a function", function.name.range);
                self.set(&function.name, binding);
            }
            Stmt::ClassDef(class) => {
                ScopeWalker::statement(self, None, stmt)?;
                let binding = defined(&class.decorator_list, "a class", class.name.range);
                self.set(&class.name, binding);
            }
            Stmt::TypeAlias(alias) => {
                if let Expr::Name(name) = &*alias.name {
                    let value = Value::Other("a type alias");
                    let range = alias.range;
                    self.set(&name.id, Binding::Known { value, range });
                }
            }
            Stmt::If(_) => ScopeWalker::statement(self, Some("an `if` block"), stmt)?,
            Stmt::For(_) => ScopeWalker::statement(self, Some("a `for` loop"), stmt)?,
            Stmt::While(_) => ScopeWalker::statement(self, Some("a `while` loop"), stmt)?,
            Stmt::Try(_) => ScopeWalker::statement(self, Some("a `try` statement"), stmt)?,
            Stmt::With(_) => ScopeWalker::statement(self, Some("a `with` block"), stmt)?,
            Stmt::Match(_) => ScopeWalker::statement(self, Some("a `match` statement"), stmt)?,
        }
        Ok(())
    }

    /// Loads inside assignment targets: `x.attr = ...` and `x[i] = ...` read `x`.
    fn target_loads(&mut self, targets: &[Expr]) -> Result<(), NeedsFull> {
        for target in targets {
            match target {
                Expr::Name(_) => {}
                Expr::Tuple(ast::ExprTuple { elts, .. })
                | Expr::List(ast::ExprList { elts, .. }) => {
                    self.target_loads(elts)?;
                }
                Expr::Starred(starred) => {
                    self.target_loads(std::slice::from_ref(&*starred.value))?
                }
                other => self.loads(other)?,
            }
        }
        Ok(())
    }

    /// The loads and `:=` of an expression that runs now.
    fn loads(&mut self, expr: &Expr) -> Result<(), NeedsFull> {
        ScopeWalker::expression(self, expr)
    }

    /// A name is read: a list or set it holds may be changed through that read.
    pub(super) fn on_load(&mut self, name: &str, range: TextRange) {
        if self.mode == Mode::Fast && !Self::is_header_name(name) {
            return;
        }
        if let Some(Binding::Known { value, .. }) = self.names.get(name) {
            if value.is_mutable() {
                let reason = format!("is {} that the code here may change", value.describe());
                self.set(name, Binding::unknowable(range, reason));
            }
        }
    }

    fn finish(self) -> RevisionHeader {
        let field = |name: &str| -> Option<Binding> {
            if let Some((what, range)) = &self.escape {
                let reason = format!("may be changed through `{what}`");
                return Some(Binding::unknowable(*range, reason));
            }
            if let Some((scope, range)) = self.globals.get(name) {
                let reason = format!("is declared `global` in `{scope}`, which may change it");
                return Some(Binding::unknowable(*range, reason));
            }
            match (self.names.get(name), self.module_getattr) {
                (None, Some(range)) => Some(Binding::unknowable(
                    range,
                    "is not assigned, but the module's `__getattr__` may provide it",
                )),
                (binding, _) => binding.cloned(),
            }
        };
        RevisionHeader {
            revision: revision_field(field("revision").as_ref()),
            down_revision: id_list_field("down_revision", field("down_revision").as_ref()),
            branch_labels: id_list_field("branch_labels", field("branch_labels").as_ref()),
            depends_on: id_list_field("depends_on", field("depends_on").as_ref()),
        }
    }
}

/// A `def` or `class` binds its name to a new object, unless a decorator replaces it.
fn defined(decorators: &[ast::Decorator], what: &'static str, range: TextRange) -> Binding {
    if decorators.is_empty() {
        Binding::Known {
            value: Value::Other(what),
            range,
        }
    } else {
        Binding::unknowable(range, format!("is {what} that a decorator may replace"))
    }
}

pub(super) fn import_from_module(import: &ast::StmtImportFrom) -> String {
    let dots = ".".repeat(usize::try_from(import.level).unwrap_or(0));
    let module = import.module.as_ref().map_or("", |m| m.as_str());
    format!("{dots}{module}")
}

impl Ranged for Rhs {
    fn range(&self) -> TextRange {
        match self {
            Rhs::Value(_, range) | Rhs::Items(_, _, range) => *range,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{header, ids, unknowable, MapIds};
    use super::super::Field;

    const TEMPLATE: &str = r#""""add users

Revision ID: ae1027a6acf
Revises: 1975ea83b712
Create Date: 2024-01-01 10:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "ae1027a6acf"
down_revision: Union[str, Sequence[str], None] = "1975ea83b712"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("users")
"#;

    #[test]
    fn alembic_template() {
        let h = header(TEMPLATE);
        assert_eq!(h.revision.known().map(String::as_str), Some("ae1027a6acf"));
        assert_eq!(ids(&h.down_revision), ["1975ea83b712"]);
        assert_eq!(ids(&h.branch_labels), Vec::<&str>::new());
        assert_eq!(ids(&h.depends_on), Vec::<&str>::new());
        let range = h.revision.range().unwrap();
        assert_eq!(&TEMPLATE[range.to_std_range()], "\"ae1027a6acf\"");
    }

    #[test]
    fn annotations_and_reassignment() {
        let h = header(
            "revision: str = 'a'\nrevision = 'b'\nrevision: str\ndown_revision: Optional[str]\n",
        );
        assert_eq!(h.revision.known().map(String::as_str), Some("b"));
        assert_eq!(h.down_revision, Field::Missing);
        let h = header("revision = 'a'\ndel revision\n");
        assert_eq!(h.revision, Field::Missing);
    }

    #[test]
    fn unpacking_and_augmented_assignments() {
        let h = header("revision, down_revision = 'a', 'b'\nrevision, down_revision = down_revision, revision\n");
        assert_eq!(h.revision.known().map(String::as_str), Some("b"));
        assert_eq!(ids(&h.down_revision), ["a"]);
        let h = header(
            "revision = 'a'\nrevision += '1'\ndown_revision = ('x',)\ndown_revision += ('y',)\n",
        );
        assert_eq!(h.revision.known().map(String::as_str), Some("a1"));
        assert_eq!(ids(&h.down_revision), ["x", "y"]);
        let h = header("[revision, (down_revision, depends_on)] = 'r', ['d', 'e']\n");
        assert_eq!(ids(&h.depends_on), ["e"]);
        let h = header("revision, *down_revision = 'a', 'b', 'c'\n");
        assert!(unknowable(&h.down_revision).starts_with("`down_revision` is assigned by starred"));
    }

    #[test]
    fn unknowable_values_name_the_variable() {
        let cases = [
            ("down_revision = get_parent()", "`down_revision` is assigned a call to `get_parent()`"),
            ("revision = f'{PREFIX}1'", "`revision` is assigned an f-string, `f'{PREFIX}1'`"),
            ("from parents import down_revision", "`down_revision` is imported from `parents`"),
            ("import revision", "`revision` is imported (`import revision`)"),
            ("if X:\n    depends_on = 'a'", "`depends_on` is assigned inside an `if` block"),
            ("try:\n    revision = 'a'\nexcept E:\n    pass", "`revision` is assigned inside a `try` statement"),
            ("for revision in 'ab':\n    pass", "`revision` is assigned inside a `for` loop"),
            ("(branch_labels := 'x')", "`branch_labels` is assigned with `:=`"),
            ("revision = 'a'\nrevision = cfg.revision", "`revision` is assigned `cfg.revision`, which only running the code can tell"),
            ("down_revision = 'a' if X else 'b'", "`down_revision` is assigned `'a' if X else 'b'`, which only running the code can tell"),
        ];
        for (source, reason) in cases {
            let h = header(source);
            let field = [
                &h.revision.clone().map_ids(),
                &h.down_revision,
                &h.branch_labels,
                &h.depends_on,
            ]
            .into_iter()
            .find(|f| !matches!(f, Field::Missing))
            .cloned()
            .unwrap();
            assert_eq!(unknowable(&field), reason, "{source}");
        }
    }

    #[test]
    fn escape_hatches_make_every_name_unknowable() {
        let h = header("revision = 'a'\nglobals()['down_revision'] = 'b'\n");
        assert_eq!(
            unknowable(&h.revision),
            "`revision` may be changed through `globals`"
        );
        assert_eq!(
            unknowable(&h.down_revision),
            "`down_revision` may be changed through `globals`"
        );
        let h = header("revision = 'a'\nfrom parents import *\n");
        assert_eq!(
            unknowable(&h.revision),
            "`revision` may be set by `from parents import *`"
        );
        assert_eq!(
            unknowable(&h.depends_on),
            "`depends_on` may be set by `from parents import *`"
        );
        let h =
            header("revision = 'a'\ndef fix():\n    global revision\n    revision = 'b'\nfix()\n");
        assert_eq!(
            unknowable(&h.revision),
            "`revision` is declared `global` in `fix`, which may change it"
        );
        let h = header("revision = 'a'\nclass K:\n    def m(self):\n        global revision\n");
        assert!(unknowable(&h.revision).contains("declared `global` in `m`"));
        let h = header("revision = 'a'\ndef __getattr__(name):\n    return 'x'\n");
        assert_eq!(h.revision.known().map(String::as_str), Some("a"));
        assert!(unknowable(&h.down_revision).contains("`__getattr__` may provide it"));
        let h =
            header("import sys\nrevision = 'a'\nsetattr(sys.modules[__name__], 'revision', 'b')\n");
        assert_eq!(
            unknowable(&h.revision),
            "`revision` may be changed through `sys.modules`"
        );
    }

    #[test]
    fn escape_hatches_in_functions_count_once_the_function_can_run() {
        // The `multidb` template calls `globals()` inside `upgrade()`.
        let multidb = "revision = 'a'\ndown_revision = None\n\ndef upgrade(engine_name: str) -> None:\n    globals()[\"upgrade_%s\" % engine_name]()\n\ndef upgrade_engine1():\n    pass\n";
        assert_eq!(
            header(multidb).revision.known().map(String::as_str),
            Some("a")
        );
        let uncalled = "revision = 'a'\ndef fix():\n    global revision\n    revision = 'b'\n";
        assert_eq!(
            header(uncalled).revision.known().map(String::as_str),
            Some("a")
        );
        for (text, escape) in [
            (
                "def f():\n    globals()['revision'] = 'x'\nf()\n",
                "globals",
            ),
            ("@dec\ndef f():\n    exec('revision = 1')\n", "exec"),
            ("class K:\n    def m(self):\n        vars()\n", "vars"),
            ("f = lambda: eval('1')\n", "eval"),
            ("def f(x=locals()):\n    pass\n", "locals"),
            (
                "def f():\n    return 1\ndef g():\n    globals()\nh = [g]\n",
                "globals",
            ),
        ] {
            let h = header(&format!("revision = 'a'\n{text}"));
            let reason = format!("`revision` may be changed through `{escape}`");
            assert_eq!(unknowable(&h.revision), reason, "{text}");
        }
    }

    #[test]
    fn code_that_does_not_run_at_import_is_ignored() {
        let text = "revision = 'a'\n\ndef upgrade():\n    revision = 'inner'\n    depends_on = revision\n\nclass Model:\n    down_revision = 'x'\n\nf = lambda: revision\nop.revision = 'x'\ncall(revision='y')\n";
        let h = header(text);
        assert_eq!(h.revision.known().map(String::as_str), Some("a"));
        assert_eq!(h.down_revision, Field::Missing);
        assert_eq!(h.depends_on, Field::Missing);
    }

    #[test]
    fn line_ends_semicolons_and_bom() {
        let text = "\u{feff}\"\"\"doc\r\nrevision = 'no'\r\n\"\"\"\r\nx = 1; revision = 'a'; down_revision = None\r\n# revision = 'no'\r\n";
        let h = header(text);
        assert_eq!(h.revision.known().map(String::as_str), Some("a"));
        let h = header(&text.replace("\r\n", "\r"));
        assert_eq!(h.revision.known().map(String::as_str), Some("a"));
        assert!(ids(&h.down_revision).is_empty());
    }
}
