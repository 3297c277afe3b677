//! How long `Repository::read_blobs` takes for 5,000 packed blobs (the size of
//! a large Alembic history) through each backend. Run with
//! `cargo bench --bench git_read_blobs`; it prints the best and median of 20 runs.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use migcheck::git::{BackendChoice, GitEnv, ObjectId, Repository};

const BLOBS: usize = 5_000;
const RUNS: usize = 20;

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.com")
        .env("GIT_COMMITTER_NAME", "bench")
        .env("GIT_COMMITTER_EMAIL", "bench@example.com")
        .status();
    assert!(status.is_ok_and(|s| s.success()), "git {args:?} failed");
}

/// A repository with `BLOBS` migration-sized files, committed and packed.
fn packed_repository(dir: &Path) {
    git(dir, &["init", "-q", "-b", "main", "."]);
    let versions = dir.join("migrations/versions");
    std::fs::create_dir_all(&versions).unwrap();
    for n in 0..BLOBS {
        let mut text = format!(
            "\"\"\"revision {n}\n\nRevision ID: {n:012x}\n\"\"\"\nrevision = \"{n:012x}\"\ndown_revision = \"{:012x}\"\n\n\ndef upgrade():\n",
            n.saturating_sub(1)
        );
        for column in 0..20 {
            text.push_str(&format!(
                "    op.add_column(\"table_{n}\", sa.Column(\"column_{column}\", sa.Integer()))\n"
            ));
        }
        std::fs::write(versions.join(format!("{n:05}_revision.py")), text).unwrap();
    }
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "history"]);
    git(dir, &["gc", "-q"]);
}

fn measure(repo: &Repository, ids: &[ObjectId]) -> (Duration, Duration, usize) {
    let mut times = Vec::with_capacity(RUNS);
    let mut bytes = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        let blobs = repo.read_blobs(ids).unwrap();
        times.push(start.elapsed());
        bytes = blobs.iter().map(Vec::len).sum();
    }
    times.sort();
    (times[0], times[RUNS / 2], bytes)
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    packed_repository(dir.path());
    let env = GitEnv::default();
    for choice in [BackendChoice::Libgit2, BackendChoice::Cli] {
        let repo = Repository::open_with_env(dir.path(), choice, &env).unwrap();
        let ids: Vec<ObjectId> = repo
            .index_entries(&["migrations/versions"])
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(ids.len(), BLOBS);
        let (best, median, bytes) = measure(&repo, &ids);
        println!(
            "read_blobs {choice:>7}: {} blobs ({} KiB) best {:.1} ms, median {:.1} ms",
            ids.len(),
            bytes / 1024,
            best.as_secs_f64() * 1e3,
            median.as_secs_f64() * 1e3,
        );
    }
}
