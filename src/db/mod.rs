//! Reads the revision a real database is at (the `alembic_version` table).
