//! Alembic, read statically: where the migration folders are (`discovery`), what
//! each revision file declares (`revision_file`) and the revision graph that
//! Alembic's `RevisionMap` would build from them (`graph`), and what each
//! migration does (`operations`).

pub mod discovery;
pub mod graph;
pub mod operations;
pub mod revision_file;
