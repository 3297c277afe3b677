//! Physical and logical lines for the scanner: indentation, blanks and
//! backslash continuations, line breaks, merge conflict markers, and what is
//! settled when a logical line or the file ends (header statement ranges,
//! lines too deep to parse, escape hatches in functions that can be called).

use ruff_text_size::TextRange;

use super::{offset, Level, Scanner, MAX_BRACKETS, MAX_ESTIMATE, MAX_INDENT_LEVELS};

impl Scanner<'_> {
    /// Indentation of a new physical line outside brackets, as ruff's `eat_indentation`.
    pub(super) fn begin_line(&mut self) {
        let physical = self.i;
        let mut width = 0u32;
        loop {
            match self.b.get(self.i) {
                Some(b' ') => width += 1,
                Some(b'\t') => width = (width / 8 + 1) * 8,
                Some(b'\x0c') => width = 0,
                Some(b'\\') => {
                    if !self.continuation() {
                        return;
                    }
                    continue;
                }
                _ => break,
            }
            self.i += 1;
        }
        if matches!(self.b.get(self.i), None | Some(b'\n' | b'\r' | b'#')) {
            return;
        }
        self.after_newline = false;
        self.line_start = physical;
        self.line_top = self.i == physical;
        if self.line_top {
            self.top_def = None;
            self.after_decorator = std::mem::take(&mut self.line_decorator);
        }
        self.line_compound = false;
        self.first_token = true;
        self.stmt_start = self.line_top;
        while self.indents.last().is_some_and(|&top| width < top) {
            self.indents.pop();
        }
        if width > self.indents.last().copied().unwrap_or(0) {
            self.indents.push(width);
            if self.indents.len() == MAX_INDENT_LEVELS {
                self.problem("too many levels of indentation", physical, self.i);
            }
        }
    }

    pub(super) fn skip_whitespace(&mut self) {
        loop {
            match self.b.get(self.i) {
                Some(b' ' | b'\t' | b'\x0c') => self.i += 1,
                Some(b'\\') => {
                    if !self.continuation() {
                        return;
                    }
                }
                _ => return,
            }
        }
    }

    /// A backslash outside strings: it must end the physical line.
    pub(super) fn continuation(&mut self) -> bool {
        self.i += 1;
        match self.b.get(self.i) {
            Some(b'\r') => {
                self.i += 1;
                if self.b.get(self.i) == Some(&b'\n') {
                    self.i += 1;
                }
            }
            Some(b'\n') => self.i += 1,
            _ => {
                self.out.lexical_error = true;
                return false;
            }
        }
        if self.i == self.b.len() {
            self.out.lexical_error = true;
        }
        self.check_conflict_marker();
        true
    }

    /// Git's `<<<<<<<`, `|||||||`, `=======` and `>>>>>>>` at the start of a line.
    #[inline]
    pub(super) fn check_conflict_marker(&mut self) {
        if matches!(self.b.get(self.i), Some(b'<' | b'=' | b'>' | b'|')) {
            self.conflict_marker();
        }
    }

    #[cold]
    fn conflict_marker(&mut self) {
        let rest = &self.b[self.i..];
        let Some(&c) = rest.first() else { return };
        if !matches!(c, b'<' | b'=' | b'>' | b'|')
            || rest.len() < 7
            || rest[..7].iter().any(|&b| b != c)
            || !matches!(rest.get(7), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
        {
            return;
        }
        let end = memchr::memchr2(b'\n', b'\r', rest).map_or(self.b.len(), |n| self.i + n);
        let marker = char::from(c).to_string().repeat(7);
        self.problem(
            format!("merge conflict marker `{marker}`: the file has unresolved git conflicts"),
            self.i,
            end,
        );
    }

    pub(super) fn newline(&mut self) {
        let at = self.i;
        self.i += if self.b[at..].starts_with(b"\r\n") {
            2
        } else {
            1
        };
        let nesting = self.nesting();
        if nesting == 0 && !self.after_newline {
            self.end_logical_line(at);
            self.after_newline = true;
        } else if let Some(f) = self.fstrings.last_mut() {
            f.try_end_format_spec(nesting);
        }
        self.check_conflict_marker();
    }

    pub(super) fn end_header(&mut self, end: usize) {
        if let Some(start) = self.header_start.take() {
            let range = TextRange::new(offset(start), offset(end));
            self.out.header_statements.push(range);
        }
    }

    pub(super) fn end_logical_line(&mut self, end: usize) {
        self.end_header(end);
        if std::mem::take(&mut self.line_has_header) {
            self.region_end = end;
        }
        let start = self.line_start;
        if self.line_brackets > MAX_BRACKETS {
            self.problem("too many nested parentheses", start, end);
            self.out
                .blank
                .push(TextRange::new(offset(start), offset(end)));
        } else if self.line_estimate > MAX_ESTIMATE {
            self.problem(
                "this line nests expressions deeper than Python can compile",
                start,
                end,
            );
            self.out
                .blank
                .push(TextRange::new(offset(start), offset(end)));
        }
        self.levels.truncate(1);
        self.levels[0] = Level::default();
        self.estimate = 0;
        self.line_estimate = 0;
        self.line_brackets = 0;
        self.stmt_start = false;
    }

    pub(super) fn end_of_file(&mut self) {
        if !self.fstrings.is_empty() || self.nesting() > 0 {
            self.out.lexical_error = true;
            self.fstrings.clear();
        }
        if !self.after_newline {
            self.end_logical_line(self.b.len());
        }
        if let Some(start) = self.region_start {
            self.out.region = Some(TextRange::new(offset(start), offset(self.region_end)));
        }
        // A function whose body reaches the namespace matters once it can be called.
        for &(start, end) in &self.escaping_functions {
            let name = &self.b[start..end];
            let is_word = |at: usize| {
                let before = at.checked_sub(1).and_then(|i| self.b.get(i));
                let after = self.b.get(at + name.len());
                let continues = |b: Option<&u8>| {
                    b.is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80)
                };
                !continues(before) && !continues(after)
            };
            if memchr::memmem::find_iter(self.b, name)
                .filter(|&at| is_word(at))
                .count()
                > 1
            {
                self.out.needs_full = true;
            }
        }
    }
}
