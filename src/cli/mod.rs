//! The command line: arguments (`args`), the repository and configuration a
//! command works on (`workspace`), and one module per command.

pub mod args;
mod auto_migrate;
mod check;
mod database;
mod dev_hooks;
mod graph;
mod history;
mod hook_install;
mod list;
mod output;
mod plan;
mod range;
mod rule;
mod status;
mod workspace;

use std::ffi::OsString;

use anyhow::Result;
use clap::Parser;

pub use args::Cli;
use args::{Command, HookCommand};

/// How a run ended; `main` turns it into the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Nothing that fails (warnings allowed).
    Success = 0,
    /// Findings that fail, or a negative answer (behind, several heads).
    Failure = 1,
    /// migcheck could not do its job.
    Error = 2,
}

/// Parses the arguments and runs the command. Errors are for `main` to print
/// (exit 2); findings are printed here and reported through the status.
pub fn run<I, T>(args: I) -> Result<ExitStatus>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let status = if error.use_stderr() {
                ExitStatus::Error
            } else {
                ExitStatus::Success
            };
            // --help and --version print to stdout; usage errors to stderr.
            let _ = error.print();
            return Ok(status);
        }
    };
    let global = cli.global;
    match cli.command {
        None => check::run(&global, &args::CheckArgs::default(), check::Mode::Check),
        Some(Command::Check(args)) => check::run(&global, &args, check::Mode::Check),
        Some(Command::Hook(HookCommand::PreCommit(args))) => {
            check::run(&global, &args, check::Mode::PreCommit)
        }
        Some(Command::Hook(HookCommand::PostCheckout(args))) => {
            dev_hooks::post_checkout(&global, &args)
        }
        Some(Command::Hook(HookCommand::PostMerge(args))) => dev_hooks::post_merge(&global, &args),
        Some(Command::Hook(HookCommand::Install(args))) => hook_install::install(&global, &args),
        Some(Command::Hook(HookCommand::Uninstall(args))) => {
            hook_install::uninstall(&global, &args)
        }
        Some(Command::Heads(args)) => list::heads(&global, &args),
        Some(Command::History(args)) => history::run(&global, &args),
        Some(Command::Status(args)) => status::run(&global, &args),
        Some(Command::Plan(args)) => plan::run(&global, &args),
        Some(Command::Graph(args)) => graph::run(&global, &args),
        Some(Command::Rule(args)) => rule::run(&global, &args),
    }
}

/// What both binaries call: runs, prints an error as one line on stderr, and
/// maps the result to the exit code (0 clean, 1 findings, 2 could not run).
/// Leaves a loaded history to the end of the process: the operating system
/// takes its memory back at once, where dropping it would free tens of
/// thousands of small allocations one by one just before exiting.
pub(crate) fn keep_until_exit<T>(value: T) {
    std::mem::forget(value);
}

pub fn main<I, T>(args: I) -> std::process::ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let status = match run(args) {
        Ok(status) => status,
        Err(error) => {
            eprintln!("migcheck: error: {}", one_line(&error));
            ExitStatus::Error
        }
    };
    std::process::ExitCode::from(status as u8)
}

/// An error and its causes on one line, `: ` between them, as every
/// command prints a failure.
pub(crate) fn one_line(error: &anyhow::Error) -> String {
    error
        .chain()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
        .replace('\n', " ")
}
