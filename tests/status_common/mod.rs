//! Shared by the `status`, `plan` and `history` tests: generated revision
//! histories with branch and merge points, written as real revision files into a
//! real git repository whose `env.py` really runs, and real Alembic (`python3 -m
//! alembic`) to migrate its database. Every revision's `upgrade()` appends its id
//! to the file named by `MC_APPLIED_LOG`, so a test can read back exactly which
//! revisions `alembic upgrade` applied, in order.

#![allow(dead_code)]

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::{Command, Output};

use crate::support::TestRepo;

/// One revision of a generated history.
#[derive(Debug, Clone)]
pub struct Rev {
    pub id: String,
    pub down: Vec<String>,
    pub labels: Vec<String>,
    pub depends_on: Vec<String>,
    pub doc: String,
}

impl Rev {
    pub fn new(id: &str, down: &[&str]) -> Rev {
        Rev {
            id: id.to_string(),
            down: down.iter().map(|d| d.to_string()).collect(),
            labels: Vec::new(),
            depends_on: Vec::new(),
            doc: format!("step {id}"),
        }
    }

    pub fn labels(mut self, labels: &[&str]) -> Rev {
        self.labels = labels.iter().map(|l| l.to_string()).collect();
        self
    }

    pub fn depends_on(mut self, deps: &[&str]) -> Rev {
        self.depends_on = deps.iter().map(|d| d.to_string()).collect();
        self
    }
}

/// splitmix64, seeded, so a failing history can be generated again.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const WORDS: [&str; 10] = [
    "add", "users", "orders", "index", "email", "audit", "drop", "rename", "backfill", "invoices",
];

/// A history of `n` revisions (plus a final merge when needed) from one base:
/// revisions continue a head, start a branch from any earlier revision, or merge
/// two heads; one branch is always started early, so there is always a branch
/// point and a merge point. It ends with a single head.
pub fn generate(seed: u64, n: usize) -> Vec<Rev> {
    let mut rng = Rng::new(seed);
    let mut taken = HashSet::new();
    let mut new_id = |rng: &mut Rng| loop {
        let id = format!("{:012x}", rng.next() & 0xffff_ffff_ffff);
        if taken.insert(id.clone()) {
            return id;
        }
    };
    let mut revs: Vec<Rev> = Vec::new();
    let base = new_id(&mut rng);
    revs.push(Rev::new(&base, &[]));
    let mut heads = vec![base];
    for step in 1..n {
        let id = new_id(&mut rng);
        let rev = if heads.len() >= 2 && rng.chance(35) {
            let a = heads.remove(rng.below(heads.len()));
            let b = heads.remove(rng.below(heads.len()));
            heads.push(id.clone());
            Rev::new(&id, &[&a, &b])
        } else if let Some(parent) = branch_parent(&mut rng, &revs, &heads, step == 2) {
            heads.push(id.clone());
            Rev::new(&id, &[&parent])
        } else {
            let i = rng.below(heads.len());
            let parent = std::mem::replace(&mut heads[i], id.clone());
            Rev::new(&id, &[&parent])
        };
        revs.push(rev);
    }
    if heads.len() > 1 {
        let id = new_id(&mut rng);
        let downs: Vec<&str> = heads.iter().map(String::as_str).collect();
        revs.push(Rev::new(&id, &downs));
    }
    for rev in &mut revs {
        let a = WORDS[rng.below(WORDS.len())];
        let b = WORDS[rng.below(WORDS.len())];
        rev.doc = if rev.down.len() > 1 {
            format!("merge {}", rev.down.join(" and "))
        } else {
            format!("{a} {b}")
        };
    }
    revs
}

/// A revision that already has a child, to start a second branch from (always
/// at `force`, else sometimes).
fn branch_parent(rng: &mut Rng, revs: &[Rev], heads: &[String], force: bool) -> Option<String> {
    let inner: Vec<&Rev> = revs.iter().filter(|r| !heads.contains(&r.id)).collect();
    if inner.is_empty() || !(force || rng.chance(25)) {
        return None;
    }
    Some(inner[rng.below(inner.len())].id.clone())
}

/// Every revision `id` depends on through `down_revision`, itself included.
pub fn ancestors(revs: &[Rev], id: &str) -> HashSet<String> {
    let mut seen = HashSet::new();
    let mut stack = vec![id.to_string()];
    while let Some(rev) = stack.pop() {
        if !seen.insert(rev.clone()) {
            continue;
        }
        if let Some(found) = revs.iter().find(|r| r.id == rev) {
            stack.extend(found.down.iter().cloned());
        }
    }
    seen
}

