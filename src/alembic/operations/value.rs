//! Literal argument values: strings, booleans, `None`, numbers and lists or
//! tuples of those, read from the syntax tree as Python would evaluate them.

use ruff_python_ast::{Expr, Number, UnaryOp};

/// A literal argument value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A string (implicitly concatenated parts joined); f-strings are not literals.
    Str(String),
    Bool(bool),
    None,
    /// An integer or float, as written (`-1`, `0x10`, `1.5`).
    Number(String),
    /// A list or tuple whose items are all literals.
    Sequence(Vec<Literal>),
}

impl Literal {
    /// Reads a literal expression; `source` is the file's text, for numbers.
    pub fn of(expr: &Expr, source: &str) -> Option<Literal> {
        match expr {
            Expr::StringLiteral(s) => Some(Literal::Str(s.value.to_str().to_string())),
            Expr::BooleanLiteral(b) => Some(Literal::Bool(b.value)),
            Expr::NoneLiteral(_) => Some(Literal::None),
            Expr::NumberLiteral(n) => match n.value {
                Number::Int(_) | Number::Float(_) => source
                    .get(n.range.to_std_range())
                    .map(|t| Literal::Number(t.to_string())),
                Number::Complex { .. } => None,
            },
            Expr::UnaryOp(u) if matches!(u.op, UnaryOp::USub | UnaryOp::UAdd) => {
                match Literal::of(&u.operand, source)? {
                    Literal::Number(_) => source
                        .get(u.range.to_std_range())
                        .map(|t| Literal::Number(t.split_whitespace().collect())),
                    _ => None,
                }
            }
            Expr::List(list) => sequence(&list.elts, source),
            Expr::Tuple(tuple) => sequence(&tuple.elts, source),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Literal::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Literal::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The strings of a list or tuple of string literals (`["email", "name"]`).
    pub fn as_strings(&self) -> Option<Vec<&str>> {
        match self {
            Literal::Sequence(items) => items.iter().map(Literal::as_str).collect(),
            _ => None,
        }
    }
}

fn sequence(items: &[Expr], source: &str) -> Option<Literal> {
    items
        .iter()
        .map(|item| Literal::of(item, source))
        .collect::<Option<Vec<_>>>()
        .map(Literal::Sequence)
}

#[cfg(test)]
mod tests {
    use super::Literal;
    use ruff_python_ast::Expr;

    fn literal(text: &str) -> Option<Literal> {
        let parsed = ruff_python_parser::parse_expression(text).expect("valid expression");
        let expr: &Expr = parsed.expr();
        Literal::of(expr, text)
    }

    #[test]
    fn reads_python_literals() {
        assert_eq!(literal("'a' \"b\""), Some(Literal::Str("ab".into())));
        assert_eq!(literal("True"), Some(Literal::Bool(true)));
        assert_eq!(literal("None"), Some(Literal::None));
        assert_eq!(literal("- 1"), Some(Literal::Number("-1".into())));
        assert_eq!(literal("1.5"), Some(Literal::Number("1.5".into())));
        assert_eq!(
            literal("['a', ('b',)]"),
            Some(Literal::Sequence(vec![
                Literal::Str("a".into()),
                Literal::Sequence(vec![Literal::Str("b".into())])
            ]))
        );
        assert_eq!(
            literal("('a', 'b')").unwrap().as_strings(),
            Some(vec!["a", "b"])
        );
    }

    #[test]
    fn code_is_not_a_literal() {
        assert_eq!(literal("f'a{b}'"), None);
        assert_eq!(literal("name"), None);
        assert_eq!(literal("['a', name]"), None);
        assert_eq!(literal("-'a'"), None);
        assert_eq!(literal("1j"), None);
    }
}
