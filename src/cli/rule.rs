//! `migcheck rule CODE` prints a rule's documentation; `--all` lists the rules.

use anyhow::{bail, Context, Result};
use serde::Serialize;

use crate::rules::Rule;

use super::args::{GlobalArgs, ListFormat, RuleArgs};
use super::output::Output;
use super::ExitStatus;

#[derive(Serialize)]
struct RuleInfo {
    code: &'static str,
    name: &'static str,
    scope: &'static str,
    severity: &'static str,
    default_enabled: bool,
    doc: String,
}

fn info(rule: Rule) -> RuleInfo {
    RuleInfo {
        code: rule.code(),
        name: rule.name(),
        scope: rule.scope().as_str(),
        severity: rule.default_severity().as_str(),
        default_enabled: !rule.is_opt_in(),
        doc: rule.doc(),
    }
}

pub fn run(global: &GlobalArgs, args: &RuleArgs) -> Result<ExitStatus> {
    let mut output = Output::stdout(global.color);
    let text = if args.all {
        match args.output_format {
            ListFormat::Json => {
                let all: Vec<RuleInfo> = Rule::ALL.iter().map(|&r| info(r)).collect();
                serde_json::to_string_pretty(&all)? + "\n"
            }
            ListFormat::Text => crate::rules::markdown_table(),
        }
    } else {
        let wanted = args.rule.as_deref().unwrap_or_default();
        let Some(rule) = Rule::from_code_or_name(wanted) else {
            bail!("unknown rule `{wanted}`; `migcheck rule --all` lists them");
        };
        match args.output_format {
            ListFormat::Json => serde_json::to_string_pretty(&info(rule))? + "\n",
            ListFormat::Text => format!(
                "# {} ({})\n\nScope: {}. Default: {}{}.\n\n{}\n",
                rule.name(),
                rule.code(),
                rule.scope().as_str(),
                rule.default_severity(),
                if rule.is_opt_in() {
                    ", off unless selected"
                } else {
                    ""
                },
                rule.doc()
            ),
        }
    };
    output.write(&text).context("cannot write the rules")?;
    Ok(ExitStatus::Success)
}
