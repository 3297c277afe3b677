//! migcheck guards Alembic migrations at commit time.
//!
//! It reads the staged content of a git repository (the index, not the working
//! tree), finds the Alembic migration folders the way Alembic does, rebuilds the
//! revision graph exactly as Alembic's `RevisionMap` would and reports what would
//! break `alembic upgrade head`: several heads, dangling parents, duplicate ids,
//! cycles, and the lint findings of the migration files a commit changes. No
//! line of the project's Python is executed and no database is needed; only
//! `migcheck status`, `plan` and `history -r current:` read (never write) a
//! database's version table.
//!
//! Data flows one way: git index -> sources -> parsed revisions -> graph ->
//! rules -> diagnostics -> renderer -> exit code. The library never prints and
//! never exits; the binaries in `src/main.rs` and `src/bin/git-migcheck.rs` do.

pub mod alembic;
pub mod check;
pub mod cli;
pub mod config;
pub mod db;
pub mod diagnostic;
pub mod diagram;
pub mod git;
pub mod plan;
pub mod project;
pub mod report;
pub mod rules;
pub mod source;
pub mod status;
