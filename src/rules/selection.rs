//! Which rules run and how severe they are: `select`, `extend-select`,
//! `ignore` and `severity`, each naming codes (`MC101`), names
//! (`multiple-heads`) or code prefixes (`MC3`, `MC`).

use std::collections::BTreeMap;

use crate::diagnostic::Severity;
use crate::rules::Rule;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown rule `{selector}` in `{setting}`: use a code such as `MC101`, a name such as `multiple-heads`, or a prefix such as `MC3`")]
pub struct UnknownRule {
    pub selector: String,
    pub setting: String,
}

/// The rules that run, each with its severity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSelection {
    enabled: BTreeMap<Rule, Severity>,
}

/// Severity as configured: a level, or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Off,
}

impl Default for RuleSelection {
    fn default() -> Self {
        RuleSelection {
            enabled: Rule::ALL
                .iter()
                .filter(|rule| !rule.is_opt_in())
                .map(|&rule| (rule, rule.default_severity()))
                .collect(),
        }
    }
}

/// The rules a selector names: a code, a name, or a code prefix.
pub fn resolve(selector: &str, setting: &str) -> Result<Vec<Rule>, UnknownRule> {
    let selector = selector.trim();
    if let Some(rule) = Rule::from_code_or_name(selector) {
        return Ok(vec![rule]);
    }
    let upper = selector.to_ascii_uppercase();
    let rules: Vec<Rule> =
        if upper.starts_with("MC") && upper[2..].chars().all(|c| c.is_ascii_digit()) {
            Rule::ALL
                .iter()
                .copied()
                .filter(|rule| rule.code().starts_with(&upper))
                .collect()
        } else {
            Vec::new()
        };
    if rules.is_empty() {
        return Err(UnknownRule {
            selector: selector.to_string(),
            setting: setting.to_string(),
        });
    }
    Ok(rules)
}

impl RuleSelection {
    /// Applies settings in ruff's order: `select` replaces the default set,
    /// `extend-select` adds to it, `ignore` removes, `severity` sets levels
    /// (and `off` removes). A more specific selector wins over a prefix.
    pub fn build(
        select: Option<&[String]>,
        extend_select: &[String],
        ignore: &[String],
        severity: &[(String, Level)],
    ) -> Result<RuleSelection, UnknownRule> {
        let mut selection = match select {
            None => RuleSelection::default(),
            Some(select) => {
                let mut enabled = BTreeMap::new();
                for selector in select {
                    for rule in resolve(selector, "select")? {
                        enabled.insert(rule, rule.default_severity());
                    }
                }
                RuleSelection { enabled }
            }
        };
        for selector in extend_select {
            for rule in resolve(selector, "extend-select")? {
                selection.enabled.insert(rule, rule.default_severity());
            }
        }
        for selector in ignore {
            for rule in resolve(selector, "ignore")? {
                selection.enabled.remove(&rule);
            }
        }
        // Prefixes first, so `MC3 = "warning"` then `MC301 = "error"` does what it says.
        let mut ordered: Vec<&(String, Level)> = severity.iter().collect();
        ordered.sort_by_key(|(selector, _)| Rule::from_code_or_name(selector.trim()).is_some());
        for (selector, level) in ordered {
            for rule in resolve(selector, "severity")? {
                match level {
                    Level::Off => {
                        selection.enabled.remove(&rule);
                    }
                    Level::Error => {
                        selection.enabled.insert(rule, Severity::Error);
                    }
                    Level::Warning => {
                        selection.enabled.insert(rule, Severity::Warning);
                    }
                }
            }
        }
        Ok(selection)
    }

    pub fn is_enabled(&self, rule: Rule) -> bool {
        self.enabled.contains_key(&rule)
    }

    pub fn severity(&self, rule: Rule) -> Option<Severity> {
        self.enabled.get(&rule).copied()
    }

    pub fn rules(&self) -> impl Iterator<Item = Rule> + '_ {
        self.enabled.keys().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn default_runs_every_rule_that_is_not_opt_in() {
        let selection = RuleSelection::default();
        for rule in Rule::ALL {
            assert_eq!(selection.is_enabled(*rule), !rule.is_opt_in());
        }
    }

    #[test]
    fn select_replaces_and_ignore_removes() {
        let selection = RuleSelection::build(
            Some(&strings(&["MC1"])),
            &[],
            &strings(&["multiple-heads"]),
            &[],
        )
        .unwrap();
        assert!(!selection.is_enabled(Rule::MultipleHeads));
        assert!(selection.is_enabled(Rule::DanglingDownRevision));
        assert!(!selection.is_enabled(Rule::TodoInMigration));
    }

    #[test]
    fn specific_severity_wins_over_prefix() {
        let severity = vec![
            ("MC101".to_string(), Level::Error),
            ("MC1".to_string(), Level::Warning),
        ];
        let selection = RuleSelection::build(None, &[], &[], &severity).unwrap();
        assert_eq!(
            selection.severity(Rule::MultipleHeads),
            Some(Severity::Error)
        );
        assert_eq!(
            selection.severity(Rule::DanglingDownRevision),
            Some(Severity::Warning)
        );
    }

    #[test]
    fn unknown_selector_names_itself_and_the_setting() {
        let error = RuleSelection::build(None, &[], &strings(&["MC777"]), &[]).unwrap_err();
        assert_eq!(error.selector, "MC777");
        assert!(error.to_string().contains("`ignore`"));
    }
}
