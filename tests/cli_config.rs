//! Configuration and suppressions in real git repositories: what
//! `[tool.migcheck]` and `.migcheck.yaml` change in a run, that command-line
//! flags win over them, and what the user sees when the configuration is wrong.

mod support;

use support::TestRepo;

const TODO_BODY: &str = "    # TODO: backfill\n    pass";

/// `a1` and `b2` committed, both with a TODO; `c3` staged with a TODO.
fn history_with_todos(config: Option<(&str, &str)>) -> TestRepo {
    let repo = TestRepo::alembic();
    if let Some((path, text)) = config {
        repo.write(path, text);
    }
    repo.revision("a1", None, TODO_BODY);
    repo.revision("b2", Some("a1"), TODO_BODY);
    repo.commit_all("history");
    repo.revision("c3", Some("b2"), TODO_BODY);
    repo.git(&["add", "-A"]);
    repo
}

/// The `path:line:col: CODE` of each finding in concise output.
fn locations(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|line| {
            let (location, rest) = line.split_once(": ")?;
            let code = rest.split_whitespace().next()?;
            Some(format!("{location}: {code}"))
        })
        .collect()
}

fn concise(repo: &TestRepo, args: &[&str]) -> (i32, Vec<String>) {
    let mut all = vec!["check", "--output-format", "concise"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = repo.run(&all);
    assert!(stderr.is_empty(), "{stderr}");
    (code, locations(&stdout))
}

#[test]
fn unknown_key_is_one_line_and_exit_2() {
    let repo = history_with_todos(Some((
        "pyproject.toml",
        "[tool.migcheck]\nselect = [\"MC1\"]\nstrict_heads = true\n",
    )));
    insta::assert_snapshot!(repo.run_snapshot(&["check"]), @r"
    exit: 2
    --- stdout
    --- stderr
    migcheck: error: pyproject.toml: line 3: unknown field `strict_heads`, expected one of `select`, `ignore`, `extend-select`, `severity`, `strict-heads`, `todo-patterns`, `exclude`, `start-after`, `dialect`, `require-suppression-reason`, `projects`, `revisions`, `overrides`, `auto-migrate`, `database-url-env`, `version-table`, `version-table-schema`
    ");
}

#[test]
fn unknown_rule_in_an_override_names_it() {
    let repo = history_with_todos(Some((
        ".migcheck.yaml",
        "overrides:\n  - path: migrations/versions/legacy\n    ignore: [MC2O2]\n",
    )));
    let (code, stdout, stderr) = repo.run(&["check"]);
    assert_eq!(code, 2, "{stdout}");
    assert_eq!(
        stderr,
        "migcheck: error: .migcheck.yaml: unknown rule `MC2O2` in `overrides.ignore` for path `migrations/versions/legacy`: use a code such as `MC101`, a name such as `multiple-heads`, or a prefix such as `MC3`\n"
    );
}

#[test]
fn unknown_rule_names_the_file_or_the_flag() {
    let repo = history_with_todos(Some((
        "pyproject.toml",
        "[tool.migcheck]\nignore = [\"MC999\"]\n",
    )));
    let (code, _, stderr) = repo.run(&["check", "--select", "MC1"]);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("migcheck: error: pyproject.toml: unknown rule `MC999` in `ignore`: "),
        "{stderr}"
    );
    let (code, _, stderr) = repo.run(&["check", "--extend-select", "MC9999"]);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("migcheck: error: unknown rule `MC9999` in `--extend-select`: "),
        "{stderr}"
    );
}

#[test]
fn exclude_skips_the_file_rules_of_matching_files() {
    let repo = history_with_todos(Some((
        "pyproject.toml",
        "[tool.migcheck]\nexclude = [\"migrations/versions/c3_*.py\"]\n",
    )));
    assert_eq!(concise(&repo, &[]), (0, vec![]));
    // The other files are still linted.
    let (code, found) = concise(&repo, &["--all"]);
    assert_eq!(code, 1);
    assert_eq!(
        found,
        [
            "migrations/versions/a1_step.py:20:7: MC202",
            "migrations/versions/b2_step.py:20:7: MC202"
        ]
    );
}

#[test]
fn start_after_never_lints_the_baseline() {
    let repo = history_with_todos(Some((
        "pyproject.toml",
        "[tool.migcheck]\nstart-after = \"b2\"\n",
    )));
    let (code, found) = concise(&repo, &["--all"]);
    assert_eq!(code, 1);
    assert_eq!(found, ["migrations/versions/c3_step.py:20:7: MC202"]);
    // Even a changed file in the baseline is not linted.
    repo.write(
        "migrations/versions/a1_step.py",
        support::revision_file("a1", None, "    # FIXME\n    pass"),
    );
    repo.git(&["add", "-A"]);
    let (code, found) = concise(&repo, &[]);
    assert_eq!(code, 1);
    assert_eq!(found, ["migrations/versions/c3_step.py:20:7: MC202"]);
}

