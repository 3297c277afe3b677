//! `migcheck graph`: the revision graph as Graphviz DOT or a Mermaid flowchart.

use anyhow::{Context, Result};

use crate::diagram::render;

use super::args::{GlobalArgs, GraphArgs};
use super::list::{broken_status, load_with_docstrings};
use super::output::Output;
use super::ExitStatus;

pub fn run(global: &GlobalArgs, args: &GraphArgs) -> Result<ExitStatus> {
    let projects = load_with_docstrings(global)?;
    let text = render(args.format, &projects);
    Output::stdout(global.color)
        .write(&text)
        .context("cannot write the graph")?;
    Ok(broken_status(&projects))
}
