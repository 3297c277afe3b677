//! What a migration does, read statically: the Alembic operations that the
//! module-level `upgrade()` and `downgrade()` functions (and the
//! `upgrade_<engine>()` / `downgrade_<engine>()` functions of the multi-database
//! template) call, in source order.
//!
//! An operation is a call `op.<name>(...)` (through any name `from alembic
//! import op as ...` binds) or `batch_op.<name>(...)` inside `with
//! op.batch_alter_table("t") as batch_op:`. Its arguments are matched to the
//! parameters of Alembic's own signatures (`alembic/operations/base.py` and
//! `ops.py`, 1.18), positional or keyword alike, so the rules ask for
//! `table_name` or `postgresql_concurrently` and never count positions. The
//! `Column(...)` calls inside, the literal SQL of `op.execute`, whether the call
//! runs inside `with op.get_context().autocommit_block():` and whether its table
//! was created earlier in the same function are worked out here once per file.
//!
//! Nothing is executed: an argument that is not a literal keeps its source
//! range and no value, and a call through anything but `op` or a batch alias
//! (a helper function, `getattr(op, name)`) is not seen.

mod column;
mod signature;
pub mod sql;
mod value;
mod walk;

use ruff_python_ast::ModModule;
use ruff_text_size::TextRange;

pub use column::{ColumnDef, ServerDefault, Volatility};
pub use value::Literal;

use crate::alembic::revision_file::ParsedRevision;

/// Which direction of the migration a function is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    Upgrade,
    Downgrade,
}

impl Function {
    pub fn as_str(self) -> &'static str {
        match self {
            Function::Upgrade => "upgrade",
            Function::Downgrade => "downgrade",
        }
    }
}

/// A module-level `upgrade`/`downgrade` function (or `upgrade_<engine>` ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationFunction {
    pub function: Function,
    /// What follows `upgrade_`: the engine of the multi-database template's
    /// `upgrade_engine1()`, or the name of a helper such as `upgrade_data()`.
    /// `None` for `upgrade()` itself.
    pub suffix: Option<String>,
    /// The range of the function's name.
    pub name_range: TextRange,
    /// The whole `def`, decorators excluded.
    pub range: TextRange,
}

/// What an operation is called on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Receiver {
    /// `op.<name>(...)`.
    Op,
    /// `batch_op.<name>(...)` inside `with op.batch_alter_table(table) as batch_op:`.
    Batch {
        /// The table of the `with`, when it is a string literal.
        table: Option<String>,
        /// The `op.batch_alter_table(...)` call.
        range: TextRange,
    },
}

/// One argument of an operation call.
#[derive(Debug, Clone, PartialEq)]
pub struct Argument {
    /// The Alembic parameter it binds to: the keyword as written, or the name of
    /// the positional parameter at its position. `None` for `*args` / `**kwargs`
    /// splats and for positions past the known signature.
    pub param: Option<String>,
    /// Passed by keyword.
    pub keyword: bool,
    /// The value expression.
    pub range: TextRange,
    /// The value, when it is a literal; `op.f("name")` counts as the string.
    pub value: Option<Literal>,
}

/// The literal SQL text an operation runs (`op.execute("...")`,
/// `op.execute(sa.text("..."))`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlText {
    pub text: String,
    /// The string literal it was read from.
    pub range: TextRange,
}

/// One Alembic operation call.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub function: Function,
    /// The suffix of an `upgrade_<suffix>()` function.
    pub suffix: Option<String>,
    /// The operation: `add_column`, `create_index`, `execute`, ...
    pub name: String,
    pub receiver: Receiver,
    /// The table it works on, when it is a literal: the `table_name` (or
    /// `source_table`, `old_table_name`, the `sa.table("t")` of `bulk_insert`),
    /// or the table of the batch.
    pub table: Option<String>,
    pub args: Vec<Argument>,
    /// The `Column(...)` / `sa.Column(...)` calls among the arguments, in order.
    pub columns: Vec<ColumnDef>,
    /// The literal SQL of `execute`.
    pub sql: Option<SqlText>,
    /// Inside `with op.get_context().autocommit_block():`.
    pub in_autocommit_block: bool,
    /// The table was created (or renamed into being) earlier in the same function.
    pub table_is_new: bool,
    /// The call expression, `op.` included.
    pub range: TextRange,
}

impl Operation {
    /// The argument bound to an Alembic parameter, by keyword or position.
    pub fn arg(&self, param: &str) -> Option<&Argument> {
        self.args
            .iter()
            .find(|arg| arg.param.as_deref() == Some(param))
    }

    /// The literal value of a parameter.
    pub fn literal(&self, param: &str) -> Option<&Literal> {
        self.arg(param)?.value.as_ref()
    }

    /// The value of a parameter when it is a string literal.
    pub fn str_arg(&self, param: &str) -> Option<&str> {
        self.literal(param)?.as_str()
    }

    /// The value of a parameter when it is `True` or `False`.
    pub fn bool_arg(&self, param: &str) -> Option<bool> {
        self.literal(param)?.as_bool()
    }

    /// Whether a parameter is passed at all.
    pub fn has_arg(&self, param: &str) -> bool {
        self.arg(param).is_some()
    }

    /// `batch_op.<name>(...)`.
    pub fn is_batch(&self) -> bool {
        matches!(self.receiver, Receiver::Batch { .. })
    }

    /// The source text of a parameter's value expression.
    pub fn arg_text<'s>(&self, param: &str, source: &'s str) -> Option<&'s str> {
        source.get(self.arg(param)?.range.to_std_range())
    }
}

/// Every operation of one revision file and its migration functions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Operations {
    /// Module-level migration functions, in source order.
    pub functions: Vec<MigrationFunction>,
    /// Operations in source order, functions in the order of [`Self::functions`].
    pub operations: Vec<Operation>,
}

impl Operations {
    /// Reads the operations of a parsed revision file.
    pub fn of(parsed: &ParsedRevision) -> Operations {
        extract(&parsed.module, parsed.source.text())
    }

    /// The operations of `upgrade()` (and `upgrade_<engine>()`).
    pub fn upgrade(&self) -> impl Iterator<Item = &Operation> + '_ {
        self.in_function(Function::Upgrade)
    }

    /// The operations of `downgrade()` (and `downgrade_<engine>()`).
    pub fn downgrade(&self) -> impl Iterator<Item = &Operation> + '_ {
        self.in_function(Function::Downgrade)
    }

    pub fn in_function(&self, function: Function) -> impl Iterator<Item = &Operation> + '_ {
        self.operations
            .iter()
            .filter(move |op| op.function == function)
    }

    /// The migration function of a kind without an engine suffix, if defined.
    pub fn function(&self, function: Function) -> Option<&MigrationFunction> {
        self.functions
            .iter()
            .find(|f| f.function == function && f.suffix.is_none())
    }
}

/// Reads the operations of a module whose source text is `source`.
pub fn extract(module: &ModModule, source: &str) -> Operations {
    walk::extract(module, source)
}

#[cfg(test)]
mod tests;
