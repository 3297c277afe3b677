//! Raw SQL passed to `op.execute`: reading the literal text from the call
//! (`"..."`, `sa.text("...")`, `text("...")`, `sa.DDL("...")`) and splitting
//! it into statements whose keywords can be asked about.
//!
//! The scanner knows what hides a keyword from a reader: `--` and (nested)
//! `/* */` comments, `'...'` and `E'...'` strings, `"quoted"` identifiers and
//! PostgreSQL's `$tag$ ... $tag$` strings (so the body of a `DO $$ ... $$`
//! block is opaque). Parentheses give each word a depth, so a `WHERE` inside a
//! sub-query or a CTE does not bound the `UPDATE` around it.

use ruff_python_ast::Expr;
use ruff_text_size::Ranged;

use super::column::callee_name;
use super::SqlText;

/// The literal SQL of an `execute` argument.
pub(super) fn literal_sql(expr: &Expr) -> Option<SqlText> {
    match expr {
        Expr::StringLiteral(s) => Some(SqlText {
            text: s.value.to_str().to_string(),
            range: s.range,
        }),
        Expr::Call(call) if matches!(callee_name(call), Some("text" | "DDL")) => {
            let first = call.arguments.args.first().or_else(|| {
                call.arguments
                    .keywords
                    .iter()
                    .find(|k| matches!(k.arg.as_deref(), Some("text" | "statement")))
                    .map(|k| &k.value)
            })?;
            match first {
                Expr::StringLiteral(s) => Some(SqlText {
                    text: s.value.to_str().to_string(),
                    range: first.range(),
                }),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A word of SQL outside strings and comments: a keyword or an identifier,
/// with its parenthesis depth within the statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Upper-cased; a `"quoted"` identifier keeps its case and quotes, so it
    /// never reads as a keyword.
    pub text: String,
    /// As written.
    pub raw: String,
    pub depth: u32,
}

/// One statement of a SQL text (between semicolons).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement<'s> {
    /// The statement, trimmed, without its `;`.
    pub text: &'s str,
    pub words: Vec<Word>,
}

impl Statement<'_> {
    /// The statement's verb: its first word, or for `WITH ... AS (...)` the
    /// first top-level `SELECT`/`INSERT`/`UPDATE`/`DELETE`/`MERGE` after the CTEs.
    pub fn verb(&self) -> Option<&str> {
        let first = self.words.first()?;
        if first.text != "WITH" {
            return Some(&first.text);
        }
        self.words
            .iter()
            .skip(1)
            .find(|w| {
                w.depth == 0
                    && matches!(
                        w.text.as_str(),
                        "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "MERGE"
                    )
            })
            .map(|w| w.text.as_str())
    }

    /// A word at the statement's own level (not inside parentheses).
    pub fn has_top_level(&self, word: &str) -> bool {
        self.words.iter().any(|w| w.depth == 0 && w.text == word)
    }

    /// A word anywhere in the statement.
    pub fn has_word(&self, word: &str) -> bool {
        self.words.iter().any(|w| w.text == word)
    }

    /// The word right after the first top-level `word`, as written
    /// (`UPDATE users SET ...` gives `users` after `UPDATE`).
    pub fn word_after(&self, word: &str) -> Option<&str> {
        let index = self
            .words
            .iter()
            .position(|w| w.depth == 0 && w.text == word)?;
        self.words.get(index + 1).map(|w| w.raw.as_str())
    }
}

/// Splits SQL text into statements, skipping empty ones.
pub fn statements(sql: &str) -> Vec<Statement<'_>> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut words = Vec::new();
    let mut depth: u32 = 0;
    let mut i = 0;
    let mut finish = |start: usize, end: usize, words: &mut Vec<Word>| {
        let text = sql[start..end].trim();
        if !text.is_empty() && !words.is_empty() {
            out.push(Statement {
                text,
                words: std::mem::take(words),
            });
        }
        words.clear();
    };
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |n| i + n);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => i = skip_block_comment(bytes, i),
            b'\'' => i = skip_quoted(bytes, i, b'\'', false),
            b'"' => {
                let begin = i;
                i = skip_quoted(bytes, i, b'"', false);
                words.push(Word {
                    text: sql[begin..i].to_string(),
                    raw: sql[begin..i].to_string(),
                    depth,
                });
            }
            b'$' => match dollar_tag(bytes, i) {
                Some(tag) => {
                    let body = i + tag.len();
                    i = find(bytes, body, tag).map_or(bytes.len(), |end| end + tag.len());
                }
                None => i += 1,
            },
            b'(' => {
                depth += 1;
                i += 1;
            }
            b')' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b';' => {
                finish(start, i, &mut words);
                depth = 0;
                i += 1;
                start = i;
            }
            b if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 => {
                let begin = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || bytes[i] == b'_'
                        || bytes[i] == b'$'
                        || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                // `E'...'` strings take backslash escapes.
                if i - begin == 1 && matches!(b, b'E' | b'e') && bytes.get(i) == Some(&b'\'') {
                    i = skip_quoted(bytes, i, b'\'', true);
                    continue;
                }
                words.push(Word {
                    text: sql[begin..i].to_ascii_uppercase(),
                    raw: sql[begin..i].to_string(),
                    depth,
                });
            }
            _ => i += 1,
        }
    }
    finish(start, sql.len(), &mut words);
    out
}

