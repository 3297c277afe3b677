//! Finds the Alembic setups of a repository the way Alembic does: `alembic.ini` and `[tool.alembic]` in `pyproject.toml`.
