//! The rules: one file per rule and a registry built from one list.
//!
//! Each rule file declares its rule once with [`declare_rule!`]: the doc comment
//! (which `migcheck rule CODE` prints), a stable code, a kebab-case name, a scope
//! and a default severity, and defines its check function. The [`registry!`]
//! list below turns those declarations into the [`Rule`] enum that the rest of
//! migcheck uses.

use crate::diagnostic::Severity;

pub(crate) mod alembic_code;
mod context;
pub(crate) mod function_body;
pub mod selection;
pub(crate) mod suggest;
#[cfg(test)]
pub(crate) mod testing;
pub(crate) mod undo;

pub use context::{
    default_todo_patterns, dialect_of_url, normalize_dialect, FileContext, GraphContext,
    RuleSettings,
};

/// What a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// The whole revision graph of one Alembic setup.
    Graph,
    /// The structure of one changed migration file.
    File,
    /// The operations in `upgrade()` / `downgrade()` of one changed migration file.
    Operation,
    /// migcheck itself: files it cannot read, suppressions.
    Meta,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Graph => "graph",
            Scope::File => "file",
            Scope::Operation => "operation",
            Scope::Meta => "meta",
        }
    }
}

/// How a rule is run.
#[derive(Clone, Copy)]
pub enum Checker {
    Graph(fn(&GraphContext<'_>, &mut Vec<crate::diagnostic::Diagnostic>)),
    File(fn(&FileContext<'_>, &mut Vec<crate::diagnostic::Diagnostic>)),
    /// Reported by migcheck's own machinery (reading files, suppressions).
    Engine,
}

/// What every rule declaration provides.
pub trait RuleMeta {
    const CODE: &'static str;
    const NAME: &'static str;
    const SCOPE: Scope;
    const SEVERITY: Severity;
    /// Off unless selected.
    const OPT_IN: bool;
    const DOC: &'static str;
    const CHECKER: Checker;
}

/// Declares a rule: its documentation, code, name, scope, default severity and checker.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub struct $name:ident {
            code: $code:literal,
            name: $kebab:literal,
            scope: $scope:ident,
            severity: $severity:ident,
            $(opt_in: $opt_in:literal,)?
            checker: $checker:expr $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name;

        impl $crate::rules::RuleMeta for $name {
            const CODE: &'static str = $code;
            const NAME: &'static str = $kebab;
            const SCOPE: $crate::rules::Scope = $crate::rules::Scope::$scope;
            const SEVERITY: $crate::diagnostic::Severity = $crate::diagnostic::Severity::$severity;
            const OPT_IN: bool = false $(|| $opt_in)?;
            const DOC: &'static str = concat!($($doc, "\n"),*);
            const CHECKER: $crate::rules::Checker = $checker;
        }
    };
}

/// Builds the [`Rule`] enum from the list of rule modules.
macro_rules! registry {
    ($($module:ident :: $name:ident),* $(,)?) => {
        $(mod $module;)*

        /// Every rule migcheck knows, in code order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule {
            $($name),*
        }

        impl Rule {
            pub const ALL: &'static [Rule] = &[$(Rule::$name),*];

            /// The stable code, e.g. `MC101`.
            pub fn code(self) -> &'static str {
                match self { $(Rule::$name => <$module::$name as RuleMeta>::CODE),* }
            }

            /// The kebab-case name, e.g. `multiple-heads`.
            pub fn name(self) -> &'static str {
                match self { $(Rule::$name => <$module::$name as RuleMeta>::NAME),* }
            }

            pub fn scope(self) -> Scope {
                match self { $(Rule::$name => <$module::$name as RuleMeta>::SCOPE),* }
            }

            pub fn default_severity(self) -> Severity {
                match self { $(Rule::$name => <$module::$name as RuleMeta>::SEVERITY),* }
            }

            /// Off unless selected in the configuration.
            pub fn is_opt_in(self) -> bool {
                match self { $(Rule::$name => <$module::$name as RuleMeta>::OPT_IN),* }
            }

            pub fn checker(self) -> Checker {
                match self { $(Rule::$name => <$module::$name as RuleMeta>::CHECKER),* }
            }

            /// The rule's documentation, in Markdown, from its doc comment.
            pub fn doc(self) -> String {
                let raw = match self { $(Rule::$name => <$module::$name as RuleMeta>::DOC),* };
                raw.lines()
                    .map(|line| line.strip_prefix(' ').unwrap_or(line))
                    .collect::<Vec<_>>()
                    .join("\n")
                    .trim()
                    .to_string()
            }
        }
    };
}

