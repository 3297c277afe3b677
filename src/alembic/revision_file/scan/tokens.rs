//! The code tokens of the scanner: names (where header statements start and
//! where a full read becomes necessary), numbers, operators, brackets, colons
//! and line breaks.

use super::strings::string_prefix;
use super::{Level, Scanner, TopDef};

/// ASCII bytes that continue an identifier.
static IDENTIFIER: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'_';
        b += 1;
    }
    table
};

impl Scanner<'_> {
    pub(super) fn operator(&mut self, c: u8) {
        let star_import = c == b'*' && self.prev_import;
        if c == b'@' && self.first_token && self.line_top {
            self.line_decorator = true;
        }
        self.done();
        self.i += 1;
        let next = self.b.get(self.i).copied();
        let doubled = matches!(c, b'*' | b'/' | b'<' | b'>') && next == Some(c);
        if doubled || (c == b'-' && next == Some(b'>')) {
            self.i += 1;
        }
        if self.b.get(self.i) == Some(&b'=') && !(c == b'-' && next == Some(b'>')) {
            self.i += 1;
            if !doubled && matches!(c, b'<' | b'>' | b'!') {
                self.op();
            } else {
                self.separator(false);
            }
        } else {
            self.op();
        }
        if star_import {
            self.out.needs_full = true;
        }
    }

    pub(super) fn open(&mut self, c: u8) {
        self.done();
        self.i += 1;
        self.op();
        self.levels.push(Level {
            bracket: c,
            ..Level::default()
        });
        self.estimate += 1;
        self.line_estimate = self.line_estimate.max(self.estimate);
        self.line_brackets = self.line_brackets.max(self.nesting());
    }

    pub(super) fn close(&mut self, c: u8) {
        self.done();
        self.i += 1;
        let nesting = self.nesting();
        if c == b'}' {
            if let Some(f) = self.fstrings.last_mut() {
                if f.nesting == nesting {
                    // A single `}` in an f-string's literal part.
                    self.out.lexical_error = true;
                    return;
                }
                f.try_end_format_spec(nesting);
            }
        }
        if nesting == 0 {
            self.out.lexical_error = true;
            return;
        }
        self.pop_level(c);
    }

    pub(super) fn pop_level(&mut self, closing: u8) {
        if let Some(level) = self.levels.pop() {
            let opening = match closing {
                b')' => b'(',
                b']' => b'[',
                _ => b'{',
            };
            if level.bracket != opening {
                self.out.lexical_error = true;
            }
            self.estimate -= 1 + level.ops;
        }
    }

    pub(super) fn colon(&mut self) {
        self.done();
        self.i += 1;
        let nesting = self.nesting();
        if let Some(f) = self.fstrings.last_mut() {
            if f.try_start_format_spec(nesting) {
                return;
            }
        }
        if nesting == 0 {
            if let Some(def) = self.top_def.as_mut().filter(|d| d.name.is_some()) {
                def.in_body = true;
            }
        }
        if self.b.get(self.i) == Some(&b'=') {
            self.i += 1;
            self.op();
        } else if let Some(level) = self.levels.last_mut() {
            level.lambdas = level.lambdas.saturating_sub(1);
        }
    }

    pub(super) fn number(&mut self) {
        while self
            .b
            .get(self.i)
            .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
        {
            self.i += 1;
        }
    }

    pub(super) fn name(&mut self) {
        let start = self.i;
        let mut ascii = true;
        while let Some(&b) = self.b.get(self.i) {
            if b >= 0x80 {
                ascii = false;
            } else if !IDENTIFIER[usize::from(b)] {
                break;
            }
            self.i += 1;
        }
        let word = &self.b[start..self.i];
        if let Some(&quote) = self.b.get(self.i).filter(|&&q| q == b'\'' || q == b'"') {
            if let Some((interpolated, raw)) = string_prefix(word) {
                self.done();
                self.i += 1;
                if interpolated {
                    self.fstring_start(quote, raw);
                } else {
                    self.string(quote);
                }
                return;
            }
        }
        if !ascii {
            self.out.needs_full = true;
            self.done();
            return;
        }
        let (first, stmt_start, prev_dot) = (self.first_token, self.stmt_start, self.prev_dot);
        self.done();
        let name = (start, self.i);
        if let Some(def) = self.top_def.as_mut() {
            if def.awaiting_def {
                def.awaiting_def = false;
                def.awaiting_name = word == b"def";
            } else if def.awaiting_name {
                def.awaiting_name = false;
                def.name = Some(name);
            }
        }
        let word = classify(word);
        if first && self.line_top && matches!(word, Word::Def | Word::Async) {
            self.top_def = Some(TopDef {
                decorated: self.after_decorator,
                awaiting_def: word == Word::Async,
                awaiting_name: word == Word::Def,
                ..TopDef::default()
            });
        }
        match word {
            Word::Plain => {}
            Word::Header => {
                if stmt_start {
                    self.header_start = Some(start);
                    self.region_start.get_or_insert(start);
                    self.line_has_header = true;
                } else if !prev_dot {
                    self.out.needs_full = true;
                }
            }
            Word::Escape => match &self.top_def {
                Some(TopDef {
                    in_body: true,
                    decorated: false,
                    name: Some(function),
                    ..
                }) => self.escaping_functions.push(*function),
                _ => self.out.needs_full = true,
            },
            Word::Import => self.prev_import = true,
            Word::Lambda => {
                self.op();
                if let Some(level) = self.levels.last_mut() {
                    level.lambdas += 1;
                }
            }
            Word::Operator | Word::OperatorOrCompound => self.op(),
            Word::Compound | Word::Def | Word::Async => {}
        }
        if first
            && matches!(
                word,
                Word::Compound | Word::OperatorOrCompound | Word::Def | Word::Async
            )
        {
            self.line_compound = true;
        }
    }
}

/// The identifiers the scanner cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Word {
    Plain,
    /// One of the four header names.
    Header,
    /// A name that reaches the module namespace indirectly ([`ESCAPE_NAMES`]).
    Escape,
    Import,
    Lambda,
    /// An operator keyword: it may nest the syntax tree one level deeper.
    Operator,
    /// `if` and `else`: operators, or the start of a compound statement.
    OperatorOrCompound,
    /// Starts a compound statement (`match` and `case` included, conservatively).
    Compound,
    Def,
    Async,
}

fn classify(word: &[u8]) -> Word {
    // A `match` on the bytes compiles to a switch on the length and then a
    // few integer comparisons: no call per candidate for the common plain name.
    match word {
        b"if" | b"else" => Word::OperatorOrCompound,
        b"or" | b"in" | b"is" | b"not" | b"and" | b"await" | b"yield" => Word::Operator,
        b"for" | b"try" | b"elif" | b"with" | b"case" | b"while" | b"class" | b"match"
        | b"except" | b"finally" => Word::Compound,
        b"def" => Word::Def,
        b"async" => Word::Async,
        b"vars" | b"exec" | b"eval" | b"locals" | b"globals" | b"modules" | b"f_globals"
        | b"__getattr__" => Word::Escape,
        b"import" => Word::Import,
        b"lambda" => Word::Lambda,
        b"revision" | b"depends_on" | b"down_revision" | b"branch_labels" => Word::Header,
        _ => Word::Plain,
    }
}
