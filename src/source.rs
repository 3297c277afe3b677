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
pub fn span_of(path: &str, text: &str, range: TextRange) -> Span {
    let start = position_of(text, usize::from(range.start()));
    let end = position_of(text, usize::from(range.end()));
    Span {
        path: path.to_string(),
        range,
        line: start.0,
        column: start.1,
        end_line: end.0,
        end_column: end.1,
    }
}

/// 1-based line and character column of a byte offset.
fn position_of(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let bytes = text.as_bytes();
    let mut line = 1;
    let mut line_start = 0;
    let mut i = 0;
    while i < offset {
        match bytes[i] {
            b'\n' => {
                line += 1;
                line_start = i + 1;
            }
            b'\r' => {
                if bytes.get(i + 1) == Some(&b'\n') {
                    // `\r\n` is one break; an offset on its `\n` is still on this line.
                    if i + 1 >= offset {
                        break;
                    }
                    i += 1;
                }
                line += 1;
                line_start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    let mut column_text = &text[line_start.min(offset)..offset];
    if line == 1 {
        column_text = column_text.strip_prefix('\u{feff}').unwrap_or(column_text);
    }
    (line, column_text.chars().count() + 1)
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
    fn line_past_the_end_is_empty() {
        let file = SourceFile::new("a.py", "x = 1\n");
        assert_eq!(file.line_text(9), "");
    }
}
