//! Runs the selected rules over a loaded project and gives the findings with
//! their configured severities, sorted for output.

use crate::diagnostic::{sort_diagnostics, Diagnostic};
use crate::project::Project;
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
    let rules = settings.rules.for_project(&project.alembic);
    let graph_context = GraphContext {
        project,
        settings: &rules,
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
        let context = FileContext::new(project, migration, parsed, &rules);
        for rule in settings.selection.rules() {
            if let Checker::File(check) = rule.checker() {
                check(&context, &mut diagnostics);
            }
        }
    }
    diagnostics.extend(project.load_diagnostics.iter().cloned());
    finish(diagnostics, &settings.selection)
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
