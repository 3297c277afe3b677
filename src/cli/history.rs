//! `migcheck history`: the lines `alembic history` prints (`-r/--rev-range`,
//! `-v/--verbose`, `-i/--indicate-current`), or JSON.
//!
//! A range is `start:end` in Alembic's syntax; an empty start is `base`, an
//! empty end `heads`. `current` stands for the revisions the database is at,
//! read as `migcheck status` reads them; as Alembic does, an empty database
//! makes `current` mean `base` as a start and `heads` as an end.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use serde::Serialize;

use crate::alembic::graph::{Endpoint, ResolveError};
use crate::db::DbVersions;
use crate::git::Repository;
use crate::project::Project;

use super::args::{GlobalArgs, HistoryArgs, ListFormat};
use super::database;
use super::list::{broken_status, comma};
use super::output::Output;
use super::workspace::Workspace;
use super::ExitStatus;

#[derive(Serialize)]
struct HistoryJson<'a> {
    projects: Vec<ProjectHistory<'a>>,
}

#[derive(Serialize)]
struct ProjectHistory<'a> {
    config: &'a str,
    section: &'a str,
    history: Vec<HistoryEntry<'a>>,
}

#[derive(Serialize)]
struct HistoryEntry<'a> {
    revision: &'a str,
    down_revisions: &'a [String],
    depends_on: &'a [String],
    branch_labels: &'a [String],
    is_head: bool,
    is_branch_point: bool,
    is_merge_point: bool,
    /// Present with `--indicate-current`: the database is at this revision.
    #[serde(skip_serializing_if = "Option::is_none")]
    is_current: Option<bool>,
    doc: &'a str,
    path: &'a str,
}

/// `alembic history`'s parse of `-r`: exactly one `:`.
fn parse_range(text: &str) -> Result<(String, String)> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    match parts[..] {
        [start, end] => Ok((start.to_string(), end.to_string())),
        _ => bail!("History range requires [start]:[end], [start]:, or :[end]"),
    }
}

pub fn run(global: &GlobalArgs, args: &HistoryArgs) -> Result<ExitStatus> {
    let range = args.rev_range.as_deref().map(parse_range).transpose()?;
    let needs_database = args.indicate_current
        || range
            .as_ref()
            .is_some_and(|(start, end)| start == "current" || end == "current");
    let workspace = Workspace::open(global)?;
    let projects = workspace.load_with_docstrings()?;
    let root = root(&workspace, global)?;
    let mut selected = Vec::with_capacity(projects.len());
    for project in &projects {
        let current = if needs_database {
            let read = database::read(
                global,
                &workspace.settings,
                &project.alembic,
                &args.database,
            )?;
            Some(match read.versions {
                DbVersions::NoVersionTable => Vec::new(),
                DbVersions::Versions(rows) => rows,
            })
        } else {
            None
        };
        let revisions = select(project, range.as_ref(), current.as_deref())?;
        let marked = current
            .filter(|_| args.indicate_current)
            .map(|rows| current_nodes(project, &rows));
        selected.push((revisions, marked));
    }
    let text = match args.output_format {
        ListFormat::Json => {
            let history = projects
                .iter()
                .zip(&selected)
                .map(|(project, (revisions, marked))| ProjectHistory {
                    config: &project.alembic.config_path,
                    section: &project.alembic.section,
                    history: revisions
                        .iter()
                        .map(|&n| entry(project, n, marked.as_ref()))
                        .collect(),
                })
                .collect();
            serde_json::to_string_pretty(&HistoryJson { projects: history })? + "\n"
        }
        ListFormat::Text => {
            let mut out = String::new();
            for (project, (revisions, marked)) in projects.iter().zip(&selected) {
                if projects.len() > 1 {
                    out.push_str(&format!("# {}\n", project.alembic.name));
                }
                for &n in revisions {
                    let current = marked.as_ref().is_some_and(|m| m.contains(&n));
                    if args.verbose {
                        out.push_str(&log_entry(project, n, current, &root));
                    } else {
                        out.push_str(&history_line(project, n, current));
                    }
                    out.push('\n');
                }
            }
            out
        }
    };
    Output::stdout(global.color)
        .write(&text)
        .context("cannot write the history")?;
    Ok(broken_status(&projects))
}

