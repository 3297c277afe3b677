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
mod tests {
    use super::{Function, Literal, Operations, Receiver};
    use crate::alembic::revision_file::parse_revision;

    fn operations(body: &str) -> Operations {
        let text = format!("from alembic import op\nimport sqlalchemy as sa\n\n{body}");
        let parsed = parse_revision("versions/x.py", &text);
        assert!(
            parsed.syntax_errors.is_empty(),
            "{:?}",
            parsed.syntax_errors
        );
        Operations::of(&parsed)
    }

    fn names(ops: &Operations) -> Vec<(&str, &str, Option<&str>)> {
        ops.operations
            .iter()
            .map(|op| (op.function.as_str(), op.name.as_str(), op.table.as_deref()))
            .collect()
    }

    #[test]
    fn operations_of_upgrade_and_downgrade_in_source_order() {
        let ops = operations(
            "def upgrade() -> None:\n    op.add_column('users', sa.Column('email', sa.String()))\n    \
             if True:\n        op.create_index('ix_users_email', 'users', ['email'])\n\n\
             def helper():\n    op.drop_table('never_seen')\n\n\
             def downgrade(engine_name=None):\n    op.drop_index('ix_users_email', table_name='users')\n    \
             op.drop_column('users', 'email')\n",
        );
        assert_eq!(
            names(&ops),
            [
                ("upgrade", "add_column", Some("users")),
                ("upgrade", "create_index", Some("users")),
                ("downgrade", "drop_index", Some("users")),
                ("downgrade", "drop_column", Some("users")),
            ]
        );
        assert_eq!(ops.functions.len(), 2);
        assert!(ops.function(Function::Downgrade).is_some());
        let add = &ops.operations[0];
        assert_eq!(add.columns[0].name.as_deref(), Some("email"));
        let text = "from alembic import op\nimport sqlalchemy as sa\n\n";
        assert!(add.range.start() > ruff_text_size::TextSize::of(text));
    }

    #[test]
    fn positional_and_keyword_arguments_bind_to_alembic_parameters() {
        let ops = operations(
            "def upgrade():\n    op.create_index('ix', 'users', ['email'], unique=True, postgresql_concurrently=True)\n    \
             op.create_index(index_name='ix2', table_name='users', columns=['name'])\n    \
             op.alter_column('users', 'email', nullable=False, type_=sa.Text())\n    \
             op.create_foreign_key('fk', 'orders', 'users', ['user_id'], ['id'], postgresql_not_valid=True)\n",
        );
        let [first, second, alter, fk] = &ops.operations[..] else {
            panic!("{:?}", names(&ops));
        };
        assert_eq!(first.str_arg("index_name"), Some("ix"));
        assert_eq!(first.str_arg("table_name"), Some("users"));
        assert_eq!(
            first.literal("columns").and_then(Literal::as_strings),
            Some(vec!["email"])
        );
        assert_eq!(first.bool_arg("postgresql_concurrently"), Some(true));
        assert_eq!(second.str_arg("index_name"), Some("ix2"));
        assert_eq!(second.table.as_deref(), Some("users"));
        assert_eq!(alter.str_arg("column_name"), Some("email"));
        assert_eq!(alter.bool_arg("nullable"), Some(false));
        assert!(alter.has_arg("type_") && alter.literal("type_").is_none());
        assert_eq!(fk.table.as_deref(), Some("orders"));
        assert_eq!(fk.str_arg("referent_table"), Some("users"));
    }

    #[test]
    fn batch_operations_take_the_table_of_the_with() {
        let ops = operations(
            "def upgrade():\n    with op.batch_alter_table('users', schema=None) as batch_op:\n        \
             batch_op.drop_column('email')\n        batch_op.create_index('ix', ['name'])\n    \
             batch_op.drop_column('after')\n",
        );
        assert_eq!(
            names(&ops),
            [
                ("upgrade", "drop_column", Some("users")),
                ("upgrade", "create_index", Some("users")),
            ]
        );
        let drop = &ops.operations[0];
        assert!(matches!(drop.receiver, Receiver::Batch { .. }));
        assert_eq!(drop.str_arg("column_name"), Some("email"));
        assert_eq!(ops.operations[1].str_arg("index_name"), Some("ix"));
        assert_eq!(
            ops.operations[1]
                .literal("columns")
                .and_then(Literal::as_strings),
            Some(vec!["name"])
        );
    }

