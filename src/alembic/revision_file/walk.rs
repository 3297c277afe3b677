//! Goes through the code that runs while a module loads (not into function or
//! lambda bodies) to see which names it reads and which it binds.

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, ExprContext, Pattern, Stmt};
use ruff_text_size::TextRange;

use super::header::{import_from_module, Mode, NeedsFull, Reader};
use super::value::Binding;

/// Reads and bindings of module-scope code that runs now. With a `construct`
/// ("an `if` block"), every name bound inside becomes unknowable.
pub(super) struct ScopeWalker<'r, 'a> {
    reader: &'r mut Reader<'a>,
    construct: Option<&'static str>,
    /// Inside a class body, bindings belong to the class.
    class_depth: u32,
    needs_full: bool,
}

impl<'r, 'a> ScopeWalker<'r, 'a> {
    pub(super) fn statement(
        reader: &'r mut Reader<'a>,
        construct: Option<&'static str>,
        stmt: &Stmt,
    ) -> Result<(), NeedsFull> {
        let mut walker = ScopeWalker::new(reader, construct);
        walker.visit_stmt(stmt);
        walker.result()
    }

    pub(super) fn expression(reader: &'r mut Reader<'a>, expr: &Expr) -> Result<(), NeedsFull> {
        let mut walker = ScopeWalker::new(reader, None);
        walker.visit_expr(expr);
        walker.result()
    }

    fn new(reader: &'r mut Reader<'a>, construct: Option<&'static str>) -> Self {
        ScopeWalker {
            reader,
            construct,
            class_depth: 0,
            needs_full: false,
        }
    }

    fn result(&self) -> Result<(), NeedsFull> {
        if self.needs_full {
            Err(NeedsFull)
        } else {
            Ok(())
        }
    }

    /// A name bound by code that may or may not run (or runs a loop).
    fn bind(&mut self, name: &str, range: TextRange, how: &str) {
        if self.class_depth > 0 {
            return;
        }
        if self.reader.mode == Mode::Fast {
            self.needs_full = true;
            return;
        }
        let reason = match self.construct {
            Some(construct) => format!("is {how} inside {construct}"),
            None => format!("is {how}"),
        };
        self.reader.set(name, Binding::unknowable(range, reason));
    }

    fn function_header(&mut self, function: &ast::StmtFunctionDef) {
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
    }
}

impl<'b> Visitor<'b> for ScopeWalker<'_, '_> {
    fn visit_stmt(&mut self, stmt: &'b Stmt) {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || match stmt {
            Stmt::FunctionDef(function) => {
                self.function_header(function);
                if self.construct.is_some() {
                    self.bind(&function.name, function.name.range, "defined");
                }
            }
            Stmt::ClassDef(class) => {
                for decorator in &class.decorator_list {
                    self.visit_decorator(decorator);
                }
                if let Some(type_params) = &class.type_params {
                    self.visit_type_params(type_params);
                }
                if let Some(arguments) = &class.arguments {
                    self.visit_arguments(arguments);
                }
                self.class_depth += 1;
                self.visit_body(&class.body);
                self.class_depth -= 1;
                if self.construct.is_some() {
                    self.bind(&class.name, class.name.range, "defined");
                }
            }
            Stmt::Import(import) if self.construct.is_some() => {
                for alias in &import.names {
                    let bound = alias.asname.as_ref().map_or_else(
                        || alias.name.split('.').next().unwrap_or_default(),
                        |asname| asname.as_str(),
                    );
                    self.bind(bound, alias.range, "imported");
                }
            }
            Stmt::ImportFrom(import) if self.construct.is_some() => {
                for alias in &import.names {
                    if alias.name.as_str() == "*" {
                        if self.class_depth == 0 && self.reader.mode == Mode::Full {
                            self.reader.star(import_from_module(import), import.range);
                        }
                        self.needs_full |= self.reader.mode == Mode::Fast;
                    } else {
                        let bound = alias.asname.as_ref().unwrap_or(&alias.name);
                        self.bind(bound, alias.range, "imported");
                    }
                }
            }
            Stmt::AnnAssign(assign) if assign.value.is_none() => {
                // A bare annotation binds nothing.
                self.visit_annotation(&assign.annotation);
                if !assign.target.is_name_expr() {
                    self.visit_expr(&assign.target);
                }
            }
            _ => visitor::walk_stmt(self, stmt),
        });
    }

    fn visit_expr(&mut self, expr: &'b Expr) {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || match expr {
            Expr::Name(name) => match name.ctx {
                ExprContext::Load => self.reader.on_load(&name.id, name.range),
                ExprContext::Store if self.construct.is_some() => {
                    self.bind(&name.id, name.range, "assigned");
                }
                ExprContext::Del if self.construct.is_some() => {
                    self.bind(&name.id, name.range, "deleted");
                }
                _ => {}
            },
            Expr::Named(named) => {
                self.visit_expr(&named.value);
                if let Expr::Name(name) = &*named.target {
                    if self.class_depth == 0 {
                        self.needs_full |= self.reader.mode == Mode::Fast;
                        if self.reader.mode == Mode::Full {
                            let reason = "is assigned with `:=`";
                            self.reader
                                .set(&name.id, Binding::unknowable(named.range, reason));
                        }
                    }
                }
            }
            Expr::Lambda(lambda) => {
                if let Some(parameters) = &lambda.parameters {
                    self.visit_parameters(parameters);
                }
            }
            _ => visitor::walk_expr(self, expr),
        });
    }

    fn visit_comprehension(&mut self, comprehension: &'b ast::Comprehension) {
        // The loop variables of a comprehension are its own.
        self.visit_expr(&comprehension.iter);
        for condition in &comprehension.ifs {
            self.visit_expr(condition);
        }
    }

    fn visit_except_handler(&mut self, handler: &'b ast::ExceptHandler) {
        let ast::ExceptHandler::ExceptHandler(handler) = handler;
        if let Some(type_) = &handler.type_ {
            self.visit_expr(type_);
        }
        if let Some(name) = &handler.name {
            self.bind(name, name.range, "assigned");
        }
        self.visit_body(&handler.body);
    }

    fn visit_pattern(&mut self, pattern: &'b Pattern) {
        let bound = match pattern {
            Pattern::MatchAs(ast::PatternMatchAs { name, .. })
            | Pattern::MatchStar(ast::PatternMatchStar { name, .. }) => name.as_ref(),
            Pattern::MatchMapping(ast::PatternMatchMapping { rest, .. }) => rest.as_ref(),
            _ => None,
        };
        if let Some(name) = bound {
            self.bind(name, name.range, "assigned");
        }
        visitor::walk_pattern(self, pattern);
    }
}
