//! Applies the suppressions of the files read in full: drops the findings
//! they cover, and reports suppressions that cannot work (`unknown-suppression`),
//! that silence nothing (`unused-suppression`) or that give no reason when one
//! is required (`suppression-without-reason`).

use std::collections::HashMap;

use crate::diagnostic::Diagnostic;
use crate::rules::selection::RuleSelection;
use crate::rules::Rule;
use crate::source::SourceFile;

use super::{FileSuppressions, Suppression, SuppressionKind, SuppressionProblem};

/// One file's suppressions and what decides which of them to report.
pub struct FileSuppressionScope<'a> {
    pub source: &'a SourceFile,
    pub found: FileSuppressions,
    /// The rules on for this file: a suppression of a rule that is off is
    /// not reported as unused (another selection may need it).
    pub selection: RuleSelection,
    /// `require-suppression-reason` for this file.
    pub require_reason: bool,
}

/// Drops suppressed findings (by the path they point into) and adds the
/// findings about the suppressions themselves, with default severities.
pub fn apply_suppressions(
    diagnostics: Vec<Diagnostic>,
    files: &HashMap<&str, FileSuppressionScope<'_>>,
) -> Vec<Diagnostic> {
    // For each file, for each suppression, for each rule it names: used?
    let mut used: HashMap<&str, Vec<Vec<bool>>> = files
        .iter()
        .map(|(path, scope)| {
            let flags = scope
                .found
                .suppressions
                .iter()
                .map(|s| vec![false; s.rules.len()])
                .collect();
            (*path, flags)
        })
        .collect();
    let mut kept = Vec::with_capacity(diagnostics.len());
    for diagnostic in diagnostics {
        let path = diagnostic.span.path.as_str();
        let (Some(scope), Some(flags)) = (files.get(path), used.get_mut(path)) else {
            kept.push(diagnostic);
            continue;
        };
        match find(&scope.found.suppressions, &diagnostic) {
            Some((index, rule_index)) => flags[index][rule_index] = true,
            None => kept.push(diagnostic),
        }
    }
    let mut paths: Vec<&&str> = files.keys().collect();
    paths.sort();
    for path in paths {
        let scope = &files[*path];
        report_file(scope, &used[*path], &mut kept);
    }
    kept
}

/// The suppression (and the rule in it) that covers a finding: line
/// suppressions first, then the file's.
fn find(suppressions: &[Suppression], diagnostic: &Diagnostic) -> Option<(usize, usize)> {
    let (first, last) = (diagnostic.span.line, diagnostic.span.end_line);
    for kind in [SuppressionKind::Line, SuppressionKind::File] {
        for (index, suppression) in suppressions.iter().enumerate() {
            if suppression.kind != kind || !suppression.covers(first, last) {
                continue;
            }
            if let Some(rule_index) = suppression
                .rules
                .iter()
                .position(|named| named.rule == diagnostic.rule)
            {
                return Some((index, rule_index));
            }
        }
    }
    None
}

