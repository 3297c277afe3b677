//! Realistic Alembic projects for the benchmark: `alembic.ini` and `env.py` as
//! `alembic init` writes them, and revision files as current Alembic templates
//! write them (docstring header, annotated identifiers, docstrings in
//! `upgrade()`/`downgrade()`, autogenerate comments) with a few `op.*` calls
//! each. The history is a chain with a branch and a merge about every 50
//! revisions, so it has one head.

use std::fmt::Write as _;
use std::path::Path;

/// splitmix64: deterministic, so every run benchmarks the same project.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const TABLES: [&str; 12] = [
    "users",
    "accounts",
    "orders",
    "order_items",
    "invoices",
    "payments",
    "products",
    "customers",
    "addresses",
    "audit_log",
    "sessions",
    "shipments",
];

const WORDS: [&str; 10] = [
    "email",
    "status",
    "note",
    "reference",
    "amount",
    "country",
    "archived",
    "priority",
    "source",
    "external_id",
];

pub const ALEMBIC_INI: &str = "\
# A generic, single database configuration.

[alembic]
script_location = %(here)s/migrations
prepend_sys_path = .
path_separator = os
sqlalchemy.url = sqlite:///bench.db

[post_write_hooks]

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console
qualname =

[logger_sqlalchemy]
level = WARNING
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
";

/// The generic template's env.py; `alembic heads` never runs it.
pub const ENV_PY: &str = "\
from logging.config import fileConfig

from sqlalchemy import engine_from_config
from sqlalchemy import pool

from alembic import context

config = context.config

if config.config_file_name is not None:
    fileConfig(config.config_file_name)

target_metadata = None


def run_migrations_offline() -> None:
    url = config.get_main_option(\"sqlalchemy.url\")
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={\"paramstyle\": \"named\"},
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix=\"sqlalchemy.\",
        poolclass=pool.NullPool,
    )

    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)

        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
";

/// One revision file to write.
pub struct Revision {
    pub id: String,
    pub file_name: String,
    pub text: String,
}

/// The revisions of a project with `count` revisions and a single head, oldest first.
pub fn history(count: usize) -> Vec<Revision> {
    let mut rng = Rng(count as u64);
    let mut revisions: Vec<Revision> = Vec::with_capacity(count);
    let mut head: Option<String> = None;
    while revisions.len() < count {
        let n = revisions.len();
        if n > 0 && n.is_multiple_of(50) && count - n >= 3 {
            // Two branches from the head, then the merge `alembic merge heads` writes.
            let parent = head.clone();
            let a = revision(&mut rng, n, std::slice::from_ref(&parent), None);
            let b = revision(&mut rng, n + 1, &[parent], None);
            let parents = [Some(a.id.clone()), Some(b.id.clone())];
            let merge = revision(&mut rng, n + 2, &parents, Some("merge heads"));
            head = Some(merge.id.clone());
            revisions.extend([a, b, merge]);
        } else {
            let next = revision(&mut rng, n, &[head.clone()], None);
            head = Some(next.id.clone());
            revisions.push(next);
        }
    }
    revisions
}

/// A revision on top of `head`, for the staged change of the hook case.
pub fn next_revision(count: usize, head: &str) -> Revision {
    let mut rng = Rng(!(count as u64));
    revision(&mut rng, count, &[Some(head.to_owned())], None)
}

/// Writes the project and its revisions into `dir`.
pub fn write(dir: &Path, revisions: &[Revision]) -> std::io::Result<()> {
    let versions = dir.join("migrations/versions");
    std::fs::create_dir_all(&versions)?;
    std::fs::write(dir.join("alembic.ini"), ALEMBIC_INI)?;
    std::fs::write(dir.join(".gitignore"), "__pycache__/\n*.db\n")?;
    std::fs::write(dir.join("migrations/env.py"), ENV_PY)?;
    std::fs::write(
        dir.join("migrations/README"),
        "Generic single-database configuration.\n",
    )?;
    std::fs::write(
        dir.join("migrations/script.py.mako"),
        "\"\"\"${message}\"\"\"\n",
    )?;
    for revision in revisions {
        std::fs::write(versions.join(&revision.file_name), &revision.text)?;
    }
    Ok(())
}

