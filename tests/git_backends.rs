//! Both git backends against real repositories made by the installed git: a
//! normal repository, split and sparse indexes, reftable refs, SHA-256
//! objects, a linked worktree, the temporary index of a partial commit, a
//! first commit, a conflicted merge, a submodule, a symbolic link and a path
//! that is not UTF-8. Every kind runs the same observations through each
//! backend; they must agree, auto mode must pick libgit2 where it can read the
//! repository and the git CLI where it cannot.
//!
//! Each test re-runs itself in a child process with a cleared environment
//! (its own HOME, no system config, fixed identity), so no user configuration
//! reaches the git commands or the backends.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use migcheck::git::{
    Backend, BackendChoice, Change, ChangeStatus, Entry, EntryKind, GitEnv, GitError, ObjectId,
    Repository, Snapshot, SnapshotKind, MODE_EXECUTABLE, MODE_FILE, MODE_GITLINK, MODE_SYMLINK,
};
use tempfile::TempDir;

const SANDBOX: &str = "MIGCHECK_GIT_TEST_SANDBOX";

/// Declares a test whose body runs in a child process with a controlled environment.
macro_rules! sandboxed_test {
    ($name:ident, $body:block) => {
        #[test]
        fn $name() {
            if std::env::var_os(SANDBOX).is_some() {
                $body
            } else {
                run_sandboxed(stringify!($name));
            }
        }
    };
}

fn run_sandboxed(name: &str) {
    let home = TempDir::new().unwrap();
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env_clear()
        .env(SANDBOX, "1")
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join(".config"))
        .env("TMPDIR", std::env::temp_dir())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Migcheck Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Migcheck Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("LC_ALL", "C");
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    print!("{stdout}");
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{name} failed in its sandbox");
    assert!(
        stdout.contains("test result: ok. 1 passed"),
        "{name} did not run in its sandbox"
    );
}

// ---------------------------------------------------------------- git helpers

fn git(dir: &Path, args: &[&str]) -> String {
    match try_git(dir, args) {
        Ok(out) => out,
        Err(err) => panic!("git {} failed in {}: {err}", args.join(" "), dir.display()),
    }
}

fn try_git(dir: &Path, args: &[&str]) -> Result<String, String> {
    git_with_env(dir, args, &[])
}

fn git_with_env(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Result<String, String> {
    let mut command = Command::new("git");
    command.current_dir(dir).args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().map_err(|e| e.to_string())?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout)
            .trim_end()
            .to_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
    }
}

fn write(dir: &Path, path: &str, content: &str) {
    let path = dir.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

fn skip(kind: &str, why: &str) {
    let why = why.lines().next().unwrap_or("no reason given");
    println!("SKIPPED {kind}: the installed git cannot create it: {why}");
}

/// `git init` with extra options; `Err` carries git's reason when it cannot.
fn init(dir: &Path, options: &[&str]) -> Result<(), String> {
    let mut args = vec!["init", "-q", "-b", "main"];
    args.extend(options);
    args.push(".");
    fs::create_dir_all(dir).unwrap();
    try_git(dir, &args).map(|_| ())
}

// ---------------------------------------------------------------- the project

const OLD_INI: &str = "[alembic]\nscript_location = migrations\n";
const NEW_INI: &str = "[alembic]\nscript_location = migrations\nsqlalchemy.url = sqlite://\n";
const INIT_REVISION: &str = "\"\"\"init\n\nRevision ID: 0001\n\"\"\"\nrevision = \"0001\"\ndown_revision = None\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n";
const NEXT_REVISION: &str = "revision = \"0002\"\ndown_revision = \"0001\"\n";

/// Commits a small Alembic project: an ini, an env.py, one revision, an old
/// folder whose name starts like the real one, and an executable script.
fn commit_project(dir: &Path) {
    write(dir, "alembic.ini", OLD_INI);
    write(dir, "migrations/env.py", "# env\n");
    write(dir, "migrations/versions/0001_init.py", INIT_REVISION);
    write(dir, "migrations_old/x.py", "old = True\n");
    write(dir, "tools/run.sh", "#!/bin/sh\necho run\n");
    let script = dir.join("tools/run.sh");
    fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "init"]);
}

/// Stages a modification, a rename with an edit, an addition and (optionally) a deletion.
fn stage_changes(dir: &Path, delete: bool) {
    write(dir, "alembic.ini", NEW_INI);
    git(
        dir,
        &[
            "mv",
            "migrations/versions/0001_init.py",
            "migrations/versions/0001_initial.py",
        ],
    );
    let renamed = INIT_REVISION.replace("init\n", "initial\n");
    write(dir, "migrations/versions/0001_initial.py", &renamed);
    write(dir, "migrations/versions/0002_next.py", NEXT_REVISION);
    if delete {
        git(dir, &["rm", "-q", "migrations_old/x.py"]);
    }
    git(dir, &["add", "alembic.ini", "migrations"]);
}

fn change(status: ChangeStatus, path: &str, old_path: Option<&str>) -> Change {
    Change {
        status,
        path: path.to_owned(),
        old_path: old_path.map(str::to_owned),
    }
}

fn expected_changes(delete: bool) -> Vec<Change> {
    let mut changes = vec![
        change(ChangeStatus::Modified, "alembic.ini", None),
        change(
            ChangeStatus::Renamed,
            "migrations/versions/0001_initial.py",
            Some("migrations/versions/0001_init.py"),
        ),
        change(
            ChangeStatus::Added,
            "migrations/versions/0002_next.py",
            None,
        ),
    ];
    if delete {
        changes.push(change(ChangeStatus::Deleted, "migrations_old/x.py", None));
    }
    changes
}

