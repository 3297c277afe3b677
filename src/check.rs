//! Runs the selected rules over a loaded project and gives the findings with
//! their configured severities, sorted for output.

use crate::alembic::revision_file::ParsedRevision;
use crate::diagnostic::{sort_diagnostics, Diagnostic};
use crate::project::{Migration, Project};
use crate::rules::selection::RuleSelection;
use crate::rules::{Checker, FileContext, GraphContext, RuleSettings};

/// Everything that decides what is reported.
#[derive(Debug, Clone, Default)]
pub struct CheckSettings {
    pub selection: RuleSelection,
    pub rules: RuleSettings,
}

/// The findings for one project: graph rules on the whole graph, file rules on
/// the files read in full (the changed ones, or all with `--all`).
pub fn check_project(project: &Project, settings: &CheckSettings) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let graph_context = GraphContext {
        project,
        settings: &settings.rules,
    };
    for rule in settings.selection.rules() {
        if let Checker::Graph(check) = rule.checker() {
            check(&graph_context, &mut diagnostics);
        }
    }
    for migration in &project.migrations {
        let (true, Some(parsed)) = (migration.lint, &migration.parsed) else {
            continue;
        };
        check_file(project, migration, parsed, settings, &mut diagnostics);
    }
    diagnostics.extend(project.load_diagnostics.iter().cloned());
    finish(diagnostics, &settings.selection)
}

/// The findings of the file rules for one migration read in full, before
/// [`finish`]: for files read after loading, one at a time (`check --all`).
pub fn check_file(
    project: &Project,
    migration: &Migration,
    parsed: &ParsedRevision,
    settings: &CheckSettings,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let context = FileContext {
        project,
        migration,
        parsed,
        settings: &settings.rules,
    };
    for rule in settings.selection.rules() {
        if let Checker::File(check) = rule.checker() {
            check(&context, diagnostics);
        }
    }
}

/// Drops findings of rules that are off, applies severities, sorts.
pub fn finish(diagnostics: Vec<Diagnostic>, selection: &RuleSelection) -> Vec<Diagnostic> {
    let mut kept: Vec<Diagnostic> = diagnostics
        .into_iter()
        .filter_map(|mut diagnostic| {
            let severity = selection.severity(diagnostic.rule)?;
            diagnostic.severity = severity;
            Some(diagnostic)
        })
        .collect();
    sort_diagnostics(&mut kept);
    kept
}
