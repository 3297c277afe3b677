//! Runs the selected rules over a loaded project and gives the findings with
//! their configured severities, sorted for output: graph rules on the whole
//! graph, file rules on the files in the lint scope, then the settings of each
//! file's folder and the file's own suppression comments.

mod lint_scope;
mod path_settings;
pub mod suppression;

use std::collections::{BTreeMap, HashMap};

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
    let mut out = Vec::new();
    check(project, settings, None, &mut |found, _| out.extend(found));
    out
}

/// Reads files in full and hands what a function makes of each to the
/// second argument, in path order (the function may run on several threads
/// at once).
pub type ReadInFull<'r> =
    dyn FnMut(&FullReadFn<'_, FileFindings>, &mut dyn FnMut(FileFindings)) + 'r;

/// The findings of one file read in full after loading, with its text when
/// they need it (findings to quote, suppressions to match).
pub struct FileFindings {
    path: String,
    diagnostics: Vec<Diagnostic>,
    source: Option<SourceFile>,
    suppressions: Option<KeptSuppressions>,
}

/// The findings for one project with every file in the lint scope checked
/// (`check --all`), sorted: see [`check_project_each_file`].
pub fn check_project_all(
    project: &Project,
    settings: &CheckSettings,
    read_rest: &mut ReadInFull<'_>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    check_project_each_file(project, settings, read_rest, &mut |found, _| {
        out.extend(found)
    });
    out
}

/// `check --all` for one project, handing the final findings to `emit` one
/// file at a time, in the order [`sort_diagnostics`] gives, with the file's
/// text when it was read: the files read in full while loading, then those
/// `read_rest` reads in full. Each syntax tree is dropped once its file is
/// checked and each file's findings once `emit` has them, so memory grows
/// with neither the files nor the findings.
pub fn check_project_each_file(
    project: &Project,
    settings: &CheckSettings,
    read_rest: &mut ReadInFull<'_>,
    emit: &mut dyn FnMut(Vec<Diagnostic>, Option<&SourceFile>),
) {
    check(project, settings, Some(read_rest), emit);
}

/// One file's suppressions, kept until every finding is known.
struct KeptSuppressions {
    found: FileSuppressions,
    selection: RuleSelection,
    require_reason: bool,
}

impl KeptSuppressions {
    fn scope(self, source: &SourceFile) -> FileSuppressionScope<'_> {
        FileSuppressionScope {
            source,
            found: self.found,
            selection: self.selection,
            require_reason: self.require_reason,
        }
    }
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
    read_rest: Option<&mut ReadInFull<'_>>,
    emit: &mut dyn FnMut(Vec<Diagnostic>, Option<&SourceFile>),
) {
    let all = read_rest.is_some();
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

    let mut loaded: HashMap<&str, (&SourceFile, KeptSuppressions)> = HashMap::new();
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
            loaded.insert(migration.path.as_str(), (&parsed.source, kept));
        }
    }
    diagnostics.extend(project.load_diagnostics.iter().cloned());

    // What is known so far, by path; each path is finished when its turn
    // in path order comes (a file read in full joins its own findings first).
    let mut waiting: BTreeMap<String, Vec<Diagnostic>> = BTreeMap::new();
    for diagnostic in diagnostics {
        waiting
            .entry(diagnostic.span.path.clone())
            .or_default()
            .push(diagnostic);
    }
    for path in loaded.keys() {
        waiting.entry((*path).to_string()).or_default();
    }
    // Every path a finding can point into now has its settings resolved:
    // the migrations' for the graph rules above (without overrides they all
    // share the ones resolved first), these here.
    for path in waiting.keys() {
        resolver.get(path);
    }
    let resolved = &resolver;
    let severity_of = |path: &str, rule: Rule| {
        resolved.with(path, |path_settings| path_settings.selection.severity(rule))
    };
    let mut in_order = InPathOrder {
        waiting,
        sources: project
            .migrations
            .iter()
            .filter_map(|m| Some((m.path.as_str(), &m.parsed.as_ref()?.source)))
            .collect(),
        loaded,
        severity_of: &severity_of,
        emit,
    };
    let check_one = |migration: &Migration, parsed: ParsedRevision, syntax_error| {
        let mut diagnostics: Vec<Diagnostic> = Vec::from_iter(syntax_error);
        let suppressions = if scope.allows(migration) {
            resolved.with(&migration.path, |path_settings| {
                check_file(project, migration, &parsed, path_settings, &mut diagnostics)
            })
        } else {
            None
        };
        let wanted = !diagnostics.is_empty() || suppressions.is_some();
        FileFindings {
            path: migration.path.clone(),
            diagnostics,
            source: wanted.then_some(parsed.source),
            suppressions,
        }
    };
    if let Some(read_rest) = read_rest {
        read_rest(&check_one, &mut |found: FileFindings| {
            in_order.flush_before(Some(&found.path));
            in_order.finish(
                &found.path,
                found.diagnostics,
                found.source.as_ref(),
                found.suppressions,
            );
        });
    }
    in_order.flush_before(None);
}

/// The findings known before the files read in full (graph rules, files
/// read while loading), by path: each path is finished and handed on when
/// its turn in path order comes, a file read in full with its own.
struct InPathOrder<'p, 'e> {
    waiting: BTreeMap<String, Vec<Diagnostic>>,
    /// The texts of the files read while loading.
    sources: HashMap<&'p str, &'p SourceFile>,
    /// Their suppressions, for those that have any.
    loaded: HashMap<&'p str, (&'p SourceFile, KeptSuppressions)>,
    severity_of: &'e dyn Fn(&str, Rule) -> Option<Severity>,
    emit: &'e mut dyn FnMut(Vec<Diagnostic>, Option<&SourceFile>),
}

impl InPathOrder<'_, '_> {
    /// Finishes every waiting path before `path` (all of them for `None`).
    fn flush_before(&mut self, path: Option<&str>) {
        while let Some(entry) = self.waiting.first_entry() {
            if path.is_some_and(|path| entry.key().as_str() >= path) {
                break;
            }
            let (earlier, found) = entry.remove_entry();
            let source = self.sources.get(earlier.as_str()).copied();
            self.finish(&earlier, found, source, None);
        }
    }

    /// Applies the file's suppressions and the severities, sorts, hands on.
    fn finish(
        &mut self,
        path: &str,
        mut diagnostics: Vec<Diagnostic>,
        source: Option<&SourceFile>,
        kept: Option<KeptSuppressions>,
    ) {
        diagnostics.extend(self.waiting.remove(path).unwrap_or_default());
        let kept = kept.or_else(|| self.loaded.remove(path).map(|(_, kept)| kept));
        let scopes: HashMap<&str, FileSuppressionScope<'_>> = match (source, kept) {
            (Some(source), Some(kept)) => HashMap::from([(path, kept.scope(source))]),
            _ => HashMap::new(),
        };
        let diagnostics = apply_suppressions(diagnostics, &scopes);
        let diagnostics = finish_with(diagnostics, self.severity_of);
        if !diagnostics.is_empty() {
            (self.emit)(diagnostics, source);
        }
    }
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
