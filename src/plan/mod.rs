//! The preview of `alembic upgrade heads` for one database: the pending
//! revisions in the order Alembic applies them, each with its message,
//! whether it can be undone, and the lint findings of its file (dangerous
//! operations first). Nothing is applied; this only reads.
//!
//! The project must have been loaded with the pending files read in full and
//! marked for linting, so that every selected file rule runs on them.

mod downgrade;

pub use downgrade::{downgrade_of, Downgrade};

use std::collections::HashMap;

use crate::check::{check_project, CheckSettings};
use crate::diagnostic::{Diagnostic, Severity};
use crate::project::Project;
use crate::rules::Scope;

/// One revision `alembic upgrade` would apply.
#[derive(Debug, Clone)]
pub struct PlanStep {
    pub node: usize,
    pub revision: String,
    /// The first paragraph of the docstring (Alembic's message).
    pub doc: String,
    pub path: String,
    /// `None` when the file could not be read as Python.
    pub downgrade: Option<Downgrade>,
    /// Findings in this file, dangerous operations first.
    pub findings: Vec<Diagnostic>,
}

/// The pending revisions in order, and the findings that belong to none of them.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub steps: Vec<PlanStep>,
    /// Findings elsewhere: the graph (several heads), other files.
    pub other_findings: Vec<Diagnostic>,
}

impl Plan {
    /// Whether any finding of the plan is an error.
    pub fn has_errors(&self) -> bool {
        self.steps
            .iter()
            .flat_map(|step| &step.findings)
            .chain(&self.other_findings)
            .any(|d| d.severity == Severity::Error)
    }
}

/// Builds the plan for `pending` (graph nodes in upgrade order).
pub fn build_plan(project: &Project, pending: &[usize], settings: &CheckSettings) -> Plan {
    let mut by_path: HashMap<String, Vec<Diagnostic>> = HashMap::new();
    let mut steps: Vec<PlanStep> = pending
        .iter()
        .map(|&node| {
            let migration = project.migration_of_node(node);
            by_path.entry(migration.path.clone()).or_default();
            PlanStep {
                node,
                revision: project.id(node).to_string(),
                doc: migration.doc().to_string(),
                path: migration.path.clone(),
                downgrade: migration
                    .parsed
                    .as_ref()
                    .map(|parsed| downgrade_of(&parsed.module, parsed.source.text())),
                findings: Vec::new(),
            }
        })
        .collect();
    let mut other_findings = Vec::new();
    for diagnostic in check_project(project, settings) {
        match by_path.get_mut(&diagnostic.span.path) {
            Some(findings) => findings.push(diagnostic),
            None => other_findings.push(diagnostic),
        }
    }
    for step in &mut steps {
        let mut findings = by_path.get(&step.path).cloned().unwrap_or_default();
        order_findings(&mut findings);
        step.findings = findings;
    }
    Plan {
        steps,
        other_findings,
    }
}

/// Dangerous operations first (operation rules), then errors before
/// warnings, then by position.
fn order_findings(findings: &mut [Diagnostic]) {
    findings.sort_by_key(|d| {
        (
            d.rule.scope() != Scope::Operation,
            std::cmp::Reverse(d.severity),
            d.span.line,
            d.span.column,
            d.rule.code(),
        )
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Span;
    use crate::rules::Rule;

    fn at(rule: Rule, severity: Severity, line: usize) -> Diagnostic {
        let mut span = Span::file_start("v/a.py");
        span.line = line;
        let mut diagnostic = Diagnostic::new(rule, span, "m");
        diagnostic.severity = severity;
        diagnostic
    }

    #[test]
    fn operations_first_then_errors_then_lines() {
        let mut findings = vec![
            at(Rule::MultipleHeads, Severity::Warning, 1),
            at(Rule::TodoInMigration, Severity::Error, 30),
            at(Rule::TodoInMigration, Severity::Error, 12),
        ];
        let operation = Rule::ALL
            .iter()
            .copied()
            .find(|rule| rule.scope() == Scope::Operation);
        if let Some(rule) = operation {
            findings.push(at(rule, Severity::Warning, 40));
        }
        order_findings(&mut findings);
        let order: Vec<(&str, usize)> = findings
            .iter()
            .map(|d| (d.rule.code(), d.span.line))
            .collect();
        let mut expected = vec![("MC202", 12), ("MC202", 30), ("MC101", 1)];
        if let Some(rule) = operation {
            expected.insert(0, (rule.code(), 40));
        }
        assert_eq!(order, expected);
    }
}