/// The revisions to print, newest first.
fn select(
    project: &Project,
    range: Option<&(String, String)>,
    current: Option<&[String]>,
) -> Result<Vec<usize>> {
    let Some((start, end)) = range else {
        return Ok(project.graph.history());
    };
    let rows: Vec<&str> = current
        .unwrap_or_default()
        .iter()
        .map(String::as_str)
        .collect();
    // What `alembic history` hands to `walk_revisions(base, head)`.
    let (lower, upper) = if end == "current" {
        let upper = if rows.is_empty() {
            Endpoint::Spec("heads")
        } else {
            Endpoint::Current(&rows)
        };
        (spec_or(start, "base"), upper)
    } else if start == "current" {
        let lower = if rows.is_empty() {
            Endpoint::Spec("base")
        } else {
            Endpoint::Current(&rows)
        };
        (lower, spec_or(end, "heads"))
    } else {
        (spec_or(start, "base"), spec_or(end, "heads"))
    };
    project
        .graph
        .iterate_endpoints(upper, lower)
        .map_err(|error| anyhow!(alembic_message(&error, &describe(lower), &describe(upper))))
}

fn spec_or<'a>(text: &'a str, default: &'static str) -> Endpoint<'a> {
    if text.is_empty() {
        Endpoint::Spec(default)
    } else {
        Endpoint::Spec(text)
    }
}

fn describe(endpoint: Endpoint<'_>) -> String {
    match endpoint {
        Endpoint::Spec(spec) => spec.to_string(),
        Endpoint::Current(rows) => rows.join(","),
    }
}

/// The message `alembic history` fails with (`ScriptDirectory._catch_revision_errors`).
fn alembic_message(error: &ResolveError, start: &str, end: &str) -> String {
    match error {
        ResolveError::RangeNotAncestor { .. } => format!(
            "Requested range {start}:{end} does not refer to ancestor/descendant revisions along the same branch"
        ),
        ResolveError::MultipleHeads { .. } => format!(
            "Multiple head revisions are present for given argument '{end}'; please specify a specific target revision, '<branchname>@{end}' to narrow to a specific head, or 'heads' for all heads"
        ),
        ResolveError::Resolution { argument, .. } => {
            format!("Can't locate revision identified by '{argument}'")
        }
        other => other.to_string(),
    }
}

/// The graph nodes the database rows name (unknown rows name none).
fn current_nodes(project: &Project, rows: &[String]) -> HashSet<usize> {
    rows.iter()
        .filter_map(|row| project.graph.resolve(row).ok())
        .flatten()
        .collect()
}

/// Where the files are on disk, for `Path:` in verbose output.
fn root(workspace: &Workspace, global: &GlobalArgs) -> Result<PathBuf> {
    match workspace.repo.as_ref().and_then(Repository::workdir) {
        Some(dir) => Ok(dir.to_path_buf()),
        None => database::current_dir(global),
    }
}

fn entry<'a>(project: &'a Project, n: usize, marked: Option<&HashSet<usize>>) -> HistoryEntry<'a> {
    let node = project.graph.node(n);
    let migration = project.migration_of_node(n);
    HistoryEntry {
        revision: &node.id,
        down_revisions: &node.down_revisions,
        depends_on: &node.depends_on,
        branch_labels: project.graph.branch_labels(n),
        is_head: project.graph.is_head(n),
        is_branch_point: project.graph.is_branch_point(n),
        is_merge_point: project.graph.is_merge_point(n),
        is_current: marked.map(|m| m.contains(&n)),
        doc: migration.doc(),
        path: &migration.path,
    }
}

fn parents(project: &Project, n: usize) -> String {
    let revision = project.graph.node(n);
    if revision.down_revisions.is_empty() {
        "<base>".to_string()
    } else {
        comma(&revision.down_revisions)
    }
}