// ---------------------------------------------------------------- observations

/// One repository to read: where to start, the git variables, and whether
/// libgit2 is expected to read it (else: a phrase of its error).
struct Fixture {
    _dir: TempDir,
    root: PathBuf,
    cwd: PathBuf,
    env: GitEnv,
    libgit2_failure: Option<&'static str>,
}

impl Fixture {
    fn new(dir: TempDir, root: PathBuf) -> Fixture {
        Fixture {
            cwd: root.clone(),
            root,
            _dir: dir,
            env: GitEnv::default(),
            libgit2_failure: None,
        }
    }

    fn open(&self, choice: BackendChoice) -> Result<Repository, GitError> {
        Repository::open_with_env(&self.cwd, choice, &self.env)
    }
}

/// Everything the backends report about a repository, so two can be compared.
#[derive(Debug, PartialEq)]
struct Observation {
    workdir: Option<PathBuf>,
    git_dir: PathBuf,
    index: Vec<Entry>,
    index_migrations: Vec<Entry>,
    /// `index_has_entries` for a few prefixes, each checked against the listing.
    has_entries: Vec<(&'static str, bool)>,
    blobs: Vec<(String, Vec<u8>)>,
    staged: Vec<Change>,
    /// The changed paths `staged_changes_under` names for a few prefixes, each
    /// checked against `staged` (how a rename shows differs by backend).
    staged_under: Vec<(&'static str, Vec<String>)>,
    head: Result<ObjectId, String>,
    head_tree: Result<Vec<Entry>, String>,
    head_blobs: Vec<(String, Vec<u8>)>,
}

fn observe(repo: &Repository) -> Observation {
    let index = repo.index_entries(&[]).unwrap();
    let readable: Vec<&Entry> = index.iter().filter(|e| e.kind().has_blob()).collect();
    let ids: Vec<ObjectId> = readable.iter().map(|e| e.id).collect();
    let contents = repo.read_blobs(&ids).unwrap();
    let blobs = readable
        .iter()
        .map(|e| e.path.clone())
        .zip(contents)
        .collect();
    let head_tree = repo.tree_entries("HEAD", &[]).map_err(|e| e.to_string());
    let head_blobs = match &head_tree {
        Ok(entries) => {
            let readable: Vec<&Entry> = entries.iter().filter(|e| e.kind().has_blob()).collect();
            let ids: Vec<ObjectId> = readable.iter().map(|e| e.id).collect();
            let contents = repo.read_blobs(&ids).unwrap();
            readable
                .iter()
                .map(|e| e.path.clone())
                .zip(contents)
                .collect()
        }
        Err(_) => Vec::new(),
    };
    let has_entries = [
        "",
        "migrations",
        "migrations/",
        "migrations/versions",
        "migr",
        "missing/",
    ]
    .into_iter()
    .map(|prefix| {
        let has = repo.index_has_entries(&[prefix]).unwrap();
        let listed = !repo.index_entries(&[prefix]).unwrap().is_empty();
        assert_eq!(has, listed, "index_has_entries({prefix:?})");
        (prefix, has)
    })
    .collect();
    let staged = repo.staged_changes().unwrap();
    let staged_under = [
        "",
        "migrations",
        "migrations/versions",
        "migrations_old",
        "missing",
    ]
    .into_iter()
    .map(|prefix| {
        let under = lint_paths(&repo.staged_changes_under(&[prefix]).unwrap(), "");
        assert_eq!(
            under,
            lint_paths(&staged, prefix),
            "staged_changes_under({prefix:?}) names other changed files than staged_changes"
        );
        // The comparison's listing is handed to the next listing of the same
        // prefixes: it must be exactly what listing afresh gives.
        let handed = repo.index_entries(&[prefix]).unwrap();
        let fresh = repo.index_entries(&[prefix]).unwrap();
        assert_eq!(
            handed, fresh,
            "index_entries({prefix:?}) after staged_changes_under"
        );
        (prefix, under)
    })
    .collect();
    Observation {
        workdir: repo.workdir().map(Path::to_path_buf),
        staged,
        staged_under,
        has_entries,
        git_dir: repo.git_dir().to_path_buf(),
        index_migrations: repo.index_entries(&["migrations/"]).unwrap(),
        index,
        blobs,
        head: repo.resolve_commit("HEAD").map_err(|e| e.to_string()),
        head_tree,
        head_blobs,
    }
}

/// The paths under `prefix` (all when empty) whose staged content a commit
/// brings: what migcheck reads in full as changed.
fn lint_paths(changes: &[Change], prefix: &str) -> Vec<String> {
    let under = |path: &str| {
        prefix.is_empty()
            || path
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    let mut paths: Vec<String> = changes
        .iter()
        .filter(|c| {
            matches!(
                c.status,
                ChangeStatus::Added
                    | ChangeStatus::Modified
                    | ChangeStatus::Renamed
                    | ChangeStatus::Copied
                    | ChangeStatus::TypeChanged
            )
        })
        .filter(|c| under(&c.path))
        .map(|c| c.path.clone())
        .collect();
    paths.sort();
    paths
}

/// Runs the observations through every backend choice and checks that they
/// agree and that auto mode picks the right backend. Returns what they saw.
fn check_backends(fixture: &Fixture) -> Observation {
    let cli = fixture.open(BackendChoice::Cli).unwrap();
    assert_eq!(cli.backend(), Backend::Cli);
    let seen = observe(&cli);

    let auto = fixture.open(BackendChoice::Auto).unwrap();
    match fixture.libgit2_failure {
        None => {
            assert_eq!(auto.backend(), Backend::Libgit2);
            assert_eq!(auto.fallback_reason(), None);
            let libgit2 = fixture.open(BackendChoice::Libgit2).unwrap();
            assert_eq!(observe(&libgit2), seen, "libgit2 and the git CLI disagree");
        }
        Some(phrase) => {
            assert_eq!(auto.backend(), Backend::Cli, "auto mode must fall back");
            let reason = auto.fallback_reason().unwrap();
            assert!(reason.contains(phrase), "fallback reason: {reason}");
            // Forced, libgit2 fails loudly: no silent empty list.
            let forced = fixture
                .open(BackendChoice::Libgit2)
                .and_then(|repo| repo.index_entries(&[]));
            let error = forced.expect_err("libgit2 should not read this repository");
            let message = error.to_string();
            assert!(message.contains(phrase), "{message}");
            assert!(!message.contains('\n'), "{message}");
        }
    }
    assert_eq!(observe(&auto), seen, "auto mode disagrees with the git CLI");
    seen
}

fn paths(entries: &[Entry]) -> Vec<&str> {
    entries.iter().map(|e| e.path.as_str()).collect()
}

fn blob<'a>(blobs: &'a [(String, Vec<u8>)], path: &str) -> &'a [u8] {
    &blobs.iter().find(|(p, _)| p == path).unwrap().1
}

/// What every repository holding the staged project must show.
fn expect_project(seen: &Observation, delete: bool) {
    let mut expected = vec![
        "alembic.ini",
        "migrations/env.py",
        "migrations/versions/0001_initial.py",
        "migrations/versions/0002_next.py",
        "migrations_old/x.py",
        "tools/run.sh",
    ];
    if delete {
        expected.retain(|p| *p != "migrations_old/x.py");
    }
    assert_eq!(paths(&seen.index), expected);
    assert!(seen.index.iter().all(|e| e.stage == 0));
    assert_eq!(
        paths(&seen.index_migrations),
        [
            "migrations/env.py",
            "migrations/versions/0001_initial.py",
            "migrations/versions/0002_next.py",
        ]
    );
    assert_eq!(blob(&seen.blobs, "alembic.ini"), NEW_INI.as_bytes());
    assert_eq!(
        blob(&seen.blobs, "migrations/versions/0002_next.py"),
        NEXT_REVISION.as_bytes()
    );
    assert_eq!(seen.staged, expected_changes(delete));
    let head_tree = seen.head_tree.as_ref().unwrap();
    let run = head_tree.iter().find(|e| e.path == "tools/run.sh").unwrap();
    assert_eq!(run.mode, MODE_EXECUTABLE);
    assert_eq!(blob(&seen.head_blobs, "alembic.ini"), OLD_INI.as_bytes());
    assert_eq!(
        blob(&seen.head_blobs, "migrations/versions/0001_init.py"),
        INIT_REVISION.as_bytes()
    );
}

/// A repository made by `git init <options>` holding the staged project.
fn project_repo(kind: &str, options: &[&str]) -> Option<Fixture> {
    let dir = TempDir::new().unwrap();
    let root = dir.path().join("repo");
    if let Err(why) = init(&root, options) {
        skip(kind, &why);
        return None;
    }
    commit_project(&root);
    stage_changes(&root, true);
    Some(Fixture::new(dir, root))
}

// ---------------------------------------------------------------- repository kinds

sandboxed_test!(normal_repository_reads_the_same_through_both_backends, {
    let fixture = project_repo("normal", &[]).unwrap();
    let seen = check_backends(&fixture);
    expect_project(&seen, true);
    assert_eq!(
        seen.workdir.as_deref(),
        Some(fixture.root.canonicalize().unwrap().as_path())
    );
    assert!(seen.index.iter().all(|e| !e.id.is_sha256()));
});

sandboxed_test!(staged_changes_in_the_version_folders_match_the_full_diff, {
    // Each step stages one more kind of change in the versions folder; at
    // each, both backends must name the same changed files as the whole-tree
    // diff does (the observation checks it) and agree with each other.
    let fixture = project_repo("staged kinds", &[]).unwrap();
    let root = &fixture.root;
    let versions = "migrations/versions";
    git(root, &["commit", "-q", "-m", "staged project"]);
    let steps: [(&str, &dyn Fn()); 6] = [
        ("executable bit", &|| {
            git(
                root,
                &[
                    "update-index",
                    "--chmod=+x",
                    &format!("{versions}/0002_next.py"),
                ],
            );
        }),
        ("file to symlink", &|| {
            let path = root.join(versions).join("0001_initial.py");
            fs::remove_file(&path).unwrap();
            std::os::unix::fs::symlink("0002_next.py", &path).unwrap();
            git(root, &["add", versions]);
        }),
        ("deletion", &|| {
            git(
                root,
                &["rm", "-q", "--cached", &format!("{versions}/0002_next.py")],
            );
        }),
        ("intent to add", &|| {
            write(root, &format!("{versions}/0003_later.py"), NEXT_REVISION);
            git(root, &["add", "-N", &format!("{versions}/0003_later.py")]);
        }),
        ("rename", &|| {
            git(root, &["add", &format!("{versions}/0003_later.py")]);
            git(root, &["commit", "-q", "-m", "later"]);
            git(
                root,
                &[
                    "mv",
                    &format!("{versions}/0003_later.py"),
                    &format!("{versions}/0003_renamed.py"),
                ],
            );
        }),
        ("nothing staged", &|| {
            git(root, &["commit", "-q", "-m", "renamed"]);
        }),
    ];
    for (step, stage) in steps {
        stage();
        let seen = check_backends(&fixture);
        let under = &seen
            .staged_under
            .iter()
            .find(|(p, _)| *p == versions)
            .unwrap()
            .1;
        println!("{step}: {under:?}");
        if step == "nothing staged" {
            assert!(under.is_empty(), "{under:?}");
        } else {
            assert!(!under.is_empty(), "{step}: nothing found");
        }
    }
});

sandboxed_test!(split_index_falls_back_to_the_cli, {
    let Some(mut fixture) = project_repo("split index", &[]) else {
        return;
    };
    git(&fixture.root, &["update-index", "--split-index"]);
    let shared = fs::read_dir(fixture.root.join(".git"))
        .unwrap()
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().starts_with("sharedindex."));
    assert!(shared, "git did not write a shared index");
    fixture.libgit2_failure = Some("'link'");
    expect_project(&check_backends(&fixture), true);
});

