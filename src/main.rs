//! The `migcheck` binary: run the command line, print an error in one line,
//! and exit with the documented status.

use std::process::ExitCode;

fn main() -> ExitCode {
    migcheck::cli::main(std::env::args_os())
}
