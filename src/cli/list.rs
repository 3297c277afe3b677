//! `migcheck heads` and `migcheck history`: the same lines `alembic heads`
//! and `alembic history` print, or JSON.

use std::collections::{HashMap, HashSet};

use anyhow::{Context, Result};
use serde::Serialize;

use crate::project::{for_each_full_read, Project};

use super::args::{GlobalArgs, ListArgs, ListFormat};
use super::output::Output;
use super::workspace::Workspace;
use super::ExitStatus;

#[derive(Serialize)]
struct HeadsJson<'a> {
    /// Every head of every setup, sorted.
    heads: Vec<&'a str>,
    projects: Vec<ProjectHeads<'a>>,
}

#[derive(Serialize)]
struct ProjectHeads<'a> {
    config: &'a str,
    section: &'a str,
    heads: Vec<&'a str>,
}

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
    doc: String,
    path: &'a str,
}

/// The setups, with every file read for its header only.
fn load(global: &GlobalArgs) -> Result<(Workspace, Vec<Project>)> {
    let workspace = Workspace::open(global)?;
    let projects = workspace.load(&HashSet::new(), false)?;
    Ok((workspace, projects))
}

/// The docstring of every migration of `project`, by path: the files are
/// read in full one at a time, so their syntax trees are never all in memory.
fn docstrings(workspace: &Workspace, project: &Project) -> Result<HashMap<String, String>> {
    let mut docs: HashMap<String, String> = project
        .migrations
        .iter()
        .filter_map(|m| {
            Some((
                m.path.clone(),
                m.parsed.as_ref()?.docstring.as_ref()?.0.clone(),
            ))
        })
        .collect();
    for_each_full_read(
        &workspace.snapshot()?,
        project,
        &mut |migration, parsed, _| {
            if let Some((text, _)) = parsed.docstring {
                docs.insert(migration.path.clone(), text);
            }
        },
    )
    .with_context(|| format!("cannot read the migrations of `{}`", project.alembic.name))?;
    Ok(docs)
}

pub fn heads(global: &GlobalArgs, args: &ListArgs) -> Result<ExitStatus> {
    let (_, projects) = load(global)?;
    let text = match args.output_format {
        ListFormat::Json => {
            let per_project: Vec<ProjectHeads<'_>> = projects
                .iter()
                .map(|project| {
                    let mut heads: Vec<&str> = project
                        .graph
                        .heads()
                        .into_iter()
                        .map(|n| project.id(n))
                        .collect();
                    heads.sort_unstable();
                    ProjectHeads {
                        config: &project.alembic.config_path,
                        section: &project.alembic.section,
                        heads,
                    }
                })
                .collect();
            let mut all: Vec<&str> = per_project
                .iter()
                .flat_map(|p| p.heads.iter().copied())
                .collect();
            all.sort_unstable();
            serde_json::to_string_pretty(&HeadsJson {
                heads: all,
                projects: per_project,
            })? + "\n"
        }
        ListFormat::Text => {
            let mut out = String::new();
            for project in &projects {
                if projects.len() > 1 {
                    out.push_str(&format!("# {}\n", project.alembic.name));
                }
                for head in project.graph.heads() {
                    out.push_str(&head_line(project, head));
                    out.push('\n');
                }
            }
            out
        }
    };
    Output::stdout(global.color)
        .write(&text)
        .context("cannot write the heads")?;
    Ok(ExitStatus::Success)
}

pub fn history(global: &GlobalArgs, args: &ListArgs) -> Result<ExitStatus> {
    let (workspace, projects) = load(global)?;
    let docs: Vec<HashMap<String, String>> = projects
        .iter()
        .map(|project| docstrings(&workspace, project))
        .collect::<Result<_>>()?;
    let text = match args.output_format {
        ListFormat::Json => {
            let projects: Vec<ProjectHistory<'_>> = projects
                .iter()
                .zip(&docs)
                .map(|(project, docs)| ProjectHistory {
                    config: &project.alembic.config_path,
                    section: &project.alembic.section,
                    history: project
                        .graph
                        .history()
                        .into_iter()
                        .map(|n| {
                            let node = project.graph.node(n);
                            HistoryEntry {
                                revision: &node.id,
                                down_revisions: &node.down_revisions,
                                depends_on: &node.depends_on,
                                branch_labels: project.graph.branch_labels(n),
                                is_head: project.graph.is_head(n),
                                is_branch_point: project.graph.is_branch_point(n),
                                is_merge_point: project.graph.is_merge_point(n),
                                doc: doc(project, n, docs),
                                path: &project.migration_of_node(n).path,
                            }
                        })
                        .collect(),
                })
                .collect();
            serde_json::to_string_pretty(&HistoryJson { projects })? + "\n"
        }
        ListFormat::Text => {
            let mut out = String::new();
            for (project, docs) in projects.iter().zip(&docs) {
                if projects.len() > 1 {
                    out.push_str(&format!("# {}\n", project.alembic.name));
                }
                for n in project.graph.history() {
                    out.push_str(&history_line(project, n, docs));
                    out.push('\n');
                }
            }
            out
        }
    };
    Output::stdout(global.color)
        .write(&text)
        .context("cannot write the history")?;
    Ok(ExitStatus::Success)
}

/// The first paragraph of the docstring, as Alembic's `Script.doc`.
fn doc(project: &Project, node: usize, docs: &HashMap<String, String>) -> String {
    let migration = project.migration_of_node(node);
    let longdoc = docs
        .get(&migration.path)
        .map(|text| text.trim().to_string())
        .unwrap_or_default();
    longdoc.split("\n\n").next().unwrap_or_default().to_string()
}

fn comma(items: &[String]) -> String {
    items.join(", ")
}

/// `alembic heads`: `<id> (<labels>) (head)`.
fn head_line(project: &Project, node: usize) -> String {
    let graph = &project.graph;
    let mut text = project.id(node).to_string();
    let labels = graph.branch_labels(node);
    if !labels.is_empty() {
        text.push_str(&format!(" ({})", comma(labels)));
    }
    if graph.is_real_head(node) {
        text.push_str(" (head)");
    } else if graph.is_head(node) {
        text.push_str(" (effective head)");
    }
    text
}

/// `alembic history`: `<parents> -> <id> (<labels>) (head) (branchpoint), <doc>`.
fn history_line(project: &Project, node: usize, docs: &HashMap<String, String>) -> String {
    let graph = &project.graph;
    let revision = graph.node(node);
    let parents = if revision.down_revisions.is_empty() {
        "<base>".to_string()
    } else {
        comma(&revision.down_revisions)
    };
    let dependencies = graph.dependencies(node);
    let mut text = if dependencies.is_empty() {
        format!("{parents} -> {}", revision.id)
    } else {
        format!("{parents} ({}) -> {}", comma(dependencies), revision.id)
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
    if graph.is_branch_point(node) {
        text.push_str(" (branchpoint)");
    }
    if graph.is_merge_point(node) {
        text.push_str(" (mergepoint)");
    }
    text.push_str(", ");
    text.push_str(&doc(project, node, docs));
    text
}
