//! Evaluates the right-hand side of a module-level assignment from literals
//! alone: strings (any quoting, implicit concatenation), `None`, tuples,
//! lists and sets of those, `+` of strings, tuples or lists, and names bound
//! earlier to such values. Anything else is described for the reason of an
//! unknowable value ("a call to `get_parent()`", "an f-string").

use ruff_python_ast::{self as ast, Expr, Number, Operator};
use ruff_text_size::{Ranged, TextRange};

use super::header::{Mode, NeedsFull, Reader};
use super::value::{Binding, SeqKind, Value};

/// The result of evaluating an expression.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Evaluated {
    Known(Value),
    /// What the expression is, to follow "is assigned": "a call to `f()`".
    Unknowable(String),
}

/// A right-hand side kept apart item by item when it is a tuple or list
/// display, so that `a, b = "x", "y"` binds each name with its own range.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Rhs {
    Value(Evaluated, TextRange),
    Items(SeqKind, Vec<Rhs>, TextRange),
}

impl Rhs {
    /// The whole value.
    pub(super) fn value(&self) -> (Evaluated, TextRange) {
        match self {
            Rhs::Value(value, range) => (value.clone(), *range),
            Rhs::Items(kind, items, range) => {
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    match item.value().0 {
                        Evaluated::Known(value) => values.push(value),
                        unknowable @ Evaluated::Unknowable(_) => return (unknowable, *range),
                    }
                }
                (Evaluated::Known(Value::Seq(*kind, values)), *range)
            }
        }
    }

    /// The items `len` unpacking targets receive, or how the unpacking goes wrong.
    pub(super) fn items(&self, len: usize) -> Result<Vec<Rhs>, String> {
        match self {
            Rhs::Items(_, items, _) if items.len() == len => Ok(items.clone()),
            Rhs::Value(Evaluated::Known(value), range) => {
                let items: Vec<Value> = match value {
                    Value::Seq(SeqKind::Set, _) => {
                        return Err("by unpacking a set, whose order Python does not fix".into())
                    }
                    Value::Seq(_, items) => items.clone(),
                    Value::Str(s) => s.chars().map(|c| Value::Str(c.to_string())).collect(),
                    other => return Err(format!("by unpacking {}", other.describe())),
                };
                if items.len() != len {
                    return Err("by unpacking a value of another length".into());
                }
                let item = |value| Rhs::Value(Evaluated::Known(value), *range);
                Ok(items.into_iter().map(item).collect())
            }
            Rhs::Value(Evaluated::Unknowable(what), _) => Err(format!("by unpacking {what}")),
            Rhs::Items(..) => Err("by unpacking a value of another length".into()),
        }
    }
}

