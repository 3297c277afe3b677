//! `migcheck plan`: the read-only preview of `alembic upgrade head` for one
//! database, each pending revision with its message, whether it can be undone
//! and its findings, followed by the safe way to apply it.

use anyhow::{Context, Result};
use serde::Serialize;

use crate::db::{Backend, DatabaseUrl};
use crate::diagnostic::Diagnostic;
use crate::plan::{build_plan, Downgrade, Plan};
use crate::report::{JsonDiagnostic, Summary};
use crate::status::State;

use super::args::{CheckArgs, GlobalArgs, ListFormat, PlanArgs};
use super::check::check_settings;
use super::output::Output;
use super::status::{examine, json_error, render_header, Examined, JSON_VERSION};
use super::ExitStatus;

pub fn run(global: &GlobalArgs, args: &PlanArgs) -> Result<ExitStatus> {
    let examined = match examine(global, &args.database) {
        Ok(examined) => examined,
        Err(error) if args.output_format == ListFormat::Json => {
            return json_error(global, &error);
        }
        Err(error) => return Err(error),
    };
    let settings = check_settings(&examined.workspace.settings, &CheckArgs::default())?;
    let plan = build_plan(&examined.project, &examined.status.pending, &settings);
    let text = match args.output_format {
        ListFormat::Json => serde_json::to_string_pretty(&PlanJson::of(&examined, &plan))? + "\n",
        ListFormat::Text => render_text(&examined, &plan),
    };
    Output::stdout(global.color)
        .write(&text)
        .context("cannot write the plan")?;
    // Pending revisions are what a plan is for: only what blocks applying them fails it.
    let failed = !examined.status.unknown.is_empty()
        || examined.status.several_heads()
        || examined.project.graph.alembic_error().is_some()
        || plan.has_errors();
    Ok(if failed {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

fn render_text(examined: &Examined, plan: &Plan) -> String {
    let mut out = render_header(examined);
    if examined.status.state == State::Unknown {
        out.push_str("\nNo plan: Alembic cannot upgrade from a revision it does not have.\n");
        return out;
    }
    if plan.steps.is_empty() {
        out.push_str("\nNothing to apply.\n");
    } else {
        out.push_str(&format!(
            "\n`{}` would apply, in this order:\n",
            examined.upgrade_command()
        ));
    }
    for (i, step) in plan.steps.iter().enumerate() {
        out.push_str(&format!(
            "\n{:>2}. {}  {}\n",
            i + 1,
            step.revision,
            step.doc
        ));
        out.push_str(&format!("    file: {}\n", step.path));
        let downgrade = step.downgrade.as_ref().map_or_else(
            || "unknown (the file cannot be read)".to_string(),
            Downgrade::describe,
        );
        out.push_str(&format!("    downgrade: {downgrade}\n"));
        for finding in &step.findings {
            out.push_str(&finding_lines(finding, false));
        }
    }
    if !plan.other_findings.is_empty() {
        out.push_str("\nOther findings:\n");
        for finding in &plan.other_findings {
            out.push_str(&finding_lines(finding, true));
        }
    }
    if !plan.steps.is_empty() {
        out.push_str(&safe_flow(examined));
    }
    out
}

fn finding_lines(finding: &Diagnostic, with_path: bool) -> String {
    let place = if with_path {
        format!("{}:{}", finding.span.path, finding.span.line)
    } else {
        format!("line {}", finding.span.line)
    };
    let mut text = format!(
        "    {}[{}] {place}: {}\n",
        finding.severity,
        finding.rule.code(),
        finding.message
    );
    if let Some(help) = &finding.help {
        text.push_str(&format!("      help: {help}\n"));
    }
    text
}

/// Back up with the database's own tool, review the SQL, then apply.
fn safe_flow(examined: &Examined) -> String {
    let alembic = examined.project.alembic_command();
    let target = if examined.status.heads.len() > 1 {
        "heads"
    } else {
        "head"
    };
    let review = match &examined.status.current[..] {
        [] => format!("{alembic} upgrade {target} --sql > upgrade.sql"),
        [one] => format!("{alembic} upgrade {one}:{target} --sql > upgrade.sql"),
        several => format!(
            "{alembic} upgrade <one of {}>:{target} --sql > upgrade.sql   (offline mode starts from one revision)",
            several.join(", ")
        ),
    };
    format!(
        "\nTo apply it safely:\n  1. back up:  {}\n  2. review:   {review}\n  3. apply:    {}\n",
        backup_command(&examined.database.choice.url),
        examined.upgrade_command()
    )
}

/// A backup command for the database, without its password.
fn backup_command(url: &DatabaseUrl) -> String {
    match url.backend() {
        Backend::Postgres => {
            let mut command = String::from("pg_dump --format=custom --file=before-upgrade.dump");
            if let Some(host) = url.host() {
                command.push_str(&format!(" --host={}", shell_word(host)));
            }
            if let Some(port) = url.port() {
                command.push_str(&format!(" --port={port}"));
            }
            if let Some(user) = url.username() {
                command.push_str(&format!(" --username={}", shell_word(user)));
            }
            if let Some(database) = url.database() {
                command.push_str(&format!(" {}", shell_word(database)));
            }
            command
        }
        Backend::Sqlite => match url.database() {
            Some(path) if !path.is_empty() && path != ":memory:" => format!(
                "sqlite3 {} \".backup '{}.bak'\"",
                shell_word(path),
                path.replace('\'', "''")
            ),
            _ => "nothing to back up: an in-memory SQLite database".to_string(),
        },
        Backend::Mysql => {
            "mysqldump --single-transaction <database> > before-upgrade.sql".to_string()
        }
        Backend::Other => "use the database's own backup tool".to_string(),
    }
}

/// A word the shell reads back unchanged.
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[derive(Serialize)]
struct PlanJson<'a> {
    version: u32,
    state: &'a str,
    config: &'a str,
    section: &'a str,
    database: String,
    database_source: String,
    version_table: String,
    current: &'a [String],
    heads: Vec<&'a str>,
    several_heads: bool,
    unknown: &'a [String],
    pending: Vec<StepJson<'a>>,
    other_findings: Vec<JsonDiagnostic<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct StepJson<'a> {
    revision: &'a str,
    doc: &'a str,
    path: &'a str,
    down_revisions: &'a [String],
    /// `null` when the file cannot be read as Python.
    downgrade: Option<&'a Downgrade>,
    findings: Vec<JsonDiagnostic<'a>>,
}

impl<'a> PlanJson<'a> {
    fn of(examined: &'a Examined, plan: &'a Plan) -> PlanJson<'a> {
        let status = &examined.status;
        let all: Vec<Diagnostic> = plan
            .steps
            .iter()
            .flat_map(|s| s.findings.iter().cloned())
            .chain(plan.other_findings.iter().cloned())
            .collect();
        PlanJson {
            version: JSON_VERSION,
            state: status.state.as_str(),
            config: &examined.project.alembic.config_path,
            section: &examined.project.alembic.section,
            database: examined.database.choice.url.to_string(),
            database_source: examined.database.choice.source.to_string(),
            version_table: examined.database.table.to_string(),
            current: &status.current,
            heads: examined.ids(&status.heads),
            several_heads: status.several_heads(),
            unknown: &status.unknown,
            pending: plan
                .steps
                .iter()
                .map(|step| StepJson {
                    revision: &step.revision,
                    doc: &step.doc,
                    path: &step.path,
                    down_revisions: &examined.project.graph.node(step.node).down_revisions,
                    downgrade: step.downgrade.as_ref(),
                    findings: step.findings.iter().map(JsonDiagnostic::of).collect(),
                })
                .collect(),
            other_findings: plan.other_findings.iter().map(JsonDiagnostic::of).collect(),
            summary: Summary::of(&all),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_commands_never_hold_the_password() {
        let url = DatabaseUrl::parse("postgresql://app:s3cret-pw@db.internal:5433/shop").unwrap();
        let command = backup_command(&url);
        assert_eq!(
            command,
            "pg_dump --format=custom --file=before-upgrade.dump --host=db.internal --port=5433 --username=app shop"
        );
        let url = DatabaseUrl::parse("sqlite:///data/app db.sqlite").unwrap();
        assert_eq!(
            backup_command(&url),
            "sqlite3 'data/app db.sqlite' \".backup 'data/app db.sqlite.bak'\""
        );
    }

    #[test]
    fn shell_words_are_quoted_when_needed() {
        assert_eq!(shell_word("plain-name_1"), "plain-name_1");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
    }
}
