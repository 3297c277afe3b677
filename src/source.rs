//! Source text of one file with a line index that follows Python's line breaks
//! (`\n`, `\r\n` and a lone `\r`), so every finding can point at `path:line:col`.

use ruff_source_file::{LineIndex, OneIndexed};
use ruff_text_size::{TextRange, TextSize};

use crate::diagnostic::Span;

/// One file's text, named by its path relative to the repository root (with `/`).
#[derive(Debug, Clone)]
pub struct SourceFile {
    path: String,
    text: String,
    index: LineIndex,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let index = LineIndex::from_source_text(&text);
        Self {
            path: path.into(),
            text,
            index,
        }
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// 1-based line and 1-based column (in characters) of a byte offset.
    pub fn line_col(&self, offset: TextSize) -> (usize, usize) {
        let offset = offset.min(self.text_len());
        let lc = self.index.line_column(offset, &self.text);
        (lc.line.get(), lc.column.get())
    }

    /// 1-based line number of a byte offset.
    pub fn line_of(&self, offset: TextSize) -> usize {
        self.index.line_index(offset.min(self.text_len())).get()
    }

    /// Number of lines in the file.
    pub fn line_count(&self) -> usize {
        self.index.line_count()
    }

    /// Byte range of a 1-based line without its line break.
    pub fn line_range(&self, line: usize) -> TextRange {
        let line = OneIndexed::new(line.max(1)).unwrap_or(OneIndexed::MIN);
        if line.get() > self.line_count() {
            return TextRange::empty(self.text_len());
        }
        let start = self.index.line_start(line, &self.text);
        let end = self.index.line_end(line, &self.text);
        // `line_end` includes the line break; strip `\n`, `\r\n` or a lone `\r`.
        let mut end = usize::from(end);
        let bytes = self.text.as_bytes();
        if end > usize::from(start) && bytes[end - 1] == b'\n' {
            end -= 1;
        }
        if end > usize::from(start) && bytes[end - 1] == b'\r' {
            end -= 1;
        }
        let end = TextSize::try_from(end).unwrap_or(start);
        TextRange::new(start, end.max(start))
    }

    /// Text of a 1-based line without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        &self.text[self.line_range(line)]
    }

    /// The span of a byte range in this file, with 1-based positions.
    pub fn span(&self, range: TextRange) -> Span {
        let (line, column) = self.line_col(range.start());
        let (end_line, end_column) = self.line_col(range.end());
        Span {
            path: self.path.clone(),
            range,
            line,
            column,
            end_line,
            end_column,
        }
    }

    /// The span of a whole 1-based line.
    pub fn line_span(&self, line: usize) -> Span {
        self.span(self.line_range(line))
    }

    fn text_len(&self) -> TextSize {
        TextSize::of(self.text.as_str())
    }
}

/// The span of a byte range in a text that is not kept as a [`SourceFile`]:
/// counts Python line breaks up to the range, without building a line index.
/// The end is found by going on from the start, so the text before the range
/// is read once.
pub fn span_of(path: &str, text: &str, range: TextRange) -> Span {
    let mut cursor = LineCursor::new(text);
    let (line, column) = cursor.position(usize::from(range.start()));
    let (end_line, end_column) = cursor.position(usize::from(range.end()));
    Span {
        path: path.to_string(),
        range,
        line,
        column,
        end_line,
        end_column,
    }
}

/// Lines and columns of offsets in a text that is not kept as a
/// [`SourceFile`], counted in one pass when the offsets come in order (an
/// earlier offset starts the count again from the top).
#[derive(Debug, Clone)]
pub struct LineCursor<'t> {
    text: &'t str,
    at: Cursor,
}

impl<'t> LineCursor<'t> {
    pub fn new(text: &'t str) -> Self {
        LineCursor {
            text,
            at: Cursor::default(),
        }
    }

