//! Runs the selected rules over a loaded project and gives the findings with
//! their configured severities, sorted for output: graph rules on the whole
//! graph, file rules on the files in the lint scope, then the settings of each
//! file's folder and the file's own suppression comments.

mod lint_scope;
mod path_settings;
pub mod suppression;

use std::collections::HashMap;

use globset::GlobSet;

pub use lint_scope::{check_start_after, StartAfterError};
pub use path_settings::PathSettings;

use crate::alembic::revision_file::ParsedRevision;
use crate::config::{Override, Settings};
use crate::diagnostic::{sort_diagnostics, Diagnostic, Severity};
use crate::project::{FullReadFn, Migration, Project};
use crate::rules::selection::{Level, RuleSelection, SelectionLayer, UnknownRule};
use crate::rules::{dialect_of_url, Checker, FileContext, GraphContext, Rule, RuleSettings};
use crate::source::SourceFile;

use lint_scope::LintScope;
use path_settings::{validate_overrides, PathResolver};
use suppression::{apply_suppressions, parse_suppressions, FileSuppressionScope, FileSuppressions};

/// Everything that decides what is reported.
#[derive(Debug, Clone, Default)]
pub struct CheckSettings {
    /// The rules for files no `overrides` entry matches.
    pub selection: RuleSelection,
    /// Rule settings for files no `overrides` entry matches; a `None` dialect
    /// is taken from each project's `sqlalchemy.url`.
    pub rules: RuleSettings,
    pub require_suppression_reason: bool,
    /// Files the file rules never look at.
    pub exclude: GlobSet,
    /// Revisions at or below this one are never linted.
    pub start_after: Option<String>,
    /// Per-folder settings, in configuration order.
    pub overrides: Vec<Override>,
    /// The selection of the configuration file, below the overrides.
    pub config_layer: SelectionLayer,
    /// The selection of the command line, above the overrides.
    pub cli_layer: SelectionLayer,
}

impl CheckSettings {
    /// The configuration with the command line's selection on top. Every
    /// selector, the overrides' included, is checked here.
    pub fn new(config: &Settings, cli_layer: SelectionLayer) -> Result<CheckSettings, UnknownRule> {
        let mut config_layer = SelectionLayer {
            select: config.select.clone(),
            extend_select: config.extend_select.clone(),
            ignore: config.ignore.clone(),
            severity: config
                .severity
                .iter()
                .map(|(selector, level)| (selector.clone(), (*level).into()))
                .collect(),
        };
        if config.strict_heads {
            config_layer
                .severity
                .push((Rule::MultipleHeads.code().to_string(), Level::Error));
        }
        let selection = RuleSelection::from_layers(&[&config_layer, &cli_layer])?;
        validate_overrides(&config.overrides, &config_layer)?;
        Ok(CheckSettings {
            selection,
            rules: RuleSettings {
                todo_patterns: config.todo_patterns.clone(),
                dialect: config.dialect.clone(),
            },
            require_suppression_reason: config.require_suppression_reason,
            exclude: config.exclude_set().clone(),
            start_after: config.start_after.clone(),
            overrides: config.overrides.clone(),
            config_layer,
            cli_layer,
        })
    }
}

/// The findings for one project: the file rules look at the files in the
/// lint scope that were read in full while loading (the changed ones).
pub fn check_project(project: &Project, settings: &CheckSettings) -> Vec<Diagnostic> {
    check(project, settings, false, &mut |_| Vec::new())
}

/// Reads files in full and returns what a function makes of each (the
/// function may run on several threads at once).
pub type ReadInFull<'r> = dyn FnMut(&FullReadFn<'_, FileFindings>) -> Vec<FileFindings> + 'r;

/// The findings of one file read in full after loading, and its
/// suppressions with its text when it has any.
pub struct FileFindings {
    diagnostics: Vec<Diagnostic>,
    suppressions: Option<(SourceFile, KeptSuppressions)>,
}

/// The findings for one project with every file in the lint scope checked
/// (`check --all`): the files read in full while loading, then those
/// `read_rest` reads in full. Each of those syntax trees is dropped once its
/// file is checked, so memory does not grow with the number of files; only
/// the text of files with suppression comments is kept.
pub fn check_project_all(
    project: &Project,
    settings: &CheckSettings,
    read_rest: &mut ReadInFull<'_>,
) -> Vec<Diagnostic> {
    check(project, settings, true, read_rest)
}

/// One file's suppressions, kept until every finding is known.
struct KeptSuppressions {
    found: FileSuppressions,
    selection: RuleSelection,
    require_reason: bool,
}

/// Runs the file rules of one file with its folder's settings.
fn check_file(
    project: &Project,
    migration: &Migration,
    parsed: &ParsedRevision,
    path_settings: &PathSettings,
    out: &mut Vec<Diagnostic>,
) -> Option<KeptSuppressions> {
    let context = FileContext::new(project, migration, parsed, &path_settings.rules);
    for rule in path_settings.selection.rules() {
        if let Checker::File(check) = rule.checker() {
            check(&context, out);
        }
    }
    let found = parse_suppressions(parsed);
    (!found.is_empty()).then(|| KeptSuppressions {
        found,
        selection: path_settings.selection.clone(),
        require_reason: path_settings.require_suppression_reason,
    })
}