    #[test]
    fn autocommit_blocks_and_new_tables() {
        let ops = operations(
            "def upgrade():\n    op.create_table('t', sa.Column('id', sa.Integer, primary_key=True))\n    \
             op.create_index('ix_t', 't', ['id'])\n    op.rename_table('t', 'u')\n    \
             op.create_index('ix_u', 'u', ['id'])\n    \
             with op.get_context().autocommit_block():\n        \
             op.create_index('ix_v', 'v', ['id'], postgresql_concurrently=True)\n    \
             op.create_index('ix_w', 'w', ['id'])\n",
        );
        let flags: Vec<_> = ops
            .operations
            .iter()
            .map(|op| (op.name.as_str(), op.table_is_new, op.in_autocommit_block))
            .collect();
        assert_eq!(
            flags,
            [
                ("create_table", false, false),
                ("create_index", true, false),
                ("rename_table", true, false),
                ("create_index", true, false),
                ("create_index", false, true),
                ("create_index", false, false),
            ]
        );
        assert!(ops.operations[0].columns[0].is_not_null());
    }

    #[test]
    fn execute_sql_in_every_literal_form() {
        let ops = operations(
            "from sqlalchemy import text\n\
             def upgrade():\n    op.execute('UPDATE a SET x = 1')\n    \
             op.execute(sa.text(\"DELETE FROM b\"))\n    op.execute(text('TRUNCATE c'))\n    \
             op.execute(sqltext='SELECT 1')\n    op.execute(f'DROP TABLE {name}')\n",
        );
        let sql: Vec<_> = ops
            .operations
            .iter()
            .map(|op| op.sql.as_ref().map(|s| s.text.as_str()))
            .collect();
        assert_eq!(
            sql,
            [
                Some("UPDATE a SET x = 1"),
                Some("DELETE FROM b"),
                Some("TRUNCATE c"),
                Some("SELECT 1"),
                None
            ]
        );
    }

    #[test]
    fn multi_database_functions_aliases_and_table_variables() {
        let ops = operations(
            "from alembic import op as migrate\nimport alembic\n\
             def upgrade(engine_name):\n    globals()['upgrade_%s' % engine_name]()\n\n\
             def upgrade_engine1():\n    migrate.drop_table('a')\n    \
             accounts = sa.table('accounts', sa.column('id'))\n    \
             alembic.op.bulk_insert(accounts, [{'id': 1}])\n    \
             f = lambda: op.drop_table('b')\n\n\
             def upgrade():\n    op.drop_table('last_definition_wins')\n",
        );
        assert_eq!(
            names(&ops),
            [
                ("upgrade", "drop_table", Some("a")),
                ("upgrade", "bulk_insert", Some("accounts")),
                ("upgrade", "drop_table", Some("last_definition_wins")),
            ]
        );
        assert_eq!(ops.operations[0].suffix.as_deref(), Some("engine1"));
        assert_eq!(ops.functions.len(), 2);
    }

    #[test]
    fn names_marked_with_op_f_are_strings() {
        let ops = operations(
            "def upgrade():\n    op.create_index(op.f('ix_users_email'), 'users', ['email'])\n",
        );
        assert_eq!(
            ops.operations[0].str_arg("index_name"),
            Some("ix_users_email")
        );
    }

    #[test]
    fn splats_and_unknown_operations_keep_their_arguments_without_names() {
        let ops = operations(
            "def upgrade():\n    op.add_column(*args)\n    op.custom_op('x', flag=True)\n    \
             op.get_context()\n",
        );
        assert_eq!(ops.operations.len(), 2);
        assert_eq!(ops.operations[0].args[0].param, None);
        assert_eq!(ops.operations[1].args[0].param, None);
        assert_eq!(ops.operations[1].bool_arg("flag"), Some(true));
    }
}
