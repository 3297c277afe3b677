//! Whether a migration can be undone: does its `downgrade()` do anything, or
//! does it only `pass`, hold `...`, or raise `NotImplementedError`?
//!
//! Read from the syntax tree of the file as Python would bind it: the last
//! module-level `def downgrade` wins. Docstrings, `pass`, `...` and a bare
//! `return` do nothing; a body that does nothing else but `raise` refuses to
//! downgrade. Multi-database templates, whose `downgrade(engine_name)` calls
//! `globals()["downgrade_%s" % engine_name]()`, are judged by their
//! `downgrade_<name>()` functions: real when any of them is.

use ruff_python_ast::{Expr, ModModule, Stmt, StmtFunctionDef};
use serde::Serialize;

/// What `downgrade()` does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Downgrade {
    /// It does something: the migration can be undone with `alembic downgrade`.
    Real,
    /// Only `pass`, `...`, a docstring or `return`.
    Empty,
    /// It raises instead of undoing (`NotImplementedError`, typically).
    Raises { exception: String },
    /// There is no module-level `downgrade()`: `alembic downgrade` fails.
    Missing,
}

impl Downgrade {
    pub fn is_real(&self) -> bool {
        matches!(self, Downgrade::Real)
    }

    /// A few words for people: `yes`, `no (only pass)`, ...
    pub fn describe(&self) -> String {
        match self {
            Downgrade::Real => "yes".to_string(),
            Downgrade::Empty => "no (it only passes)".to_string(),
            Downgrade::Raises { exception } => format!("no (it raises {exception})"),
            Downgrade::Missing => "no (there is no downgrade())".to_string(),
        }
    }
}

/// Classifies the `downgrade()` of a parsed revision file; `source` is its text.
pub fn downgrade_of(module: &ModModule, source: &str) -> Downgrade {
    let mut downgrade = None;
    let mut per_engine = Vec::new();
    for stmt in &module.body {
        if let Stmt::FunctionDef(function) = stmt {
            let name = function.name.as_str();
            if name == "downgrade" {
                downgrade = Some(function);
            } else if name.starts_with("downgrade_") {
                per_engine.push(function);
            }
        }
    }
    let Some(downgrade) = downgrade else {
        return Downgrade::Missing;
    };
    let own = classify(downgrade);
    let dispatches = source
        .get(usize::from(downgrade.range.start())..usize::from(downgrade.range.end()))
        .is_some_and(|text| text.contains("globals()"));
    if own.is_real() && dispatches && !per_engine.is_empty() {
        let judged: Vec<Downgrade> = per_engine.into_iter().map(classify).collect();
        if judged.iter().any(Downgrade::is_real) {
            return Downgrade::Real;
        }
        return judged.into_iter().next().unwrap_or(own);
    }
    own
}

fn classify(function: &StmtFunctionDef) -> Downgrade {
    let mut raises = None;
    for stmt in &function.body {
        match stmt {
            Stmt::Pass(_) => {}
            Stmt::Return(ret) if ret.value.as_deref().is_none_or(is_none) => {}
            Stmt::Expr(expr)
                if matches!(
                    *expr.value,
                    Expr::EllipsisLiteral(_) | Expr::StringLiteral(_)
                ) => {}
            Stmt::Raise(raise) => {
                if raises.is_none() {
                    raises = Some(exception_name(raise.exc.as_deref()));
                }
            }
            _ => return Downgrade::Real,
        }
    }
    match raises {
        Some(exception) => Downgrade::Raises { exception },
        None => Downgrade::Empty,
    }
}

fn is_none(expr: &Expr) -> bool {
    matches!(expr, Expr::NoneLiteral(_))
}

/// `NotImplementedError` for `raise NotImplementedError(...)`, `raise X`,
/// `raise mod.X(...)`; `an exception` when it cannot be named.
fn exception_name(exc: Option<&Expr>) -> String {
    let expr = match exc {
        Some(Expr::Call(call)) => &*call.func,
        Some(other) => other,
        None => return "the current exception".to_string(),
    };
    match expr {
        Expr::Name(name) => name.id.to_string(),
        Expr::Attribute(attribute) => attribute.attr.to_string(),
        _ => "an exception".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(body: &str) -> Downgrade {
        let source = format!("\"\"\"doc\"\"\"\nrevision = \"a\"\n\n\ndef upgrade():\n    op.drop_table(\"t\")\n\n\n{body}");
        let parsed = ruff_python_parser::parse_module(&source).expect("valid Python");
        downgrade_of(parsed.syntax(), &source)
    }

    #[test]
    fn real_downgrade() {
        assert_eq!(
            of("def downgrade():\n    op.create_table(\"t\")\n"),
            Downgrade::Real
        );
    }

    #[test]
    fn pass_ellipsis_docstring_and_return_do_nothing() {
        assert_eq!(of("def downgrade():\n    pass\n"), Downgrade::Empty);
        assert_eq!(of("def downgrade() -> None:\n    ...\n"), Downgrade::Empty);
        assert_eq!(
            of("def downgrade():\n    \"\"\"Irreversible.\"\"\"\n    # nothing\n    return None\n"),
            Downgrade::Empty
        );
    }

    #[test]
    fn raising_is_not_a_downgrade() {
        assert_eq!(
            of("def downgrade():\n    raise NotImplementedError(\"no way back\")\n"),
            Downgrade::Raises {
                exception: "NotImplementedError".into()
            }
        );
        assert_eq!(
            of("def downgrade():\n    raise alembic.util.CommandError\n"),
            Downgrade::Raises {
                exception: "CommandError".into()
            }
        );
        assert!(!of("def downgrade():\n    pass\n    raise NotImplementedError\n").is_real());
    }

    #[test]
    fn missing_downgrade() {
        assert_eq!(of("def other():\n    pass\n"), Downgrade::Missing);
    }

    #[test]
    fn the_last_definition_wins() {
        assert_eq!(
            of("def downgrade():\n    op.drop_table(\"t\")\n\n\ndef downgrade():\n    pass\n"),
            Downgrade::Empty
        );
    }

    #[test]
    fn multi_database_template_is_judged_by_engine_functions() {
        let dispatch = "def downgrade(engine_name: str) -> None:\n    globals()[\"downgrade_%s\" % engine_name]()\n\n\n";
        assert_eq!(
            of(&format!(
                "{dispatch}def downgrade_engine1():\n    pass\n\n\ndef downgrade_engine2():\n    op.drop_column(\"t\", \"c\")\n"
            )),
            Downgrade::Real
        );
        assert_eq!(
            of(&format!(
                "{dispatch}def downgrade_engine1():\n    pass\n\n\ndef downgrade_engine2():\n    pass\n"
            )),
            Downgrade::Empty
        );
    }

    #[test]
    fn describe_reads_well() {
        assert_eq!(Downgrade::Real.describe(), "yes");
        assert_eq!(
            Downgrade::Raises {
                exception: "NotImplementedError".into()
            }
            .describe(),
            "no (it raises NotImplementedError)"
        );
    }
}
