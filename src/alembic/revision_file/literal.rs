//! Reads the common header statement without a parser:
//! `name [: annotation] = literal`, where the literal is `None`, plain
//! strings (no escapes, no `b`/`f`/`t` prefix, implicit concatenation
//! allowed), or a tuple or list of such strings, possibly spread over lines
//! with comments. The value and its range are the ones the parser would give
//! (the property tests compare them); any other statement is `None`, and the
//! caller parses it instead.

use ruff_text_size::{TextRange, TextSize};

use super::value::{SeqKind, Value};
use super::HEADER_NAMES;

/// What a simple header statement does.
pub(super) enum Statement {
    /// `name: annotation` without a value binds nothing.
    Annotation,
    /// The header name (index into [`HEADER_NAMES`]) is bound to a value.
    Assign {
        name: usize,
        value: Value,
        range: TextRange,
    },
}

/// Read one header statement (from its name to its `;` or line end).
pub(super) fn read_statement(text: &str, statement: TextRange) -> Option<Statement> {
    let bytes = text.as_bytes().get(statement.to_std_range())?;
    let mut cursor = Cursor {
        b: bytes,
        i: 0,
        base: statement.start(),
    };
    let name_len = bytes
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
        .unwrap_or(bytes.len());
    let name = HEADER_NAMES
        .iter()
        .position(|n| n.as_bytes() == &bytes[..name_len])?;
    cursor.i = name_len;
    cursor.skip_blank(false);
    if cursor.eat(b':') {
        cursor.annotation()?;
        if cursor.at_end() {
            return Some(Statement::Annotation);
        }
    }
    if !cursor.eat(b'=') || cursor.peek() == Some(b'=') {
        return None;
    }
    cursor.skip_blank(false);
    let (value, range) = cursor.expression()?;
    cursor
        .at_end()
        .then_some(Statement::Assign { name, value, range })
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
    base: TextSize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        let found = self.peek() == Some(c);
        self.i += usize::from(found);
        found
    }

    fn offset(&self, at: usize) -> TextSize {
        self.base + TextSize::try_from(at).unwrap_or_default()
    }

    /// Skip blanks and line continuations; inside brackets also comments and line breaks.
    fn skip_blank(&mut self, bracketed: bool) {
        while let Some(c) = self.peek() {
            match c {
                b' ' | b'\t' | b'\x0c' => self.i += 1,
                b'\\' if matches!(self.b.get(self.i + 1), Some(b'\n' | b'\r')) => {
                    self.i += if self.b[self.i + 1..].starts_with(b"\r\n") {
                        3
                    } else {
                        2
                    };
                }
                b'\n' | b'\r' if bracketed => self.i += 1,
                b'#' if bracketed => {
                    while !matches!(self.peek(), None | Some(b'\n' | b'\r')) {
                        self.i += 1;
                    }
                }
                _ => return,
            }
        }
    }

    fn at_end(&mut self) -> bool {
        self.skip_blank(false);
        if self.peek() == Some(b'#') {
            return !self.b[self.i..].contains(&b'\n') && !self.b[self.i..].contains(&b'\r');
        }
        self.i == self.b.len()
    }

    /// A type annotation made of names, `.`, `|` and subscripts (never evaluated here).
    fn annotation(&mut self) -> Option<()> {
        let start = self.i;
        let mut depth = 0usize;
        loop {
            self.skip_blank(depth > 0);
            match self.peek() {
                Some(b'[') => depth += 1,
                Some(b']') => depth = depth.checked_sub(1)?,
                Some(b',') if depth > 0 => {}
                Some(c) if c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'|') => {}
                _ => break,
            }
            self.i += 1;
        }
        (depth == 0 && self.i > start).then_some(())
    }

    /// A bare expression: one item, or a tuple of items without brackets.
    fn expression(&mut self) -> Option<(Value, TextRange)> {
        let (first, first_range) = self.item()?;
        self.skip_blank(false);
        if self.peek() != Some(b',') {
            return Some((first, first_range));
        }
        let mut items = vec![first];
        let mut end = first_range.end();
        while self.eat(b',') {
            end = self.offset(self.i);
            self.skip_blank(false);
            if matches!(self.peek(), None | Some(b'#')) {
                break;
            }
            let (item, range) = self.item()?;
            items.push(item);
            end = range.end();
            self.skip_blank(false);
        }
        let range = TextRange::new(first_range.start(), end);
        Some((Value::Seq(SeqKind::Tuple, items), range))
    }

    /// `None`, strings, or a bracketed tuple or list of those.
    fn item(&mut self) -> Option<(Value, TextRange)> {
        let start = self.i;
        match self.peek()? {
            b'(' | b'[' => self.bracketed(),
            b'N' if self.b[self.i..].starts_with(b"None")
                && !self
                    .b
                    .get(self.i + 4)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b >= 0x80) =>
            {
                self.i += 4;
                Some((
                    Value::None,
                    TextRange::new(self.offset(start), self.offset(self.i)),
                ))
            }
            _ => self.strings(false),
        }
    }

    fn bracketed(&mut self) -> Option<(Value, TextRange)> {
        let open = self.peek()?;
        let close = if open == b'(' { b')' } else { b']' };
        let start = self.i;
        self.i += 1;
        let mut items = Vec::new();
        let mut inner = None;
        let mut comma = false;
        loop {
            self.skip_blank(true);
            if self.eat(close) {
                break;
            }
            let (item, range) = match self.peek()? {
                b'(' | b'[' => return None,
                b'N' => self.item()?,
                _ => self.strings(true)?,
            };
            items.push(item);
            inner = Some(range);
            self.skip_blank(true);
            if self.eat(b',') {
                comma = true;
            } else if self.eat(close) {
                break;
            } else {
                return None;
            }
        }
        let range = TextRange::new(self.offset(start), self.offset(self.i));
        match (open, inner, comma) {
            // `("a")` is the string itself, with the string's range.
            (b'(', Some(inner), false) => items.pop().map(|item| (item, inner)),
            (b'(', _, _) => Some((Value::Seq(SeqKind::Tuple, items), range)),
            _ => Some((Value::Seq(SeqKind::List, items), range)),
        }
    }

    /// One or more adjacent plain string literals.
    fn strings(&mut self, bracketed: bool) -> Option<(Value, TextRange)> {
        let start = self.i;
        let mut value = String::new();
        let mut end;
        loop {
            self.string(&mut value)?;
            end = self.i;
            self.skip_blank(bracketed);
            let next_is_string = match self.peek() {
                Some(b'\'' | b'"') => true,
                Some(b'u' | b'U' | b'r' | b'R') => {
                    matches!(self.b.get(self.i + 1), Some(b'\'' | b'"'))
                }
                _ => false,
            };
            if !next_is_string {
                break;
            }
        }
        self.i = end;
        Some((
            Value::Str(value),
            TextRange::new(self.offset(start), self.offset(end)),
        ))
    }

    fn string(&mut self, value: &mut String) -> Option<()> {
        if matches!(self.peek()?, b'u' | b'U' | b'r' | b'R') {
            self.i += 1;
        }
        let quote = self.peek().filter(|q| matches!(q, b'\'' | b'"'))?;
        let triple = self.b[self.i..].starts_with(&[quote, quote, quote]);
        let delimiter: &[u8] = if triple {
            &[quote, quote, quote]
        } else {
            &[quote]
        };
        self.i += delimiter.len();
        let content_start = self.i;
        let length = self.b[self.i..]
            .windows(delimiter.len())
            .position(|w| w == delimiter)?;
        let content = &self.b[content_start..content_start + length];
        if content.iter().any(|b| matches!(b, b'\\' | b'\r' | b'\n')) {
            return None;
        }
        value.push_str(std::str::from_utf8(content).ok()?);
        self.i = content_start + length + delimiter.len();
        Some(())
    }
}
