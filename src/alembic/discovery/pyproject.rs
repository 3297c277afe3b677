//! `[tool.alembic]` in `pyproject.toml`, read as Alembic 1.16+ reads it
//! (`Config.toml_alembic_config` and `_get_toml_config_value`): string values,
//! and the strings inside lists, go through Python's `value % toml_args`, where
//! the only argument is `here`, the directory of `pyproject.toml`.

use toml::{Table, Value};

/// The `[tool.alembic]` table of one `pyproject.toml`, with its `here`.
#[derive(Debug, Clone)]
pub(super) struct ToolAlembic {
    table: Table,
    here: String,
}

/// Parse `text`; `Ok(None)` when it has no `[tool.alembic]`.
pub(super) fn parse(text: &str, here: &str) -> Result<Option<ToolAlembic>, String> {
    let document: Table = toml::from_str(text).map_err(|err| toml_error_line(text, &err))?;
    let Some(tool) = document.get("tool") else {
        return Ok(None);
    };
    let Some(tool) = tool.as_table() else {
        return Err("`tool` is not a table".to_owned());
    };
    match tool.get("alembic") {
        None => Ok(None),
        Some(Value::Table(table)) => Ok(Some(ToolAlembic {
            table: table.clone(),
            here: here.to_owned(),
        })),
        // Alembic: "Incorrect TOML format".
        Some(_) => Err("`tool.alembic` is not a table".to_owned()),
    }
}

/// A TOML error as one line: the message and the line it points at.
pub(crate) fn toml_error_line(text: &str, err: &toml::de::Error) -> String {
    let message = err
        .message()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    match err.span() {
        Some(span) => {
            let line = text
                .get(..span.start)
                .map_or(0, |before| before.matches('\n').count())
                + 1;
            format!("line {line}: {message}")
        }
        None => message,
    }
}

impl ToolAlembic {
    /// A string option, interpolated; an error names the expected type.
    pub(super) fn string(&self, key: &str) -> Result<Option<String>, String> {
        match self.table.get(key) {
            None => Ok(None),
            Some(Value::String(value)) => self.format(key, value).map(Some),
            Some(_) => Err(format!("`{key}` must be a string")),
        }
    }

    /// A list of strings, each interpolated.
    pub(super) fn string_list(&self, key: &str) -> Result<Option<Vec<String>>, String> {
        let Some(value) = self.table.get(key) else {
            return Ok(None);
        };
        let Some(items) = value.as_array() else {
            return Err(format!("`{key}` must be a list of strings"));
        };
        items
            .iter()
            .map(|item| match item {
                Value::String(text) => self.format(key, text),
                _ => Err(format!("`{key}` must be a list of strings")),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// `get_alembic_boolean_option` on the TOML side: absent is false,
    /// anything but a boolean is Alembic's "boolean value expected".
    pub(super) fn boolean(&self, key: &str) -> Result<bool, String> {
        match self.table.get(key) {
            None => Ok(false),
            Some(Value::Boolean(value)) => Ok(*value),
            Some(_) => Err(format!("boolean value expected for TOML parameter '{key}'")),
        }
    }

    /// Python's `value % {"here": ...}` for the forms a config can use:
    /// `%(here)s` and `%%`. Anything else fails in Python too.
    fn format(&self, key: &str, value: &str) -> Result<String, String> {
        let mut out = String::with_capacity(value.len());
        let mut rest = value;
        while let Some(p) = rest.find('%') {
            out.push_str(&rest[..p]);
            rest = &rest[p..];
            if let Some(after) = rest.strip_prefix("%%") {
                out.push('%');
                rest = after;
            } else if let Some(after) = rest.strip_prefix("%(here)s") {
                out.push_str(&self.here);
                rest = after;
            } else {
                return Err(format!(
                    "`{key}` = \"{value}\": unsupported `%` substitution at `{rest}` \
                     (only `%(here)s` and `%%` are available)"
                ));
            }
        }
        out.push_str(rest);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool(text: &str) -> ToolAlembic {
        parse(text, "/repo/app").unwrap().unwrap()
    }

    #[test]
    fn here_and_percent_are_substituted_in_strings_and_lists() {
        let t = tool(
            "[tool.alembic]\nscript_location = \"%(here)s/mig\"\n\
             version_locations = [\"%(here)s/a\", \"b%%\"]\n",
        );
        assert_eq!(
            t.string("script_location").unwrap().as_deref(),
            Some("/repo/app/mig")
        );
        assert_eq!(
            t.string_list("version_locations").unwrap().unwrap(),
            vec!["/repo/app/a".to_owned(), "b%".to_owned()]
        );
    }

    #[test]
    fn missing_table_is_none_and_wrong_types_are_errors() {
        assert!(parse("[project]\nname = \"x\"\n", "/r").unwrap().is_none());
        assert!(parse("[tool]\nalembic = 3\n", "/r").is_err());
        let t = tool("[tool.alembic]\nrecursive_version_locations = \"true\"\nx = 1\n");
        assert!(t
            .boolean("recursive_version_locations")
            .unwrap_err()
            .contains("boolean"));
        assert!(t.string("x").unwrap_err().contains("`x`"));
        assert!(!t.boolean("absent").unwrap());
    }

    #[test]
    fn unknown_substitution_is_an_error() {
        let t = tool("[tool.alembic]\nscript_location = \"%(root)s/mig\"\n");
        assert!(t
            .string("script_location")
            .unwrap_err()
            .contains("%(root)s"));
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let err = parse("[tool.alembic]\n\nscript_location = \n", "/r").unwrap_err();
        assert!(err.starts_with("line 3:"), "{err}");
        assert!(!err.contains('\n'));
    }
}
