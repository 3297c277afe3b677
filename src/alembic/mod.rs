//! Alembic, read statically: where the migration folders are (`discovery`), what
//! each revision file declares (`revision_file`) and the revision graph that
//! Alembic's `RevisionMap` would build from them (`graph`).

pub mod discovery;
pub mod graph;
pub mod revision_file;