fn report_file(scope: &FileSuppressionScope<'_>, used: &[Vec<bool>], out: &mut Vec<Diagnostic>) {
    let source = scope.source;
    for problem in &scope.found.problems {
        out.push(match problem {
            SuppressionProblem::UnknownRule { text, range } => {
                let help = match similar_rule(text) {
                    Some(rule) => format!(
                        "Replace `{text}` with `{}` (`{}`), or remove it.",
                        rule.code(),
                        rule.name()
                    ),
                    None => format!(
                        "Replace `{text}` with a rule code or name (`migcheck rule --all` lists them), or remove it."
                    ),
                };
                Diagnostic::new(
                    Rule::UnknownSuppression,
                    source.span(*range),
                    format!("`{text}` in this suppression is not a migcheck rule, so it suppresses nothing."),
                )
                .with_help(help)
            }
            SuppressionProblem::Malformed { text, range, why } => Diagnostic::new(
                Rule::UnknownSuppression,
                source.span(*range),
                format!("`{text}` is not a migcheck suppression: {why}."),
            )
            .with_help(
                "Write `# migcheck: ignore[MC301] reason` for this line or the next, or `# migcheck: ignore-file[MC301] reason` for the whole file.",
            ),
        });
    }
    for (suppression, flags) in scope.found.suppressions.iter().zip(used) {
        let text_of = |range: ruff_text_size::TextRange| {
            source.text().get(range.to_std_range()).unwrap_or_default()
        };
        let directive = text_of(suppression.range);
        for (named, was_used) in suppression.rules.iter().zip(flags) {
            if *was_used || !scope.selection.is_enabled(named.rule) {
                continue;
            }
            let token = text_of(named.range);
            let place = match suppression.kind {
                SuppressionKind::File => "anywhere in this file".to_string(),
                SuppressionKind::Line => match suppression.lines.as_slice() {
                    [own, next] => format!("on line {own} or {next}"),
                    _ => format!("on line {}", source.line_of(suppression.range.start())),
                },
            };
            let help = if suppression.rules.len() == 1 {
                format!("Remove `{directive}`.")
            } else {
                format!("Remove `{token}` from `{directive}`.")
            };
            out.push(
                Diagnostic::new(
                    Rule::UnusedSuppression,
                    source.span(named.range),
                    format!(
                        "`{token}` is suppressed but `{}` ({}) reports nothing {place}.",
                        named.rule.name(),
                        named.rule.code()
                    ),
                )
                .with_help(help),
            );
        }
        if scope.require_reason && suppression.reason.is_none() {
            out.push(
                Diagnostic::new(
                    Rule::SuppressionWithoutReason,
                    source.span(suppression.range),
                    format!("`{directive}` does not say why the finding is safe to ignore."),
                )
                .with_help(format!(
                    "Add the reason after the brackets: `{directive} <why this is safe>`."
                )),
            );
        }
    }
}

/// The rule an unknown token most likely meant: a code or name one or two
/// edits away, or a name written with `_` or spaces.
fn similar_rule(text: &str) -> Option<Rule> {
    let normalized = text.trim().to_ascii_lowercase().replace(['_', ' '], "-");
    if let Some(rule) = Rule::from_code_or_name(&normalized) {
        return Some(rule);
    }
    let mut candidates: Vec<Rule> = Rule::ALL
        .iter()
        .copied()
        .filter(|rule| {
            let code = rule.code().to_ascii_lowercase();
            (normalized.starts_with("mc") && edits(&code, &normalized) <= 1)
                || (normalized.len() >= 6 && edits(rule.name(), &normalized) <= 2)
        })
        .collect();
    candidates.dedup();
    (candidates.len() == 1).then(|| candidates[0])
}

