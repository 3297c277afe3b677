//! What the extraction reads from whole revision files: functions, receivers,
//! arguments bound to Alembic's parameters, scopes and literal SQL.

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

proptest::proptest! {
    /// Broken or odd Python never panics the extraction.
    #[test]
    fn any_function_body_extracts_without_panicking(
        body in "(    (op|batch_op|with|sa)[.a-z_(), '\"\\[\\]=:0-9]{0,40}\n){0,6}"
    ) {
        let text = format!("from alembic import op\ndef upgrade():\n{body}    pass\n");
        let parsed = parse_revision("versions/x.py", &text);
        let _ = Operations::of(&parsed);
    }
}
