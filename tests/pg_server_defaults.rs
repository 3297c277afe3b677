//! MC304's notion of a volatile `server_default` checked against PostgreSQL
//! itself: real Alembic adds each column to a table that has rows, on the
//! server `.ci/postgres.sh` starts, and the table's file node tells whether
//! PostgreSQL rewrote the table. migcheck must call exactly the rewriting
//! defaults volatile. Without `MIGCHECK_TEST_PG_URL` the test is skipped, or
//! fails when `CI` is set.

mod db_common;

use std::process::Command;

use db_common::{fresh_pg_database, pg_url, python};
use migcheck::alembic::operations::{Operations, Volatility};
use migcheck::alembic::revision_file::parse_revision;

/// Column type and `server_default` expression, as a migration would write them.
const DEFAULTS: &[(&str, &str)] = &[
    ("sa.Integer()", "'0'"),
    ("sa.Text()", "sa.text(\"'draft'\")"),
    ("sa.DateTime(timezone=True)", "sa.func.now()"),
    ("sa.DateTime(timezone=True)", "sa.text('now()')"),
    ("sa.DateTime(timezone=True)", "sa.text('CURRENT_TIMESTAMP')"),
    (
        "sa.DateTime(timezone=True)",
        "sa.func.statement_timestamp()",
    ),
    ("sa.Date()", "sa.text('CURRENT_DATE')"),
    ("sa.Uuid()", "sa.text('gen_random_uuid()')"),
    ("sa.Uuid()", "sa.func.gen_random_uuid()"),
    ("sa.Float()", "sa.func.random()"),
    ("sa.DateTime(timezone=True)", "sa.text('clock_timestamp()')"),
    ("sa.Text()", "sa.func.timeofday()"),
];

/// For each default: whether `op.add_column` on PostgreSQL rewrote the table.
fn rewrites(url: &str) -> Vec<bool> {
    let script = r#"
import sys
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

engine = sa.create_engine(sys.argv[1])
pairs = sys.argv[2:]
for i in range(0, len(pairs), 2):
    type_, default = eval(pairs[i]), eval(pairs[i + 1])
    with engine.begin() as c:
        c.execute(sa.text(f"CREATE TABLE t{i} (id int)"))
        c.execute(sa.text(f"INSERT INTO t{i} SELECT generate_series(1, 100)"))
        before = c.execute(sa.text(f"SELECT pg_relation_filenode('t{i}')")).scalar()
        op = Operations(MigrationContext.configure(c))
        op.add_column(f"t{i}", sa.Column("c", type_, server_default=default))
        after = c.execute(sa.text(f"SELECT pg_relation_filenode('t{i}')")).scalar()
    print("rewrite" if before != after else "in place")
"#;
    let mut command = Command::new(python());
    command.args(["-c", script, url]);
    for (type_, default) in DEFAULTS {
        command.args([type_, default]);
    }
    let output = command.output().expect("run python");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| line == "rewrite")
        .collect()
}

/// migcheck's reading of the same `sa.Column(...)`.
fn volatility(type_: &str, default: &str) -> Volatility {
    let text = format!(
        "from alembic import op\nimport sqlalchemy as sa\n\ndef upgrade():\n    \
         op.add_column('t', sa.Column('c', {type_}, server_default={default}))\n"
    );
    let operations = Operations::of(&parse_revision("versions/x.py", &text));
    operations.operations[0].columns[0]
        .server_default
        .as_ref()
        .expect("a server default")
        .volatility
}

#[test]
fn volatile_defaults_are_the_ones_postgresql_rewrites_the_table_for() {
    let Some(server) = pg_url("volatile_defaults_are_the_ones_postgresql_rewrites_the_table_for")
    else {
        return;
    };
    let url = db_common::for_sqlalchemy(&fresh_pg_database(&server, "mc_server_defaults"));
    let observed = rewrites(&url);
    assert_eq!(observed.len(), DEFAULTS.len());
    let mut mismatches = Vec::new();
    for ((type_, default), rewrote) in DEFAULTS.iter().zip(observed) {
        let ours = volatility(type_, default);
        if (ours == Volatility::Volatile) != rewrote {
            mismatches.push(format!(
                "{default}: PostgreSQL {}, migcheck says {ours:?}",
                if rewrote {
                    "rewrote the table"
                } else {
                    "did not rewrite"
                }
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
