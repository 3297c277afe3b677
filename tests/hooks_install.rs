//! `migcheck hook install` / `uninstall` in real repositories, with real
//! `git commit`: where the hooks go (`core.hooksPath`, linked worktrees), that
//! an existing hook keeps running and counting, that uninstalling restores it
//! byte for byte, what happens when the binary is gone, and the other ways to
//! run migcheck from git (`git migcheck`, the hook scripts, install.sh).

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::{revision_file, TestRepo};

const MIGCHECK: &str = env!("CARGO_BIN_EXE_migcheck");

/// A repository with one committed revision `a1`.
fn with_base() -> TestRepo {
    let repo = TestRepo::alembic();
    repo.revision("a1", None, "    pass");
    repo.commit_all("base");
    repo
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn install(repo: &TestRepo, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["hook", "install"];
    all.extend_from_slice(args);
    repo.run(&all)
}

/// `git commit` (hooks on) of everything in the work tree.
fn commit(repo: &TestRepo, dir: &Path, message: &str) -> Output {
    let mut add = Command::new("git");
    repo.environment(&mut add);
    assert!(add
        .current_dir(dir)
        .args(["add", "-A"])
        .status()
        .unwrap()
        .success());
    let mut commit = Command::new("git");
    repo.environment(&mut commit);
    commit
        .current_dir(dir)
        .args(["commit", "-q", "-m", message])
        .output()
        .unwrap()
}

fn write_hook(path: &Path, body: &str, mode: u32) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}

