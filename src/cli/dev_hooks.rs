//! `migcheck hook post-checkout` and `migcheck hook post-merge`: after a
//! branch switch or a pull, say when the migration heads moved, where the
//! development database stands, and (when the repository opts in) run
//! `alembic upgrade head`. These hooks never fail and never block git: every
//! problem becomes a note and the exit status is always 0.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use anyhow::Result;

use crate::alembic::graph::RevisionGraph;
use crate::config::Settings;
use crate::db::{self, DbVersions};
use crate::git::{BackendChoice, Repository};
use crate::project::{PathSet, Project};
use crate::status::choose_database_url;

use super::args::{DevDatabaseArgs, GlobalArgs, PostCheckoutArgs, PostMergeArgs};
use super::auto_migrate;
use super::database;
use super::output::Output;
use super::range::Range;
use super::workspace::Workspace;
use super::ExitStatus;

/// How long a hook waits for the database before it gives up on it.
const DATABASE_TIMEOUT: Duration = Duration::from_secs(3);

pub fn post_checkout(global: &GlobalArgs, args: &PostCheckoutArgs) -> Result<ExitStatus> {
    // A file checkout (`git checkout -- path`) moves no branch.
    if args.branch_checkout.as_deref() == Some("0") {
        return Ok(ExitStatus::Success);
    }
    let previous = args.previous.as_deref().unwrap_or("HEAD@{1}");
    // A fresh clone has no previous commit.
    if previous.chars().all(|c| c == '0') {
        return Ok(ExitStatus::Success);
    }
    let current = args.current.as_deref().unwrap_or("HEAD");
    Ok(never_fail(global, "post-checkout", || {
        report(
            global,
            previous,
            Some(current),
            &args.database,
            "post-checkout",
        )
    }))
}

pub fn post_merge(global: &GlobalArgs, args: &PostMergeArgs) -> Result<ExitStatus> {
    // A squash merge leaves HEAD where it was and the result in the index.
    let after = match args.squash.as_deref() {
        Some("1") => None,
        _ => Some("HEAD"),
    };
    Ok(never_fail(global, "post-merge", || {
        report(global, "ORIG_HEAD", after, &args.database, "post-merge")
    }))
}

/// Prints what `f` has to say, or its error as a note; always succeeds.
fn never_fail(global: &GlobalArgs, hook: &str, f: impl FnOnce() -> Result<String>) -> ExitStatus {
    match f() {
        Ok(text) if text.is_empty() => {}
        Ok(text) => {
            let _ = Output::stdout(global.color).write(&text);
        }
        Err(error) => eprintln!("migcheck: {hook}: {}", super::one_line(&error)),
    }
    ExitStatus::Success
}

/// Compares the heads at `before` with those at `after` (a commit, or the
/// index when `None`) and says what moved.
fn report(
    global: &GlobalArgs,
    before: &str,
    after: Option<&str>,
    database: &DevDatabaseArgs,
    hook: &str,
) -> Result<String> {
    let after_global = match after {
        Some(rev) => Range::at(global, rev),
        None => GlobalArgs {
            rev: None,
            worktree: false,
            ..global.clone()
        },
    };
    // No earlier commit to compare with (ORIG_HEAD before any merge): nothing moved.
    let cwd = match &global.directory {
        Some(dir) => dir.clone(),
        None => std::env::current_dir()?,
    };
    let resolvable = Repository::open(&cwd, BackendChoice::Auto)
        .is_ok_and(|repo| repo.resolve_commit(before).is_ok());
    if !resolvable {
        return Ok(String::new());
    }
    let workspace = Workspace::open(&after_global)?;
    let Some(repo) = &workspace.repo else {
        return Ok(String::new());
    };
    let root = repo.workdir().unwrap_or(repo.git_dir()).to_path_buf();
    let git_dir = repo.git_dir().to_path_buf();
    let projects = workspace.load(&PathSet::default(), false)?;
    let earlier: Vec<Project> = Workspace::open(&Range::at(global, before))
        .and_then(|ws| ws.load(&PathSet::default(), false))
        .unwrap_or_default();
    let several = projects.len() > 1;
    let mut out = String::new();
    for project in &projects {
        let earlier = earlier.iter().find(|p| {
            p.alembic.config_path == project.alembic.config_path
                && p.alembic.section == project.alembic.section
        });
        let heads_after = head_ids(&project.graph);
        let heads_before = earlier.map(|p| head_ids(&p.graph)).unwrap_or_default();
        if sorted(&heads_before) == sorted(&heads_after) {
            continue;
        }
        let place = if several {
            format!(" in `{}`", project.alembic.name)
        } else {
            String::new()
        };
        out.push_str(&format!(
            "migcheck: migration heads{place} moved from {} to {}\n",
            list(&heads_before),
            list(&heads_after)
        ));
        let upgrade = upgrade_command(project, heads_after.len());
        let state = database_state(
            database,
            &workspace.settings,
            project,
            earlier.map(|p| &p.graph),
            &root,
        );
        let line = match &state {
            DbState::NoUrl => None,
            DbState::Unreadable(reason) => Some(format!("cannot read your database: {reason}")),
            DbState::NeverMigrated(url) => Some(format!(
                "your database ({url}) has no version table yet: run `{}`",
                upgrade.join(" ")
            )),
            DbState::UpToDate(at) => Some(format!("your database is at {}: up to date", list(at))),
            DbState::Behind(at) => Some(format!(
                "your database is at {}: run `{}`",
                list(at),
                upgrade.join(" ")
            )),
            DbState::Unknown { at, known } => Some(match known {
                Some(ancestor) => format!(
                    "your database is at {}, which this checkout does not have: run `alembic downgrade {ancestor}` on the branch you came from, then switch again",
                    list(at)
                ),
                None => format!(
                    "your database is at {}, which this checkout does not have",
                    list(at)
                ),
            }),
        };
        if let Some(line) = line {
            out.push_str(&format!("migcheck: {line}\n"));
        }
        let wants_upgrade = matches!(
            state,
            DbState::NoUrl
                | DbState::Unreadable(_)
                | DbState::NeverMigrated(_)
                | DbState::Behind(_)
        );
        if wants_upgrade && auto_migrate::opted_in(workspace.settings.auto_migrate) {
            let why = format!(
                "{hook}: heads moved from {} to {}",
                list(&heads_before),
                list(&heads_after)
            );
            let line = auto_migrate::run(
                &root,
                &git_dir,
                &upgrade[1..],
                &why,
                Duration::from_secs(database.timeout.max(1)),
            )?;
            out.push_str(&format!("migcheck: {line}\n"));
        }
    }
    Ok(out)
}

