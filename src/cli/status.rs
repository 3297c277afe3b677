//! `migcheck status`: the database's version table against the heads of the
//! checkout, as text for people or a stable JSON object for dashboards.

use anyhow::{bail, Context, Result};
use serde::Serialize;

use crate::alembic::discovery::AlembicProject;
use crate::project::{PathSet, Project};
use crate::status::{compare, DatabaseStatus, State};

use super::args::{DatabaseArgs, GlobalArgs, ListFormat, StatusArgs};
use super::database::{self, DatabaseRead};
use super::output::Output;
use super::workspace::Workspace;
use super::{one_line, ExitStatus};

/// Version of the JSON layout of `status` and `plan`.
pub(super) const JSON_VERSION: u32 = 1;

/// One database compared with one Alembic setup, the pending files read in full.
pub(super) struct Examined {
    pub workspace: Workspace,
    pub project: Project,
    pub database: DatabaseRead,
    pub status: DatabaseStatus,
}

impl Examined {
    /// `alembic upgrade head`, or `heads` when there are several.
    pub fn upgrade_command(&self) -> String {
        let target = if self.status.heads.len() > 1 {
            "heads"
        } else {
            "head"
        };
        format!("{} upgrade {target}", self.project.alembic_command())
    }

    pub fn ids(&self, nodes: &[usize]) -> Vec<&str> {
        nodes.iter().map(|&n| self.project.id(n)).collect()
    }
}

pub fn run(global: &GlobalArgs, args: &StatusArgs) -> Result<ExitStatus> {
    let examined = match examine(global, &args.database) {
        Ok(examined) => examined,
        Err(error) if args.output_format == ListFormat::Json => {
            return json_error(global, &error);
        }
        Err(error) => return Err(error),
    };
    let text = match args.output_format {
        ListFormat::Json => serde_json::to_string_pretty(&StatusJson::of(&examined))? + "\n",
        ListFormat::Text => render_text(&examined),
    };
    Output::stdout(global.color)
        .write(&text)
        .context("cannot write the status")?;
    Ok(exit_status(&examined))
}

/// 0 when there is nothing to do, else 1 (and 1 when Alembic cannot load the history).
pub(super) fn exit_status(examined: &Examined) -> ExitStatus {
    if examined.status.is_clean() && examined.project.graph.alembic_error().is_none() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    }
}

/// Opens the workspace, reads the database and compares.
pub(super) fn examine(global: &GlobalArgs, args: &DatabaseArgs) -> Result<Examined> {
    let workspace = Workspace::open(global)?;
    let alembic = single_project(&workspace)?;
    let database = database::read(global, &workspace.settings, &alembic, args)?;
    let first = load(&workspace, &alembic, &PathSet::default())?;
    if let Some(error) = first.graph.alembic_error() {
        eprintln!(
            "migcheck: warning: Alembic cannot load the history of `{}` ({error}); run `migcheck check` for details",
            alembic.name
        );
    }
    let status = compare(&first.graph, &database.versions)?;
    let pending: PathSet = status
        .pending
        .iter()
        .map(|&n| first.migration_of_node(n).path.clone())
        .collect();
    let (project, status) = if pending.is_empty() {
        (first, status)
    } else {
        // Read the pending files in full: their messages, and the rules of `plan`.
        let project = load(&workspace, &alembic, &pending)?;
        let status = compare(&project.graph, &database.versions)?;
        (project, status)
    };
    Ok(Examined {
        workspace,
        project,
        database,
        status,
    })
}

fn single_project(workspace: &Workspace) -> Result<AlembicProject> {
    match &workspace.projects[..] {
        [only] => Ok(only.clone()),
        [] => bail!("no Alembic setup found"),
        several => {
            let names: Vec<String> = several.iter().map(|p| format!("`{}`", p.name)).collect();
            bail!(
                "{} Alembic setups found ({}): choose one with -c/--config (and -n/--name)",
                several.len(),
                names.join(", ")
            )
        }
    }
}

fn load(workspace: &Workspace, alembic: &AlembicProject, changed: &PathSet) -> Result<Project> {
    let mut projects = workspace.load_setups(std::slice::from_ref(alembic), changed, false)?;
    Ok(projects.remove(0))
}

/// The header lines `status` and `plan` share: database, current, heads, state.
pub(super) fn render_header(examined: &Examined) -> String {
    let status = &examined.status;
    let database = &examined.database;
    let mut out = format!(
        "database: {} ({})\n",
        database.choice.url, database.choice.source
    );
    if database.table != crate::db::VersionTable::default() {
        out.push_str(&format!("version table: {}\n", database.table));
    }
    let current = if !status.table_exists {
        format!("(none: there is no `{}` table)", database.table)
    } else if status.current.is_empty() {
        "(none: the version table is empty)".to_string()
    } else {
        status.current.join(", ")
    };
    out.push_str(&format!("current: {current}\n"));
    let heads = examined.ids(&status.heads);
    out.push_str(&format!(
        "heads: {}\n",
        if heads.is_empty() {
            "(none: no revisions)".to_string()
        } else {
            heads.join(", ")
        }
    ));
    out.push_str(&format!("state: {}\n", describe_state(examined)));
    if status.several_heads() {
        let ids = examined.ids(&status.unlabelled_heads);
        out.push_str(&format!(
            "warning: the checkout has {} heads ({}): `{} upgrade head` fails until they are merged with `{} merge -m \"merge heads\" {}`\n",
            ids.len(),
            ids.join(", "),
            examined.project.alembic_command(),
            examined.project.alembic_command(),
            ids.join(" ")
        ));
    }
    out
}

