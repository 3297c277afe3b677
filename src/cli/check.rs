//! `migcheck check` and `migcheck hook pre-commit`: load every Alembic setup,
//! run the selected rules, print the findings, and fail on errors.

use anyhow::{Context, Result};

use crate::check::{
    check_project, check_project_all, check_project_each_file, check_start_after, CheckSettings,
};
use crate::config::Settings;
use crate::diagnostic::{sort_diagnostics, Diagnostic, Severity};
use crate::project::{for_each_full_read, Project};
use crate::report::{self, OutputFormat, Summary};
use crate::rules::selection::{Level, RuleSelection, SelectionLayer, UnknownRule};

use super::args::{CheckArgs, GlobalArgs};
use super::output::Output;
use super::range::Range;
use super::workspace::Workspace;
use super::ExitStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Check,
    PreCommit,
}

pub fn run(global: &GlobalArgs, args: &CheckArgs, mode: Mode) -> Result<ExitStatus> {
    let range = match (&args.from_ref, mode) {
        (Some(from), _) => Some(Range::new(global, from, args.to_ref.as_deref())?),
        // The pre-commit framework names the pushed range at `pre-push`
        // (and for `pre-commit run --from-ref A --to-ref B`).
        (None, Mode::PreCommit) => match pre_commit_range() {
            Some((from, to)) => Some(Range::new(global, &from, Some(&to))?),
            None => None,
        },
        (None, Mode::Check) => None,
    };
    let at_range_end;
    let global = match &range {
        Some(range) => {
            at_range_end = Range::at(global, &range.to);
            &at_range_end
        }
        None => global,
    };
    let workspace = Workspace::open(global)?;
    let settings = check_settings(&workspace.settings, args)?;
    let changed = match &range {
        Some(range) => range.changed_paths(&workspace)?,
        None => workspace.changed_paths()?,
    };
    // The changed files are read in full while loading; with `--all` the
    // others are read in full afterwards, one at a time, to bound memory.
    let mut projects = workspace.load(&changed, false)?;
    if let Some(range) = &range {
        range.attach_base(global, &mut projects)?;
    }
    check_start_after(&projects, &settings).with_context(|| {
        format!(
            "cannot use `start-after` from {}",
            config_name(&workspace.settings)
        )
    })?;
    let mut output = Output::stdout(global.color);
    let format = args
        .output_format
        .unwrap_or(if output.is_terminal() || mode == Mode::PreCommit {
            OutputFormat::Full
        } else {
            OutputFormat::Concise
        });
    let blocked = if range.is_some() {
        "migcheck blocked the push; fix the errors above (or skip the hook once with `git push --no-verify`).\n"
    } else {
        "migcheck blocked the commit; fix the errors above (or skip the hook once with `git commit --no-verify`).\n"
    };
    // One setup checked in full, in a format printed finding by finding: each
    // file's findings are printed as soon as they are final, so memory does
    // not grow with them.
    if let ([project], true, OutputFormat::Full | OutputFormat::Concise | OutputFormat::Github) =
        (projects.as_slice(), args.all, format)
    {
        let summary = print_each_file(&workspace, project, &settings, format, &mut output)?;
        let failed = summary.errors > 0;
        let mut tail = String::new();
        if format == OutputFormat::Full {
            tail.push_str(&summary.sentence());
            tail.push('\n');
        }
        if failed && mode == Mode::PreCommit {
            tail.push_str(blocked);
        }
        output.write(&tail).context("cannot write the report")?;
        super::keep_until_exit((projects, workspace));
        return Ok(if failed {
            ExitStatus::Failure
        } else {
            ExitStatus::Success
        });
    }
    let mut diagnostics = Vec::new();
    for project in &projects {
        if !args.all {
            diagnostics.extend(check_project(project, &settings));
            continue;
        }
        let snapshot = workspace.snapshot()?;
        let mut failure = None;
        diagnostics.extend(check_project_all(project, &settings, &mut |visit, each| {
            if let Err(error) = for_each_full_read(&snapshot, project, visit, each) {
                failure = Some(error);
            }
        }));
        if let Some(error) = failure {
            return Err(error).with_context(|| {
                format!("cannot read the migrations of `{}`", project.alembic.name)
            });
        }
    }
    sort_diagnostics(&mut diagnostics);

    let sources = if format == OutputFormat::Full {
        workspace.sources(&projects, diagnostics.iter().flat_map(Diagnostic::paths))
    } else {
        report::Sources::default()
    };
    let mut text = report::render(format, &diagnostics, &sources, output.styled());
    let failed = diagnostics.iter().any(|d| d.severity == Severity::Error);
    if failed && mode == Mode::PreCommit {
        text.push_str(blocked);
    }
    output.write(&text).context("cannot write the report")?;
    super::keep_until_exit((projects, workspace, diagnostics));
    Ok(if failed {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// `check --all` of one setup in a line-by-line format: prints each file's
/// findings as soon as they are final, and returns how many there were.
fn print_each_file(
    workspace: &Workspace,
    project: &Project,
    settings: &CheckSettings,
    format: OutputFormat,
    output: &mut Output,
) -> Result<Summary> {
    /// Printed in pieces of about this size rather than file by file.
    const BUFFER: usize = 64 * 1024;
    let snapshot = workspace.snapshot()?;
    let styled = output.styled();
    let reader = workspace.source_reader(std::slice::from_ref(project));
    let mut summary = Summary::default();
    let mut pending = String::new();
    let mut failure = None;
    let mut written = Ok(());
    check_project_each_file(
        project,
        settings,
        &mut |visit, each| {
            if let Err(error) = for_each_full_read(&snapshot, project, visit, each) {
                failure = Some(error);
            }
        },
        &mut |found, source| {
            let counted = Summary::of(&found);
            summary.errors += counted.errors;
            summary.warnings += counted.warnings;
            pending.push_str(&match format {
                OutputFormat::Full => {
                    // The file's own text, and those of the files its
                    // findings point to besides.
                    let mut sources = report::Sources::default();
                    if let Some(source) = source {
                        sources.insert(source.path(), source.text());
                    }
                    reader.add(&mut sources, found.iter().flat_map(Diagnostic::paths));
                    report::render_full_findings(&found, &sources, styled)
                }
                OutputFormat::Github => report::render_github(&found),
                _ => report::render_concise(&found),
            });
            if pending.len() >= BUFFER && written.is_ok() {
                written = output.write(&pending);
                pending.clear();
            }
        },
    );
    if let Some(error) = failure {
        return Err(error)
            .with_context(|| format!("cannot read the migrations of `{}`", project.alembic.name));
    }
    written
        .and_then(|()| output.write(&pending))
        .context("cannot write the report")?;
    Ok(summary)
}

/// `PRE_COMMIT_FROM_REF` and `PRE_COMMIT_TO_REF`, when the pre-commit framework sets both.
fn pre_commit_range() -> Option<(String, String)> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let from = var("PRE_COMMIT_FROM_REF")?;
    let to = var("PRE_COMMIT_TO_REF")?;
    // A new remote branch has no old value.
    (!from.chars().all(|c| c == '0')).then_some((from, to))
}

/// Combines the configuration with the flags: the flags' selection is a
/// layer above the configuration and its per-folder overrides.
pub fn check_settings(settings: &Settings, args: &CheckArgs) -> Result<CheckSettings> {
    let mut severity = Vec::new();
    if args.strict_heads {
        severity.push(("MC101".to_string(), Level::Error));
    }
    let cli = SelectionLayer {
        select: args.select.clone(),
        extend_select: args.extend_select.clone(),
        ignore: args.ignore.clone(),
        severity,
    };
    // Each layer on its own first, so an unknown rule names where it was written.
    RuleSelection::from_layers(&[&cli]).map_err(|error| UnknownRule {
        setting: format!("--{}", error.setting),
        selector: error.selector,
    })?;
    CheckSettings::new(settings, cli).with_context(|| config_name(settings).to_string())
}

/// The file the settings come from, for messages.
fn config_name(settings: &Settings) -> &str {
    settings.source.as_deref().unwrap_or("the defaults")
}