sandboxed_test!(sparse_index_falls_back_to_the_cli_and_lists_every_file, {
    let dir = TempDir::new().unwrap();
    let root = dir.path().join("repo");
    init(&root, &[]).unwrap();
    commit_project(&root);
    if let Err(why) = try_git(
        &root,
        &[
            "sparse-checkout",
            "set",
            "--cone",
            "--sparse-index",
            "migrations",
        ],
    ) {
        return skip("sparse index", &why);
    }
    // The index really is sparse: directories outside the cone are single entries.
    let sparse = git(&root, &["ls-files", "--sparse"]);
    assert!(sparse.lines().any(|l| l == "tools/"), "{sparse}");
    stage_changes(&root, false);
    let mut fixture = Fixture::new(dir, root);
    fixture.libgit2_failure = Some("'sdir'");
    let seen = check_backends(&fixture);
    expect_project(&seen, false);
    // Files outside the cone are still listed and readable.
    assert_eq!(blob(&seen.blobs, "migrations_old/x.py"), b"old = True\n");
});

sandboxed_test!(reftable_repository_falls_back_to_the_cli, {
    let Some(mut fixture) = project_repo("reftable", &["--ref-format=reftable"]) else {
        return;
    };
    fixture.libgit2_failure = Some("refstorage");
    expect_project(&check_backends(&fixture), true);
    let repo = fixture.open(BackendChoice::Auto).unwrap();
    assert_eq!(
        repo.resolve_commit("main").unwrap(),
        repo.resolve_commit("HEAD").unwrap()
    );
});

