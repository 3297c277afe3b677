//! Looks at the whole file once for what can change module names from
//! anywhere: the escape hatches (`globals()`, `vars()`, `locals()`, `exec`,
//! `eval`, `sys.modules`, `f_globals`) and `global` declarations in functions
//! and classes.
//!
//! Code inside a function runs only when the function is called. A top-level
//! function without decorators that nobody refers to (Alembic calls
//! `upgrade()` and `downgrade()` after reading the header) cannot run while
//! the module loads, so what its body does is ignored: the `multidb` template
//! calls `globals()["upgrade_%s" % engine_name]()` inside `upgrade()`, which
//! leaves the header alone. Anywhere else (module level, class bodies,
//! decorators, default values, lambdas, decorated or referenced functions)
//! the hatch counts.

use std::collections::HashSet;

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::TextRange;

use super::header::{Reader, ESCAPE_NAMES};

/// What one top-level statement holds.
#[derive(Default)]
struct Found {
    /// Escape hatches, with whether they sit inside a function body.
    escapes: Vec<(String, TextRange, bool)>,
    /// `global` names, with the scope declaring them and whether that is a function body.
    globals: Vec<(String, String, TextRange, bool)>,
}

impl Found {
    fn is_empty(&self) -> bool {
        self.escapes.is_empty() && self.globals.is_empty()
    }

    fn all_in_functions(&self) -> bool {
        self.escapes.iter().all(|e| e.2) && self.globals.iter().all(|g| g.3)
    }

    fn apply(self, reader: &mut Reader) {
        if let Some((what, range, _)) = self.escapes.into_iter().next() {
            reader.escape.get_or_insert((what, range));
        }
        for (name, scope, range, _) in self.globals {
            reader.globals.entry(name).or_insert((scope, range));
        }
    }
}

pub(super) fn run(reader: &mut Reader, body: &[Stmt]) {
    let mut pending = Vec::new();
    for (index, stmt) in body.iter().enumerate() {
        let mut finder = Finder {
            reader,
            scopes: Vec::new(),
            in_function: 0,
            found: Found::default(),
        };
        finder.visit_stmt(stmt);
        let found = finder.found;
        match stmt {
            Stmt::FunctionDef(function)
                if function.decorator_list.is_empty() && found.all_in_functions() =>
            {
                if !found.is_empty() {
                    pending.push((function.name.to_string(), index, found));
                }
            }
            _ => found.apply(reader),
        }
    }
    if pending.is_empty() {
        return;
    }
    let names: HashSet<&str> = pending.iter().map(|(name, ..)| name.as_str()).collect();
    let mut references = References {
        names: &names,
        index: 0,
        found: HashSet::new(),
    };
    for (index, stmt) in body.iter().enumerate() {
        references.index = index;
        references.visit_stmt(stmt);
    }
    let called: Vec<bool> = pending
        .iter()
        .map(|(name, index, _)| {
            references
                .found
                .iter()
                .any(|(n, i)| *n == name.as_str() && i != index)
        })
        .collect();
    for ((_, _, found), called) in pending.into_iter().zip(called) {
        if called {
            found.apply(reader);
        }
    }
}

struct Finder<'r, 'a> {
    reader: &'r Reader<'a>,
    scopes: Vec<String>,
    in_function: u32,
    found: Found,
}

impl<'b> Visitor<'b> for Finder<'_, '_> {
    fn visit_stmt(&mut self, stmt: &'b Stmt) {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || match stmt {
            Stmt::FunctionDef(function) => {
                for decorator in &function.decorator_list {
                    self.visit_decorator(decorator);
                }
                if let Some(type_params) = &function.type_params {
                    self.visit_type_params(type_params);
                }
                self.visit_parameters(&function.parameters);
                if let Some(returns) = &function.returns {
                    self.visit_annotation(returns);
                }
                self.scopes.push(function.name.to_string());
                self.in_function += 1;
                self.visit_body(&function.body);
                self.in_function -= 1;
                self.scopes.pop();
            }
            Stmt::ClassDef(class) => {
                self.scopes.push(class.name.to_string());
                visitor::walk_stmt(self, stmt);
                self.scopes.pop();
            }
            Stmt::Global(ast::StmtGlobal { names, .. })
            | Stmt::Nonlocal(ast::StmtNonlocal { names, .. }) => {
                if let Some(scope) = self.scopes.last() {
                    for name in names {
                        let in_function = self.in_function > 0;
                        let entry = (name.to_string(), scope.clone(), name.range, in_function);
                        self.found.globals.push(entry);
                    }
                }
            }
            _ => visitor::walk_stmt(self, stmt),
        });
    }

    fn visit_expr(&mut self, expr: &'b Expr) {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
            let in_function = self.in_function > 0;
            match expr {
                Expr::Name(name)
                    if name.id != "__getattr__" && ESCAPE_NAMES.contains(&name.id.as_str()) =>
                {
                    let entry = (name.id.to_string(), name.range, in_function);
                    self.found.escapes.push(entry);
                }
                Expr::Attribute(attribute)
                    if matches!(attribute.attr.as_str(), "modules" | "f_globals") =>
                {
                    let what = self.reader.snippet(attribute);
                    self.found
                        .escapes
                        .push((what, attribute.range, in_function));
                }
                Expr::Lambda(lambda) => {
                    if let Some(parameters) = &lambda.parameters {
                        self.visit_parameters(parameters);
                    }
                    self.in_function += 1;
                    self.visit_expr(&lambda.body);
                    self.in_function -= 1;
                    return;
                }
                _ => {}
            }
            visitor::walk_expr(self, expr);
        });
    }
}

/// Where the names of the pending functions occur, by top-level statement.
struct References<'n> {
    names: &'n HashSet<&'n str>,
    index: usize,
    found: HashSet<(&'n str, usize)>,
}

impl<'b> Visitor<'b> for References<'_> {
    fn visit_expr(&mut self, expr: &'b Expr) {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
            if let Expr::Name(name) = expr {
                if let Some(known) = self.names.get(name.id.as_str()) {
                    self.found.insert((known, self.index));
                }
            }
            visitor::walk_expr(self, expr);
        });
    }
}
