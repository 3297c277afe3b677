//! The walk over the migration functions that finds the operation calls:
//! `with` scopes (`batch_alter_table`, `autocommit_block`), the names that
//! stand for `op`, simple table variables (`t = sa.table("users", ...)`) and
//! the tables created so far. Nested `def`, `class` and `lambda` bodies are not
//! entered: they do not run when the function runs.

use std::collections::{HashMap, HashSet};

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{Expr, ExprCall, ModModule, Stmt, StmtFunctionDef};
use ruff_text_size::{Ranged, TextRange};

use super::column::{callee_name, is_column_call, read_column, ColumnDef};
use super::signature::{batch_signature, is_helper, op_signature, table_param};
use super::sql::literal_sql;
use super::value::Literal;
use super::{Argument, Function, MigrationFunction, Operation, Operations, Receiver};

pub(super) fn extract(module: &ModModule, source: &str) -> Operations {
    let mut op_names: HashSet<String> = HashSet::from(["op".to_string()]);
    collect_op_imports(&module.body, &mut op_names);

    // Python keeps the last definition of a name.
    let mut defs: Vec<(&StmtFunctionDef, Function, Option<String>)> = Vec::new();
    for stmt in &module.body {
        let Stmt::FunctionDef(def) = stmt else {
            continue;
        };
        let Some((function, suffix)) = migration_function(def.name.as_str()) else {
            continue;
        };
        defs.retain(|(earlier, _, _)| earlier.name.as_str() != def.name.as_str());
        defs.push((def, function, suffix));
    }

    let mut operations = Operations::default();
    for (def, function, suffix) in defs {
        operations.functions.push(MigrationFunction {
            function,
            suffix: suffix.clone(),
            name_range: def.name.range,
            range: def.range,
        });
        let mut walker = Walker {
            source,
            function,
            suffix,
            op_names: op_names.clone(),
            batches: Vec::new(),
            autocommit: 0,
            table_vars: HashMap::new(),
            created: HashSet::new(),
            out: &mut operations.operations,
        };
        walker.visit_body(&def.body);
    }
    operations
}

/// `upgrade` / `downgrade`, or `upgrade_<suffix>` / `downgrade_<suffix>`.
fn migration_function(name: &str) -> Option<(Function, Option<String>)> {
    for (prefix, function) in [
        ("upgrade", Function::Upgrade),
        ("downgrade", Function::Downgrade),
    ] {
        if let Some(rest) = name.strip_prefix(prefix) {
            if rest.is_empty() {
                return Some((function, None));
            }
            if let Some(suffix) = rest.strip_prefix('_').filter(|s| !s.is_empty()) {
                return Some((function, Some(suffix.to_string())));
            }
        }
    }
    None
}

/// Names bound by `from alembic import op [as name]` among `body`'s statements.
fn collect_op_imports(body: &[Stmt], names: &mut HashSet<String>) {
    for stmt in body {
        if let Stmt::ImportFrom(import) = stmt {
            if import.module.as_deref() == Some("alembic") && import.level == 0 {
                for alias in &import.names {
                    if alias.name.as_str() == "op" {
                        let bound = alias.asname.as_ref().unwrap_or(&alias.name);
                        names.insert(bound.to_string());
                    }
                }
            }
        }
    }
}

struct Walker<'a, 'o> {
    source: &'a str,
    function: Function,
    suffix: Option<String>,
    op_names: HashSet<String>,
    /// Open `batch_alter_table` scopes: alias, table, the call's range.
    batches: Vec<(String, Option<String>, TextRange)>,
    autocommit: u32,
    /// Variables bound to `sa.table("t", ...)`, `sa.Table("t", ...)` or `op.create_table("t", ...)`.
    table_vars: HashMap<String, String>,
    /// Tables created so far in this function.
    created: HashSet<String>,
    out: &'o mut Vec<Operation>,
}

