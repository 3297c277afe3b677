//! A finding: which rule, how severe, where (path and 1-based positions), one
//! sentence of message with the real names, one imperative sentence of help,
//! and related locations (the other file of a duplicate id, say).

use ruff_text_size::TextRange;
use serde::Serialize;

use crate::rules::Rule;

/// How a finding counts: errors fail the run (exit 1), warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A place in a file: the byte range and its 1-based start and end positions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// Path relative to the repository root, with `/` separators.
    pub path: String,
    pub range: TextRange,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl Span {
    /// A span for a file that has no usable text (binary, unreadable): line 1, column 1.
    pub fn file_start(path: impl Into<String>) -> Self {
        Span {
            path: path.into(),
            range: TextRange::default(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
        }
    }
}

/// Another place that explains a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub span: Span,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub rule: Rule,
    pub severity: Severity,
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
    pub related: Vec<Related>,
}

impl Diagnostic {
    /// A finding with the rule's default severity; the settings may change it later.
    pub fn new(rule: Rule, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            rule,
            severity: rule.default_severity(),
            span,
            message: message.into(),
            help: None,
            related: Vec::new(),
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Related {
            span,
            message: message.into(),
        });
        self
    }

    /// The files this finding points into: its own, then its related places'.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.span.path.as_str())
            .chain(self.related.iter().map(|r| r.span.path.as_str()))
    }

    /// The order output is printed in: path, line, column, code.
    pub fn sort_key(&self) -> (&str, usize, usize, &'static str) {
        (
            &self.span.path,
            self.span.line,
            self.span.column,
            self.rule.code(),
        )
    }
}

/// Sort findings the way every renderer prints them and drop exact repeats.
pub fn sort_diagnostics(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| {
        a.sort_key()
            .cmp(&b.sort_key())
            .then_with(|| a.message.cmp(&b.message))
    });
    diagnostics.dedup();
}