registry! {
    multiple_heads::MultipleHeads,
    dangling_down_revision::DanglingDownRevision,
    duplicate_revision_id::DuplicateRevisionId,
    revision_cycle::RevisionCycle,
    branch_label_conflict::BranchLabelConflict,
    dangling_depends_on::DanglingDependsOn,
    invalid_revision_id::InvalidRevisionId,
    missing_down_revision::MissingDownRevision,
    todo_in_migration::TodoInMigration,
    missing_downgrade::MissingDowngrade,
    empty_downgrade::EmptyDowngrade,
    raw_sql_without_downgrade::RawSqlWithoutDowngrade,
    incomplete_downgrade::IncompleteDowngrade,
    missing_migration_message::MissingMigrationMessage,
    uncommented_operation::UncommentedOperation,
    docstring_header_mismatch::DocstringHeaderMismatch,
    mixed_data_and_schema::MixedDataAndSchema,
    invalid_revision_value::InvalidRevisionValue,
    drop_column::DropColumn,
    drop_table::DropTable,
    not_null_column_without_default::NotNullColumnWithoutDefault,
    volatile_server_default::VolatileServerDefault,
    set_not_null_on_existing_column::SetNotNullOnExistingColumn,
    column_type_change::ColumnTypeChange,
    column_rename::ColumnRename,
    table_rename::TableRename,
    non_concurrent_index::NonConcurrentIndex,
    concurrent_index_outside_autocommit::ConcurrentIndexOutsideAutocommit,
    non_concurrent_drop_index::NonConcurrentDropIndex,
    unique_constraint_on_existing_table::UniqueConstraintOnExistingTable,
    primary_key_on_existing_table::PrimaryKeyOnExistingTable,
    foreign_key_without_not_valid::ForeignKeyWithoutNotValid,
    check_constraint_without_not_valid::CheckConstraintWithoutNotValid,
    truncate_or_cascade_in_sql::TruncateOrCascadeInSql,
    unbounded_update_or_delete::UnboundedUpdateOrDelete,
    unparsable_revision_file::UnparsableRevisionFile,
    unknowable_revision_value::UnknowableRevisionValue,
    unknown_suppression::UnknownSuppression,
    unused_suppression::UnusedSuppression,
    suppression_without_reason::SuppressionWithoutReason,
}

impl Rule {
    /// Looks a rule up by code (`MC101`, any case) or name (`multiple-heads`).
    pub fn from_code_or_name(text: &str) -> Option<Rule> {
        Rule::ALL
            .iter()
            .copied()
            .find(|rule| rule.code().eq_ignore_ascii_case(text) || rule.name() == text)
    }
}

impl Rule {
    /// The first sentence of "What it does", for tables.
    pub fn summary(self) -> String {
        let doc = self.doc();
        let after = doc
            .split_once("## What it does")
            .map_or(doc.as_str(), |(_, rest)| rest);
        let paragraph = after.trim_start().split("\n\n").next().unwrap_or_default();
        let sentence = paragraph.split(". ").next().unwrap_or_default();
        let sentence = sentence.split_whitespace().collect::<Vec<_>>().join(" ");
        sentence.trim_end_matches('.').to_string() + "."
    }
}

/// The rules as a Markdown table: the one README.md carries between its
/// `rules-table` markers, and what `migcheck rule --all` prints.
pub fn markdown_table() -> String {
    let mut out = String::from("| code | name | default | what it checks |\n|---|---|---|---|\n");
    for rule in Rule::ALL {
        out.push_str(&format!(
            "| {} | {} | {}{} | {} |\n",
            rule.code(),
            rule.name(),
            rule.default_severity(),
            if rule.is_opt_in() { " (opt-in)" } else { "" },
            rule.summary().replace('|', "\\|")
        ));
    }
    out
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut codes = std::collections::HashSet::new();
        let mut names = std::collections::HashSet::new();
        for rule in Rule::ALL {
            assert!(codes.insert(rule.code()), "duplicate code {}", rule.code());
            assert!(names.insert(rule.name()), "duplicate name {}", rule.name());
            let code = rule.code();
            assert!(code.len() == 5 && code.starts_with("MC"), "bad code {code}");
            assert!(
                code[2..].chars().all(|c| c.is_ascii_digit()),
                "bad code {code}"
            );
            let expected_scope = match &code[2..3] {
                "1" => Scope::Graph,
                "2" => Scope::File,
                "3" => Scope::Operation,
                _ => Scope::Meta,
            };
            assert_eq!(rule.scope(), expected_scope, "{code} is in the wrong range");
            assert!(
                rule.name()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-'),
                "{} is not kebab-case",
                rule.name()
            );
        }
    }

    #[test]
    fn every_rule_documents_what_why_and_an_example() {
        for rule in Rule::ALL {
            let doc = rule.doc();
            for heading in ["## What it does", "## Why is this bad?", "## Example"] {
                assert!(doc.contains(heading), "{} lacks `{heading}`", rule.code());
            }
            assert!(
                doc.contains("Use instead"),
                "{} lacks `Use instead`",
                rule.code()
            );
        }
    }

    #[test]
    fn rules_are_listed_in_code_order() {
        let codes: Vec<_> = Rule::ALL.iter().map(|r| r.code()).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        assert_eq!(codes, sorted);
    }

    #[test]
    fn readme_rules_table_matches_the_rules() {
        let readme = include_str!("../../README.md");
        let start = "<!-- rules-table:start -->\n";
        let end = "<!-- rules-table:end -->";
        let begin = readme.find(start).expect("README has the start marker") + start.len();
        let stop = readme.find(end).expect("README has the end marker");
        let expected = markdown_table();
        if readme[begin..stop] != expected {
            let diff = similar::TextDiff::from_lines(&readme[begin..stop], expected.as_str());
            panic!(
                "README.md's rules table is out of date; replace it with `migcheck rule --all`:\n{}",
                diff.unified_diff().header("README.md", "rules")
            );
        }
    }

    #[test]
    fn lookup_by_code_or_name() {
        assert_eq!(Rule::from_code_or_name("mc101"), Some(Rule::MultipleHeads));
        assert_eq!(
            Rule::from_code_or_name("multiple-heads"),
            Some(Rule::MultipleHeads)
        );
        assert_eq!(Rule::from_code_or_name("MC999"), None);
    }
}