fn revision(
    rng: &mut Rng,
    n: usize,
    parents: &[Option<String>],
    message: Option<&str>,
) -> Revision {
    let id = format!("{:012x}", rng.next() >> 16);
    let table = format!("{}_{}", rng.pick(&TABLES), n / 7);
    let column = format!("{}_{n}", rng.pick(&WORDS));
    let (message, upgrade, downgrade) = match message {
        Some(message) => (
            message.to_owned(),
            String::from("    pass\n"),
            String::from("    pass\n"),
        ),
        None => operations(rng, &table, &column),
    };
    let parents: Vec<&str> = parents.iter().flatten().map(String::as_str).collect();
    let down_revision = match parents.as_slice() {
        [] => "None".to_owned(),
        [one] => format!("'{one}'"),
        many => format!(
            "({})",
            many.iter()
                .map(|p| format!("'{p}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let slug: String = message
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let date = format!(
        "2024-{:02}-{:02} {:02}:{:02}:{:02}.{:06}",
        1 + n / 2_000 % 12,
        1 + n / 70 % 28,
        n / 3 % 24,
        n % 60,
        (n * 7) % 60,
        (n * 7919) % 1_000_000
    );
    let mut text = String::with_capacity(2_048);
    let _ = write!(
        text,
        "\"\"\"{message}\n\nRevision ID: {id}\nRevises: {revises}\nCreate Date: {date}\n\n\"\"\"\n\
from typing import Sequence, Union\n\nfrom alembic import op\nimport sqlalchemy as sa\n\n\n\
# revision identifiers, used by Alembic.\n\
revision: str = '{id}'\n\
down_revision: Union[str, Sequence[str], None] = {down_revision}\n\
branch_labels: Union[str, Sequence[str], None] = None\n\
depends_on: Union[str, Sequence[str], None] = None\n\n\n\
def upgrade() -> None:\n    \"\"\"Upgrade schema.\"\"\"\n{upgrade}\n\n\
def downgrade() -> None:\n    \"\"\"Downgrade schema.\"\"\"\n{downgrade}",
        revises = parents.join(", "),
    );
    Revision {
        file_name: format!("{id}_{}.py", slug.trim_matches('_')),
        id,
        text,
    }
}

/// A message and the bodies of `upgrade()` and `downgrade()`: one to three
/// of the changes autogenerate and people write most.
fn operations(rng: &mut Rng, table: &str, column: &str) -> (String, String, String) {
    let mut up =
        String::from("    # ### commands auto generated by Alembic - please adjust! ###\n");
    let mut down = up.clone();
    let mut message = String::new();
    let count = 1 + rng.below(3);
    for step in 0..count {
        let (what, u, d) = match rng.below(4) {
            0 => create_table(table, step),
            1 => add_column(table, column, step),
            2 => batch_alter(table, column, step),
            _ => data_change(table, column, step),
        };
        if message.is_empty() {
            message = what;
        }
        up.push_str(&u);
        down.insert_str(down.find('\n').map_or(0, |i| i + 1), &d);
    }
    up.push_str("    # ### end Alembic commands ###\n");
    down.push_str("    # ### end Alembic commands ###\n");
    (message, up, down)
}

fn create_table(table: &str, step: usize) -> (String, String, String) {
    let name = format!("{table}_{step}");
    let up = format!(
        "    op.create_table(\n\
        \x20       '{name}',\n\
        \x20       sa.Column('id', sa.Integer(), nullable=False),\n\
        \x20       sa.Column('user_id', sa.Integer(), nullable=False),\n\
        \x20       sa.Column('name', sa.String(length=200), nullable=False),\n\
        \x20       sa.Column('total', sa.Numeric(precision=10, scale=2), nullable=True),\n\
        \x20       sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),\n\
        \x20       sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),\n\
        \x20       sa.PrimaryKeyConstraint('id')\n\
        \x20   )\n\
        \x20   op.create_index(op.f('ix_{name}_user_id'), '{name}', ['user_id'], unique=False)\n"
    );
    let down = format!(
        "    op.drop_index(op.f('ix_{name}_user_id'), table_name='{name}')\n    op.drop_table('{name}')\n"
    );
    (format!("create {name} table"), up, down)
}

fn add_column(table: &str, column: &str, step: usize) -> (String, String, String) {
    let up = format!(
        "    op.add_column('{table}', sa.Column('{column}_{step}', sa.String(length=255), nullable=True))\n\
        \x20   op.alter_column('{table}', 'name',\n\
        \x20              existing_type=sa.VARCHAR(length=100),\n\
        \x20              type_=sa.String(length=200),\n\
        \x20              existing_nullable=False)\n"
    );
    let down = format!(
        "    op.alter_column('{table}', 'name',\n\
        \x20              existing_type=sa.String(length=200),\n\
        \x20              type_=sa.VARCHAR(length=100),\n\
        \x20              existing_nullable=False)\n\
        \x20   op.drop_column('{table}', '{column}_{step}')\n"
    );
    (format!("add {column} to {table}"), up, down)
}

fn batch_alter(table: &str, column: &str, step: usize) -> (String, String, String) {
    let up = format!(
        "    with op.batch_alter_table('{table}', schema=None) as batch_op:\n\
        \x20       batch_op.add_column(sa.Column('{column}_flag_{step}', sa.Boolean(), server_default=sa.false(), nullable=False))\n\
        \x20       batch_op.create_index(batch_op.f('ix_{table}_{column}_flag_{step}'), ['{column}_flag_{step}'], unique=False)\n\n"
    );
    let down = format!(
        "    with op.batch_alter_table('{table}', schema=None) as batch_op:\n\
        \x20       batch_op.drop_index(batch_op.f('ix_{table}_{column}_flag_{step}'))\n\
        \x20       batch_op.drop_column('{column}_flag_{step}')\n\n"
    );
    (format!("flag {column} on {table}"), up, down)
}

fn data_change(table: &str, column: &str, step: usize) -> (String, String, String) {
    let up = format!(
        "    # Backfill before the column becomes required.\n\
        \x20   op.add_column('{table}', sa.Column('{column}_{step}', sa.Text(), nullable=True))\n\
        \x20   op.execute(\"UPDATE {table} SET {column}_{step} = '' WHERE {column}_{step} IS NULL\")\n\
        \x20   op.alter_column('{table}', '{column}_{step}', existing_type=sa.Text(), nullable=False)\n"
    );
    let down = format!("    op.drop_column('{table}', '{column}_{step}')\n");
    (format!("backfill {column} on {table}"), up, down)
}
