//! One fast pass over a whole file that tokenizes just enough of Python to tell
//! strings, comments, brackets, f-string fields and logical lines apart (the
//! rules mirror ruff's lexer, so on valid Python the boundaries are the same)
//! and reports:
//!
//! * where the top-level simple statements that start with one of the four
//!   header names begin, and the region of lines that holds them;
//! * whether anything else could change those names, so the caller must read
//!   the file in full: a header name anywhere else (not after a `.`), an
//!   escape hatch (`globals`, `vars`, `locals`, `exec`, `eval`, `modules`,
//!   `f_globals`, `__getattr__`) outside the body of an undecorated top-level
//!   function that nothing else in the file names, `import *`, or a non-ASCII
//!   identifier (Python normalises identifiers with NFKC);
//! * the lexical errors it met, and what Python rejects although ruff accepts
//!   it: merge conflict markers, NUL bytes, more than 200 nested brackets,
//!   100 levels of indentation, and lines whose nesting estimate is so large
//!   that parsing them would be pathological (those lines are to be blanked
//!   before a full parse).

mod lines;
mod strings;
mod tokens;

use ruff_text_size::{TextRange, TextSize};

use strings::FString;

/// CPython: "too many nested parentheses" beyond 200 open brackets.
const MAX_BRACKETS: usize = 200;
/// CPython: "too many levels of indentation" at 100 indentation levels.
const MAX_INDENT_LEVELS: usize = 100;
/// Lines whose nesting estimate exceeds this are not handed to the parser.
const MAX_ESTIMATE: u32 = 20_000;

/// What one pass over a file found.
#[derive(Debug, Default)]
pub(super) struct Scan {
    /// Each top-level simple statement that begins with a header name (up to
    /// its `;` or the end of its logical line).
    pub header_statements: Vec<TextRange>,
    /// From the first such statement to the end of the last one's logical line.
    pub region: Option<TextRange>,
    /// Something else may change the header names: read the file in full.
    pub needs_full: bool,
    /// A lexical error (unterminated string, unbalanced bracket, ...).
    pub lexical_error: bool,
    /// Syntax errors that Python reports and the parser may not.
    pub problems: Vec<(String, TextRange)>,
    /// Logical lines too deeply nested to hand to the parser.
    pub blank: Vec<TextRange>,
}

/// One bracket level of the current logical line (level 0 is the line itself),
/// with the operators seen since the last separator: an upper bound of how
/// deep the syntax tree can nest there.
#[derive(Debug, Default)]
struct Level {
    bracket: u8,
    ops: u32,
    lambdas: u32,
}

pub(super) fn scan(text: &str) -> Scan {
    let mut scanner = Scanner::new(text.as_bytes());
    scanner.run();
    scanner.out
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
    out: Scan,
    levels: Vec<Level>,
    fstrings: Vec<FString>,
    estimate: u32,
    line_estimate: u32,
    line_brackets: usize,
    after_newline: bool,
    line_start: usize,
    line_top: bool,
    line_compound: bool,
    line_has_header: bool,
    header_start: Option<usize>,
    first_token: bool,
    stmt_start: bool,
    prev_dot: bool,
    prev_import: bool,
    indents: Vec<u32>,
    region_start: Option<usize>,
    region_end: usize,
    /// The top-level `def` being read, if any.
    top_def: Option<TopDef>,
    /// The current top-level logical line starts with `@`.
    line_decorator: bool,
    /// The previous top-level logical line started with `@`.
    after_decorator: bool,
    /// Names of undecorated top-level functions whose bodies use an escape hatch.
    escaping_functions: Vec<(usize, usize)>,
}

/// A top-level `def`: its body runs only if something calls the function.
#[derive(Debug, Default)]
struct TopDef {
    decorated: bool,
    /// After `async`, waiting for `def`.
    awaiting_def: bool,
    awaiting_name: bool,
    name: Option<(usize, usize)>,
    /// Past the `:` that ends the signature.
    in_body: bool,
}

