//! What a rule gets to look at: the loaded project (files, graph) and the
//! settings that apply, for the whole graph or for one changed file.

use std::cell::OnceCell;

use regex::Regex;

use crate::alembic::discovery::AlembicProject;
use crate::alembic::graph::RevisionGraph;
use crate::alembic::operations::Operations;
use crate::alembic::revision_file::ParsedRevision;
use crate::db::DatabaseUrl;
use crate::project::{Migration, Project};

/// Settings the rules read, resolved from configuration and flags.
#[derive(Debug, Clone)]
pub struct RuleSettings {
    /// What `todo-in-migration` looks for in comments and strings.
    pub todo_patterns: Vec<Regex>,
    /// The database dialect, when known (`postgresql`, `sqlite`, ...).
    pub dialect: Option<String>,
}

impl RuleSettings {
    /// The settings for one Alembic setup: a `dialect` from the configuration
    /// wins; otherwise the dialect of its `sqlalchemy.url`, when it names one.
    pub fn for_project(&self, alembic: &AlembicProject) -> RuleSettings {
        let dialect = match &self.dialect {
            Some(dialect) => Some(normalize_dialect(dialect)),
            None => alembic.sqlalchemy_url.as_deref().and_then(dialect_of_url),
        };
        RuleSettings {
            dialect,
            ..self.clone()
        }
    }

    /// PostgreSQL-only advice applies: the dialect is PostgreSQL or unknown.
    pub fn postgresql_or_unknown(&self) -> bool {
        self.dialect
            .as_deref()
            .is_none_or(|dialect| normalize_dialect(dialect) == "postgresql")
    }
}

/// A dialect name as SQLAlchemy spells it: lower case, without the driver,
/// `postgres` as `postgresql`.
pub fn normalize_dialect(name: &str) -> String {
    let name = name.trim().to_ascii_lowercase();
    let name = name.split_once('+').map_or(name.as_str(), |(d, _)| d);
    match name {
        "postgres" => "postgresql".to_string(),
        other => other.to_string(),
    }
}

/// The dialect a SQLAlchemy URL names (`postgresql+psycopg2://...` gives
/// `postgresql`); `None` when it cannot be parsed or is the placeholder
/// `driver://user:pass@localhost/dbname` of Alembic's `alembic.ini` template.
pub fn dialect_of_url(url: &str) -> Option<String> {
    let url = DatabaseUrl::parse(url.trim()).ok()?;
    let dialect = normalize_dialect(url.dialect());
    (!dialect.is_empty() && dialect != "driver").then_some(dialect)
}

impl Default for RuleSettings {
    fn default() -> Self {
        RuleSettings {
            todo_patterns: default_todo_patterns(),
            dialect: None,
        }
    }
}

/// `TODO` and `FIXME` as whole words.
pub fn default_todo_patterns() -> Vec<Regex> {
    [r"\bTODO\b", r"\bFIXME\b"]
        .iter()
        .filter_map(|p| Regex::new(p).ok())
        .collect()
}

/// The whole revision graph of one Alembic setup.
pub struct GraphContext<'a> {
    pub project: &'a Project,
    pub settings: &'a RuleSettings,
}

impl<'a> GraphContext<'a> {
    pub fn graph(&self) -> &'a RevisionGraph {
        &self.project.graph
    }

    /// The migration file behind a graph node.
    pub fn migration(&self, node: usize) -> &'a Migration {
        self.project.migration_of_node(node)
    }

    /// The revision id of a graph node.
    pub fn id(&self, node: usize) -> &'a str {
        &self.project.graph.node(node).id
    }
}

/// One migration file whose full text was read (a changed file, or every file with `--all`).
pub struct FileContext<'a> {
    pub project: &'a Project,
    pub migration: &'a Migration,
    pub parsed: &'a ParsedRevision,
    pub settings: &'a RuleSettings,
    /// The operations of `upgrade()`/`downgrade()`, read on first use and
    /// shared by every rule.
    operations: OnceCell<Operations>,
}

impl<'a> FileContext<'a> {
    pub fn new(
        project: &'a Project,
        migration: &'a Migration,
        parsed: &'a ParsedRevision,
        settings: &'a RuleSettings,
    ) -> Self {
        FileContext {
            project,
            migration,
            parsed,
            settings,
            operations: OnceCell::new(),
        }
    }

    /// What `upgrade()` and `downgrade()` do, read once per file.
    pub fn operations(&self) -> &Operations {
        self.operations.get_or_init(|| Operations::of(self.parsed))
    }
}

#[cfg(test)]
mod tests {
    use super::{dialect_of_url, normalize_dialect, RuleSettings};

    #[test]
    fn dialect_from_sqlalchemy_urls() {
        assert_eq!(
            dialect_of_url("postgresql+psycopg2://u:p@db/app").as_deref(),
            Some("postgresql")
        );
        assert_eq!(
            dialect_of_url("postgres://u@db/app").as_deref(),
            Some("postgresql")
        );
        assert_eq!(
            dialect_of_url("sqlite:///app.db").as_deref(),
            Some("sqlite")
        );
        assert_eq!(
            dialect_of_url("mysql+pymysql://u@db/app").as_deref(),
            Some("mysql")
        );
        // Alembic's template placeholder and unresolved variables say nothing.
        assert_eq!(dialect_of_url("driver://user:pass@localhost/dbname"), None);
        assert_eq!(dialect_of_url("${DATABASE_URL}"), None);
        assert_eq!(dialect_of_url(""), None);
        assert_eq!(normalize_dialect(" PostgreSQL+asyncpg"), "postgresql");
    }

    #[test]
    fn postgresql_advice_when_postgresql_or_unknown() {
        let with = |dialect: Option<&str>| RuleSettings {
            dialect: dialect.map(str::to_string),
            ..RuleSettings::default()
        };
        assert!(with(None).postgresql_or_unknown());
        assert!(with(Some("postgres")).postgresql_or_unknown());
        assert!(!with(Some("sqlite")).postgresql_or_unknown());
        assert!(!with(Some("mysql")).postgresql_or_unknown());
    }
}