sandboxed_test!(sha256_repository_falls_back_to_the_cli, {
    let Some(mut fixture) = project_repo("sha256", &["--object-format=sha256"]) else {
        return;
    };
    fixture.libgit2_failure = Some("sha256");
    let seen = check_backends(&fixture);
    expect_project(&seen, true);
    assert!(seen.index.iter().all(|e| e.id.is_sha256()));
    assert_eq!(seen.head.as_ref().unwrap().to_string().len(), 64);
});

sandboxed_test!(linked_worktree_reads_its_own_index, {
    let dir = TempDir::new().unwrap();
    let main = dir.path().join("main");
    init(&main, &[]).unwrap();
    commit_project(&main);
    let linked = dir.path().join("linked");
    git(
        &main,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "side",
            linked.to_str().unwrap(),
        ],
    );
    stage_changes(&linked, true);
    // The main work tree stages something else, which the linked one must not see.
    write(&main, "main_only.py", "x = 1\n");
    git(&main, &["add", "main_only.py"]);

    let mut fixture = Fixture::new(dir, linked.clone());
    fixture.cwd = linked.join("migrations/versions");
    let seen = check_backends(&fixture);
    expect_project(&seen, true);
    assert_eq!(seen.workdir, Some(linked.canonicalize().unwrap()));
    assert!(
        seen.git_dir.ends_with(".git/worktrees/linked"),
        "{:?}",
        seen.git_dir
    );

    // Hooks in a linked worktree may get GIT_DIR; the work tree is then the cwd (its top).
    fixture.cwd = linked.clone();
    fixture.env.git_dir = Some(main.join(".git/worktrees/linked"));
    let with_git_dir = check_backends(&fixture);
    assert_eq!(with_git_dir, seen);
});

sandboxed_test!(partial_commit_uses_temporary_index, {
    let fixture = project_repo("temporary index", &[]).unwrap();
    let root = fixture.root.clone();
    // `git commit <path>` runs hooks against a temporary index named by GIT_INDEX_FILE.
    fs::copy(root.join(".git/index"), root.join(".git/index.partial")).unwrap();
    write(
        &root,
        "alembic.ini",
        "[alembic]\nscript_location = partial\n",
    );
    let temporary = root.join(".git/index.partial");
    git_with_env(
        &root,
        &["add", "alembic.ini"],
        &[("GIT_INDEX_FILE", &temporary)],
    )
    .unwrap();

    let mut partial = Fixture::new(TempDir::new().unwrap(), root.clone());
    // Relative, as git may export it, and read from a subdirectory: it starts at the top.
    partial.env.index_file = Some(PathBuf::from(".git/index.partial"));
    partial.cwd = root.join("migrations");
    let seen = check_backends(&partial);
    assert_eq!(
        blob(&seen.blobs, "alembic.ini"),
        b"[alembic]\nscript_location = partial\n"
    );
    assert_eq!(seen.staged, expected_changes(true));

    // Without GIT_INDEX_FILE the regular index is read.
    let regular = check_backends(&fixture);
    assert_eq!(blob(&regular.blobs, "alembic.ini"), NEW_INI.as_bytes());
    assert_ne!(regular.index, seen.index);
});