/// The index after a quoted run starting at `start` (doubled quotes escape).
fn skip_quoted(bytes: &[u8], start: usize, quote: u8, backslash: bool) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        if backslash && bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

/// The index after a `/* */` comment, which PostgreSQL lets nest.
fn skip_block_comment(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0;
    let mut i = start;
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// `$tag$` (or `$$`) at `start`, when it opens a dollar-quoted string.
fn dollar_tag(bytes: &[u8], start: usize) -> Option<&[u8]> {
    let mut i = start + 1;
    if bytes.get(i).is_some_and(u8::is_ascii_digit) {
        return None; // `$1` is a parameter.
    }
    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
        i += 1;
    }
    (bytes.get(i) == Some(&b'$')).then(|| &bytes[start..=i])
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(&bytes[from..], needle).map(|n| from + n)
}

#[cfg(test)]
mod tests {
    use super::statements;

    fn verbs(sql: &str) -> Vec<String> {
        statements(sql)
            .iter()
            .map(|s| s.verb().unwrap_or("?").to_string())
            .collect()
    }

    #[test]
    fn splits_statements_outside_strings_and_comments() {
        let sql = "UPDATE t SET a = 'x;y'; -- DELETE FROM t;\n/* DROP /* nested */ TABLE; */ DELETE FROM u WHERE id = 1;;";
        assert_eq!(verbs(sql), ["UPDATE", "DELETE"]);
        let all = statements(sql);
        assert!(!all[0].has_word("DELETE"));
        assert!(all[1].has_top_level("WHERE"));
        assert_eq!(all[0].text, "UPDATE t SET a = 'x;y'");
    }

    #[test]
    fn dollar_quoted_bodies_and_e_strings_are_opaque() {
        let sql = "DO $body$ BEGIN DELETE FROM t; END $body$; SELECT E'it\\'s; TRUNCATE', $1";
        assert_eq!(verbs(sql), ["DO", "SELECT"]);
        assert!(!statements(sql)[1].has_word("TRUNCATE"));
        assert!(!statements("SELECT \"where\" FROM t")[0].has_word("WHERE"));
    }

    proptest::proptest! {
        #[test]
        fn any_text_splits_without_panicking(sql in "[ -~\\n\u{e9}\u{4e2d}$'\"();]{0,80}") {
            for statement in statements(&sql) {
                proptest::prop_assert!(sql.contains(statement.text));
            }
        }
    }

    #[test]
    fn depth_separates_subqueries() {
        let s = &statements("UPDATE t SET a = (SELECT b FROM s WHERE s.id = t.id)")[0];
        assert!(s.has_word("WHERE"));
        assert!(!s.has_top_level("WHERE"));
        let s = &statements("WITH old AS (SELECT id FROM t WHERE x) DELETE FROM t USING old")[0];
        assert_eq!(s.verb(), Some("DELETE"));
        assert!(!s.has_top_level("WHERE"));
        assert_eq!(s.word_after("FROM"), Some("t"));
        let s = &statements("update \"Users\" set a = 1")[0];
        assert_eq!(s.word_after("UPDATE"), Some("\"Users\""));
    }
}