impl Reader<'_> {
    pub(super) fn rhs(&self, expr: &Expr) -> Result<Rhs, NeedsFull> {
        let (kind, elts) = match expr {
            Expr::Tuple(tuple) => (SeqKind::Tuple, &tuple.elts),
            Expr::List(list) => (SeqKind::List, &list.elts),
            _ => return Ok(Rhs::Value(self.eval(expr)?, expr.range())),
        };
        if elts.iter().any(Expr::is_starred_expr) {
            return Ok(Rhs::Value(self.eval(expr)?, expr.range()));
        }
        let items = elts.iter().map(|e| self.rhs(e)).collect::<Result<_, _>>()?;
        Ok(Rhs::Items(kind, items, expr.range()))
    }

    pub(super) fn eval(&self, expr: &Expr) -> Result<Evaluated, NeedsFull> {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.eval_inner(expr))
    }

    fn eval_inner(&self, expr: &Expr) -> Result<Evaluated, NeedsFull> {
        let known = |value| Ok(Evaluated::Known(value));
        let unknowable = |what: String| Ok(Evaluated::Unknowable(what));
        match expr {
            Expr::StringLiteral(s) => Ok(self.string(s)),
            Expr::NoneLiteral(_) => known(Value::None),
            Expr::BytesLiteral(_) => known(Value::Other("bytes")),
            Expr::BooleanLiteral(b) => known(Value::Other(if b.value { "True" } else { "False" })),
            Expr::EllipsisLiteral(_) => known(Value::Other("Ellipsis")),
            Expr::NumberLiteral(n) => known(Value::Other(match n.value {
                Number::Int(_) => "an int",
                Number::Float(_) => "a float",
                Number::Complex { .. } => "a complex number",
            })),
            Expr::TString(_) => known(Value::Other("a t-string template")),
            Expr::Dict(_) => known(Value::Other("a dict")),
            Expr::Lambda(_) => known(Value::Other("a function")),
            Expr::FString(_) => unknowable(format!("an f-string, `{}`", self.snippet(expr))),
            Expr::Tuple(ast::ExprTuple { elts, .. }) => self.display(SeqKind::Tuple, elts),
            Expr::List(ast::ExprList { elts, .. }) => self.display(SeqKind::List, elts),
            Expr::Set(ast::ExprSet { elts, .. }) => self.display(SeqKind::Set, elts),
            Expr::Name(name) => self.lookup(&name.id),
            Expr::BinOp(binop) if binop.op == Operator::Add => {
                let (left, right) = (self.eval(&binop.left)?, self.eval(&binop.right)?);
                Ok(add(left, right, || self.snippet(expr)))
            }
            Expr::Call(call) => unknowable(format!("a call to `{}()`", self.snippet(&*call.func))),
            Expr::Named(_) => unknowable(format!(
                "an assignment expression, `{}`",
                self.snippet(expr)
            )),
            Expr::ListComp(_) | Expr::SetComp(_) | Expr::DictComp(_) | Expr::Generator(_) => {
                unknowable(format!("a comprehension, `{}`", self.snippet(expr)))
            }
            _ => unknowable(format!(
                "`{}`, which only running the code can tell",
                self.snippet(expr)
            )),
        }
    }

    /// Python reads source with universal newlines, so a line break inside a
    /// triple-quoted string is `\n` whatever the file uses; the parser keeps
    /// `\r\n` and `\r` as they are.
    fn string(&self, s: &ast::ExprStringLiteral) -> Evaluated {
        let value = s.value.to_str();
        if !value.contains('\r') {
            return Evaluated::Known(Value::Str(value.to_owned()));
        }
        let mut out = String::with_capacity(value.len());
        for part in &s.value {
            let source = self
                .source
                .get(part.range.to_std_range())
                .unwrap_or_default();
            if !source.contains('\r') {
                out.push_str(&part.value);
            } else if source.contains('\\') {
                let what = format!(
                    "a string with both escapes and line breaks, `{}`",
                    self.snippet(part)
                );
                return Evaluated::Unknowable(what);
            } else {
                out.push_str(&part.value.replace("\r\n", "\n").replace('\r', "\n"));
            }
        }
        Evaluated::Known(Value::Str(out))
    }

    /// A tuple, list or set display; `*x` spreads a known sequence or string.
    fn display(&self, kind: SeqKind, elts: &[Expr]) -> Result<Evaluated, NeedsFull> {
        let mut values = Vec::with_capacity(elts.len());
        for elt in elts {
            let (value, starred) = match elt {
                Expr::Starred(starred) => (self.eval(&starred.value)?, true),
                elt => (self.eval(elt)?, false),
            };
            match (value, starred) {
                (Evaluated::Unknowable(what), _) => return Ok(Evaluated::Unknowable(what)),
                (Evaluated::Known(value), false) => values.push(value),
                (Evaluated::Known(Value::Seq(SeqKind::Tuple | SeqKind::List, items)), true) => {
                    values.extend(items);
                }
                (Evaluated::Known(Value::Str(s)), true) => {
                    values.extend(s.chars().map(|c| Value::Str(c.to_string())));
                }
                (Evaluated::Known(_), true) => {
                    let what = format!(
                        "`{}`, whose unpacking migcheck does not follow",
                        self.snippet(elt)
                    );
                    return Ok(Evaluated::Unknowable(what));
                }
            }
        }
        Ok(Evaluated::Known(Value::Seq(kind, values)))
    }

    /// The value a module-level name holds at this point.
    fn lookup(&self, name: &str) -> Result<Evaluated, NeedsFull> {
        if self.mode == Mode::Fast && !Self::is_header_name(name) {
            return Err(NeedsFull);
        }
        if let Some((scope, _)) = self.globals.get(name) {
            let what = format!("`{name}`, which is declared `global` in `{scope}`");
            return Ok(Evaluated::Unknowable(what));
        }
        Ok(match self.names.get(name) {
            Some(Binding::Known { value, .. }) => Evaluated::Known(value.clone()),
            Some(Binding::Unknowable { reason, .. }) => {
                Evaluated::Unknowable(format!("`{name}`, which {reason}"))
            }
            None => match &self.star_import {
                Some(module) => Evaluated::Unknowable(format!(
                    "`{name}`, which may come from `from {module} import *`"
                )),
                None => Evaluated::Unknowable(format!(
                    "`{name}`, which is not assigned a literal earlier in the module"
                )),
            },
        })
    }

    /// The source of a node on one line, shortened for messages.
    pub(super) fn snippet(&self, node: &impl Ranged) -> String {
        let text = self
            .source
            .get(node.range().to_std_range())
            .unwrap_or_default();
        let mut one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if one_line.chars().count() > 60 {
            one_line = one_line.chars().take(57).collect::<String>() + "...";
        }
        one_line
    }
}

