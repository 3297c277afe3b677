//! The settings that apply to one file: the configuration, then every
//! `overrides` entry whose glob matches the file (in file order), then the
//! command line. Selections are layered (see
//! [`RuleSelection::from_layers`]); the dialect, TODO patterns and
//! `require-suppression-reason` come from the last layer that sets them, and
//! the dialect falls back to the one `sqlalchemy.url` names
//! ([`crate::rules::dialect_of_url`]).

use std::collections::HashMap;

use crate::config::Override;
use crate::rules::selection::{Level, RuleSelection, SelectionLayer, UnknownRule};
use crate::rules::{normalize_dialect, RuleSettings};

use super::CheckSettings;

/// What decides the findings in one file.
#[derive(Debug, Clone)]
pub struct PathSettings {
    pub selection: RuleSelection,
    pub rules: RuleSettings,
    pub require_suppression_reason: bool,
}

/// A selection layer from a configuration entry.
pub(crate) fn layer_of_override(entry: &Override) -> SelectionLayer {
    SelectionLayer {
        select: entry.select.clone(),
        extend_select: entry.extend_select.clone(),
        ignore: entry.ignore.clone(),
        severity: entry
            .severity
            .iter()
            .map(|(selector, level)| (selector.clone(), Level::from(*level)))
            .collect(),
    }
}

/// Checks every override on its own so a wrong rule in one is reported with its path.
pub(crate) fn validate_overrides(
    overrides: &[Override],
    config: &SelectionLayer,
) -> Result<(), UnknownRule> {
    for entry in overrides {
        RuleSelection::from_layers(&[config, &layer_of_override(entry)]).map_err(|error| {
            UnknownRule {
                selector: error.selector,
                setting: format!("overrides.{}` for path `{}", error.setting, entry.path),
            }
        })?;
    }
    Ok(())
}

/// Resolves and remembers the settings of each combination of overrides,
/// for the files of one project.
pub(crate) struct PathResolver<'a> {
    settings: &'a CheckSettings,
    /// The dialect of the project's `sqlalchemy.url`, used when nothing sets one.
    project_dialect: Option<String>,
    cache: HashMap<Vec<usize>, PathSettings>,
}

impl<'a> PathResolver<'a> {
    pub(crate) fn new(settings: &'a CheckSettings, project_dialect: Option<String>) -> Self {
        PathResolver {
            settings,
            project_dialect,
            cache: HashMap::new(),
        }
    }

    /// The settings of a repository-relative path.
    pub(crate) fn get(&mut self, path: &str) -> &PathSettings {
        let key = self.key(path);
        let settings = self.settings;
        let project_dialect = &self.project_dialect;
        self.cache
            .entry(key)
            .or_insert_with_key(|key| resolve(settings, key, project_dialect.as_deref()))
    }

    /// Runs `f` with the settings of `path` without adding to the resolved
    /// combinations (so from several threads at once): the resolved one, or
    /// one resolved apart when the path's combination is new.
    pub(crate) fn with<T>(&self, path: &str, f: impl FnOnce(&PathSettings) -> T) -> T {
        let key = self.key(path);
        match self.cache.get(&key) {
            Some(settings) => f(settings),
            None => f(&resolve(
                self.settings,
                &key,
                self.project_dialect.as_deref(),
            )),
        }
    }

    /// Every combination of settings resolved so far, once each.
    pub(crate) fn resolved(&self) -> impl Iterator<Item = &PathSettings> {
        self.cache.values()
    }

    /// The overrides that match a path, by position.
    fn key(&self, path: &str) -> Vec<usize> {
        self.settings
            .overrides
            .iter()
            .enumerate()
            .filter(|(_, entry)| entry.matches(path))
            .map(|(index, _)| index)
            .collect()
    }
}