sandboxed_test!(first_commit_compares_with_the_empty_tree, {
    for (kind, options) in [
        ("first commit", &[][..]),
        ("first commit in sha256", &["--object-format=sha256"][..]),
    ] {
        let dir = TempDir::new().unwrap();
        let root = dir.path().join("repo");
        if let Err(why) = init(&root, options) {
            skip(kind, &why);
            continue;
        }
        write(&root, "alembic.ini", OLD_INI);
        write(&root, "migrations/env.py", "# env\n");
        git(&root, &["add", "."]);
        let mut fixture = Fixture::new(dir, root);
        if !options.is_empty() {
            fixture.libgit2_failure = Some("sha256");
        }
        let seen = check_backends(&fixture);
        assert_eq!(
            seen.staged,
            [
                change(ChangeStatus::Added, "alembic.ini", None),
                change(ChangeStatus::Added, "migrations/env.py", None),
            ]
        );
        assert_eq!(
            seen.head,
            Err("`HEAD` does not name a commit in this repository".to_owned())
        );
        assert!(seen.head_tree.is_err());
    }
});

sandboxed_test!(conflicted_index_reports_every_stage, {
    let dir = TempDir::new().unwrap();
    let root = dir.path().join("repo");
    init(&root, &[]).unwrap();
    write(&root, "migrations/env.py", "base\n");
    write(&root, "alembic.ini", OLD_INI);
    git(&root, &["add", "."]);
    git(&root, &["commit", "-q", "-m", "base"]);
    git(&root, &["checkout", "-q", "-b", "other"]);
    write(&root, "migrations/env.py", "theirs\n");
    git(&root, &["commit", "-q", "-am", "theirs"]);
    git(&root, &["checkout", "-q", "main"]);
    write(&root, "migrations/env.py", "ours\n");
    git(&root, &["commit", "-q", "-am", "ours"]);
    assert!(try_git(&root, &["merge", "-q", "other"]).is_err());

    let fixture = Fixture::new(dir, root);
    let seen = check_backends(&fixture);
    let stages: Vec<(&str, u8)> = seen
        .index
        .iter()
        .map(|e| (e.path.as_str(), e.stage))
        .collect();
    assert_eq!(
        stages,
        [
            ("alembic.ini", 0),
            ("migrations/env.py", 1),
            ("migrations/env.py", 2),
            ("migrations/env.py", 3),
        ]
    );
    let contents: Vec<&[u8]> = seen.blobs[1..].iter().map(|(_, b)| b.as_slice()).collect();
    assert_eq!(contents, [&b"base\n"[..], b"ours\n", b"theirs\n"]);
    assert_eq!(
        seen.staged,
        [change(ChangeStatus::Unmerged, "migrations/env.py", None)]
    );

    let repo = fixture.open(BackendChoice::Auto).unwrap();
    let snapshot = repo.snapshot(SnapshotKind::Index).unwrap();
    let error = snapshot.read("migrations/env.py").unwrap_err();
    assert!(matches!(error, GitError::Unmerged { .. }), "{error}");
    assert_eq!(
        snapshot.read("alembic.ini").unwrap().unwrap(),
        OLD_INI.as_bytes()
    );
});

sandboxed_test!(submodule_is_a_gitlink_that_is_never_read, {
    let dir = TempDir::new().unwrap();
    let library = dir.path().join("library");
    init(&library, &[]).unwrap();
    write(&library, "lib.py", "x = 1\n");
    git(&library, &["add", "."]);
    git(&library, &["commit", "-q", "-m", "library"]);
    let root = dir.path().join("repo");
    init(&root, &[]).unwrap();
    write(&root, "alembic.ini", OLD_INI);
    git(&root, &["add", "."]);
    git(&root, &["commit", "-q", "-m", "init"]);
    git(
        &root,
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            library.to_str().unwrap(),
            "vendor/library",
        ],
    );

    let fixture = Fixture::new(dir, root.clone());
    let seen = check_backends(&fixture);
    let gitlink = seen
        .index
        .iter()
        .find(|e| e.path == "vendor/library")
        .unwrap();
    assert_eq!(gitlink.mode, MODE_GITLINK);
    assert_eq!(gitlink.kind(), EntryKind::Gitlink);
    assert_eq!(
        gitlink.id,
        ObjectId::from_hex(&git(&library, &["rev-parse", "HEAD"])).unwrap()
    );
    assert!(seen.blobs.iter().all(|(p, _)| p != "vendor/library"));
    assert_eq!(
        seen.staged,
        [
            change(ChangeStatus::Added, ".gitmodules", None),
            change(ChangeStatus::Added, "vendor/library", None),
        ]
    );

    for choice in [BackendChoice::Libgit2, BackendChoice::Cli] {
        let repo = fixture.open(choice).unwrap();
        // Reading a submodule's commit as a blob is refused, not attempted in the wrong repository.
        assert!(repo.read_blobs(&[gitlink.id]).is_err());
        for kind in [SnapshotKind::Index, SnapshotKind::Worktree] {
            let snapshot = repo.snapshot(kind.clone()).unwrap();
            let entries = snapshot.list(&["vendor"]).unwrap();
            assert_eq!(paths_of(&entries), ["vendor/library"], "{kind:?}");
            assert_eq!(entries[0].kind(), EntryKind::Gitlink);
            let error = snapshot.read_many(&entries).unwrap_err();
            assert!(matches!(error, GitError::Gitlink { .. }), "{error}");
        }
    }
});