/// Levenshtein distance, for short texts.
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alembic::revision_file::parse_revision;
    use crate::check::suppression::parse_suppressions;
    use crate::diagnostic::Span;

    fn finding(rule: Rule, source: &SourceFile, needle: &str) -> Diagnostic {
        let start = source.text().find(needle).expect("needle in text");
        let range = ruff_text_size::TextRange::at(
            ruff_text_size::TextSize::try_from(start).unwrap(),
            ruff_text_size::TextSize::try_from(needle.len()).unwrap(),
        );
        Diagnostic::new(rule, source.span(range), "finding")
    }

    /// Runs the suppressions of `text` over findings made by `make`.
    fn run(
        text: &str,
        require_reason: bool,
        make: impl Fn(&SourceFile) -> Vec<Diagnostic>,
    ) -> Vec<Diagnostic> {
        run_with(text, require_reason, RuleSelection::default(), make)
    }

    fn run_with(
        text: &str,
        require_reason: bool,
        selection: RuleSelection,
        make: impl Fn(&SourceFile) -> Vec<Diagnostic>,
    ) -> Vec<Diagnostic> {
        let parsed = parse_revision("versions/a.py", text);
        let findings = make(&parsed.source);
        let mut files = HashMap::new();
        files.insert(
            "versions/a.py",
            FileSuppressionScope {
                source: &parsed.source,
                found: parse_suppressions(&parsed),
                selection,
                require_reason,
            },
        );
        apply_suppressions(findings, &files)
    }

    fn codes(found: &[Diagnostic]) -> Vec<&'static str> {
        found.iter().map(|d| d.rule.code()).collect()
    }

    #[test]
    fn line_and_line_above_suppress_and_count_as_used() {
        let text = "x = 1  # TODO  # migcheck: ignore[MC202] tracked\n# migcheck: ignore[todo-in-migration] tracked\ny = 'TODO'\nz = 'TODO'\n";
        let found = run(text, false, |source| {
            vec![
                finding(Rule::TodoInMigration, source, "TODO"),
                finding(Rule::TodoInMigration, source, "'TODO'"),
                finding(Rule::TodoInMigration, source, "z = 'TODO'"),
            ]
        });
        assert_eq!(codes(&found), vec!["MC202"]);
        assert_eq!(found[0].span.line, 4);
    }

    #[test]
    fn file_level_suppression_covers_every_line_and_other_files_are_untouched() {
        let text = "'''doc'''\n# migcheck: ignore-file[MC202, MC101] legacy\nx = 'TODO'\n";
        let found = run(text, false, |source| {
            vec![
                finding(Rule::TodoInMigration, source, "TODO"),
                finding(Rule::MultipleHeads, source, "doc"),
                Diagnostic::new(Rule::TodoInMigration, Span::file_start("other.py"), "x"),
            ]
        });
        assert_eq!(codes(&found), vec!["MC202"]);
        assert_eq!(found[0].span.path, "other.py");
    }

    #[test]
    fn unused_suppression_points_at_the_code_that_suppressed_nothing() {
        let text = "x = 'TODO'  # migcheck: ignore[MC202, MC101] why\n";
        let found = run(text, false, |source| {
            vec![finding(Rule::TodoInMigration, source, "TODO")]
        });
        assert_eq!(codes(&found), vec!["MC904"]);
        let at = &text[found[0].span.range.to_std_range()];
        assert_eq!(at, "MC101");
        assert_eq!(
            found[0].message,
            "`MC101` is suppressed but `multiple-heads` (MC101) reports nothing on line 1."
        );
        assert_eq!(
            found[0].help.as_deref(),
            Some("Remove `MC101` from `# migcheck: ignore[MC202, MC101]`.")
        );
    }

    #[test]
    fn suppression_of_a_rule_that_is_off_is_not_reported_unused() {
        let text = "x = 1  # migcheck: ignore[MC101] why\n";
        let off = RuleSelection::build(None, &[], &["MC101".to_string()], &[]).unwrap();
        assert!(run_with(text, false, off, |_| Vec::new()).is_empty());
        assert_eq!(codes(&run(text, false, |_| Vec::new())), vec!["MC904"]);
    }

    #[test]
    fn unknown_code_is_reported_at_its_token_with_a_suggestion() {
        let text = "x = 'TODO'  # migcheck: ignore[MC2002, todo_in_migration] why\n";
        let found = run(text, false, |source| {
            vec![finding(Rule::TodoInMigration, source, "TODO")]
        });
        // Nothing known is named, so the finding stays.
        assert_eq!(codes(&found), vec!["MC202", "MC903", "MC903"]);
        let found = &found[1..];
        assert_eq!(&text[found[0].span.range.to_std_range()], "MC2002");
        assert_eq!(
            found[0].help.as_deref(),
            Some("Replace `MC2002` with `MC202` (`todo-in-migration`), or remove it.")
        );
        assert_eq!(
            &text[found[1].span.range.to_std_range()],
            "todo_in_migration"
        );
    }

    #[test]
    fn missing_reason_only_when_required() {
        let text = "x = 'TODO'  # migcheck: ignore[MC202]\n";
        let make = |source: &SourceFile| vec![finding(Rule::TodoInMigration, source, "TODO")];
        assert!(run(text, false, make).is_empty());
        let found = run(text, true, make);
        assert_eq!(codes(&found), vec!["MC905"]);
        assert_eq!(
            &text[found[0].span.range.to_std_range()],
            "# migcheck: ignore[MC202]"
        );
        let with_reason = "x = 'TODO'  # migcheck: ignore[MC202] tracked in JIRA-1\n";
        assert!(run(with_reason, true, make).is_empty());
    }

    #[test]
    fn malformed_suppression_is_reported_and_the_finding_stays() {
        let text = "x = 'TODO'  # migcheck: ignore MC202\n";
        let found = run(text, false, |source| {
            vec![finding(Rule::TodoInMigration, source, "TODO")]
        });
        assert_eq!(codes(&found), vec!["MC202", "MC903"]);
    }

    #[test]
    fn similar_rule_needs_one_clear_candidate() {
        assert_eq!(similar_rule("MC2O2"), Some(Rule::TodoInMigration));
        assert_eq!(similar_rule("multiple_heads"), Some(Rule::MultipleHeads));
        assert_eq!(similar_rule("MC999"), None);
        assert_eq!(similar_rule("x"), None);
    }
}
