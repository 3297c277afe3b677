//! How an assignment binds names: a plain name takes the value, a tuple or
//! list target unpacks a tuple, list or string display item by item (Python
//! evaluates the whole right-hand side first), starred and otherwise
//! unreadable unpacking leaves the names unknowable, and `+=` is followed
//! exactly for strings, tuples and lists.

use ruff_python_ast::{self as ast, Expr, Operator};
use ruff_text_size::{Ranged, TextRange};

use super::eval::{Evaluated, Rhs};
use super::header::Reader;
use super::value::{Binding, SeqKind, Value};

impl Reader<'_> {
    pub(super) fn bind_target(&mut self, target: &Expr, rhs: &Rhs) {
        match target {
            Expr::Name(name) => {
                let (value, range) = rhs.value();
                let binding = match value {
                    Evaluated::Known(value) => Binding::Known { value, range },
                    Evaluated::Unknowable(what) => {
                        Binding::unknowable(range, format!("is assigned {what}"))
                    }
                };
                self.set(&name.id, binding);
            }
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                if elts.iter().any(Expr::is_starred_expr) {
                    self.unknowable_targets(target, rhs.range(), "by starred unpacking");
                    return;
                }
                match rhs.items(elts.len()) {
                    Ok(items) => {
                        for (target, item) in elts.iter().zip(&items) {
                            self.bind_target(target, item);
                        }
                    }
                    Err(why) => self.unknowable_targets(target, rhs.range(), &why),
                }
            }
            Expr::Starred(starred) => {
                self.unknowable_targets(&starred.value, rhs.range(), "by starred unpacking");
            }
            _ => {}
        }
    }

    fn unknowable_targets(&mut self, target: &Expr, range: TextRange, how: &str) {
        match target {
            Expr::Name(name) => {
                self.set(
                    &name.id,
                    Binding::unknowable(range, format!("is assigned {how}")),
                );
            }
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                for elt in elts {
                    self.unknowable_targets(elt, range, how);
                }
            }
            Expr::Starred(starred) => self.unknowable_targets(&starred.value, range, how),
            _ => {}
        }
    }

    /// `name op= value`, exact for `+=` on strings, tuples and lists.
    pub(super) fn augmented(
        &self,
        name: &str,
        op: Operator,
        value: Evaluated,
        range: TextRange,
    ) -> Binding {
        let op = op.as_str();
        let current = match self.names.get(name) {
            None => {
                return Binding::unknowable(
                    range,
                    format!("is changed with `{op}=` before it is assigned"),
                )
            }
            Some(Binding::Unknowable { .. }) => {
                let reason = format!("is changed with `{op}=` from a value migcheck cannot read");
                return Binding::unknowable(range, reason);
            }
            Some(Binding::Known { value, .. }) => value,
        };
        let added = match value {
            Evaluated::Unknowable(what) => {
                return Binding::unknowable(range, format!("is changed with `{op}=` by {what}"))
            }
            Evaluated::Known(added) => added,
        };
        let joined = match (op, current, &added) {
            ("+", Value::Str(a), Value::Str(b)) => Some(Value::Str(format!("{a}{b}"))),
            ("+", Value::Seq(SeqKind::Tuple, a), Value::Seq(SeqKind::Tuple, b)) => {
                Some(Value::Seq(SeqKind::Tuple, [a.as_slice(), b].concat()))
            }
            ("+", Value::Seq(SeqKind::List, a), Value::Seq(SeqKind::List | SeqKind::Tuple, b)) => {
                Some(Value::Seq(SeqKind::List, [a.as_slice(), b].concat()))
            }
            ("+", Value::Seq(SeqKind::List, a), Value::Str(b)) => {
                let chars = b.chars().map(|c| Value::Str(c.to_string()));
                Some(Value::Seq(
                    SeqKind::List,
                    a.iter().cloned().chain(chars).collect(),
                ))
            }
            _ => None,
        };
        match joined {
            Some(value) => Binding::Known { value, range },
            None => Binding::unknowable(
                range,
                format!(
                    "is changed with `{op}=` on {} and {}, which migcheck does not evaluate",
                    current.describe(),
                    added.describe()
                ),
            ),
        }
    }
}