sandboxed_test!(symlink_blob_is_its_target, {
    let dir = TempDir::new().unwrap();
    let root = dir.path().join("repo");
    init(&root, &[]).unwrap();
    write(&root, "config/real.ini", OLD_INI);
    write(&root, "migrations/env.py", "# env\n");
    std::os::unix::fs::symlink("config/real.ini", root.join("alembic.ini")).unwrap();
    git(&root, &["add", "."]);
    git(&root, &["commit", "-q", "-m", "init"]);
    // A type change: a file becomes a symbolic link.
    fs::remove_file(root.join("migrations/env.py")).unwrap();
    std::os::unix::fs::symlink("../config/real.ini", root.join("migrations/env.py")).unwrap();
    git(&root, &["add", "migrations/env.py"]);

    let fixture = Fixture::new(dir, root);
    let seen = check_backends(&fixture);
    let link = seen.index.iter().find(|e| e.path == "alembic.ini").unwrap();
    assert_eq!(link.mode, MODE_SYMLINK);
    assert_eq!(blob(&seen.blobs, "alembic.ini"), b"config/real.ini");
    assert_eq!(
        seen.staged,
        [change(ChangeStatus::TypeChanged, "migrations/env.py", None)]
    );

    let repo = fixture.open(BackendChoice::Auto).unwrap();
    for kind in [
        SnapshotKind::Index,
        SnapshotKind::Worktree,
        SnapshotKind::Rev("HEAD".into()),
    ] {
        let snapshot = repo.snapshot(kind.clone()).unwrap();
        let entries = snapshot.list(&["alembic.ini", "config"]).unwrap();
        assert_eq!(
            paths_of(&entries),
            ["alembic.ini", "config/real.ini"],
            "{kind:?}"
        );
        assert_eq!(entries[0].kind(), EntryKind::Symlink, "{kind:?}");
        assert_eq!(entries[1].mode, MODE_FILE, "{kind:?}");
        let contents = snapshot.read_many(&entries).unwrap();
        assert_eq!(
            contents,
            [b"config/real.ini".to_vec(), OLD_INI.as_bytes().to_vec()]
        );
        assert_eq!(
            snapshot.read("alembic.ini").unwrap().unwrap(),
            b"config/real.ini"
        );
    }
});

// ---------------------------------------------------------------- snapshots, ranges, errors

fn paths_of(entries: &[migcheck::git::SnapshotEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.path.as_str()).collect()
}

sandboxed_test!(snapshots_read_index_revision_and_work_tree, {
    let fixture = project_repo("snapshots", &[]).unwrap();
    write(
        &fixture.root,
        "alembic.ini",
        "[alembic]\nscript_location = unstaged\n",
    );
    write(
        &fixture.root,
        "migrations/versions/0003_untracked.py",
        "x\n",
    );
    for choice in [BackendChoice::Libgit2, BackendChoice::Cli] {
        let repo = fixture.open(choice).unwrap();
        let cases = [
            (SnapshotKind::Index, NEW_INI, "0002_next.py"),
            (SnapshotKind::Rev("HEAD".into()), OLD_INI, "0001_init.py"),
            (
                SnapshotKind::Worktree,
                "[alembic]\nscript_location = unstaged\n",
                "0003_untracked.py",
            ),
        ];
        for (kind, ini, revision) in cases {
            let snapshot = repo.snapshot(kind.clone()).unwrap();
            assert_eq!(
                snapshot.read("alembic.ini").unwrap().unwrap(),
                ini.as_bytes()
            );
            assert_eq!(snapshot.read("missing.ini").unwrap(), None);
            assert_eq!(snapshot.read("../escape").unwrap(), None);
            let entries = snapshot.list(&["migrations/versions"]).unwrap();
            assert!(
                entries.iter().any(|e| e.path.ends_with(revision)),
                "{kind:?}: {:?}",
                paths_of(&entries)
            );
            assert!(entries
                .iter()
                .all(|e| e.path.starts_with("migrations/versions/")));
            let contents = snapshot.read_many(&entries).unwrap();
            assert_eq!(contents.len(), entries.len());
            let all = snapshot.list(&[]).unwrap();
            assert!(all.iter().all(|e| !e.path.starts_with(".git")), "{kind:?}");
            assert!(all
                .iter()
                .any(|e| e.path == "tools/run.sh" && e.mode == MODE_EXECUTABLE));
        }
    }
});

sandboxed_test!(range_changes_start_at_the_merge_base, {
    let dir = TempDir::new().unwrap();
    let root = dir.path().join("repo");
    init(&root, &[]).unwrap();
    commit_project(&root);
    let base = git(&root, &["rev-parse", "HEAD"]);
    git(&root, &["checkout", "-q", "-b", "feature"]);
    stage_changes(&root, true);
    git(&root, &["commit", "-q", "-m", "feature"]);
    git(&root, &["checkout", "-q", "main"]);
    // A change on main after the fork is not part of `main...feature`.
    write(&root, "tools/other.sh", "echo\n");
    git(&root, &["add", "."]);
    git(&root, &["commit", "-q", "-m", "main moves on"]);

    let fixture = Fixture::new(dir, root.clone());
    let mut results = Vec::new();
    for choice in [BackendChoice::Libgit2, BackendChoice::Cli] {
        let repo = fixture.open(choice).unwrap();
        assert_eq!(
            repo.merge_base("main", "feature").unwrap().to_string(),
            base
        );
        assert_eq!(
            repo.range_changes("main", "feature").unwrap(),
            expected_changes(true)
        );
        let back = repo.range_changes("feature", "main").unwrap();
        assert_eq!(back, [change(ChangeStatus::Added, "tools/other.sh", None)]);
        let feature = repo.tree_entries("feature", &["migrations"]).unwrap();
        let unknown = repo.resolve_commit("no-such-branch").unwrap_err();
        assert!(
            matches!(unknown, GitError::UnknownRevision { .. }),
            "{unknown}"
        );
        let dash = repo.resolve_commit("--all").unwrap_err();
        assert!(matches!(dash, GitError::UnknownRevision { .. }), "{dash}");
        results.push(feature);
    }
    assert_eq!(results[0], results[1]);
    assert_eq!(
        paths(&results[0]),
        [
            "migrations/env.py",
            "migrations/versions/0001_initial.py",
            "migrations/versions/0002_next.py",
        ]
    );

    // Unrelated histories have no merge base.
    git(&root, &["checkout", "-q", "--orphan", "lonely"]);
    git(&root, &["commit", "-q", "-m", "lonely"]);
    for choice in [BackendChoice::Libgit2, BackendChoice::Cli] {
        let repo = fixture.open(choice).unwrap();
        let error = repo.merge_base("main", "lonely").unwrap_err();
        assert!(matches!(error, GitError::NoMergeBase { .. }), "{error}");
    }
});