fn resolve(settings: &CheckSettings, key: &[usize], project_dialect: Option<&str>) -> PathSettings {
    let entries: Vec<&Override> = key.iter().map(|&i| &settings.overrides[i]).collect();
    let selection = if entries.is_empty() {
        settings.selection.clone()
    } else {
        let folder_layers: Vec<SelectionLayer> = entries
            .iter()
            .map(|entry| layer_of_override(entry))
            .collect();
        let mut layers: Vec<&SelectionLayer> = vec![&settings.config_layer];
        layers.extend(folder_layers.iter());
        layers.push(&settings.cli_layer);
        // Every override was validated when the settings were built.
        RuleSelection::from_layers(&layers).unwrap_or_else(|_| settings.selection.clone())
    };
    let mut rules = settings.rules.clone();
    let mut require_suppression_reason = settings.require_suppression_reason;
    for entry in &entries {
        if let Some(dialect) = &entry.dialect {
            rules.dialect = Some(dialect.clone());
        }
        if let Some(patterns) = &entry.todo_patterns {
            rules.todo_patterns.clone_from(patterns);
        }
        if let Some(required) = entry.require_suppression_reason {
            require_suppression_reason = required;
        }
    }
    rules.dialect = match &rules.dialect {
        Some(dialect) => Some(normalize_dialect(dialect)),
        None => project_dialect.map(str::to_string),
    };
    PathSettings {
        selection,
        rules,
        require_suppression_reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alembic::discovery::MemorySource;
    use crate::rules::Rule;

    fn settings(toml: &str, cli: SelectionLayer) -> CheckSettings {
        let mut src = MemorySource::default();
        src.insert("pyproject.toml", toml);
        let config = crate::config::load(&src).unwrap();
        CheckSettings::new(&config, cli).unwrap()
    }

    const TOML: &str = r#"
[tool.migcheck]
ignore = ["MC202"]
dialect = "postgresql"

[[tool.migcheck.overrides]]
path = "services/billing"
extend-select = ["MC202"]
dialect = "sqlite"
require-suppression-reason = true

[[tool.migcheck.overrides]]
path = "services/**/legacy_*.py"
ignore = ["MC1"]
severity = { MC202 = "warning" }
todo-patterns = ['\bXXX\b']
"#;

    #[test]
    fn overrides_apply_in_order_to_matching_paths() {
        let settings = settings(TOML, SelectionLayer::default());
        let mut resolver = PathResolver::new(&settings, None);
        let plain = resolver.get("migrations/versions/a.py").clone();
        assert!(!plain.selection.is_enabled(Rule::TodoInMigration));
        assert_eq!(plain.rules.dialect.as_deref(), Some("postgresql"));
        assert!(!plain.require_suppression_reason);

        let billing = resolver.get("services/billing/versions/a.py").clone();
        assert!(billing.selection.is_enabled(Rule::TodoInMigration));
        assert_eq!(billing.rules.dialect.as_deref(), Some("sqlite"));
        assert!(billing.require_suppression_reason);

        let both = resolver.get("services/billing/versions/legacy_1.py");
        assert!(!both.selection.is_enabled(Rule::MultipleHeads));
        assert_eq!(
            both.selection.severity(Rule::TodoInMigration),
            Some(crate::diagnostic::Severity::Warning)
        );
        assert!(both.rules.todo_patterns[0].is_match("XXX"));
        assert_eq!(both.rules.todo_patterns.len(), 1);
        assert!(both.require_suppression_reason);
    }

    #[test]
    fn command_line_beats_the_overrides() {
        let cli = SelectionLayer {
            ignore: vec!["todo-in-migration".to_string()],
            ..SelectionLayer::default()
        };
        let settings = settings(TOML, cli);
        let mut resolver = PathResolver::new(&settings, None);
        let billing = resolver.get("services/billing/versions/a.py");
        assert!(!billing.selection.is_enabled(Rule::TodoInMigration));
    }

    #[test]
    fn strict_heads_is_a_configuration_level_an_override_can_relax() {
        let toml = "[tool.migcheck]\nstrict-heads = true\n\n[[tool.migcheck.overrides]]\n\
                    path = \"legacy\"\nseverity = { MC101 = \"warning\" }\n";
        let settings = settings(toml, SelectionLayer::default());
        let mut resolver = PathResolver::new(&settings, None);
        let error = Some(crate::diagnostic::Severity::Error);
        let warning = Some(crate::diagnostic::Severity::Warning);
        assert_eq!(
            resolver.get("a.py").selection.severity(Rule::MultipleHeads),
            error
        );
        assert_eq!(
            resolver
                .get("legacy/a.py")
                .selection
                .severity(Rule::MultipleHeads),
            warning
        );
    }

    #[test]
    fn dialect_falls_back_to_the_project_url() {
        let settings = settings("[tool.migcheck]\n", SelectionLayer::default());
        let mut resolver = PathResolver::new(&settings, Some("mysql".to_string()));
        assert_eq!(resolver.get("a.py").rules.dialect.as_deref(), Some("mysql"));
    }

    #[test]
    fn a_wrong_rule_in_an_override_names_the_override() {
        let mut src = MemorySource::default();
        src.insert(
            "pyproject.toml",
            "[[tool.migcheck.overrides]]\npath = \"a\"\nignore = [\"MC77\"]\n",
        );
        let config = crate::config::load(&src).unwrap();
        let error = CheckSettings::new(&config, SelectionLayer::default()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown rule `MC77` in `overrides.ignore` for path `a`: use a code such as `MC101`, a name such as `multiple-heads`, or a prefix such as `MC3`"
        );
    }
}
