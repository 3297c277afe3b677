//! migcheck's own settings: `[tool.migcheck]` in `pyproject.toml` or `.migcheck.yaml`.