impl Walker<'_, '_> {
    /// The receiver and operation name of a call on `op` or a batch alias.
    fn classify<'c>(&self, call: &'c ExprCall) -> Option<(Receiver, &'c str)> {
        let Expr::Attribute(attribute) = call.func.as_ref() else {
            return None;
        };
        let name = attribute.attr.as_str();
        match attribute.value.as_ref() {
            Expr::Name(receiver) => {
                let receiver = receiver.id.as_str();
                if let Some((_, table, range)) = self
                    .batches
                    .iter()
                    .rev()
                    .find(|(alias, _, _)| alias == receiver)
                {
                    return Some((
                        Receiver::Batch {
                            table: table.clone(),
                            range: *range,
                        },
                        name,
                    ));
                }
                self.op_names
                    .contains(receiver)
                    .then_some((Receiver::Op, name))
            }
            // `alembic.op.add_column(...)` after `import alembic`.
            Expr::Attribute(inner)
                if inner.attr.as_str() == "op"
                    && matches!(inner.value.as_ref(), Expr::Name(n) if n.id.as_str() == "alembic") =>
            {
                Some((Receiver::Op, name))
            }
            _ => None,
        }
    }

    fn record(&mut self, call: &ExprCall, receiver: Receiver, name: &str) {
        let signature = match receiver {
            Receiver::Op => op_signature(name),
            Receiver::Batch { .. } => batch_signature(name),
        };
        let mut args = Vec::new();
        let mut after_splat = false;
        for (index, arg) in call.arguments.args.iter().enumerate() {
            after_splat |= matches!(arg, Expr::Starred(_));
            let param = if after_splat {
                None
            } else {
                signature.as_ref().and_then(|s| s.param(index))
            };
            args.push(Argument {
                param: param.map(str::to_string),
                keyword: false,
                range: arg.range(),
                value: self.literal(arg),
            });
        }
        for keyword in &call.arguments.keywords {
            args.push(Argument {
                param: keyword.arg.as_ref().map(|a| a.to_string()),
                keyword: true,
                range: keyword.value.range(),
                value: self.literal(&keyword.value),
            });
        }
        let arg_expr = |param: &str| -> Option<&Expr> {
            let position = args
                .iter()
                .position(|a| a.param.as_deref() == Some(param))?;
            let positional = call.arguments.args.len();
            if position < positional {
                call.arguments.args.get(position)
            } else {
                call.arguments
                    .keywords
                    .get(position - positional)
                    .map(|k| &k.value)
            }
        };
        let table = match &receiver {
            Receiver::Batch { table, .. } => table.clone(),
            Receiver::Op => arg_expr(table_param(name)).and_then(|expr| self.table_name(expr)),
        };
        let sql = if name == "execute" {
            arg_expr("sqltext").and_then(literal_sql)
        } else {
            None
        };
        let mut columns = Vec::new();
        let mut finder = ColumnFinder {
            source: self.source,
            columns: &mut columns,
        };
        for arg in &*call.arguments.args {
            finder.visit_expr(arg);
        }
        for keyword in &call.arguments.keywords {
            finder.visit_expr(&keyword.value);
        }
        let table_is_new = table.as_ref().is_some_and(|t| self.created.contains(t));
        let is_op = receiver == Receiver::Op;
        let operation = Operation {
            function: self.function,
            suffix: self.suffix.clone(),
            name: name.to_string(),
            receiver,
            table,
            args,
            columns,
            sql,
            in_autocommit_block: self.autocommit > 0,
            table_is_new,
            range: call.range(),
        };
        if is_op {
            match name {
                "create_table" => {
                    if let Some(table) = &operation.table {
                        self.created.insert(table.clone());
                    }
                }
                "rename_table" if operation.table_is_new => {
                    if let Some(new) = operation.str_arg("new_table_name") {
                        self.created.insert(new.to_string());
                    }
                }
                "drop_table" => {
                    if let Some(table) = &operation.table {
                        self.created.remove(table);
                    }
                }
                _ => {}
            }
        }
        self.out.push(operation);
    }

    /// A literal, or the name inside `op.f("ix_users_email")` (a name marked as
    /// final for the naming convention).
    fn literal(&self, expr: &Expr) -> Option<Literal> {
        if let Expr::Call(call) = expr {
            if let (Some((_, "f")), [Expr::StringLiteral(name)]) =
                (self.classify(call), &*call.arguments.args)
            {
                return Some(Literal::Str(name.value.to_str().to_string()));
            }
        }
        Literal::of(expr, self.source)
    }

    /// A table name: a string, `sa.table("t", ...)` / `sa.Table("t", ...)`, or a
    /// variable bound to one of those earlier in the function.
    fn table_name(&self, expr: &Expr) -> Option<String> {
        match expr {
            Expr::StringLiteral(s) => Some(s.value.to_str().to_string()),
            Expr::Call(call) => table_of_call(call),
            Expr::Name(name) => self.table_vars.get(name.id.as_str()).cloned(),
            _ => None,
        }
    }

    fn with_statement(&mut self, with: &ruff_python_ast::StmtWith) {
        let batches = self.batches.len();
        let mut autocommit = false;
        for item in &with.items {
            self.visit_expr(&item.context_expr);
            let Expr::Call(call) = &item.context_expr else {
                continue;
            };
            match self.classify(call) {
                Some((Receiver::Op, "batch_alter_table")) => {
                    if let Some(Expr::Name(alias)) = item.optional_vars.as_deref() {
                        let table = call
                            .arguments
                            .args
                            .first()
                            .or_else(|| {
                                call.arguments
                                    .keywords
                                    .iter()
                                    .find(|k| k.arg.as_deref() == Some("table_name"))
                                    .map(|k| &k.value)
                            })
                            .and_then(|expr| self.table_name(expr));
                        self.batches
                            .push((alias.id.to_string(), table, call.range()));
                    }
                }
                _ if is_autocommit_block(call) => autocommit = true,
                _ => {}
            }
        }
        if autocommit {
            self.autocommit += 1;
        }
        self.visit_body(&with.body);
        if autocommit {
            self.autocommit -= 1;
        }
        self.batches.truncate(batches);
    }
}

