//! Renderers of findings: `full` (snippets, for people), `concise` (one line a
//! finding), `json` (a stable object for scripts), `github` (workflow commands)
//! and `sarif`. Each is a pure function from findings to text.

mod concise;
mod full;
mod github;
mod json;
mod sarif;

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Severity};

pub use concise::render_concise;
pub use full::{render_full, render_full_findings};
pub use github::{escape_data, escape_property, render_github};
pub use json::{render_json, JsonDiagnostic, JsonReport};
pub use sarif::{render_sarif, SARIF_SCHEMA};

/// How findings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Code, message, source snippet, help and a summary.
    Full,
    /// One line a finding: `path:line:col: CODE message`.
    Concise,
    /// A stable JSON object (see README).
    Json,
    /// GitHub Actions workflow commands (annotations on the pull request).
    Github,
    /// SARIF 2.1.0, for code-scanning services.
    Sarif,
}

/// File texts the renderer may quote, by path.
#[derive(Debug, Default)]
pub struct Sources {
    texts: HashMap<String, String>,
}

impl Sources {
    pub fn insert(&mut self, path: impl Into<String>, text: impl Into<String>) {
        self.texts.insert(path.into(), text.into());
    }

    pub fn get(&self, path: &str) -> Option<&str> {
        self.texts.get(path).map(String::as_str)
    }

    pub fn contains(&self, path: &str) -> bool {
        self.texts.contains_key(path)
    }
}

/// How many findings of each severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
}

impl Summary {
    pub fn of(diagnostics: &[Diagnostic]) -> Summary {
        let errors = diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        Summary {
            errors,
            warnings: diagnostics.len() - errors,
        }
    }

    /// `Found 2 errors and 1 warning.` / `All checks passed.`
    pub fn sentence(&self) -> String {
        fn plural(n: usize, word: &str) -> String {
            if n == 1 {
                format!("1 {word}")
            } else {
                format!("{n} {word}s")
            }
        }
        match (self.errors, self.warnings) {
            (0, 0) => "All checks passed.".to_string(),
            (e, 0) => format!("Found {}.", plural(e, "error")),
            (0, w) => format!("Found {}.", plural(w, "warning")),
            (e, w) => format!("Found {} and {}.", plural(e, "error"), plural(w, "warning")),
        }
    }
}

/// Renders findings in a format; `styled` adds ANSI styles (stripped later when
/// colour is off).
pub fn render(
    format: OutputFormat,
    diagnostics: &[Diagnostic],
    sources: &Sources,
    styled: bool,
) -> String {
    match format {
        OutputFormat::Full => render_full(diagnostics, sources, styled),
        OutputFormat::Concise => render_concise(diagnostics),
        OutputFormat::Json => render_json(diagnostics),
        OutputFormat::Github => render_github(diagnostics),
        OutputFormat::Sarif => render_sarif(diagnostics),
    }
}

#[cfg(test)]
mod tests {
    use super::Summary;

    #[test]
    fn summary_sentences() {
        assert_eq!(
            Summary {
                errors: 0,
                warnings: 0
            }
            .sentence(),
            "All checks passed."
        );
        assert_eq!(
            Summary {
                errors: 1,
                warnings: 0
            }
            .sentence(),
            "Found 1 error."
        );
        assert_eq!(
            Summary {
                errors: 2,
                warnings: 1
            }
            .sentence(),
            "Found 2 errors and 1 warning."
        );
    }
}