sandboxed_test!(git_dir_and_work_tree_variables_are_honoured, {
    let fixture = project_repo("GIT_DIR", &[]).unwrap();
    let elsewhere = TempDir::new().unwrap();
    let mut moved = Fixture::new(TempDir::new().unwrap(), fixture.root.clone());
    moved.cwd = elsewhere.path().to_path_buf();
    moved.env.git_dir = Some(fixture.root.join(".git"));
    moved.env.work_tree = Some(fixture.root.clone());
    let seen = check_backends(&moved);
    expect_project(&seen, true);
    assert_eq!(seen.workdir, Some(fixture.root.canonicalize().unwrap()));
});

sandboxed_test!(paths_that_are_not_utf8_are_lossy_and_readable, {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = TempDir::new().unwrap();
    let root = dir.path().join("repo");
    init(&root, &[]).unwrap();
    let name = OsStr::from_bytes(b"migrations/caf\xe9.py");
    fs::create_dir_all(root.join("migrations")).unwrap();
    fs::write(root.join(name), "x = 1\n").unwrap();
    let nested = root.join(OsStr::from_bytes(b"migrations/d\xff"));
    fs::create_dir_all(&nested).unwrap();
    fs::write(nested.join("y.py"), "y = 2\n").unwrap();
    git(&root, &["add", "."]);
    git(&root, &["commit", "-q", "-m", "bytes"]);

    let fixture = Fixture::new(dir, root.clone());
    let seen = check_backends(&fixture);
    assert_eq!(
        paths(&seen.index),
        ["migrations/caf\u{fffd}.py", "migrations/d\u{fffd}/y.py"]
    );
    assert_eq!(blob(&seen.blobs, "migrations/d\u{fffd}/y.py"), b"y = 2\n");
    let tree = seen.head_tree.as_ref().unwrap();
    assert_eq!(paths(tree), paths(&seen.index));

    let snapshot = Snapshot::directory(&root);
    let entries = snapshot.list(&["migrations"]).unwrap();
    assert_eq!(paths_of(&entries), paths(&seen.index));
    let contents = snapshot.read_many(&entries).unwrap();
    assert_eq!(contents, [b"x = 1\n".to_vec(), b"y = 2\n".to_vec()]);
});

sandboxed_test!(plain_directory_outside_git_is_a_snapshot, {
    let dir = TempDir::new().unwrap();
    let root = dir.path().join("project");
    write(&root, "alembic.ini", OLD_INI);
    write(&root, "migrations/versions/0001_init.py", INIT_REVISION);
    write(&root, "migrations_old/x.py", "x\n");
    let nested = root.join("migrations/vendored");
    init(&nested, &[]).unwrap();
    write(&nested, "inner.py", "inner\n");

    let env = GitEnv {
        ceiling_directories: vec![dir.path().to_path_buf()],
        ..GitEnv::default()
    };
    for choice in [
        BackendChoice::Auto,
        BackendChoice::Libgit2,
        BackendChoice::Cli,
    ] {
        let error = Repository::open_with_env(&root, choice, &env).unwrap_err();
        assert!(
            matches!(error, GitError::NotARepository { .. }),
            "{choice}: {error}"
        );
        let message = error.to_string();
        assert!(message.starts_with("not a git repository"), "{message}");
        assert!(message.ends_with(&root.display().to_string()), "{message}");
    }

    let snapshot = Snapshot::directory(&root);
    let entries = snapshot.list(&["./migrations/"]).unwrap();
    assert_eq!(
        paths_of(&entries),
        ["migrations/vendored", "migrations/versions/0001_init.py"]
    );
    assert_eq!(entries[0].kind(), EntryKind::Gitlink);
    assert_eq!(
        snapshot.read("alembic.ini").unwrap().unwrap(),
        OLD_INI.as_bytes()
    );
    assert_eq!(snapshot.read("migrations").unwrap(), None);
    assert_eq!(
        snapshot.read_many(&entries[1..]).unwrap(),
        [INIT_REVISION.as_bytes()]
    );
    assert!(snapshot.list(&["nothing-here"]).unwrap().is_empty());
});

sandboxed_test!(repository_neither_backend_reads_is_one_clear_error, {
    let fixture = project_repo("corrupt index", &[]).unwrap();
    fs::write(fixture.root.join(".git/index"), b"DIRC garbage").unwrap();
    let error = fixture.open(BackendChoice::Auto).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, GitError::Unreadable { .. }), "{message}");
    assert!(!message.contains('\n'), "{message}");
    assert!(
        message.starts_with("cannot read the git repository at "),
        "{message}"
    );
    assert!(
        message.contains("libgit2: libgit2 could not read the index"),
        "{message}"
    );
    assert!(message.contains("git: `git ls-files"), "{message}");
    // Each backend alone reports its own error.
    assert!(fixture
        .open(BackendChoice::Libgit2)
        .unwrap()
        .index_entries(&[])
        .is_err());
});