/// `alembic history`: `<parents> -> <id> (<labels>) (head) (current) (branchpoint), <doc>`.
fn history_line(project: &Project, node: usize, current: bool) -> String {
    let graph = &project.graph;
    let revision = graph.node(node);
    let dependencies = graph.dependencies(node);
    let mut text = if dependencies.is_empty() {
        format!("{} -> {}", parents(project, node), revision.id)
    } else {
        format!(
            "{} ({}) -> {}",
            parents(project, node),
            comma(dependencies),
            revision.id
        )
    };
    let labels = graph.branch_labels(node);
    if !labels.is_empty() {
        text.push_str(&format!(" ({})", comma(labels)));
    }
    if graph.is_real_head(node) {
        text.push_str(" (head)");
    } else if graph.is_head(node) {
        text.push_str(" (effective head)");
    }
    if current {
        text.push_str(" (current)");
    }
    if graph.is_branch_point(node) {
        text.push_str(" (branchpoint)");
    }
    if graph.is_merge_point(node) {
        text.push_str(" (mergepoint)");
    }
    text.push_str(", ");
    text.push_str(project.migration_of_node(node).doc());
    text
}

/// `alembic history --verbose`: Alembic's `Script.log_entry`. Children of a
/// branch point are sorted (Alembic prints them in set order, which varies).
fn log_entry(project: &Project, node: usize, current: bool, root: &Path) -> String {
    let graph = &project.graph;
    let revision = graph.node(node);
    let mut text = format!("Rev: {}", revision.id);
    if graph.is_head(node) {
        text.push_str(" (head)");
    }
    if graph.is_branch_point(node) {
        text.push_str(" (branchpoint)");
    }
    if graph.is_merge_point(node) {
        text.push_str(" (mergepoint)");
    }
    if current {
        text.push_str(" (current)");
    }
    text.push('\n');
    let parents = parents(project, node);
    if graph.is_merge_point(node) {
        text.push_str(&format!("Merges: {parents}\n"));
    } else {
        text.push_str(&format!("Parent: {parents}\n"));
    }
    if !revision.depends_on.is_empty() {
        text.push_str(&format!(
            "Also depends on: {}\n",
            comma(&revision.depends_on)
        ));
    }
    if graph.is_branch_point(node) {
        let mut children: Vec<String> = graph
            .nodes()
            .iter()
            .enumerate()
            .filter(|(i, child)| {
                graph.index_of(&child.id) == Some(*i) && child.down_revisions.contains(&revision.id)
            })
            .map(|(_, child)| child.id.clone())
            .collect();
        children.sort();
        children.dedup();
        text.push_str(&format!("Branches into: {}\n", comma(&children)));
    }
    let labels = graph.branch_labels(node);
    if !labels.is_empty() {
        text.push_str(&format!("Branch names: {}\n", comma(labels)));
    }
    let path = root.join(&project.migration_of_node(node).path);
    text.push_str(&format!("Path: {}\n", path.display()));
    let indented: Vec<String> = python_lines(project.migration_of_node(node).longdoc())
        .map(|line| format!("    {line}"))
        .collect();
    text.push_str(&format!("\n{}\n", indented.join("\n")));
    text
}

/// Python's `str.splitlines()`.
fn python_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let breaks = [
            '\n', '\r', '\x0b', '\x0c', '\x1c', '\x1d', '\x1e', '\u{85}', '\u{2028}', '\u{2029}',
        ];
        match rest.find(breaks) {
            None => {
                let line = rest;
                rest = "";
                Some(line)
            }
            Some(at) => {
                let line = &rest[..at];
                let after = &rest[at..];
                let width = if after.starts_with("\r\n") {
                    2
                } else {
                    after.chars().next().map_or(1, char::len_utf8)
                };
                rest = &after[width..];
                Some(line)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_need_exactly_one_colon() {
        assert_eq!(
            parse_range(" base:head ").unwrap(),
            ("base".to_string(), "head".to_string())
        );
        assert_eq!(parse_range(":").unwrap(), (String::new(), String::new()));
        assert!(parse_range("head").is_err());
        assert!(parse_range("a:b:c").is_err());
    }

    #[test]
    fn splitlines_like_python() {
        let lines: Vec<&str> = python_lines("a\r\nb\rc\u{2028}d\n\ne\n").collect();
        assert_eq!(lines, ["a", "b", "c", "d", "", "e"]);
        assert_eq!(python_lines("").count(), 0);
    }
}
