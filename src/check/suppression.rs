//! Suppression comments, read from the comment tokens of a file read in full:
//! `# migcheck: ignore[MC301] reason` silences findings on its own line (or,
//! on a line of its own, on the next line of code, other comment lines
//! allowed in between), and `# migcheck: ignore-file[MC301] reason` anywhere
//! silences them in the whole file. Rules are named by code or by name,
//! several separated by commas. What cannot be read is kept as a problem so
//! it can be reported (`unknown-suppression`) instead of silently ignored.

mod apply;

pub use apply::{apply_suppressions, FileSuppressionScope};

use ruff_text_size::{TextRange, TextSize};

use crate::alembic::revision_file::ParsedRevision;
use crate::rules::Rule;
use crate::source::SourceFile;

/// Where a suppression applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuppressionKind {
    /// `ignore[...]`: its own line, or the next line of code.
    Line,
    /// `ignore-file[...]`: the whole file.
    File,
}

/// One rule named in a suppression, with the range of its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuppressedRule {
    pub rule: Rule,
    pub range: TextRange,
}

/// One `# migcheck: ignore[...]` or `# migcheck: ignore-file[...]` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub kind: SuppressionKind,
    /// From the `#` that starts the directive to its closing `]`.
    pub range: TextRange,
    /// The known rules it names, in order (unknown ones are problems).
    pub rules: Vec<SuppressedRule>,
    /// The text after the brackets, trimmed; `None` when there is none.
    pub reason: Option<String>,
    /// The 1-based lines a line suppression covers: its own, and the next
    /// line of code when the comment stands on a line of its own.
    pub lines: Vec<usize>,
}

impl Suppression {
    /// Whether a finding on lines `first..=last` is on a line this covers.
    pub fn covers(&self, first: usize, last: usize) -> bool {
        match self.kind {
            SuppressionKind::File => true,
            SuppressionKind::Line => self
                .lines
                .iter()
                .any(|line| (first..=last.max(first)).contains(line)),
        }
    }
}

/// A suppression comment that cannot be used as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SuppressionProblem {
    /// A token in the brackets that is neither a rule code nor a rule name.
    UnknownRule { text: String, range: TextRange },
    /// A `# migcheck:` comment that is not a well-formed suppression.
    Malformed {
        text: String,
        range: TextRange,
        why: String,
    },
}

/// Every suppression of one file, and what could not be read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSuppressions {
    pub suppressions: Vec<Suppression>,
    pub problems: Vec<SuppressionProblem>,
}

impl FileSuppressions {
    pub fn is_empty(&self) -> bool {
        self.suppressions.is_empty() && self.problems.is_empty()
    }
}

/// Reads the suppression comments of a file read in full.
pub fn parse_suppressions(parsed: &ParsedRevision) -> FileSuppressions {
    let mut found = FileSuppressions::default();
    let text = parsed.source.text();
    for comment in &parsed.comments {
        let Some(comment_text) = text.get(comment.to_std_range()) else {
            continue;
        };
        if !contains_ignore_case(comment_text, "migcheck") {
            continue;
        }
        let before = found.suppressions.len();
        parse_comment(comment_text, comment.start(), &mut found);
        let lines = covered_lines(&parsed.source, comment.start());
        for suppression in &mut found.suppressions[before..] {
            if suppression.kind == SuppressionKind::Line {
                suppression.lines.clone_from(&lines);
            }
        }
    }
    found
}

fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

/// The comment's own line, and the next line of code when the comment is
/// alone on its line (skipping further comment lines, stopping at a blank one).
fn covered_lines(source: &SourceFile, start: TextSize) -> Vec<usize> {
    let line = source.line_of(start);
    let mut lines = vec![line];
    let line_start = source.line_range(line).start();
    let before = source
        .text()
        .get(TextRange::new(line_start, start.max(line_start)).to_std_range())
        .unwrap_or_default();
    if !before.trim().is_empty() {
        return lines;
    }
    let mut next = line + 1;
    while next <= source.line_count() {
        let code = source.line_text(next).trim();
        if code.is_empty() {
            break;
        }
        if !code.starts_with('#') {
            lines.push(next);
            break;
        }
        next += 1;
    }
    lines
}

