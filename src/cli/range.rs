//! Range checks for CI (`check --from-ref BASE [--to-ref HEAD]`): the files
//! the range changes (from the merge base, as `git diff BASE...HEAD`), and the
//! graph of each Alembic setup at the base ref, which the stale-parent rule
//! compares against.

use std::collections::HashMap;

use anyhow::{bail, Context, Result};

use crate::project::{PathSet, Project, RangeBase};

use super::args::GlobalArgs;
use super::workspace::{paths_to_lint, Workspace};

/// The ends of a range: `--from-ref` and `--to-ref` (default `HEAD`).
#[derive(Debug, Clone)]
pub struct Range {
    pub from: String,
    pub to: String,
}

impl Range {
    pub fn new(global: &GlobalArgs, from: &str, to: Option<&str>) -> Result<Range> {
        if global.worktree {
            bail!("--from-ref compares commits; it cannot be combined with --worktree");
        }
        if to.is_some() && global.rev.is_some() {
            bail!("--to-ref and --rev both name the commit to check; give one");
        }
        Ok(Range {
            from: from.to_owned(),
            to: to.or(global.rev.as_deref()).unwrap_or("HEAD").to_owned(),
        })
    }

    /// The global arguments with the files read at `rev`.
    pub fn at(global: &GlobalArgs, rev: &str) -> GlobalArgs {
        GlobalArgs {
            rev: Some(rev.to_owned()),
            worktree: false,
            ..global.clone()
        }
    }

    /// Paths the range adds, modifies or renames.
    pub fn changed_paths(&self, workspace: &Workspace) -> Result<PathSet> {
        let Some(repo) = &workspace.repo else {
            bail!("--from-ref needs a git repository");
        };
        let changes = repo
            .range_changes(&self.from, &self.to)
            .with_context(|| format!("cannot compare `{}` with `{}`", self.from, self.to))?;
        Ok(paths_to_lint(changes))
    }

    /// Loads every Alembic setup at the base ref and gives each project the
    /// graph of the same setup there (same configuration file and section).
    /// A setup the base does not have yet gets none.
    pub fn attach_base(&self, global: &GlobalArgs, projects: &mut [Project]) -> Result<()> {
        let base = Workspace::open(&Range::at(global, &self.from))
            .with_context(|| format!("cannot read the Alembic setup at `{}`", self.from))?;
        let loaded = base
            .load(&PathSet::default(), false)
            .with_context(|| format!("cannot read the migrations at `{}`", self.from))?;
        let mut graphs: HashMap<(String, String), _> = loaded
            .into_iter()
            .map(|p| ((p.alembic.config_path, p.alembic.section), p.graph))
            .collect();
        for project in projects {
            let key = (
                project.alembic.config_path.clone(),
                project.alembic.section.clone(),
            );
            project.base = graphs.remove(&key).map(|graph| RangeBase {
                rev: self.from.clone(),
                graph,
            });
        }
        Ok(())
    }
}
