//! A quicker pass over the bodies of top-level functions, for the header read
//! only: `upgrade()` and `downgrade()` are most of a revision file, and all
//! that matters inside them is where strings, comments, brackets and lines
//! are, plus any whole-word header name or escape hatch. Those words are found
//! up front with one search over the file; between them the pass only stops
//! at bytes that start a string or comment, change the bracket nesting or end
//! a line. What it skips, the operators, matters only to the nesting estimate
//! of a full parse, which scans without this shortcut.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};

use super::super::header::ESCAPE_NAMES;
use super::super::HEADER_NAMES;
use super::strings::string_prefix;
use super::Scanner;

/// Words the pass must look at: the header names and the escape hatches.
static WORDS: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .build(HEADER_NAMES.iter().chain(ESCAPE_NAMES.iter()))
        .ok()
});

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Bytes where the pass must stop.
static STOP: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = matches!(
            c,
            b'\'' | b'"' | b'#' | b'\\' | b'\n' | b'\r' | b'(' | b')' | b'[' | b']' | b'{' | b'}'
        ) || c >= 0x80;
        b += 1;
    }
    table
};

impl Scanner<'_> {
    /// Whether the rest of this line can take the quick pass.
    pub(super) fn in_quick_body(&self) -> bool {
        self.quick_bodies
            && self.fstrings.is_empty()
            && self.top_def.as_ref().is_some_and(|def| def.in_body)
    }

    /// Runs through a function body until a line break, an f-string or the end.
    pub(super) fn quick_body(&mut self) {
        self.first_token = false;
        if self.words.is_none() {
            // Starts of the whole words of `WORDS`, found once per file.
            let Some(searcher) = WORDS.as_ref() else {
                self.quick_bodies = false;
                return;
            };
            // Whole words only: not `execute`, not `my_revision`.
            let b = self.b;
            let whole = |m: &aho_corasick::Match| {
                let before = m.start().checked_sub(1).and_then(|i| b.get(i));
                !before.is_some_and(|&c| is_word_byte(c))
                    && !b.get(m.end()).is_some_and(|&c| is_word_byte(c))
            };
            let found = searcher
                .find_iter(b)
                .filter(whole)
                .map(|m| m.start())
                .collect();
            self.words = Some(found);
        }
        loop {
            let words = self.words.as_deref().unwrap_or_default();
            let ahead = words.get(self.word_index..).unwrap_or_default();
            self.word_index += ahead.partition_point(|&w| w < self.i);
            let next_word = words.get(self.word_index).copied().unwrap_or(usize::MAX);
            let limit = next_word.min(self.b.len());
            // A local cursor, kept in a register.
            let skipped = self.b[self.i..limit]
                .iter()
                .position(|&b| STOP[usize::from(b)])
                .unwrap_or(limit - self.i);
            self.i += skipped;
            if self.i == next_word {
                self.quick_word();
                continue;
            }
            let Some(&c) = self.b.get(self.i) else {
                return;
            };
            match c {
                b'\'' | b'"' => {
                    if self.quick_string(c) {
                        return;
                    }
                }
                b'\n' | b'\r' => {
                    self.newline();
                    return;
                }
                b'\\' => {
                    if !self.continuation() {
                        self.i += 1;
                    }
                }
                b'#' | b'(' | b')' | b'[' | b']' | b'{' | b'}' => self.token(c),
                _ => {
                    // A non-ASCII identifier: Python normalises it (NFKC).
                    self.out.needs_full = true;
                    self.i += 1;
                }
            }
        }
    }

    /// A string at `self.i`, with the prefix read backwards; true when it is an
    /// f-string or t-string, whose fields the usual scan reads.
    fn quick_string(&mut self, quote: u8) -> bool {
        let prefix_len = self.b[..self.i]
            .iter()
            .rev()
            .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80)
            .count();
        let prefix = &self.b[self.i - prefix_len..self.i];
        self.i += 1;
        match string_prefix(prefix) {
            Some((true, raw)) => {
                self.fstring_start(quote, raw);
                true
            }
            _ => {
                self.string(quote);
                false
            }
        }
    }

    /// A whole word found by the search, in code.
    fn quick_word(&mut self) {
        let before = self.b[..self.i]
            .iter()
            .rev()
            .find(|&&b| !matches!(b, b' ' | b'\t' | b'\x0c'));
        self.prev_dot = before == Some(&b'.');
        self.stmt_start = false;
        self.first_token = false;
        self.name();
    }
}