/// Finds every `# migcheck:` directive in one comment (`#` included); `base`
/// is the comment's offset in the file.
fn parse_comment(comment: &str, base: TextSize, found: &mut FileSuppressions) {
    let offset = |i: usize| base + TextSize::try_from(i).unwrap_or_default();
    let bytes = comment.as_bytes();
    let mut hash = 0;
    while let Some(found_at) = comment[hash..].find('#') {
        let start = hash + found_at;
        hash = start + 1;
        let mut i = skip_spaces(comment, start + 1);
        let Some(prefix) = comment.get(i..i + "migcheck".len()) else {
            continue;
        };
        if !prefix.eq_ignore_ascii_case("migcheck") {
            continue;
        }
        i = skip_spaces(comment, i + "migcheck".len());
        if bytes.get(i) != Some(&b':') {
            continue;
        }
        i = skip_spaces(comment, i + 1);
        let word_end = i + comment[i..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(comment.len() - i);
        let word = &comment[i..word_end];
        let end_of_directive = comment[start + 1..]
            .find('#')
            .map_or(comment.len(), |n| start + 1 + n);
        let malformed = |why: String, found: &mut FileSuppressions| {
            let text = comment[start..end_of_directive].trim_end().to_string();
            let range = TextRange::new(offset(start), offset(start + text.len()));
            found
                .problems
                .push(SuppressionProblem::Malformed { text, range, why });
        };
        let kind = match word.to_ascii_lowercase().as_str() {
            "ignore" => SuppressionKind::Line,
            "ignore-file" => SuppressionKind::File,
            "" => {
                malformed("it names no directive".to_string(), found);
                continue;
            }
            _ => {
                malformed(format!("`{word}` is not a migcheck directive"), found);
                continue;
            }
        };
        let open = skip_spaces(comment, word_end);
        if bytes.get(open) != Some(&b'[') {
            malformed(
                format!("`{word}` must be followed by the rules in brackets"),
                found,
            );
            continue;
        }
        let Some(close) = comment[open..].find(']').map(|n| open + n) else {
            malformed("the `[` is never closed".to_string(), found);
            continue;
        };
        let mut rules = Vec::new();
        let mut named = 0;
        let mut item_start = open + 1;
        for item in comment[open + 1..close].split(',') {
            let leading = item.len() - item.trim_start().len();
            let token = item.trim();
            let token_start = item_start + leading;
            item_start += item.len() + 1;
            if token.is_empty() {
                continue;
            }
            named += 1;
            let range = TextRange::new(offset(token_start), offset(token_start + token.len()));
            match Rule::from_code_or_name(token) {
                Some(rule) => rules.push(SuppressedRule { rule, range }),
                None => found.problems.push(SuppressionProblem::UnknownRule {
                    text: token.to_string(),
                    range,
                }),
            }
        }
        if named == 0 {
            malformed("the brackets name no rule".to_string(), found);
            continue;
        }
        let reason_end = comment[close..]
            .find('#')
            .map_or(comment.len(), |n| close + n);
        let reason = comment[close + 1..reason_end].trim();
        found.suppressions.push(Suppression {
            kind,
            range: TextRange::new(offset(start), offset(close + 1)),
            rules,
            reason: (!reason.is_empty()).then(|| reason.to_string()),
            lines: Vec::new(),
        });
        hash = close + 1;
    }
}

fn skip_spaces(text: &str, from: usize) -> usize {
    from + text.get(from..).map_or(0, |rest| {
        rest.len() - rest.trim_start_matches([' ', '\t']).len()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alembic::revision_file::parse_revision;

    fn parse(text: &str) -> (FileSuppressions, String) {
        let parsed = parse_revision("versions/a.py", text);
        (parse_suppressions(&parsed), text.to_string())
    }

    fn at(text: &str, range: TextRange) -> &str {
        &text[range.to_std_range()]
    }

    #[test]
    fn line_suppression_with_codes_names_and_reason() {
        let (found, text) = parse(
            "op.drop_column('u', 'e')  # migcheck: ignore[MC202, multiple-heads] dead column\n",
        );
        assert!(found.problems.is_empty(), "{:?}", found.problems);
        let [s] = found.suppressions.as_slice() else {
            panic!("{found:?}")
        };
        assert_eq!(s.kind, SuppressionKind::Line);
        assert_eq!(s.reason.as_deref(), Some("dead column"));
        assert_eq!(s.lines, vec![1]);
        assert_eq!(
            at(&text, s.range),
            "# migcheck: ignore[MC202, multiple-heads]"
        );
        let tokens: Vec<&str> = s.rules.iter().map(|r| at(&text, r.range)).collect();
        assert_eq!(tokens, vec!["MC202", "multiple-heads"]);
        assert_eq!(s.rules[1].rule, Rule::MultipleHeads);
    }

    #[test]
    fn own_line_comment_covers_the_next_line_of_code() {
        let text = "x = 1\n    # migcheck: ignore[MC202]\n    # why: legacy\n    y = 2\nz = 3\n";
        let (found, _) = parse(text);
        assert_eq!(found.suppressions[0].lines, vec![2, 4]);
        // A blank line ends the reach.
        let (found, _) = parse("# migcheck: ignore[MC202] x\n\ny = 2\n");
        assert_eq!(found.suppressions[0].lines, vec![1]);
        // A trailing comment covers only its own line.
        let (found, _) = parse("x = 1  # migcheck: ignore[MC202] x\ny = 2\n");
        assert_eq!(found.suppressions[0].lines, vec![1]);
    }

    #[test]
    fn file_suppression_anywhere_and_case_of_the_code() {
        let (found, _) = parse("def f():\n    pass  # MIGCHECK: ignore-file[mc202]\n");
        let s = &found.suppressions[0];
        assert_eq!(s.kind, SuppressionKind::File);
        assert_eq!(s.reason, None);
        assert!(s.covers(100, 100));
        assert_eq!(s.rules[0].rule, Rule::TodoInMigration);
    }

    #[test]
    fn unknown_rule_points_at_its_token() {
        let (found, text) = parse("x = 1  # migcheck: ignore[MC202,  MC999 ] why\n");
        let [SuppressionProblem::UnknownRule { text: code, range }] = found.problems.as_slice()
        else {
            panic!("{found:?}")
        };
        assert_eq!(code, "MC999");
        assert_eq!(at(&text, *range), "MC999");
        assert_eq!(found.suppressions[0].rules.len(), 1);
    }

    #[test]
    fn malformed_directives_are_problems() {
        for (comment, why) in [
            (
                "# migcheck: ignroe[MC202]",
                "`ignroe` is not a migcheck directive",
            ),
            (
                "# migcheck: ignore MC202",
                "must be followed by the rules in brackets",
            ),
            ("# migcheck: ignore[MC202", "never closed"),
            ("# migcheck: ignore[ , ]", "name no rule"),
            ("# migcheck:", "names no directive"),
        ] {
            let (found, text) = parse(&format!("x = 1  {comment}\n"));
            assert!(found.suppressions.is_empty(), "{comment}");
            let [SuppressionProblem::Malformed {
                text: quoted,
                range,
                why: reason,
            }] = found.problems.as_slice()
            else {
                panic!("{comment}: {found:?}")
            };
            assert_eq!(quoted, comment);
            assert_eq!(at(&text, *range), comment);
            assert!(reason.contains(why), "{comment}: {reason}");
        }
    }

    #[test]
    fn prose_that_mentions_migcheck_is_not_a_directive() {
        let (found, _) = parse("# run migcheck: it is fast\n# migcheck ignores nothing here\n");
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn a_directive_after_another_comment_and_the_reason_stops_at_the_next_hash() {
        let (found, _) =
            parse("# TODO: later  # migcheck: ignore[MC202] tracked in #12  # noqa: E501\n");
        let s = &found.suppressions[0];
        assert_eq!(s.reason.as_deref(), Some("tracked in"));
        assert_eq!(s.rules[0].rule, Rule::TodoInMigration);
    }

    #[test]
    fn strings_are_not_comments() {
        let (found, _) = parse("x = '# migcheck: ignore[MC202]'\n");
        assert!(found.is_empty());
    }

    #[test]
    fn unicode_and_spacing_variants() {
        let (found, text) = parse("x = 1  #MIGCHECK : IGNORE [mc202 ,  é日本]  réason\n");
        assert_eq!(found.suppressions[0].reason.as_deref(), Some("réason"));
        let [SuppressionProblem::UnknownRule { range, .. }] = found.problems.as_slice() else {
            panic!("{found:?}")
        };
        assert_eq!(at(&text, *range), "é日本");
    }

    proptest::proptest! {
        #[test]
        fn any_comment_text_is_read_without_panicking(tail in "\\PC{0,40}") {
            let text = format!("x = 1  # migcheck: {tail}\n# migcheck: ignore[{tail}\n");
            let (found, text) = parse(&text);
            for suppression in &found.suppressions {
                proptest::prop_assert!(text.get(suppression.range.to_std_range()).is_some());
                for rule in &suppression.rules {
                    proptest::prop_assert!(text.get(rule.range.to_std_range()).is_some());
                }
            }
            for problem in &found.problems {
                let range = match problem {
                    SuppressionProblem::UnknownRule { range, .. }
                    | SuppressionProblem::Malformed { range, .. } => *range,
                };
                proptest::prop_assert!(text.get(range.to_std_range()).is_some());
            }
        }
    }
}