/// `<anything>.autocommit_block()`: `op.get_context().autocommit_block()`,
/// `context.get_context().autocommit_block()`, `ctx.autocommit_block()`.
fn is_autocommit_block(call: &ExprCall) -> bool {
    matches!(call.func.as_ref(), Expr::Attribute(a) if a.attr.as_str() == "autocommit_block")
}

/// The table of `sa.table("t", ...)`, `sa.Table("t", metadata, ...)` or
/// `op.create_table("t", ...)`.
fn table_of_call(call: &ExprCall) -> Option<String> {
    match callee_name(call)? {
        "table" | "Table" | "create_table" => match call.arguments.args.first() {
            Some(Expr::StringLiteral(s)) => Some(s.value.to_str().to_string()),
            _ => None,
        },
        _ => None,
    }
}

impl<'b> Visitor<'b> for Walker<'_, '_> {
    fn visit_stmt(&mut self, stmt: &'b Stmt) {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || match stmt {
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
            Stmt::With(with) => self.with_statement(with),
            Stmt::ImportFrom(_) => {
                collect_op_imports(std::slice::from_ref(stmt), &mut self.op_names)
            }
            Stmt::Assign(assign) => {
                if let ([Expr::Name(target)], Expr::Call(call)) =
                    (assign.targets.as_slice(), assign.value.as_ref())
                {
                    match table_of_call(call) {
                        Some(table) => {
                            self.table_vars.insert(target.id.to_string(), table);
                        }
                        None => {
                            self.table_vars.remove(target.id.as_str());
                        }
                    }
                }
                visitor::walk_stmt(self, stmt);
            }
            _ => visitor::walk_stmt(self, stmt),
        });
    }

    fn visit_expr(&mut self, expr: &'b Expr) {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || match expr {
            Expr::Lambda(_) => {}
            Expr::Call(call) => {
                if let Some((receiver, name)) = self.classify(call) {
                    if !is_helper(name) {
                        self.record(call, receiver, name);
                    }
                }
                visitor::walk_expr(self, expr);
            }
            _ => visitor::walk_expr(self, expr),
        });
    }
}

/// Finds the `Column(...)` calls in an expression.
struct ColumnFinder<'a, 'c> {
    source: &'a str,
    columns: &'c mut Vec<ColumnDef>,
}

impl<'b> Visitor<'b> for ColumnFinder<'_, '_> {
    fn visit_expr(&mut self, expr: &'b Expr) {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || match expr {
            Expr::Lambda(_) => {}
            Expr::Call(call) if is_column_call(call) => {
                self.columns.push(read_column(call, self.source));
            }
            _ => visitor::walk_expr(self, expr),
        });
    }
}
