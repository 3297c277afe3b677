//! `migcheck check` and `migcheck hook pre-commit`: load every Alembic setup,
//! run the selected rules, print the findings, and fail on errors.

use anyhow::{Context, Result};

use crate::check::{check_file, check_project, finish, CheckSettings};
use crate::config::{RuleLevel, Settings};
use crate::diagnostic::{sort_diagnostics, Severity};
use crate::project::for_each_full_read;
use crate::report::{self, OutputFormat};
use crate::rules::selection::{Level, RuleSelection};
use crate::rules::RuleSettings;

use super::args::{CheckArgs, GlobalArgs};
use super::output::Output;
use super::workspace::Workspace;
use super::ExitStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Check,
    PreCommit,
}

pub fn run(global: &GlobalArgs, args: &CheckArgs, mode: Mode) -> Result<ExitStatus> {
    let workspace = Workspace::open(global)?;
    let settings = check_settings(&workspace.settings, args)?;
    let changed = workspace.changed_paths()?;
    // The changed files are read in full while loading; with `--all` the
    // others are read in full afterwards, one at a time, to bound memory.
    let projects = workspace.load(&changed, false)?;
    let mut diagnostics = Vec::new();
    for project in &projects {
        diagnostics.extend(check_project(project, &settings));
        if args.all {
            let mut found = Vec::new();
            for_each_full_read(
                &workspace.snapshot()?,
                project,
                &mut |migration, parsed, error| {
                    found.extend(error);
                    check_file(project, migration, &parsed, &settings, &mut found);
                },
            )
            .with_context(|| format!("cannot read the migrations of `{}`", project.alembic.name))?;
            diagnostics.extend(finish(found, &settings.selection));
        }
    }
    sort_diagnostics(&mut diagnostics);

    let mut output = Output::stdout(global.color);
    let format = args
        .output_format
        .unwrap_or(if output.is_terminal() || mode == Mode::PreCommit {
            OutputFormat::Full
        } else {
            OutputFormat::Concise
        });
    let paths = diagnostics.iter().flat_map(|d| {
        std::iter::once(d.span.path.as_str()).chain(d.related.iter().map(|r| r.span.path.as_str()))
    });
    let sources = if format == OutputFormat::Full {
        workspace.sources(&projects, paths)
    } else {
        report::Sources::default()
    };
    let mut text = report::render(format, &diagnostics, &sources, output.styled());
    let failed = diagnostics.iter().any(|d| d.severity == Severity::Error);
    if failed && mode == Mode::PreCommit {
        text.push_str("migcheck blocked the commit; fix the errors above (or skip the hook once with `git commit --no-verify`).\n");
    }
    output.write(&text).context("cannot write the report")?;
    Ok(if failed {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// Combines the configuration with the flags: flags win, lists add up.
pub fn check_settings(settings: &Settings, args: &CheckArgs) -> Result<CheckSettings> {
    let select = args.select.as_deref().or(settings.select.as_deref());
    let extend_select: Vec<String> = settings
        .extend_select
        .iter()
        .chain(&args.extend_select)
        .cloned()
        .collect();
    let ignore: Vec<String> = settings
        .ignore
        .iter()
        .chain(&args.ignore)
        .cloned()
        .collect();
    let mut severity: Vec<(String, Level)> = settings
        .severity
        .iter()
        .map(|(rule, level)| {
            let level = match level {
                RuleLevel::Error => Level::Error,
                RuleLevel::Warning => Level::Warning,
                RuleLevel::Off => Level::Off,
            };
            (rule.clone(), level)
        })
        .collect();
    if args.strict_heads || settings.strict_heads {
        severity.push(("MC101".to_string(), Level::Error));
    }
    let selection = RuleSelection::build(select, &extend_select, &ignore, &severity)?;
    Ok(CheckSettings {
        selection,
        rules: RuleSettings {
            todo_patterns: settings.todo_patterns.clone(),
            dialect: settings.dialect.clone(),
        },
    })
}