    /// The 1-based line and character column of a byte offset (clamped to
    /// the text and to a character boundary).
    pub fn position(&mut self, offset: usize) -> (usize, usize) {
        let offset = char_floor(self.text, offset);
        if offset < self.at.counted {
            self.at = Cursor::default();
        }
        self.at = self.at.advance(self.text.as_bytes(), offset);
        (self.at.line, self.at.column(self.text, offset))
    }
}

/// The largest char boundary at or before `offset`, within the text.
fn char_floor(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// How far [`span_of`] has counted lines: the 1-based line, where it starts,
/// and the offset up to which line breaks have been counted.
#[derive(Debug, Clone, Copy)]
struct Cursor {
    line: usize,
    line_start: usize,
    counted: usize,
}

impl Default for Cursor {
    fn default() -> Self {
        Cursor {
            line: 1,
            line_start: 0,
            counted: 0,
        }
    }
}

impl Cursor {
    /// Counts the line breaks (`\n`, `\r\n`, lone `\r`) before `offset`.
    fn advance(mut self, bytes: &[u8], offset: usize) -> Cursor {
        while let Some(found) = memchr::memchr2(b'\n', b'\r', &bytes[self.counted..offset]) {
            let at = self.counted + found;
            let next = if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
                // `\r\n` is one break; an offset on its `\n` is still on this line.
                if at + 1 >= offset {
                    break;
                }
                at + 2
            } else {
                at + 1
            };
            self.line += 1;
            self.line_start = next;
            self.counted = next;
        }
        self
    }

    /// The 1-based character column of `offset` on the current line.
    fn column(&self, text: &str, offset: usize) -> usize {
        let mut column_text = &text[self.line_start.min(offset)..offset];
        if self.line == 1 {
            column_text = column_text.strip_prefix('\u{feff}').unwrap_or(column_text);
        }
        column_text.chars().count() + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_carriage_return_is_a_line_break() {
        let file = SourceFile::new("a.py", "a = 1\rb = 2\r\nc = 3\n");
        assert_eq!(file.line_count(), 4);
        assert_eq!(file.line_text(2), "b = 2");
        assert_eq!(file.line_text(3), "c = 3");
        let offset = TextSize::try_from(file.text().find('c').unwrap()).unwrap();
        assert_eq!(file.line_col(offset), (3, 1));
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let file = SourceFile::new("a.py", "x = 'é'  # TODO\n");
        let offset = TextSize::try_from(file.text().find("TODO").unwrap()).unwrap();
        assert_eq!(file.line_col(offset), (1, 12));
    }

    #[test]
    fn span_of_agrees_with_the_line_index() {
        let text = "\u{feff}a = 1\rb = 'é'\r\n\nc = 3  # x\n";
        let file = SourceFile::new("a.py", text);
        for (offset, _) in text.char_indices() {
            let offset = TextSize::try_from(offset).unwrap();
            let span = span_of("a.py", text, TextRange::empty(offset));
            assert_eq!(
                (span.line, span.column),
                file.line_col(offset),
                "at {offset:?}"
            );
        }
    }

    #[test]
    fn span_of_a_range_agrees_with_the_line_index() {
        let text = "\u{feff}a = 1\rb = 'é'\r\n\nc = 3  # x\n\r\n";
        let file = SourceFile::new("a.py", text);
        let offsets: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            .collect();
        for (i, &start) in offsets.iter().enumerate() {
            for &end in &offsets[i..] {
                let range = TextRange::new(
                    TextSize::try_from(start).unwrap(),
                    TextSize::try_from(end).unwrap(),
                );
                let span = span_of("a.py", text, range);
                assert_eq!(
                    (span.line, span.column),
                    file.line_col(range.start()),
                    "{range:?}"
                );
                assert_eq!(
                    (span.end_line, span.end_column),
                    file.line_col(range.end()),
                    "{range:?}"
                );
            }
        }
    }

    #[test]
    fn line_past_the_end_is_empty() {
        let file = SourceFile::new("a.py", "x = 1\n");
        assert_eq!(file.line_text(9), "");
    }
}