fn describe_state(examined: &Examined) -> String {
    let status = &examined.status;
    let count = |n: usize| {
        if n == 1 {
            "1 revision".to_string()
        } else {
            format!("{n} revisions")
        }
    };
    match status.state {
        State::UpToDate => "up to date".to_string(),
        State::Behind => format!(
            "behind: {} to apply with `{}`",
            count(status.pending.len()),
            examined.upgrade_command()
        ),
        State::NoVersionTable if status.pending.is_empty() => {
            "never migrated, and there is nothing to apply".to_string()
        }
        State::NoVersionTable => format!(
            "never migrated: {} to apply with `{}`",
            count(status.pending.len()),
            examined.upgrade_command()
        ),
        State::Unknown => {
            let unknown: Vec<String> = status.unknown.iter().map(|u| format!("`{u}`")).collect();
            let mut text = format!(
                "unknown: the database is at {}, which this checkout does not have (migrated from another branch?)",
                unknown.join(", ")
            );
            if status.known.is_empty() {
                text.push_str("; none of its revisions is known here");
            } else {
                text.push_str(&format!(
                    "; nearest known: {}",
                    examined.ids(&status.known).join(", ")
                ));
            }
            text
        }
    }
}

fn render_text(examined: &Examined) -> String {
    let mut out = render_header(examined);
    let status = &examined.status;
    if !status.pending.is_empty() {
        out.push_str(&format!(
            "\nPending, in the order `{}` applies them:\n",
            examined.upgrade_command()
        ));
        for (i, &node) in status.pending.iter().enumerate() {
            let migration = examined.project.migration_of_node(node);
            out.push_str(&format!(
                "  {:>2}. {}  {}  ({})\n",
                i + 1,
                examined.project.id(node),
                migration.doc().lines().next().unwrap_or_default(),
                migration.path
            ));
        }
        out.push_str("\nPreview them with `migcheck plan`.\n");
    } else if status.state == State::Unknown {
        out.push_str(&format!(
            "\nCheck out the branch that has {}, or run `{} downgrade` there before switching.\n",
            status.unknown.join(", "),
            examined.project.alembic_command()
        ));
    }
    out
}

#[derive(Serialize)]
struct StatusJson<'a> {
    version: u32,
    state: &'a str,
    config: Option<&'a str>,
    section: Option<&'a str>,
    database: String,
    database_source: String,
    version_table: String,
    current: &'a [String],
    heads: Vec<&'a str>,
    several_heads: bool,
    pending: Vec<PendingJson<'a>>,
    unknown: &'a [String],
    nearest_known: Vec<&'a str>,
    error: Option<String>,
}

#[derive(Serialize)]
pub(super) struct PendingJson<'a> {
    pub revision: &'a str,
    pub doc: &'a str,
    pub path: &'a str,
}

impl<'a> StatusJson<'a> {
    fn of(examined: &'a Examined) -> StatusJson<'a> {
        let status = &examined.status;
        StatusJson {
            version: JSON_VERSION,
            state: status.state.as_str(),
            config: Some(&examined.project.alembic.config_path),
            section: Some(&examined.project.alembic.section),
            database: examined.database.choice.url.to_string(),
            database_source: examined.database.choice.source.to_string(),
            version_table: examined.database.table.to_string(),
            current: &status.current,
            heads: examined.ids(&status.heads),
            several_heads: status.several_heads(),
            pending: status
                .pending
                .iter()
                .map(|&node| {
                    let migration = examined.project.migration_of_node(node);
                    PendingJson {
                        revision: examined.project.id(node),
                        doc: migration.doc(),
                        path: &migration.path,
                    }
                })
                .collect(),
            unknown: &status.unknown,
            nearest_known: if status.state == State::Unknown {
                examined.ids(&status.known)
            } else {
                Vec::new()
            },
            error: None,
        }
    }
}

/// The same object with `state: "error"`, for dashboards; the error goes to stderr too.
pub(super) fn json_error(global: &GlobalArgs, error: &anyhow::Error) -> Result<ExitStatus> {
    let message = one_line(error);
    let object = StatusJson {
        version: JSON_VERSION,
        state: "error",
        config: None,
        section: None,
        database: String::new(),
        database_source: String::new(),
        version_table: String::new(),
        current: &[],
        heads: Vec::new(),
        several_heads: false,
        pending: Vec::new(),
        unknown: &[],
        nearest_known: Vec::new(),
        error: Some(message.clone()),
    };
    Output::stdout(global.color)
        .write(&(serde_json::to_string_pretty(&object)? + "\n"))
        .context("cannot write the status")?;
    eprintln!("migcheck: error: {message}");
    Ok(ExitStatus::Error)
}
