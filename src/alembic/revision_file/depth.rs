//! Keeps pathologically deep syntax trees (`x = ------...1`, a thousand-fold
//! `a.b.c...`) away from everything that recurses over them, dropping
//! included: a top-level statement nested deeper than Python can compile is
//! taken out of the tree and taken apart without recursion.

use std::cell::RefCell;

use ruff_python_ast::visitor::transformer::{self, Transformer};
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{
    self as ast, AtomicNodeIndex, Expr, InterpolatedStringElement, Pattern, Stmt,
};
use ruff_text_size::{Ranged, TextRange};

/// CPython gives up compiling somewhere below 3,000 nested nodes.
pub(super) const MAX_DEPTH: usize = 3_000;

pub(super) const TOO_DEEP: &str = "this statement nests deeper than Python can compile";

/// Remove the top-level statements nested deeper than [`MAX_DEPTH`]; their ranges.
pub(super) fn remove_deep_statements(module: &mut ast::ModModule) -> Vec<TextRange> {
    if module.body.iter().all(|stmt| !is_too_deep(stmt)) {
        return Vec::new();
    }
    let mut removed = Vec::new();
    let mut kept = Vec::with_capacity(module.body.len());
    for stmt in std::mem::take(&mut module.body) {
        if is_too_deep(&stmt) {
            removed.push(stmt.range());
            dismantle(stmt);
        } else {
            kept.push(stmt);
        }
    }
    module.body = kept.into_iter().collect();
    removed
}

fn is_too_deep(stmt: &Stmt) -> bool {
    let mut depth = Depth::default();
    depth.visit_stmt(stmt);
    depth.max > MAX_DEPTH
}

#[derive(Default)]
struct Depth {
    current: usize,
    max: usize,
}

impl Depth {
    fn enter(&mut self, walk: impl FnOnce(&mut Self)) {
        self.current += 1;
        self.max = self.max.max(self.current);
        // Past the limit the answer is known; the stack is checked every 32 levels.
        if self.current <= MAX_DEPTH {
            if self.current.is_multiple_of(32) {
                stacker::maybe_grow(64 * 1024, 1024 * 1024, || walk(self));
            } else {
                walk(self);
            }
        }
        self.current -= 1;
    }
}

impl<'a> Visitor<'a> for Depth {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        self.enter(|d| visitor::walk_stmt(d, stmt));
    }
    fn visit_expr(&mut self, expr: &'a Expr) {
        self.enter(|d| visitor::walk_expr(d, expr));
    }
    fn visit_pattern(&mut self, pattern: &'a Pattern) {
        self.enter(|d| visitor::walk_pattern(d, pattern));
    }
    fn visit_interpolated_string_element(&mut self, element: &'a InterpolatedStringElement) {
        self.enter(|d| visitor::walk_interpolated_string_element(d, element));
    }
}

/// Drop a statement of any depth: every child statement, expression and
/// pattern is moved to a work list before its parent is dropped.
fn dismantle(stmt: Stmt) {
    let parts = Parts::default();
    parts.stmts.borrow_mut().push(stmt);
    loop {
        let next_stmt = parts.stmts.borrow_mut().pop();
        if let Some(mut stmt) = next_stmt {
            transformer::walk_stmt(&parts, &mut stmt);
            continue;
        }
        let next_expr = parts.exprs.borrow_mut().pop();
        if let Some(mut expr) = next_expr {
            transformer::walk_expr(&parts, &mut expr);
            continue;
        }
        let next_pattern = parts.patterns.borrow_mut().pop();
        match next_pattern {
            Some(mut pattern) => transformer::walk_pattern(&parts, &mut pattern),
            None => break,
        }
    }
}

#[derive(Default)]
struct Parts {
    stmts: RefCell<Vec<Stmt>>,
    exprs: RefCell<Vec<Expr>>,
    patterns: RefCell<Vec<Pattern>>,
}

impl Transformer for Parts {
    fn visit_stmt(&self, stmt: &mut Stmt) {
        let placeholder = Stmt::Pass(ast::StmtPass {
            node_index: AtomicNodeIndex::NONE,
            range: TextRange::default(),
        });
        self.stmts
            .borrow_mut()
            .push(std::mem::replace(stmt, placeholder));
    }
    fn visit_expr(&self, expr: &mut Expr) {
        let placeholder = Expr::NoneLiteral(ast::ExprNoneLiteral::default());
        self.exprs
            .borrow_mut()
            .push(std::mem::replace(expr, placeholder));
    }
    fn visit_pattern(&self, pattern: &mut Pattern) {
        let placeholder = Pattern::MatchAs(ast::PatternMatchAs {
            node_index: AtomicNodeIndex::NONE,
            range: TextRange::default(),
            pattern: None,
            name: None,
        });
        self.patterns
            .borrow_mut()
            .push(std::mem::replace(pattern, placeholder));
    }
}
