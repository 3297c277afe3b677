//! `migcheck heads`: the same lines `alembic heads` prints, or JSON; and what
//! `heads` and `history` share (loading every setup, the warning for a history
//! Alembic itself cannot load).

use anyhow::{Context, Result};
use serde::Serialize;

use crate::project::{PathSet, Project};

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

/// Every setup, each file read for its header only.
fn load(global: &GlobalArgs) -> Result<Vec<Project>> {
    let workspace = Workspace::open(global)?;
    let projects = workspace.load(&PathSet::default(), false);
    super::keep_until_exit(workspace);
    projects
}

/// Every setup, with every migration's docstring.
pub(super) fn load_with_docstrings(global: &GlobalArgs) -> Result<Vec<Project>> {
    Workspace::open(global)?.load_with_docstrings()
}

/// Alembic itself would fail on these graphs: say so on stderr (one line a
/// setup) and exit 1, after printing what can be read.
pub(super) fn broken_status(projects: &[Project]) -> ExitStatus {
    let mut status = ExitStatus::Success;
    for project in projects {
        if let Some(error) = project.graph.alembic_error() {
            eprintln!(
                "migcheck: warning: Alembic cannot load the history of `{}` ({error}); run `migcheck check` for details",
                project.alembic.name
            );
            status = ExitStatus::Failure;
        }
    }
    status
}

pub fn heads(global: &GlobalArgs, args: &ListArgs) -> Result<ExitStatus> {
    let projects = load(global)?;
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
    let status = broken_status(&projects);
    super::keep_until_exit(projects);
    Ok(status)
}

pub(super) fn comma(items: &[String]) -> String {
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
