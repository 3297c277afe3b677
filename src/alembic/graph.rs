//! The revision graph, built exactly as Alembic's `RevisionMap` builds it.