#[test]
fn installed_hook_rejects_a_bad_migration_and_accepts_a_good_one() {
    let repo = with_base();
    let (code, stdout, stderr) = install(&repo, &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let hooks = repo.path().join(".git/hooks");
    assert!(
        stdout.contains(&format!("installed {}", hooks.join("pre-commit").display())),
        "{stdout}"
    );
    let script = std::fs::read_to_string(hooks.join("pre-commit")).unwrap();
    assert!(
        script.contains(&format!("migcheck='{MIGCHECK}'")),
        "{script}"
    );

    let path = repo.revision("b2", Some("a1"), "    # TODO: backfill\n    pass");
    let output = commit(&repo, repo.path(), "bad");
    assert!(!output.status.success(), "the commit should be rejected");
    let stderr = text(&output.stderr);
    assert!(stderr.contains("error[MC202]"), "{stderr}");
    assert!(stderr.contains("migcheck blocked the commit"), "{stderr}");
    assert!(repo.git(&["log", "--format=%s"]).starts_with("base"));

    repo.write(&path, revision_file("b2", Some("a1"), "    pass"));
    let output = commit(&repo, repo.path(), "good");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(repo.git(&["log", "--format=%s"]).starts_with("good"));
}

#[test]
fn installing_twice_changes_nothing() {
    let repo = with_base();
    install(&repo, &[]);
    let hooks = repo.path().join(".git/hooks");
    let before: Vec<(String, Vec<u8>, std::time::SystemTime)> =
        ["pre-commit", "post-checkout", "post-merge"]
            .iter()
            .map(|name| {
                let path = hooks.join(name);
                (
                    name.to_string(),
                    std::fs::read(&path).unwrap(),
                    std::fs::metadata(&path).unwrap().modified().unwrap(),
                )
            })
            .collect();
    let (code, stdout, _) = install(&repo, &[]);
    assert_eq!(code, 0);
    assert_eq!(stdout.matches("is up to date").count(), 3, "{stdout}");
    for (name, bytes, modified) in before {
        let path = hooks.join(&name);
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{name}");
        assert_eq!(
            std::fs::metadata(&path).unwrap().modified().unwrap(),
            modified,
            "{name}"
        );
    }
}

#[test]
fn an_existing_hook_still_runs_and_its_failure_still_counts() {
    let repo = with_base();
    let hook = repo.path().join(".git/hooks/pre-commit");
    let marker = repo.home().join("team-hook-ran");
    write_hook(
        &hook,
        &format!(
            "#!/bin/sh\necho ran >> '{}'\nexit \"${{TEAM_HOOK_EXIT:-0}}\"\n",
            marker.display()
        ),
        0o755,
    );
    let (code, stdout, _) = install(&repo, &["--hook-type", "pre-commit"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("is kept as"), "{stdout}");
    assert!(stdout.contains("pre-commit.migcheck-chained"), "{stdout}");

    // Clean migration, team hook passes: committed, and the team hook ran.
    repo.revision("b2", Some("a1"), "    pass");
    let output = commit(&repo, repo.path(), "b2");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "ran\n");

    // The team hook fails: the commit is rejected although migcheck is happy.
    repo.revision("c3", Some("b2"), "    pass");
    let mut add = Command::new("git");
    repo.environment(&mut add);
    assert!(add.args(["add", "-A"]).status().unwrap().success());
    let mut git = Command::new("git");
    repo.environment(&mut git);
    let output = git
        .env("TEAM_HOOK_EXIT", "7")
        .args(["commit", "-q", "-m", "c3"])
        .output()
        .unwrap();
    assert!(
        !output.status.success(),
        "the team hook's failure must count"
    );
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "ran\nran\n");

    // migcheck fails while the team hook passes: rejected too, with migcheck's message.
    repo.revision("c3", Some("b2"), "    # FIXME\n    pass");
    let output = commit(&repo, repo.path(), "c3");
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("MC202"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn uninstall_restores_the_old_hook_byte_for_byte() {
    let repo = with_base();
    let hooks = repo.path().join(".git/hooks");
    let original =
        b"#!/bin/sh\r\n# a hook with odd bytes \xe2\x80\x94 and no final newline\r\nexit 0";
    std::fs::write(hooks.join("post-merge"), original).unwrap();
    std::fs::set_permissions(
        hooks.join("post-merge"),
        std::fs::Permissions::from_mode(0o740),
    )
    .unwrap();
    let listing = |dir: &Path| {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let before = listing(&hooks);
    install(&repo, &[]);
    assert_ne!(listing(&hooks), before);
    let (code, stdout, _) = repo.run(&["hook", "uninstall"]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("is the hook that was there before"),
        "{stdout}"
    );
    assert_eq!(listing(&hooks), before);
    assert_eq!(std::fs::read(hooks.join("post-merge")).unwrap(), original);
    assert_eq!(mode(&hooks.join("post-merge")), 0o740);
    // `install --uninstall` is the same, and a second uninstall finds nothing to do.
    install(&repo, &[]);
    let (code, stdout, _) = install(&repo, &["--uninstall"]);
    assert_eq!(code, 0);
    assert_eq!(listing(&hooks), before);
    assert_eq!(std::fs::read(hooks.join("post-merge")).unwrap(), original);
    let (_, stdout_again, _) = repo.run(&["hook", "uninstall"]);
    assert!(
        stdout_again.contains("no migcheck hook installed"),
        "{stdout}\n{stdout_again}"
    );
}

#[test]
fn core_hooks_path_is_honoured() {
    let repo = with_base();
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    let (code, stdout, stderr) = install(&repo, &[]);
    assert_eq!(code, 0, "{stderr}");
    let expected = repo
        .path()
        .canonicalize()
        .unwrap()
        .join(".githooks/pre-commit");
    assert!(expected.exists(), "{stdout}");
    assert!(!repo.path().join(".git/hooks/pre-commit").exists());
    repo.revision("b2", Some("a1"), "    # TODO\n    pass");
    // The hooks folder is not part of the commit under test.
    repo.write(".git/info/exclude", ".githooks\n");
    let output = commit(&repo, repo.path(), "bad");
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains("MC202"));
    // Uninstalling removes the folder the install created.
    repo.run(&["hook", "uninstall"]);
    assert!(!repo.path().join(".githooks").exists());
}

#[test]
fn linked_worktree_uses_the_shared_hooks_folder() {
    let repo = with_base();
    let worktree: PathBuf = repo.home().join("feature-wt");
    let worktree_text = worktree.to_string_lossy().into_owned();
    repo.git(&["worktree", "add", "-q", "-b", "feature", &worktree_text]);
    let mut command = repo.migcheck();
    let output = command
        .current_dir(&worktree)
        .args(["hook", "install"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let shared = repo
        .path()
        .canonicalize()
        .unwrap()
        .join(".git/hooks/pre-commit");
    assert!(
        text(&output.stdout).contains(&shared.display().to_string()),
        "{}",
        text(&output.stdout)
    );
    assert!(!worktree.join(".git").is_dir());

    std::fs::write(
        worktree.join("migrations/versions/b2_step.py"),
        revision_file("b2", Some("a1"), "    # TODO\n    pass"),
    )
    .unwrap();
    let output = commit(&repo, &worktree, "bad in worktree");
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("MC202"),
        "{}",
        text(&output.stderr)
    );
    // The main checkout commits through the same hook.
    repo.revision("c3", Some("a1"), "    # FIXME\n    pass");
    assert!(!commit(&repo, repo.path(), "bad in main").status.success());
}

#[test]
fn a_missing_binary_is_named_and_blocks_the_commit() {
    let repo = with_base();
    let bin = repo.home().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let copy = bin.join("migcheck");
    std::fs::copy(MIGCHECK, &copy).unwrap();
    let output = Command::new(&copy)
        .current_dir(repo.path())
        .env("HOME", repo.home())
        .args(["hook", "install"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    std::fs::remove_file(&copy).unwrap();
    repo.revision("b2", Some("a1"), "    pass");
    let output = commit(&repo, repo.path(), "b2");
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(&format!("migcheck: {} is gone", copy.display())),
        "{stderr}"
    );
    assert!(stderr.contains("migcheck hook install"), "{stderr}");
    // The post-checkout hook says so too, but never fails the checkout.
    let mut git = Command::new("git");
    repo.environment(&mut git);
    let output = git
        .args(["checkout", "-q", "-b", "other"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("is gone"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn git_migcheck_is_found_through_path() {
    let repo = with_base();
    repo.revision("b2", Some("a1"), "    # TODO\n    pass");
    repo.git(&["add", "-A"]);
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_git-migcheck"))
        .parent()
        .unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut git = Command::new("git");
    repo.environment(&mut git);
    let output = git
        .env("PATH", path)
        .args(["migcheck", "check", "--output-format", "concise"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains("migrations/versions/b2_step.py:20:7: MC202"),
        "{}",
        text(&output.stdout)
    );
}

#[test]
fn the_shipped_hook_scripts_run_migcheck_from_path() {
    let repo = with_base();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks/pre-commit");
    let hook = repo.path().join(".git/hooks/pre-commit");
    std::fs::copy(&shipped, &hook).unwrap();
    repo.revision("b2", Some("a1"), "    # TODO\n    pass");
    // Not on PATH: a clear message, and the commit is blocked.
    let output = commit(&repo, repo.path(), "bad");
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("is not on PATH"),
        "{}",
        text(&output.stderr)
    );
    // MIGCHECK names the binary.
    let mut git = Command::new("git");
    repo.environment(&mut git);
    let output = git
        .env("MIGCHECK", MIGCHECK)
        .args(["commit", "-q", "-m", "bad"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("MC202"),
        "{}",
        text(&output.stderr)
    );
    for name in ["pre-commit", "post-checkout", "post-merge"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("hooks")
            .join(name);
        assert_eq!(
            mode(&path) & 0o111,
            0o111,
            "hooks/{name} must be executable"
        );
        let script = std::fs::read_to_string(&path).unwrap();
        assert!(
            script.contains(&format!("hook {name} \"$@\"")),
            "hooks/{name}"
        );
    }
}

/// install.sh with a stand-in `cargo` that records its arguments and installs
/// this build's binaries, so the script's own logic runs in seconds.
#[test]
fn install_script_installs_the_binaries_then_the_hooks() {
    let repo = with_base();
    let fake = repo.home().join("fake-cargo");
    std::fs::create_dir_all(&fake).unwrap();
    let log = repo.home().join("cargo-args");
    write_hook(
        &fake.join("cargo"),
        &format!(
            "#!/bin/sh\necho \"$@\" > '{log}'\nmkdir -p \"$CARGO_INSTALL_ROOT/bin\"\ncp '{MIGCHECK}' \"$CARGO_INSTALL_ROOT/bin/migcheck\"\ncp '{git}' \"$CARGO_INSTALL_ROOT/bin/git-migcheck\"\n",
            log = log.display(),
            git = env!("CARGO_BIN_EXE_git-migcheck"),
        ),
        0o755,
    );
    let root = repo.home().join("root");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("install.sh");
    let mut command = Command::new("sh");
    repo.environment(&mut command);
    let output = command
        .env(
            "PATH",
            format!(
                "{}:{}",
                fake.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("CARGO_INSTALL_ROOT", &root)
        .arg(&script)
        .args(["--hook", repo.path().to_str().unwrap()])
        .current_dir(repo.home())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    let args = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        args.trim(),
        format!(
            "install --path {} --locked",
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .canonicalize()
                .unwrap()
                .display()
        )
    );
    let hook = std::fs::read_to_string(repo.path().join(".git/hooks/pre-commit")).unwrap();
    assert!(
        hook.contains(&format!(
            "migcheck='{}'",
            root.join("bin/migcheck").display()
        )),
        "{hook}"
    );
    assert!(
        text(&output.stdout).contains("is not on PATH"),
        "{}",
        text(&output.stdout)
    );
}
