//! The command line: arguments, settings and commands.
