//! Which rules run and how severe they are: `select`, `extend-select`,
//! `ignore` and `severity`, each naming codes (`MC101`), names
//! (`multiple-heads`) or code prefixes (`MC3`, `MC`).

use std::collections::{BTreeMap, BTreeSet};

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

impl From<crate::config::RuleLevel> for Level {
    fn from(level: crate::config::RuleLevel) -> Level {
        match level {
            crate::config::RuleLevel::Error => Level::Error,
            crate::config::RuleLevel::Warning => Level::Warning,
            crate::config::RuleLevel::Off => Level::Off,
        }
    }
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

/// One source of selection settings: the configuration, a per-folder
/// override, or the command line. Later layers win.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SelectionLayer {
    /// Replaces the rules enabled by earlier layers.
    pub select: Option<Vec<String>>,
    pub extend_select: Vec<String>,
    pub ignore: Vec<String>,
    pub severity: Vec<(String, Level)>,
}

/// How specific a selector is: a prefix counts its length, a whole code or
/// name beats every prefix.
fn specificity(selector: &str) -> usize {
    if Rule::from_code_or_name(selector.trim()).is_some() {
        usize::MAX
    } else {
        selector.trim().len()
    }
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
        let layer = SelectionLayer {
            select: select.map(<[String]>::to_vec),
            extend_select: extend_select.to_vec(),
            ignore: ignore.to_vec(),
            severity: severity.to_vec(),
        };
        RuleSelection::from_layers(&[&layer])
    }

    /// Applies layers in order, starting from the default set. In each layer,
    /// selectors apply from the least specific to the most specific (so
    /// `ignore = ["MC3"]` with `extend-select = ["MC301"]` keeps `MC301`), an
    /// `ignore` beating a selection of the same specificity; a layer with
    /// `select` replaces what earlier layers enabled. Severities accumulate
    /// across layers (`select` keeps them), prefixes before exact rules; a
    /// level for one rule turns it on, `off` turns it off.
    pub fn from_layers(layers: &[&SelectionLayer]) -> Result<RuleSelection, UnknownRule> {
        let mut enabled: BTreeSet<Rule> = Rule::ALL
            .iter()
            .copied()
            .filter(|rule| !rule.is_opt_in())
            .collect();
        let mut levels: BTreeMap<Rule, Severity> = BTreeMap::new();
        for layer in layers {
            let mut selectors: Vec<(&str, bool, &str)> = Vec::new();
            for selector in layer.select.iter().flatten() {
                selectors.push((selector, true, "select"));
            }
            for selector in &layer.extend_select {
                selectors.push((selector, true, "extend-select"));
            }
            for selector in &layer.ignore {
                selectors.push((selector, false, "ignore"));
            }
            // Stable: at equal specificity, ignores (`false`) come last and win.
            selectors.sort_by_key(|(selector, on, _)| (specificity(selector), !on));
            let mut updates: BTreeMap<Rule, bool> = BTreeMap::new();
            for (selector, on, setting) in selectors {
                for rule in resolve(selector, setting)? {
                    updates.insert(rule, on);
                }
            }
            if layer.select.is_some() {
                enabled.clear();
            }
            for (rule, on) in updates {
                if on {
                    enabled.insert(rule);
                } else {
                    enabled.remove(&rule);
                }
            }
            let mut ordered: Vec<&(String, Level)> = layer.severity.iter().collect();
            ordered.sort_by_key(|(selector, _)| specificity(selector));
            for (selector, level) in ordered {
                // A level for one rule turns it on; a level for a prefix only
                // sets the level of the rules that are on (opt-in rules stay off).
                let exact = specificity(selector) == usize::MAX;
                for rule in resolve(selector, "severity")? {
                    let severity = match level {
                        Level::Off => {
                            enabled.remove(&rule);
                            continue;
                        }
                        Level::Error => Severity::Error,
                        Level::Warning => Severity::Warning,
                    };
                    if exact {
                        enabled.insert(rule);
                    }
                    levels.insert(rule, severity);
                }
            }
        }
        Ok(RuleSelection {
            enabled: enabled
                .into_iter()
                .map(|rule| {
                    let severity = levels
                        .get(&rule)
                        .copied()
                        .unwrap_or(rule.default_severity());
                    (rule, severity)
                })
                .collect(),
        })
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

    fn layer(select: Option<&[&str]>, extend: &[&str], ignore: &[&str]) -> SelectionLayer {
        SelectionLayer {
            select: select.map(strings),
            extend_select: strings(extend),
            ignore: strings(ignore),
            severity: Vec::new(),
        }
    }

    #[test]
    fn more_specific_selector_wins_within_a_layer() {
        let selection = RuleSelection::from_layers(&[&layer(None, &["MC105"], &["MC1"])]).unwrap();
        assert!(selection.is_enabled(Rule::BranchLabelConflict));
        assert!(!selection.is_enabled(Rule::MultipleHeads));
        let selection =
            RuleSelection::from_layers(&[&layer(Some(&["MC1"]), &[], &["MC105"])]).unwrap();
        assert!(!selection.is_enabled(Rule::BranchLabelConflict));
        assert!(selection.is_enabled(Rule::MultipleHeads));
        // At equal specificity the ignore wins.
        let selection =
            RuleSelection::from_layers(&[&layer(None, &["MC101"], &["multiple-heads"])]).unwrap();
        assert!(!selection.is_enabled(Rule::MultipleHeads));
    }

    #[test]
    fn a_later_select_replaces_earlier_layers_but_keeps_their_levels() {
        let mut config = layer(None, &[], &["MC101"]);
        config.severity = vec![("MC102".to_string(), Level::Warning)];
        let cli = layer(Some(&["MC1"]), &[], &[]);
        let selection = RuleSelection::from_layers(&[&config, &cli]).unwrap();
        assert!(selection.is_enabled(Rule::MultipleHeads));
        assert!(!selection.is_enabled(Rule::TodoInMigration));
        assert_eq!(
            selection.severity(Rule::DanglingDownRevision),
            Some(Severity::Warning)
        );
        // Without a select, later layers add and remove on top.
        let folder = layer(None, &[], &["MC2"]);
        let selection = RuleSelection::from_layers(&[&config, &folder]).unwrap();
        assert!(!selection.is_enabled(Rule::MultipleHeads));
        assert!(!selection.is_enabled(Rule::TodoInMigration));
        assert!(selection.is_enabled(Rule::DanglingDownRevision));
    }

    #[test]
    fn a_level_for_a_prefix_does_not_turn_rules_on() {
        let mut config = layer(None, &[], &["MC101"]);
        config.severity = vec![("MC1".to_string(), Level::Error)];
        let selection = RuleSelection::from_layers(&[&config]).unwrap();
        assert!(!selection.is_enabled(Rule::MultipleHeads));
        assert_eq!(
            selection.severity(Rule::RevisionCycle),
            Some(Severity::Error)
        );
        config.severity = vec![("MC101".to_string(), Level::Warning)];
        let selection = RuleSelection::from_layers(&[&config]).unwrap();
        assert!(selection.is_enabled(Rule::MultipleHeads));
    }
}
