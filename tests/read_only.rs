//! migcheck only reads: every command, through every git backend, leaves the
//! index, the work tree (a SQLite database in it included) and `.git/hooks`
//! byte for byte as they were. The commands come from `migcheck --help`, so
//! a new command is covered as soon as it exists; only the commands whose
//! job is to write (installing hooks) are left out, by name.

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use support::TestRepo;

/// Subcommands that write by design; their own tests check what they write.
const WRITERS: &[&str] = &["install", "uninstall"];

/// Arguments to try for a command, beyond running it bare.
fn variants(command: &[&str]) -> Vec<Vec<&'static str>> {
    let database = vec!["--database-url", "sqlite:///app.db"];
    match command {
        ["check"] => vec![
            vec!["--all"],
            vec!["--worktree"],
            vec!["--rev", "HEAD"],
            vec!["--all", "--output-format", "json"],
            vec!["--output-format", "github"],
        ],
        ["hook", "pre-commit"] => vec![vec!["--all"]],
        ["history"] => vec![vec!["--indicate-current"], vec!["-r", "a1:"]],
        ["status"] | ["plan"] => vec![database, vec!["--output-format", "json"]],
        ["rule"] => vec![vec!["--all"], vec!["MC101"]],
        ["graph"] => vec![vec!["--format", "dot"]],
        _ => Vec::new(),
    }
}

/// The subcommands `--help` lists (without `help`).
fn subcommands(repo: &TestRepo, parent: &[&str]) -> Vec<String> {
    let mut args = parent.to_vec();
    args.push("--help");
    let (code, stdout, _) = repo.run(&args);
    assert_eq!(code, 0, "{args:?}");
    let Some(start) = stdout.find("Commands:\n") else {
        return Vec::new();
    };
    stdout[start + "Commands:\n".len()..]
        .lines()
        .take_while(|line| !line.trim().is_empty())
        .filter(|line| line.starts_with("  ") && !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

/// Every file under `root` (not following links), `.git` left out, as path -> bytes.
fn files(root: &Path, skip_git: bool) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let entry = entry.expect("dir entry");
            let path = entry.path();
            if skip_git && entry.file_name() == ".git" {
                continue;
            }
            let kind = entry.file_type().expect("file type");
            let relative = path
                .strip_prefix(root)
                .expect("inside root")
                .display()
                .to_string();
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_symlink() {
                let target = std::fs::read_link(&path).expect("read link");
                out.insert(relative, target.display().to_string().into_bytes());
            } else {
                out.insert(relative, std::fs::read(&path).expect("read file"));
            }
        }
    }
    out
}

/// What must not change: the index, the work tree and the hooks.
#[derive(Debug, PartialEq, Eq)]
struct State {
    index: Vec<u8>,
    worktree: BTreeMap<String, Vec<u8>>,
    hooks: BTreeMap<String, Vec<u8>>,
}

fn state(repo: &TestRepo) -> State {
    State {
        index: std::fs::read(repo.path().join(".git/index")).expect("read index"),
        worktree: files(repo.path(), true),
        hooks: files(&repo.path().join(".git/hooks"), false),
    }
}

/// A repository with history, a staged change with a finding, an unstaged
/// change, an untracked file, a hook and a migrated SQLite database.
fn busy_repository() -> TestRepo {
    let repo = TestRepo::alembic();
    repo.revision("a1", None, "    pass");
    repo.commit_all("a1");
    repo.revision("b2", Some("a1"), "    op.drop_column('users', 'email')");
    repo.commit_all("b2");
    repo.revision("c3", Some("b2"), "    # TODO: backfill\n    pass");
    repo.git(&["add", "-A"]);
    repo.revision("c3", Some("b2"), "    pass");
    repo.write("notes.txt", "untracked\n");
    repo.write(".git/hooks/pre-commit", "#!/bin/sh\nexit 0\n");
    let db = rusqlite::Connection::open(repo.path().join("app.db")).expect("create the database");
    db.execute_batch(
        "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);\
         INSERT INTO alembic_version VALUES ('a1');",
    )
    .expect("stamp the database");
    drop(db);
    repo
}

#[test]
fn every_command_leaves_index_work_tree_and_hooks_unchanged() {
    let repo = busy_repository();
    let before = state(&repo);
    assert!(before.worktree.contains_key("app.db"));
    assert!(before.hooks.contains_key("pre-commit"));

    let mut commands: Vec<Vec<String>> = Vec::new();
    for name in subcommands(&repo, &[]) {
        let nested = subcommands(&repo, &[&name]);
        if nested.is_empty() {
            commands.push(vec![name.clone()]);
        }
        for sub in nested {
            if WRITERS.contains(&sub.as_str()) {
                println!("left out: `{name} {sub}` writes by design");
                continue;
            }
            commands.push(vec![name.clone(), sub]);
        }
    }
    for expected in [
        "check", "heads", "history", "status", "plan", "graph", "rule",
    ] {
        assert!(
            commands.iter().any(|c| c[0] == expected),
            "`{expected}` is missing from --help: {commands:?}"
        );
    }
    assert!(commands.iter().any(|c| c == &["hook", "pre-commit"]));

    let mut runs = 0;
    for command in &commands {
        let command: Vec<&str> = command.iter().map(String::as_str).collect();
        let mut all_args = vec![Vec::new()];
        all_args.extend(variants(&command));
        for args in all_args {
            for backend in ["auto", "libgit2", "cli"] {
                let mut line = vec!["--git-backend", backend];
                line.extend(&command);
                line.extend(&args);
                let (code, _, stderr) = repo.run(&line);
                assert!(
                    (0..=2).contains(&code) && !stderr.contains("panicked"),
                    "{line:?} exited with {code}: {stderr}"
                );
                runs += 1;
                assert_eq!(state(&repo), before, "{line:?} changed the repository");
            }
        }
    }
    assert!(runs > 60, "only {runs} runs");
}