sandboxed_test!(bare_repository_reads_revisions_but_has_no_work_tree, {
    let fixture = project_repo("bare", &[]).unwrap();
    git(&fixture.root, &["commit", "-q", "-m", "second"]);
    let bare = fixture.root.with_file_name("bare.git");
    git(
        &fixture.root,
        &["clone", "-q", "--bare", ".", bare.to_str().unwrap()],
    );
    let mut results = Vec::new();
    for choice in [
        BackendChoice::Auto,
        BackendChoice::Libgit2,
        BackendChoice::Cli,
    ] {
        let repo = Repository::open_with_env(&bare, choice, &GitEnv::default()).unwrap();
        assert_eq!(repo.workdir(), None, "{choice}");
        assert_eq!(repo.git_dir(), bare.canonicalize().unwrap());
        if choice == BackendChoice::Auto {
            assert_eq!(repo.backend(), Backend::Libgit2);
        }
        let error = repo.snapshot(SnapshotKind::Worktree).err().unwrap();
        assert!(matches!(error, GitError::NoWorkTree { .. }), "{error}");
        let snapshot = repo.snapshot(SnapshotKind::Rev("main".into())).unwrap();
        let ini = snapshot.read("alembic.ini").unwrap().unwrap();
        results.push((
            repo.tree_entries("main", &["migrations"]).unwrap(),
            repo.range_changes("main~1", "main").unwrap(),
            ini,
        ));
    }
    assert!(results.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(results[0].1, expected_changes(true));
    assert_eq!(results[0].2, NEW_INI.as_bytes());
});

sandboxed_test!(push_quarantine_objects_are_found_through_the_environment, {
    // A pre-receive hook sees the pushed objects only through
    // GIT_OBJECT_DIRECTORY (the quarantine) and GIT_ALTERNATE_OBJECT_DIRECTORIES.
    let fixture = project_repo("quarantine", &[]).unwrap();
    let root = &fixture.root;
    let quarantine = root.with_file_name("quarantine");
    fs::create_dir_all(&quarantine).unwrap();
    let objects = root.join(".git/objects");
    let index = root.with_file_name("quarantine.index");
    let env = [
        ("GIT_OBJECT_DIRECTORY", quarantine.as_path()),
        ("GIT_ALTERNATE_OBJECT_DIRECTORIES", objects.as_path()),
        ("GIT_INDEX_FILE", index.as_path()),
    ];
    git_with_env(root, &["read-tree", "HEAD"], &env).unwrap();
    write(root, "migrations/versions/0009_pushed.py", NEXT_REVISION);
    git_with_env(root, &["add", "migrations"], &env).unwrap();
    let tree = git_with_env(root, &["write-tree"], &env).unwrap();
    let pushed = git_with_env(
        root,
        &["commit-tree", &tree, "-p", "HEAD", "-m", "pushed"],
        &env,
    )
    .unwrap();

    let mut quarantined = Fixture::new(TempDir::new().unwrap(), root.clone());
    quarantined.env.object_directory = Some(quarantine.clone());
    quarantined.env.alternate_object_directories = vec![objects.clone()];
    for choice in [BackendChoice::Libgit2, BackendChoice::Cli] {
        let plain = fixture.open(choice).unwrap();
        let error = plain.resolve_commit(&pushed).unwrap_err();
        assert!(matches!(error, GitError::UnknownRevision { .. }), "{error}");

        let repo = quarantined.open(choice).unwrap();
        assert_eq!(repo.resolve_commit(&pushed).unwrap().to_string(), pushed);
        // The work tree's migrations, staged and unstaged, went into the pushed commit.
        let mut expected = expected_changes(false)[1..].to_vec();
        expected.push(change(
            ChangeStatus::Added,
            "migrations/versions/0009_pushed.py",
            None,
        ));
        assert_eq!(repo.range_changes("HEAD", &pushed).unwrap(), expected);
        let entries = repo
            .tree_entries(&pushed, &["migrations/versions/0009_pushed.py"])
            .unwrap();
        let ids: Vec<ObjectId> = entries.iter().map(|e| e.id).collect();
        assert_eq!(repo.read_blobs(&ids).unwrap(), [NEXT_REVISION.as_bytes()]);
    }
});

sandboxed_test!(missing_git_program_is_named_in_the_error, {
    let normal = project_repo("no git: normal", &[]).unwrap();
    let split = project_repo("no git: split index", &[]).unwrap();
    git(&split.root, &["update-index", "--split-index"]);
    // This test runs alone in its own process (see `run_sandboxed`).
    std::env::set_var("PATH", "/nonexistent");

    // libgit2 needs no git program.
    let repo = normal.open(BackendChoice::Auto).unwrap();
    assert_eq!(repo.backend(), Backend::Libgit2);
    assert_eq!(observe(&repo).staged, expected_changes(true));

    let error = normal.open(BackendChoice::Cli).unwrap_err();
    assert!(matches!(error, GitError::GitNotFound { .. }), "{error}");
    assert_eq!(
        error.to_string(),
        "could not run `git rev-parse --absolute-git-dir --is-bare-repository \
         --show-object-format`: the `git` program was not found on PATH"
    );

    let error = split.open(BackendChoice::Auto).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, GitError::Unreadable { .. }), "{message}");
    assert!(!message.contains('\n'), "{message}");
    assert!(
        message.contains("unsupported mandatory extension: 'link'"),
        "{message}"
    );
    assert!(
        message.ends_with("the `git` program was not found on PATH"),
        "{message}"
    );
});