/// `left + right` for strings, tuples and lists; other operands are left unknowable.
fn add(left: Evaluated, right: Evaluated, snippet: impl Fn() -> String) -> Evaluated {
    let (left, right) = match (left, right) {
        (Evaluated::Known(left), Evaluated::Known(right)) => (left, right),
        (Evaluated::Unknowable(what), _) | (_, Evaluated::Unknowable(what)) => {
            return Evaluated::Unknowable(what)
        }
    };
    match (left, right) {
        (Value::Str(a), Value::Str(b)) => Evaluated::Known(Value::Str(a + &b)),
        (Value::Seq(SeqKind::Tuple, mut a), Value::Seq(SeqKind::Tuple, b)) => {
            a.extend(b);
            Evaluated::Known(Value::Seq(SeqKind::Tuple, a))
        }
        (Value::Seq(SeqKind::List, mut a), Value::Seq(SeqKind::List, b)) => {
            a.extend(b);
            Evaluated::Known(Value::Seq(SeqKind::List, a))
        }
        (left, right) => Evaluated::Unknowable(format!(
            "`{}`, which adds {} and {}",
            snippet(),
            left.describe(),
            right.describe()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{header, ids, revision, unknowable};

    #[test]
    fn every_quoting_style() {
        for (source, value) in [
            ("revision = 'a1'", "a1"),
            ("revision = \"a1\"", "a1"),
            ("revision = '''a1'''", "a1"),
            ("revision = \"\"\"a1\"\"\"", "a1"),
            ("revision = r'a\\1'", "a\\1"),
            ("revision = R\"a1\"", "a1"),
            ("revision = u'a1'", "a1"),
            ("revision = 'a' \"1\"", "a1"),
            ("revision = ('a'\n    # part two\n    '1')", "a1"),
            ("revision = '\\x61\\N{DIGIT ONE}'", "a1"),
            ("revision = ('a1')", "a1"),
            ("revision = 'a' + '1'", "a1"),
            ("revision = \\\n    'a1'", "a1"),
        ] {
            assert_eq!(revision(source), value, "{source}");
        }
    }

    #[test]
    fn aliases_of_module_literals() {
        let h = header("PARENT = 'abc'\nOTHER = PARENT\ndown_revision = OTHER\n");
        assert_eq!(ids(&h.down_revision), ["abc"]);
        let h = header("from .base import PARENT\ndown_revision = PARENT\n");
        assert_eq!(
            unknowable(&h.down_revision),
            "`down_revision` is assigned `PARENT`, which is imported from `.base`"
        );
        let h = header("PARENTS = ['a']\nPARENTS.append('b')\ndown_revision = PARENTS\n");
        assert!(unknowable(&h.down_revision).contains("list that the code here may change"));
    }

    #[test]
    fn sequence_shapes() {
        let h = header("down_revision = None\nbranch_labels = ()\ndepends_on = []\n");
        assert!(ids(&h.down_revision).is_empty());
        assert!(ids(&h.branch_labels).is_empty());
        assert!(ids(&h.depends_on).is_empty());
        let h =
            header("down_revision = ('a',)\nbranch_labels = 'lbl'\ndepends_on = {'x', 'y', 'x'}\n");
        assert_eq!(ids(&h.down_revision), ["a"]);
        assert_eq!(ids(&h.branch_labels), ["lbl"]);
        assert_eq!(ids(&h.depends_on), ["x", "y"]);
        let h = header(
            "down_revision = (\n    'a',  # first parent\n    # a comment line\n    \"b\",\n)\n",
        );
        assert_eq!(ids(&h.down_revision), ["a", "b"]);
        let h = header("down_revision = ['a', *('b', 'c')]\ndepends_on = ''\n");
        assert_eq!(ids(&h.down_revision), ["a", "b", "c"]);
        assert_eq!(ids(&h.depends_on), [""]);
    }
}
