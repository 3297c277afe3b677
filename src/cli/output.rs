//! Writing to the terminal: colour decided once (flag, NO_COLOR,
//! CLICOLOR_FORCE, terminal), styles stripped when it is off, and a closed pipe
//! (`migcheck heads | head -1`) ends the run quietly.

use std::io::{self, IsTerminal, Write};

use anstream::{AutoStream, ColorChoice};

use crate::cli::args::ColorArg;

/// Standard output with colour handled.
pub struct Output {
    stream: AutoStream<io::Stdout>,
    styled: bool,
    terminal: bool,
}

impl Output {
    pub fn stdout(color: ColorArg) -> Output {
        let choice = match color {
            ColorArg::Always => ColorChoice::Always,
            ColorArg::Never => ColorChoice::Never,
            ColorArg::Auto => ColorChoice::Auto,
        };
        let stream = AutoStream::new(io::stdout(), choice);
        let styled = !matches!(stream.current_choice(), ColorChoice::Never);
        Output {
            stream,
            styled,
            terminal: io::stdout().is_terminal(),
        }
    }

    /// Whether styles survive to the reader.
    pub fn styled(&self) -> bool {
        self.styled
    }

    pub fn is_terminal(&self) -> bool {
        self.terminal
    }

    /// Writes text; a closed pipe is not an error.
    pub fn write(&mut self, text: &str) -> io::Result<()> {
        match self
            .stream
            .write_all(text.as_bytes())
            .and_then(|()| self.stream.flush())
        {
            Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            other => other,
        }
    }
}
