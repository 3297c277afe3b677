//! The rules: one file per rule and a registry built from one list.

use crate::diagnostic::Severity;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    MultipleHeads,
}

impl Rule {
    pub fn code(self) -> &'static str {
        "MC101"
    }
    pub fn default_severity(self) -> Severity {
        Severity::Warning
    }
}
