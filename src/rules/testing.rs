//! Helpers for the rule tests: one migration, given as text, run through the
//! real check (project loading, rule selection, severities) with one rule
//! selected. A test that expects findings fails when there are none.

use crate::alembic::discovery::AlembicProject;
use crate::check::{check_project, CheckSettings};
use crate::diagnostic::Diagnostic;
use crate::project::project_from_sources;
use crate::report::{render_full, Sources};
use crate::rules::selection::RuleSelection;
use crate::rules::{Rule, RuleSettings};

/// Where the migration under test lives.
pub(crate) const PATH: &str = "migrations/versions/b2c3d4e5f6a7_add_email.py";

/// A revision file as `alembic revision` writes it, with `functions` (the
/// `def upgrade()` / `def downgrade()` text) after the header.
pub(crate) fn migration(functions: &str) -> String {
    format!(
        "\"\"\"add email\n\nRevision ID: b2c3d4e5f6a7\nRevises: a1b2c3d4e5f6\nCreate Date: 2024-01-01 00:00:00\n\n\"\"\"\n\
         from typing import Sequence, Union\n\nfrom alembic import op\nimport sqlalchemy as sa\n\n\
         revision: str = \"b2c3d4e5f6a7\"\n\
         down_revision: Union[str, Sequence[str], None] = \"a1b2c3d4e5f6\"\n\
         branch_labels: Union[str, Sequence[str], None] = None\n\
         depends_on: Union[str, Sequence[str], None] = None\n\n\n{functions}"
    )
}

/// A migration whose `upgrade()` is `body` (indented by the caller) and whose
/// `downgrade()` passes.
pub(crate) fn upgrade(body: &str) -> String {
    migration(&format!(
        "def upgrade() -> None:\n{body}\n\n\ndef downgrade() -> None:\n    pass\n"
    ))
}

/// How the migration is checked: the dialect from the configuration and the
/// `sqlalchemy.url` of `alembic.ini`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Setup<'a> {
    pub dialect: Option<&'a str>,
    pub url: Option<&'a str>,
}

pub(crate) const SQLITE: Setup<'static> = Setup {
    dialect: Some("sqlite"),
    url: None,
};

fn alembic_project(url: Option<&str>) -> AlembicProject {
    AlembicProject {
        name: "alembic.ini".to_string(),
        config_path: "alembic.ini".to_string(),
        pyproject_path: None,
        section: "alembic".to_string(),
        working_dir: String::new(),
        script_location: "migrations".to_string(),
        version_locations: vec!["migrations/versions".to_string()],
        recursive: false,
        sqlalchemy_url: url.map(str::to_string),
        file_template: "%(rev)s_%(slug)s".to_string(),
        warnings: Vec::new(),
    }
}

/// The findings of `rule` on a migration, through the real check.
pub(crate) fn run(rule: Rule, text: &str, setup: Setup<'_>) -> Vec<Diagnostic> {
    let project = project_from_sources(alembic_project(setup.url), &[(PATH, text)]);
    if let Some(parsed) = &project.migrations[0].parsed {
        assert!(
            parsed.syntax_errors.is_empty(),
            "the test migration is not valid Python: {:?}\n{text}",
            parsed.syntax_errors
        );
    }
    let selection = RuleSelection::build(Some(&[rule.code().to_string()]), &[], &[], &[])
        .expect("the rule exists");
    let settings = CheckSettings {
        selection,
        rules: RuleSettings {
            dialect: setup.dialect.map(str::to_string),
            ..RuleSettings::default()
        },
        ..CheckSettings::default()
    };
    let found = check_project(&project, &settings);
    for diagnostic in &found {
        assert_eq!(diagnostic.rule, rule, "{diagnostic:?}");
    }
    found
}

/// The findings of `rule`; fails when there are none.
pub(crate) fn flagged(rule: Rule, text: &str) -> Vec<Diagnostic> {
    flagged_with(rule, text, Setup::default())
}

pub(crate) fn flagged_with(rule: Rule, text: &str, setup: Setup<'_>) -> Vec<Diagnostic> {
    let found = run(rule, text, setup);
    assert!(
        !found.is_empty(),
        "expected {} ({}) to flag:\n{text}",
        rule.code(),
        rule.name()
    );
    found
}

/// Fails when `rule` flags the migration.
pub(crate) fn clean(rule: Rule, text: &str) {
    clean_with(rule, text, Setup::default());
}

pub(crate) fn clean_with(rule: Rule, text: &str, setup: Setup<'_>) {
    let found = run(rule, text, setup);
    assert!(
        found.is_empty(),
        "expected no {} finding, got:\n{}",
        rule.code(),
        found
            .iter()
            .map(|d| format!("{}:{}: {}", d.span.line, d.span.column, d.message))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The one finding of `rule`; fails unless there is exactly one.
pub(crate) fn single(rule: Rule, text: &str) -> Diagnostic {
    let mut found = flagged(rule, text);
    assert_eq!(found.len(), 1, "{found:#?}");
    found.remove(0)
}

/// What the user sees for the findings of `rule`: the full report, unstyled.
pub(crate) fn render(rule: Rule, text: &str) -> String {
    let found = flagged(rule, text);
    let mut sources = Sources::default();
    sources.insert(PATH, text);
    render_full(&found, &sources, false)
}

/// The source text a finding points at.
pub(crate) fn pointed_at<'t>(text: &'t str, diagnostic: &Diagnostic) -> &'t str {
    &text[diagnostic.span.range.to_std_range()]
}