fn python_list(items: &[String]) -> String {
    match items {
        [] => "None".to_string(),
        [one] => format!("{one:?}"),
        many => format!(
            "({},)",
            many.iter()
                .map(|i| format!("{i:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A revision file as `alembic revision` writes it, whose `upgrade()` logs its
/// id and then runs `upgrade_body` (indented lines, or empty).
pub fn revision_source(rev: &Rev, upgrade_body: &str) -> String {
    revision_source_with(rev, upgrade_body, "    pass")
}

/// [`revision_source`] with the body of `downgrade()` too.
pub fn revision_source_with(rev: &Rev, upgrade_body: &str, downgrade_body: &str) -> String {
    const TEMPLATE: &str = r#""""{doc}

Revision ID: {id}
Revises: {revises}
Create Date: 2024-01-01 00:00:00

"""
import os

from alembic import op
import sqlalchemy as sa

revision = "{id}"
down_revision = {down}
branch_labels = {labels}
depends_on = {deps}


def upgrade():
    log = os.environ.get("MC_APPLIED_LOG")
    if log:
        with open(log, "a") as f:
            f.write(revision + "\n")
{body}

def downgrade():
{downgrade}
"#;
    TEMPLATE
        .replace("{doc}", &rev.doc)
        .replace("{id}", &rev.id)
        .replace("{revises}", &rev.down.join(", "))
        .replace("{down}", &python_list(&rev.down))
        .replace("{labels}", &python_list(&rev.labels))
        .replace("{deps}", &python_list(&rev.depends_on))
        .replace("{body}", upgrade_body)
        .replace("{downgrade}", downgrade_body)
}

/// `env.py`: the URL from `MC_TEST_URL` (else `sqlalchemy.url`), the version
/// table from `MC_VERSION_TABLE` (else `alembic_version`).
pub const ENV_PY: &str = r#"import os

from alembic import context
from sqlalchemy import create_engine

config = context.config
url = os.environ.get("MC_TEST_URL") or config.get_main_option("sqlalchemy.url")
table = os.environ.get("MC_VERSION_TABLE") or "alembic_version"
engine = create_engine(url)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None, version_table=table)
    with context.begin_transaction():
        context.run_migrations()
"#;

/// A committed Alembic project in a real git repository, with a database URL
/// for Alembic (`MC_TEST_URL`, empty for the `sqlite:///app.db` of alembic.ini).
pub struct LiveRepo {
    pub repo: TestRepo,
    pub revs: Vec<Rev>,
    pub alembic_url: String,
    pub version_table: String,
}

impl LiveRepo {
    pub fn new(revs: &[Rev]) -> LiveRepo {
        let repo = TestRepo::new();
        repo.write(
            "alembic.ini",
            "[alembic]\nscript_location = %(here)s/migrations\nsqlalchemy.url = sqlite:///app.db\n",
        );
        repo.write("migrations/env.py", ENV_PY);
        repo.write("migrations/script.py.mako", "# template\n");
        repo.write(".gitignore", "*.db\n__pycache__/\n*.log\n");
        for rev in revs {
            repo.write(&Self::path_of(rev), revision_source(rev, ""));
        }
        repo.commit_all("migrations");
        LiveRepo {
            repo,
            revs: revs.to_vec(),
            alembic_url: String::new(),
            version_table: String::new(),
        }
    }

    pub fn path_of(rev: &Rev) -> String {
        format!(
            "migrations/versions/{}_{}.py",
            rev.id,
            rev.doc.replace(' ', "_")
        )
    }

    /// `python3 -m alembic ARGS` in the repository.
    pub fn alembic(&self, args: &[&str]) -> Output {
        self.alembic_with(args, &[])
    }

    pub fn alembic_with(&self, args: &[&str], envs: &[(&str, &str)]) -> Output {
        let python = std::env::var("MIGCHECK_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let mut command = Command::new(python);
        self.repo.environment(&mut command);
        command
            .args(["-m", "alembic"])
            .args(args)
            .env("MC_TEST_URL", &self.alembic_url)
            .env("MC_VERSION_TABLE", &self.version_table)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .envs(envs.iter().copied());
        command.output().expect("run python3 -m alembic")
    }

    /// Runs Alembic and panics with its output when it fails.
    pub fn alembic_ok(&self, args: &[&str]) -> String {
        let out = self.alembic(args);
        assert!(
            out.status.success(),
            "alembic {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The revisions `alembic upgrade <target>` applies, in the order it applies them.
    pub fn upgrade_and_log(&self, target: &str) -> Vec<String> {
        let log: PathBuf = self.repo.path().join("applied.log");
        let _ = std::fs::remove_file(&log);
        let log_text = log.display().to_string();
        let out = self.alembic_with(&["upgrade", target], &[("MC_APPLIED_LOG", &log_text)]);
        assert!(
            out.status.success(),
            "alembic upgrade {target} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// `migcheck status --output-format json` (plus `extra`), parsed.
    pub fn status_json(&self, extra: &[&str]) -> (i32, serde_json::Value) {
        let mut args = vec!["status", "--output-format", "json"];
        args.extend_from_slice(extra);
        let (code, stdout, stderr) = self.repo.run(&args);
        let value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("status JSON ({e}):\n{stdout}\nstderr: {stderr}"));
        (code, value)
    }
}

/// The `revision` of each `pending` entry of a status or plan object.
pub fn pending_ids(value: &serde_json::Value) -> Vec<String> {
    value["pending"]
        .as_array()
        .unwrap_or_else(|| panic!("no pending list in {value}"))
        .iter()
        .map(|p| p["revision"].as_str().unwrap_or_default().to_string())
        .collect()
}
