//! The JSON report: a stable object, positions 1-based, documented in README.

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Severity, Span};
use crate::report::Summary;

/// Version of the JSON layout; raised only when a field changes meaning or goes away.
pub const JSON_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct JsonReport<'a> {
    pub version: u32,
    pub summary: Summary,
    pub diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Debug, Serialize)]
pub struct JsonDiagnostic<'a> {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub message: &'a str,
    pub help: Option<&'a str>,
    pub path: &'a str,
    pub location: JsonPosition,
    pub end_location: JsonPosition,
    pub related: Vec<JsonRelated<'a>>,
}

#[derive(Debug, Serialize)]
pub struct JsonPosition {
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Serialize)]
pub struct JsonRelated<'a> {
    pub path: &'a str,
    pub location: JsonPosition,
    pub message: &'a str,
}

impl<'a> JsonDiagnostic<'a> {
    /// One finding as the JSON report shows it.
    pub fn of(d: &'a Diagnostic) -> JsonDiagnostic<'a> {
        JsonDiagnostic {
            code: d.rule.code(),
            name: d.rule.name(),
            severity: d.severity,
            message: &d.message,
            help: d.help.as_deref(),
            path: &d.span.path,
            location: start(&d.span),
            end_location: JsonPosition {
                line: d.span.end_line,
                column: d.span.end_column,
            },
            related: d
                .related
                .iter()
                .map(|r| JsonRelated {
                    path: &r.span.path,
                    location: start(&r.span),
                    message: &r.message,
                })
                .collect(),
        }
    }
}

fn start(span: &Span) -> JsonPosition {
    JsonPosition {
        line: span.line,
        column: span.column,
    }
}

pub fn render_json(diagnostics: &[Diagnostic]) -> String {
    let report = JsonReport {
        version: JSON_VERSION,
        summary: Summary::of(diagnostics),
        diagnostics: diagnostics.iter().map(JsonDiagnostic::of).collect(),
    };
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}