impl<'a> Scanner<'a> {
    fn new(b: &'a [u8]) -> Self {
        let start = if b.starts_with(b"\xef\xbb\xbf") { 3 } else { 0 };
        Scanner {
            b,
            i: start,
            out: Scan::default(),
            levels: vec![Level::default()],
            fstrings: Vec::new(),
            estimate: 0,
            line_estimate: 0,
            line_brackets: 0,
            after_newline: true,
            line_start: start,
            line_top: false,
            line_compound: false,
            line_has_header: false,
            header_start: None,
            first_token: false,
            stmt_start: false,
            prev_dot: false,
            prev_import: false,
            indents: Vec::new(),
            region_start: None,
            region_end: 0,
            top_def: None,
            line_decorator: false,
            after_decorator: false,
            escaping_functions: Vec::new(),
        }
    }

    fn run(&mut self) {
        if let Some(at) = memchr::memchr(0, self.b) {
            self.problem("source code cannot contain null bytes", at, at + 1);
            self.out.lexical_error = true;
        }
        self.check_conflict_marker();
        loop {
            if let Some(f) = self.fstrings.last() {
                if !f.in_field(self.nesting()) && self.fstring_middle() {
                    continue;
                }
            }
            if self.after_newline {
                self.begin_line();
            } else {
                self.skip_whitespace();
            }
            let Some(&c) = self.b.get(self.i) else {
                self.end_of_file();
                return;
            };
            self.token(c);
        }
    }

    fn nesting(&self) -> usize {
        self.levels.len() - 1
    }

    fn problem(&mut self, message: impl Into<String>, start: usize, end: usize) {
        let range = TextRange::new(offset(start), offset(end));
        self.out.problems.push((message.into(), range));
    }

    fn token(&mut self, c: u8) {
        match c {
            b'#' => {
                let rest = &self.b[self.i..];
                self.i += memchr::memchr2(b'\n', b'\r', rest).unwrap_or(rest.len());
            }
            b'\n' | b'\r' => self.newline(),
            b'\'' | b'"' => {
                self.done();
                self.i += 1;
                self.string(c);
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' | 0x80..=0xff => self.name(),
            b'0'..=b'9' => {
                self.done();
                self.number();
            }
            b'.' => {
                self.done();
                if self.b.get(self.i + 1).is_some_and(u8::is_ascii_digit) {
                    self.number();
                } else if self.b[self.i..].starts_with(b"...") {
                    self.i += 3;
                } else {
                    self.i += 1;
                    self.op();
                    self.prev_dot = true;
                }
            }
            b'(' | b'[' | b'{' => self.open(c),
            b')' | b']' | b'}' => self.close(c),
            b':' => self.colon(),
            b';' => {
                self.done();
                self.i += 1;
                if self.nesting() == 0 {
                    self.end_header(self.i - 1);
                    self.separator(true);
                    self.stmt_start = self.line_top && !self.line_compound;
                }
            }
            b',' => {
                self.done();
                self.i += 1;
                self.separator(false);
            }
            b'=' => {
                self.done();
                self.i += 1;
                if self.b.get(self.i) == Some(&b'=') {
                    self.i += 1;
                    self.op();
                } else {
                    self.separator(false);
                }
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'@' | b'&' | b'|' | b'^' | b'~' | b'<' | b'>'
            | b'!' => self.operator(c),
            _ => {
                // `$`, `?`, a backquote, control characters: not Python.
                self.done();
                self.i += 1;
                self.out.lexical_error = true;
            }
        }
    }

    /// Bookkeeping after any token.
    fn done(&mut self) {
        self.first_token = false;
        self.stmt_start = false;
        self.prev_dot = false;
        self.prev_import = false;
    }

    fn op(&mut self) {
        if let Some(level) = self.levels.last_mut() {
            level.ops += 1;
        }
        self.estimate += 1;
        self.line_estimate = self.line_estimate.max(self.estimate);
    }

    /// `,` `=` `;` and augmented assignments end a sub-expression (not inside
    /// a `lambda` parameter list, where they separate parameters).
    fn separator(&mut self, statement: bool) {
        if let Some(level) = self.levels.last_mut() {
            if statement {
                level.lambdas = 0;
            }
            if level.lambdas == 0 {
                self.estimate -= level.ops;
                level.ops = 0;
            }
        }
    }
}

fn offset(at: usize) -> TextSize {
    // Callers reject texts over 4 GiB before scanning.
    TextSize::try_from(at).unwrap_or(TextSize::new(u32::MAX))
}
