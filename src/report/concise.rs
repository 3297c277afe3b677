//! One line a finding, for scripts and editors: `path:line:col: CODE message`.

use crate::diagnostic::{Diagnostic, Severity};

pub fn render_concise(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let level = match d.severity {
            Severity::Error => "",
            Severity::Warning => " (warning)",
        };
        out.push_str(&format!(
            "{}:{}:{}: {}{level} {}\n",
            d.span.path,
            d.span.line,
            d.span.column,
            d.rule.code(),
            d.message
        ));
    }
    out
}