#[test]
fn start_after_naming_no_revision_is_an_error() {
    let repo = history_with_todos(Some((".migcheck.yaml", "start-after: \"zz99\"\n")));
    let (code, stdout, stderr) = repo.run(&["check"]);
    assert_eq!(code, 2, "{stdout}");
    assert_eq!(
        stderr,
        "migcheck: error: cannot use `start-after` from .migcheck.yaml: start-after = \"zz99\" does not name a revision: No such revision or branch 'zz99'\n"
    );
}

#[test]
fn overrides_apply_per_folder() {
    let repo = TestRepo::alembic();
    repo.write(
        "pyproject.toml",
        "[tool.migcheck]\n\n[[tool.migcheck.overrides]]\npath = \"migrations/versions/b2_*\"\nignore = [\"todo-in-migration\"]\n\n\
         [[tool.migcheck.overrides]]\npath = \"migrations/versions/c3_*\"\nseverity = { MC202 = \"warning\" }\n",
    );
    repo.revision("a1", None, TODO_BODY);
    repo.revision("b2", Some("a1"), TODO_BODY);
    repo.revision("c3", Some("b2"), TODO_BODY);
    repo.git(&["add", "-A"]);
    let (code, stdout, _) = repo.run(&["check", "--output-format", "concise"]);
    assert_eq!(code, 1, "{stdout}");
    let lines: Vec<&str> = stdout.lines().filter(|l| l.contains("MC202")).collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].starts_with("migrations/versions/a1_step.py:20:7: MC202 "),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with("migrations/versions/c3_step.py:20:7: MC202 (warning)"),
        "{stdout}"
    );
}

#[test]
fn select_by_prefix_and_the_command_line_wins() {
    let repo = history_with_todos(Some((
        "pyproject.toml",
        "[tool.migcheck]\nselect = [\"MC1\"]\n",
    )));
    // MC202 is not in `MC1`.
    assert_eq!(concise(&repo, &[]), (0, vec![]));
    // `--select` replaces the configured selection.
    assert_eq!(
        concise(&repo, &["--select", "MC2"]),
        (
            1,
            vec!["migrations/versions/c3_step.py:20:7: MC202".to_string()]
        )
    );
    // `--ignore` removes what the configuration selects.
    let repo = history_with_todos(Some((
        "pyproject.toml",
        "[tool.migcheck]\nextend-select = [\"MC208\"]\n",
    )));
    assert_eq!(concise(&repo, &["--ignore", "MC2"]), (0, vec![]));
}

#[test]
fn suppressions_on_the_line_and_for_the_file() {
    let repo = TestRepo::alembic();
    repo.revision("a1", None, "    pass");
    repo.commit_all("base");
    repo.revision(
        "b2",
        Some("a1"),
        "    # TODO: backfill  # migcheck: ignore[MC202] tracked in the backlog\n    pass",
    );
    repo.revision(
        "c3",
        Some("b2"),
        "    # migcheck: ignore-file[todo-in-migration] scaffolding\n    # TODO one\n    # FIXME two\n    pass",
    );
    repo.git(&["add", "-A"]);
    assert_eq!(concise(&repo, &[]), (0, vec![]));
}