/// Where the development database stands against the new heads.
enum DbState {
    /// No URL from the flag, the environment or the configuration.
    NoUrl,
    Unreadable(String),
    NeverMigrated(String),
    UpToDate(Vec<String>),
    Behind(Vec<String>),
    /// At revisions this checkout lacks; `known` is the nearest ancestor it has.
    Unknown {
        at: Vec<String>,
        known: Option<String>,
    },
}

fn database_state(
    args: &DevDatabaseArgs,
    settings: &Settings,
    project: &Project,
    earlier: Option<&RevisionGraph>,
    root: &Path,
) -> DbState {
    let env = |name: &str| std::env::var(name).ok();
    let url = match choose_database_url(
        args.database_url.as_deref(),
        &settings.database_url_env,
        &env,
        &project.alembic,
        root,
    ) {
        Ok(Some(choice)) => choice.url,
        Ok(None) => return DbState::NoUrl,
        Err(error) => return DbState::Unreadable(error.to_string()),
    };
    let table = database::version_table(settings);
    let timeout = DATABASE_TIMEOUT.min(Duration::from_secs(args.timeout.max(1)));
    let at = match db::read_versions(&url, &table, timeout) {
        Ok(DbVersions::NoVersionTable) => return DbState::NeverMigrated(url.to_string()),
        Ok(DbVersions::Versions(at)) => at,
        Err(error) => return DbState::Unreadable(error.to_string()),
    };
    let graph = &project.graph;
    let heads = head_ids(graph);
    if sorted(&at) == sorted(&heads) {
        return DbState::UpToDate(at);
    }
    if at.iter().all(|id| graph.index_of(id).is_some()) {
        return DbState::Behind(at);
    }
    let known = earlier.and_then(|earlier| nearest_known(earlier, graph, &at));
    DbState::Unknown { at, known }
}

/// Following `down_revision` in the earlier graph from the database's
/// revisions, the first revision the new graph has too.
fn nearest_known(earlier: &RevisionGraph, graph: &RevisionGraph, at: &[String]) -> Option<String> {
    let mut stack: Vec<&str> = at.iter().map(String::as_str).collect();
    let mut seen = HashSet::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id.to_owned()) {
            continue;
        }
        if graph.index_of(id).is_some() {
            return Some(id.to_owned());
        }
        if let Some(node) = earlier.index_of(id) {
            stack.extend(earlier.node(node).down_revisions.iter().map(String::as_str));
        }
    }
    None
}

/// `alembic [-c FILE] [-n NAME] upgrade head`, or `heads` when there are several.
fn upgrade_command(project: &Project, heads: usize) -> Vec<String> {
    let mut command = vec!["alembic".to_owned()];
    if project.alembic.config_path != "alembic.ini" {
        command.extend(["-c".to_owned(), project.alembic.config_path.clone()]);
    }
    if project.alembic.section != "alembic" {
        command.extend(["-n".to_owned(), project.alembic.section.clone()]);
    }
    command.push("upgrade".to_owned());
    command.push(if heads > 1 { "heads" } else { "head" }.to_owned());
    command
}

fn head_ids(graph: &RevisionGraph) -> Vec<String> {
    graph
        .heads()
        .into_iter()
        .map(|n| graph.node(n).id.clone())
        .collect()
}

fn sorted(ids: &[String]) -> Vec<&str> {
    let mut ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// `` `a1` ``, `` `a1`, `b2` `` or `(none)`.
fn list(ids: &[String]) -> String {
    if ids.is_empty() {
        return "(none)".to_owned();
    }
    ids.iter()
        .map(|id| format!("`{id}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> RevisionGraph {
        RevisionGraph::from_edges(edges)
    }

    #[test]
    fn nearest_known_ancestor_of_a_revision_from_another_branch() {
        let earlier = graph(&[("a1", &[]), ("b2", &["a1"]), ("c3", &["b2"])]);
        let now = graph(&[("a1", &[]), ("x9", &["a1"])]);
        assert_eq!(
            nearest_known(&earlier, &now, &["c3".to_string()]),
            Some("a1".to_string())
        );
        assert_eq!(nearest_known(&earlier, &now, &["zz".to_string()]), None);
    }

    #[test]
    fn lists_read_naturally() {
        assert_eq!(list(&[]), "(none)");
        assert_eq!(list(&["a1".into(), "b2".into()]), "`a1`, `b2`");
    }
}
