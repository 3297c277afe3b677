//! SARIF 2.1.0, the format code-scanning services read (GitHub code scanning
//! among them): one run, the tool with every rule and its documentation, one
//! result a finding with its region. Columns count Unicode code points, as
//! migcheck's positions do, and `endColumn` is the column after the span, as
//! SARIF defines it. Paths are relative to the repository root (`%SRCROOT%`).

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde_json::{json, Value};

use crate::diagnostic::{Diagnostic, Severity, Span};
use crate::rules::Rule;

/// The schema a SARIF log names.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Characters a relative URI cannot hold as they are.
const URI_ESCAPE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

pub fn render_sarif(diagnostics: &[Diagnostic]) -> String {
    let rules: Vec<Value> = Rule::ALL
        .iter()
        .map(|rule| rule_descriptor(*rule))
        .collect();
    let results: Vec<Value> = diagnostics.iter().map(result).collect();
    let log = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "migcheck",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn rule_descriptor(rule: Rule) -> Value {
    let doc = rule.doc();
    let what = doc
        .split_once("## What it does")
        .map_or(doc.as_str(), |(_, rest)| rest)
        .split("\n## ")
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    json!({
        "id": rule.code(),
        "name": rule.name(),
        "shortDescription": { "text": rule.summary() },
        "fullDescription": { "text": what },
        "help": { "text": doc, "markdown": doc },
        "defaultConfiguration": {
            "level": level(rule.default_severity()),
            "enabled": !rule.is_opt_in(),
        },
        "properties": { "tags": [rule.scope().as_str()] },
    })
}

fn result(d: &Diagnostic) -> Value {
    let index = Rule::ALL.iter().position(|r| *r == d.rule).unwrap_or(0);
    let mut text = d.message.clone();
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    let mut value = json!({
        "ruleId": d.rule.code(),
        "ruleIndex": index,
        "level": level(d.severity),
        "message": { "text": text },
        "locations": [{ "physicalLocation": physical(&d.span) }],
    });
    if !d.related.is_empty() {
        value["relatedLocations"] = d
            .related
            .iter()
            .enumerate()
            .map(|(i, r)| {
                json!({
                    "id": i,
                    "physicalLocation": physical(&r.span),
                    "message": { "text": r.message },
                })
            })
            .collect();
    }
    value
}

fn physical(span: &Span) -> Value {
    json!({
        "artifactLocation": {
            "uri": utf8_percent_encode(&span.path, URI_ESCAPE).to_string(),
            "uriBaseId": "%SRCROOT%",
        },
        "region": {
            "startLine": span.line.max(1),
            "startColumn": span.column.max(1),
            "endLine": span.end_line.max(span.line).max(1),
            "endColumn": span.end_column.max(1),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruff_text_size::TextRange;

    fn finding(path: &str) -> Diagnostic {
        Diagnostic::new(
            Rule::TodoInMigration,
            Span {
                path: path.to_string(),
                range: TextRange::default(),
                line: 3,
                column: 5,
                end_line: 3,
                end_column: 9,
            },
            "`TODO` in a migration.",
        )
        .with_help("Resolve it before committing.")
    }

    #[test]
    fn result_points_at_the_rule_and_region() {
        let text = render_sarif(&[finding("migrations/versions/a 1#x.py")]);
        let log: Value = serde_json::from_str(&text).unwrap();
        let run = &log["runs"][0];
        let result = &run["results"][0];
        assert_eq!(result["ruleId"], "MC202");
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(run["tool"]["driver"]["rules"][index]["id"], "MC202");
        assert_eq!(result["level"], "error");
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(
            location["artifactLocation"]["uri"],
            "migrations/versions/a%201%23x.py"
        );
        assert_eq!(location["region"]["startColumn"], 5);
        assert_eq!(location["region"]["endColumn"], 9);
        assert!(result["message"]["text"]
            .as_str()
            .unwrap()
            .ends_with("\nhelp: Resolve it before committing."));
    }

    #[test]
    fn every_rule_carries_its_documentation() {
        let log: Value = serde_json::from_str(&render_sarif(&[])).unwrap();
        let rules = log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap();
        assert_eq!(rules.len(), Rule::ALL.len());
        for rule in rules {
            assert!(rule["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("## Why is this bad?"));
            assert!(!rule["fullDescription"]["text"].as_str().unwrap().is_empty());
        }
    }
}