fn check(
    project: &Project,
    settings: &CheckSettings,
    all: bool,
    read_rest: &mut ReadInFull<'_>,
) -> Vec<Diagnostic> {
    let mut resolver = PathResolver::new(
        settings,
        project
            .alembic
            .sqlalchemy_url
            .as_deref()
            .and_then(dialect_of_url),
    );
    let scope = LintScope::new(project, settings);
    let mut diagnostics = Vec::new();
    // Graph rules run when any file of the project has them on; each finding
    // is then kept or dropped by the settings of the file it points into.
    let base_rules = resolver.get(&project.alembic.config_path).rules.clone();
    // Without overrides every path has the settings just resolved.
    if !settings.overrides.is_empty() {
        for migration in &project.migrations {
            resolver.get(&migration.path);
        }
    }
    let mut graph_rules: Vec<Rule> = settings.selection.rules().collect();
    for resolved in resolver.resolved() {
        graph_rules.extend(resolved.selection.rules());
    }
    graph_rules.sort();
    graph_rules.dedup();
    let graph_context = GraphContext {
        project,
        settings: &base_rules,
    };
    for rule in &graph_rules {
        if let Checker::Graph(check) = rule.checker() {
            check(&graph_context, &mut diagnostics);
        }
    }

    let mut loaded_suppressions = Vec::new();
    for migration in &project.migrations {
        let Some(parsed) = migration
            .parsed
            .as_ref()
            .filter(|_| scope.includes(migration) || (all && scope.allows(migration)))
        else {
            continue;
        };
        let path_settings = resolver.get(&migration.path);
        if let Some(kept) = check_file(project, migration, parsed, path_settings, &mut diagnostics)
        {
            loaded_suppressions.push((&parsed.source, kept));
        }
    }
    // Files read in full now, possibly on several threads; their sources
    // are kept only when they have suppressions.
    let mut later_sources: Vec<SourceFile> = Vec::new();
    let mut later_suppressions: Vec<KeptSuppressions> = Vec::new();
    if all {
        // Every migration's settings were resolved for the graph rules above
        // (without overrides they all share the ones resolved first).
        let resolved = &resolver;
        let findings = read_rest(&|migration, parsed, syntax_error| {
            let mut diagnostics: Vec<Diagnostic> = syntax_error.into_iter().collect();
            if !scope.allows(migration) {
                return FileFindings {
                    diagnostics,
                    suppressions: None,
                };
            }
            let kept = match resolved.cached(&migration.path) {
                Some(path_settings) => {
                    check_file(project, migration, &parsed, path_settings, &mut diagnostics)
                }
                None => {
                    let mut resolver = PathResolver::new(settings, resolved.project_dialect());
                    let path_settings = resolver.get(&migration.path);
                    check_file(project, migration, &parsed, path_settings, &mut diagnostics)
                }
            };
            // Sized exactly: kept for every file until all are checked.
            diagnostics.shrink_to_fit();
            FileFindings {
                diagnostics,
                suppressions: kept.map(|kept| (parsed.source, kept)),
            }
        });
        diagnostics.reserve_exact(findings.iter().map(|f| f.diagnostics.len()).sum());
        for found in findings {
            diagnostics.extend(found.diagnostics);
            if let Some((source, kept)) = found.suppressions {
                later_sources.push(source);
                later_suppressions.push(kept);
            }
        }
    }
    let suppressions: HashMap<&str, FileSuppressionScope<'_>> = loaded_suppressions
        .into_iter()
        .chain(later_sources.iter().zip(later_suppressions))
        .map(|(source, kept)| {
            let scope = FileSuppressionScope {
                source,
                found: kept.found,
                selection: kept.selection,
                require_reason: kept.require_reason,
            };
            (source.path(), scope)
        })
        .collect();
    diagnostics.extend(project.load_diagnostics.iter().cloned());
    let diagnostics = apply_suppressions(diagnostics, &suppressions);
    finish_with(diagnostics, |path, rule| {
        resolver.get(path).selection.severity(rule)
    })
}

/// Drops findings of rules that are off, applies severities, sorts.
pub fn finish(diagnostics: Vec<Diagnostic>, selection: &RuleSelection) -> Vec<Diagnostic> {
    finish_with(diagnostics, |_, rule| selection.severity(rule))
}

/// [`finish`] with the severity each rule has in the file a finding points
/// into (the resolver keeps one selection per combination of overrides, so
/// nothing is copied per file).
fn finish_with(
    diagnostics: Vec<Diagnostic>,
    mut severity_of: impl FnMut(&str, Rule) -> Option<Severity>,
) -> Vec<Diagnostic> {
    let mut kept: Vec<Diagnostic> = diagnostics
        .into_iter()
        .filter_map(|mut diagnostic| {
            diagnostic.severity = severity_of(&diagnostic.span.path, diagnostic.rule)?;
            Some(diagnostic)
        })
        .collect();
    sort_diagnostics(&mut kept);
    kept
}
