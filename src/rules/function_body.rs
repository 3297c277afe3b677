//! What the file-structure rules (MC2xx) ask about a migration's module:
//! which names it binds at module level, its `upgrade()` / `downgrade()`
//! definitions, and whether a function body does anything at all.

use ruff_python_ast::{Expr, Stmt, StmtFunctionDef};

use crate::alembic::revision_file::ParsedRevision;

/// Whether the module binds `name` at its top level: a `def`, an assignment,
/// an import (`from .common import downgrade`), in any branch of a module-level
/// `if` or `try`, as Python would once the module ran.
pub(crate) fn binds(parsed: &ParsedRevision, name: &str) -> bool {
    body_binds(&parsed.module.body, name)
}

fn body_binds(body: &[Stmt], name: &str) -> bool {
    body.iter().any(|stmt| stmt_binds(stmt, name))
}

fn stmt_binds(stmt: &Stmt, name: &str) -> bool {
    let target_is = |target: &Expr| matches!(target, Expr::Name(n) if n.id.as_str() == name);
    match stmt {
        Stmt::FunctionDef(def) => def.name.as_str() == name,
        Stmt::ClassDef(class) => class.name.as_str() == name,
        Stmt::Assign(assign) => assign.targets.iter().any(target_is),
        Stmt::AnnAssign(assign) => assign.value.is_some() && target_is(&assign.target),
        Stmt::Import(import) => import.names.iter().any(|alias| {
            let bound = alias.asname.as_ref().map_or_else(
                || alias.name.as_str().split('.').next().unwrap_or_default(),
                |asname| asname.as_str(),
            );
            bound == name
        }),
        Stmt::ImportFrom(import) => import.names.iter().any(|alias| {
            alias.name.as_str() == "*"
                || alias.asname.as_ref().unwrap_or(&alias.name).as_str() == name
        }),
        Stmt::If(branch) => {
            body_binds(&branch.body, name)
                || branch
                    .elif_else_clauses
                    .iter()
                    .any(|clause| body_binds(&clause.body, name))
        }
        Stmt::Try(block) => {
            body_binds(&block.body, name)
                || body_binds(&block.orelse, name)
                || body_binds(&block.finalbody, name)
                || block.handlers.iter().any(|handler| {
                    let ruff_python_ast::ExceptHandler::ExceptHandler(handler) = handler;
                    body_binds(&handler.body, name)
                })
        }
        _ => false,
    }
}

/// The module-level `def name(...)`; Python keeps the last one.
pub(crate) fn function_def<'a>(
    parsed: &'a ParsedRevision,
    name: &str,
) -> Option<&'a StmtFunctionDef> {
    parsed.module.body.iter().rev().find_map(|stmt| match stmt {
        Stmt::FunctionDef(def) if def.name.as_str() == name => Some(def),
        _ => None,
    })
}

/// A body made only of `pass`, `...` and string literals (docstrings).
pub(crate) fn does_nothing(body: &[Stmt]) -> bool {
    body.iter().all(is_filler)
}

/// A body that does nothing or only raises `NotImplementedError`: a
/// downgrade that cannot downgrade.
pub(crate) fn refuses_to_run(body: &[Stmt]) -> bool {
    body.iter()
        .all(|stmt| is_filler(stmt) || raises_not_implemented(stmt))
}

fn is_filler(stmt: &Stmt) -> bool {
    match stmt {
        Stmt::Pass(_) => true,
        Stmt::Expr(expr) => matches!(
            expr.value.as_ref(),
            Expr::StringLiteral(_) | Expr::EllipsisLiteral(_)
        ),
        _ => false,
    }
}

/// `raise NotImplementedError` or `raise NotImplementedError("...")`.
fn raises_not_implemented(stmt: &Stmt) -> bool {
    let Stmt::Raise(raise) = stmt else {
        return false;
    };
    let exception = match raise.exc.as_deref() {
        Some(Expr::Call(call)) => call.func.as_ref(),
        Some(other) => other,
        None => return false,
    };
    matches!(exception, Expr::Name(name) if name.id.as_str() == "NotImplementedError")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alembic::revision_file::parse_revision;

    fn parsed(text: &str) -> ParsedRevision {
        parse_revision("versions/a.py", text)
    }

    fn body_of(text: &str, name: &str) -> Vec<Stmt> {
        let parsed = parsed(text);
        function_def(&parsed, name)
            .map(|def| def.body.to_vec())
            .expect("function defined")
    }

    #[test]
    fn module_bindings_of_every_kind() {
        for text in [
            "def downgrade():\n    pass\n",
            "downgrade = upgrade\n",
            "downgrade: object = None\n",
            "from .common import downgrade\n",
            "from .common import reverse as downgrade\n",
            "from .common import *\n",
            "import downgrade\n",
            "if True:\n    def downgrade(): pass\nelse:\n    pass\n",
            "try:\n    pass\nexcept ImportError:\n    def downgrade(): pass\n",
        ] {
            assert!(binds(&parsed(text), "downgrade"), "{text}");
        }
        for text in [
            "def upgrade():\n    def downgrade(): pass\n",
            "def downgrade_engine1():\n    pass\n",
            "downgrade: object\n",
            "# def downgrade():\n",
        ] {
            assert!(!binds(&parsed(text), "downgrade"), "{text}");
        }
    }

    #[test]
    fn the_last_definition_wins() {
        let text = "def upgrade():\n    pass\n\ndef upgrade():\n    op.drop_table('t')\n";
        assert!(!does_nothing(&body_of(text, "upgrade")));
    }

    #[test]
    fn empty_and_refusing_bodies() {
        let text = "def a():\n    \"\"\"Downgrade schema.\"\"\"\n    pass\n\n\
                    def b():\n    ...\n\n\
                    def c():\n    raise NotImplementedError(\"irreversible\")\n\n\
                    def d():\n    raise NotImplementedError\n\n\
                    def e():\n    op.drop_table('t')\n\n\
                    def f():\n    raise ValueError('x')\n";
        assert!(does_nothing(&body_of(text, "a")));
        assert!(does_nothing(&body_of(text, "b")));
        assert!(!does_nothing(&body_of(text, "c")));
        assert!(refuses_to_run(&body_of(text, "c")));
        assert!(refuses_to_run(&body_of(text, "d")));
        assert!(!refuses_to_run(&body_of(text, "e")));
        assert!(!refuses_to_run(&body_of(text, "f")));
    }
}