#[test]
fn suppression_problems_point_at_the_token() {
    let repo = TestRepo::alembic();
    repo.write(
        "pyproject.toml",
        "[tool.migcheck]\nrequire-suppression-reason = true\n",
    );
    repo.revision("a1", None, "    pass");
    repo.commit_all("base");
    repo.revision(
        "b2",
        Some("a1"),
        "    # TODO: backfill  # migcheck: ignore[MC202, MC2O2]\n    pass  # migcheck: ignore[MC101] why",
    );
    repo.git(&["add", "-A"]);
    insta::assert_snapshot!(repo.run_snapshot(&["check", "--output-format", "concise"]), @r"
    exit: 1
    --- stdout
    migrations/versions/b2_step.py:20:23: MC905 `# migcheck: ignore[MC202, MC2O2]` does not say why the finding is safe to ignore.
    migrations/versions/b2_step.py:20:49: MC903 `MC2O2` in this suppression is not a migcheck rule, so it suppresses nothing.
    migrations/versions/b2_step.py:21:30: MC904 (warning) `MC101` is suppressed but `multiple-heads` (MC101) reports nothing on line 21.
    --- stderr
    ");
}

/// The fenced block of `language` that follows `heading` in README.md.
fn readme_block(heading: &str, language: &str) -> String {
    let readme = include_str!("../README.md");
    let section = &readme[readme.find(heading).expect("heading in README")..];
    let fence = format!("```{language}\n");
    let start = section.find(&fence).expect("block in section") + fence.len();
    let end = start + section[start..].find("```").expect("closed block");
    section[start..end].to_string()
}

#[test]
fn readme_configuration_examples_are_valid_and_say_the_same() {
    use migcheck::alembic::discovery::MemorySource;
    use migcheck::check::CheckSettings;
    use migcheck::rules::selection::SelectionLayer;

    let load = |path: &str, text: String| {
        let mut source = MemorySource::default();
        source.insert(path, text);
        let settings = migcheck::config::load(&source).expect("README example loads");
        CheckSettings::new(&settings, SelectionLayer::default()).expect("README rules exist");
        settings
    };
    let toml = load("pyproject.toml", readme_block("## Configuration", "toml"));
    let yaml = load(".migcheck.yaml", readme_block("## Configuration", "yaml"));
    assert_eq!(toml.select, yaml.select);
    assert_eq!(toml.extend_select, yaml.extend_select);
    assert_eq!(toml.ignore, yaml.ignore);
    assert_eq!(toml.severity, yaml.severity);
    assert_eq!(toml.exclude, yaml.exclude);
    assert_eq!(toml.start_after, yaml.start_after);
    assert_eq!(toml.dialect, yaml.dialect);
    assert_eq!(toml.projects, yaml.projects);
    assert_eq!(toml.revisions, yaml.revisions);
    let patterns = |s: &migcheck::config::Settings| -> Vec<String> {
        s.todo_patterns
            .iter()
            .map(|r| r.as_str().to_string())
            .collect()
    };
    assert_eq!(patterns(&toml), patterns(&yaml));
    assert_eq!(toml.overrides.len(), yaml.overrides.len());
    for (a, b) in toml.overrides.iter().zip(&yaml.overrides) {
        assert_eq!(
            (
                &a.path,
                &a.ignore,
                &a.extend_select,
                &a.severity,
                &a.dialect
            ),
            (
                &b.path,
                &b.ignore,
                &b.extend_select,
                &b.severity,
                &b.dialect
            )
        );
        assert_eq!(a.require_suppression_reason, b.require_suppression_reason);
    }
}

const INDEX_BODY: &str = "    op.create_index(\"ix_users_email\", \"users\", [\"email\"])";

/// The locations of one rule's findings.
fn of_rule(found: &[String], code: &str) -> Vec<String> {
    found
        .iter()
        .filter(|location| location.ends_with(code))
        .cloned()
        .collect()
}

#[test]
fn dialect_from_the_url_the_configuration_and_per_folder() {
    let repo = TestRepo::alembic();
    repo.revision("a1", None, "    pass");
    repo.commit_all("base");
    repo.revision("b2", Some("a1"), INDEX_BODY);
    repo.revision("c3", Some("b2"), INDEX_BODY);
    repo.git(&["add", "-A"]);
    // alembic.ini says sqlite: no PostgreSQL locking advice.
    let (_, found) = concise(&repo, &[]);
    assert_eq!(of_rule(&found, "MC309"), Vec::<String>::new());
    // The configuration says PostgreSQL, except for one file.
    repo.write(
        ".migcheck.yaml",
        "dialect: postgresql\noverrides:\n  - path: migrations/versions/c3_*.py\n    dialect: sqlite\n",
    );
    repo.git(&["add", "-A"]);
    let (_, found) = concise(&repo, &[]);
    assert_eq!(
        of_rule(&found, "MC309"),
        ["migrations/versions/b2_step.py:20:5: MC309"]
    );
}

#[test]
fn graph_findings_are_suppressed_in_the_file_they_point_into() {
    let repo = TestRepo::alembic();
    repo.revision("a1", None, "    pass");
    repo.commit_all("base");
    let suppression =
        "    # migcheck: ignore-file[multiple-heads] merged in the next release\n    pass";
    repo.revision("b2", Some("a1"), "    pass");
    repo.revision("c3", Some("a1"), suppression);
    repo.git(&["add", "-A"]);
    // MC101 points at `b2`: the suppression in `c3` is unused.
    let (code, found) = concise(&repo, &[]);
    assert_eq!(code, 0);
    assert_eq!(
        found,
        [
            "migrations/versions/b2_step.py:13:17: MC101",
            "migrations/versions/c3_step.py:20:29: MC904"
        ]
    );
    repo.revision("b2", Some("a1"), suppression);
    repo.git(&["add", "-A"]);
    let (code, found) = concise(&repo, &[]);
    assert_eq!(code, 0);
    assert_eq!(found, ["migrations/versions/c3_step.py:20:29: MC904"]);
}
