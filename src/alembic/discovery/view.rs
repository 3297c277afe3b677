//! One Alembic setup's options answered as `alembic.config.Config` answers
//! them: the ini section first, `[tool.alembic]` second
//! (`get_alembic_option`), booleans that are true only when spelled `true`
//! in the ini, and `version_locations` / `prepend_sys_path` split with the
//! configured `path_separator` (or the deprecated `version_path_separator`,
//! or the legacy space/comma splitting when neither is set).

use std::sync::LazyLock;

use regex::Regex;

use super::ini::IniFile;
use super::pyproject::ToolAlembic;
use super::{DiscoveryError, DiscoveryWarning};

/// Alembic's `_split_on_space_comma`.
static SPLIT_SPACE_COMMA: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r", *|(?: +)").ok());
/// Alembic's `_split_on_space_comma_colon`.
static SPLIT_SPACE_COMMA_COLON: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r", *|(?: +)|:").ok());

/// The ini file (path and content) and `[tool.alembic]` of one setup.
pub(super) struct ConfigView<'a> {
    pub(super) ini: Option<(&'a str, &'a IniFile)>,
    pub(super) toml: Option<(&'a str, &'a ToolAlembic)>,
    pub(super) section: &'a str,
}

impl ConfigView<'_> {
    /// `get_main_option`: the ini section only.
    pub(super) fn main_option(&self, name: &str) -> Result<Option<String>, DiscoveryError> {
        let Some((path, ini)) = self.ini else {
            return Ok(None);
        };
        ini.get(self.section, name)
            .map_err(|message| DiscoveryError::Interpolation {
                path: path.to_owned(),
                section: self.section.to_owned(),
                option: name.to_owned(),
                message,
            })
    }

    /// `get_alembic_option` for a string option.
    pub(super) fn alembic_option(&self, name: &str) -> Result<Option<String>, DiscoveryError> {
        if let Some(value) = self.main_option(name)? {
            return Ok(Some(value));
        }
        match self.toml {
            Some((path, toml)) => toml.string(name).map_err(|m| toml_error(path, m)),
            None => Ok(None),
        }
    }

    /// `get_alembic_boolean_option`.
    pub(super) fn alembic_boolean(&self, name: &str) -> Result<bool, DiscoveryError> {
        if let Some(value) = self.main_option(name)? {
            return Ok(value == "true");
        }
        match self.toml {
            Some((path, toml)) => toml.boolean(name).map_err(|m| toml_error(path, m)),
            None => Ok(false),
        }
    }

    /// `get_version_locations_list`.
    pub(super) fn version_locations(
        &self,
        warnings: &mut Vec<DiscoveryWarning>,
    ) -> Result<Option<Vec<String>>, DiscoveryError> {
        self.path_list(
            "version_locations",
            &["path_separator", "version_path_separator"],
            &SPLIT_SPACE_COMMA,
            warnings,
        )
    }

    /// `get_prepend_sys_paths_list`.
    pub(super) fn prepend_sys_path(
        &self,
        warnings: &mut Vec<DiscoveryWarning>,
    ) -> Result<Option<Vec<String>>, DiscoveryError> {
        self.path_list(
            "prepend_sys_path",
            &["path_separator"],
            &SPLIT_SPACE_COMMA_COLON,
            warnings,
        )
    }

    fn path_list(
        &self,
        option: &str,
        separator_options: &[&str],
        legacy: &LazyLock<Option<Regex>>,
        warnings: &mut Vec<DiscoveryWarning>,
    ) -> Result<Option<Vec<String>>, DiscoveryError> {
        let value = self.main_option(option)?.unwrap_or_default();
        let config = self
            .ini
            .map(|(path, _)| path.to_owned())
            .unwrap_or_default();
        if value.is_empty() {
            return match self.toml {
                Some((path, toml)) => toml.string_list(option).map_err(|m| toml_error(path, m)),
                None => Ok(None),
            };
        }
        let Some(separator) = self.separator(separator_options, warnings)? else {
            warnings.push(if option == "version_locations" {
                DiscoveryWarning::LegacyVersionLocationsSplit { config }
            } else {
                DiscoveryWarning::LegacyPrependSysPathSplit { config }
            });
            let Some(regex) = legacy.as_ref() else {
                return Ok(Some(vec![value]));
            };
            return Ok(Some(regex.split(&value).map(str::to_owned).collect()));
        };
        Ok(Some(
            value
                .split(separator)
                .filter(|part| !part.is_empty())
                .map(|part| python_strip(part).to_owned())
                .collect(),
        ))
    }

    /// `_get_file_separator_char`: the first of `names` that is set decides.
    fn separator(
        &self,
        names: &[&str],
        warnings: &mut Vec<DiscoveryWarning>,
    ) -> Result<Option<&'static str>, DiscoveryError> {
        for name in names {
            let Some(value) = self.main_option(name)? else {
                continue;
            };
            let separator = match value.as_str() {
                "space" => " ",
                "newline" => "\n",
                "os" => OS_PATHSEP,
                ":" => ":",
                ";" => ";",
                _ => {
                    return Err(DiscoveryError::InvalidSeparator {
                        path: self.ini.map(|(p, _)| p.to_owned()).unwrap_or_default(),
                        option: (*name).to_owned(),
                        value,
                    })
                }
            };
            if *name == "version_path_separator" {
                warnings.push(DiscoveryWarning::VersionPathSeparatorDeprecated {
                    config: self.ini.map(|(p, _)| p.to_owned()).unwrap_or_default(),
                });
            }
            return Ok(Some(separator));
        }
        Ok(None)
    }
}

/// Python's `os.pathsep` on the platform Alembic would run on.
const OS_PATHSEP: &str = if cfg!(windows) { ";" } else { ":" };

fn toml_error(path: &str, message: String) -> DiscoveryError {
    DiscoveryError::Toml {
        path: path.to_owned(),
        message: format!("[tool.alembic]: {message}"),
    }
}

/// Python's `str.strip()`: Unicode whitespace plus the ASCII separators
/// U+001C..U+001F, which Python also counts as whitespace.
fn python_strip(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_ini(text: &str, run: impl FnOnce(&ConfigView<'_>)) {
        let ini = IniFile::parse(text, &[("here", "/r")]).unwrap();
        let view = ConfigView {
            ini: Some(("alembic.ini", &ini)),
            toml: None,
            section: "alembic",
        };
        run(&view);
    }

    fn locations(text: &str) -> (Vec<String>, Vec<DiscoveryWarning>) {
        let mut out = (Vec::new(), Vec::new());
        with_ini(text, |view| {
            out.0 = view
                .version_locations(&mut out.1)
                .unwrap()
                .unwrap_or_default();
        });
        out
    }

    #[test]
    fn every_separator_value_splits_like_alembic() {
        let cases = [
            ("space", "a b  c", vec!["a", "b", "c"]),
            ("newline", "\n  a b\n  c", vec!["a b", "c"]),
            (":", "a:b c:", vec!["a", "b c"]),
            (";", "a; b;;c", vec!["a", "b", "c"]),
            (
                "os",
                "a:b",
                if cfg!(windows) {
                    vec!["a:b"]
                } else {
                    vec!["a", "b"]
                },
            ),
        ];
        for (separator, value, expected) in cases {
            let text =
                format!("[alembic]\npath_separator = {separator}\nversion_locations = {value}\n");
            let (found, warnings) = locations(&text);
            assert_eq!(found, expected, "path_separator = {separator}");
            assert!(warnings.is_empty());
        }
    }

    #[test]
    fn blank_entries_between_separators_survive_as_empty_paths() {
        // `[x.strip() for x in s.split(sep) if x]` filters before stripping.
        let (found, _) = locations("[alembic]\npath_separator = ;\nversion_locations = a; ;b\n");
        assert_eq!(found, vec!["a", "", "b"]);
    }

    #[test]
    fn legacy_split_on_spaces_and_commas_warns() {
        let (found, warnings) = locations("[alembic]\nversion_locations = a, b  c,,d:e\n");
        assert_eq!(found, vec!["a", "b", "c", "", "d:e"]);
        assert_eq!(
            warnings,
            vec![DiscoveryWarning::LegacyVersionLocationsSplit {
                config: "alembic.ini".to_owned()
            }]
        );
    }

    #[test]
    fn version_path_separator_is_deprecated_and_path_separator_wins() {
        let (found, warnings) =
            locations("[alembic]\nversion_path_separator = ;\nversion_locations = a;b c\n");
        assert_eq!(found, vec!["a", "b c"]);
        assert!(matches!(
            warnings.as_slice(),
            [DiscoveryWarning::VersionPathSeparatorDeprecated { .. }]
        ));
        let (found, warnings) = locations(
            "[alembic]\npath_separator = space\nversion_path_separator = ;\n\
             version_locations = a;b c\n",
        );
        assert_eq!(found, vec!["a;b", "c"]);
        assert!(warnings.is_empty());
    }

    #[test]
    fn invalid_separator_names_the_option() {
        with_ini(
            "[alembic]\npath_separator = comma\nversion_locations = a\n",
            |view| {
                let err = view
                    .version_locations(&mut Vec::new())
                    .unwrap_err()
                    .to_string();
                assert_eq!(
                    err,
                    "alembic.ini: 'comma' is not a valid value for path_separator; \
                 expected 'space', 'newline', 'os', ':', ';'"
                );
            },
        );
    }

    #[test]
    fn prepend_sys_path_legacy_split_includes_colons() {
        with_ini("[alembic]\nprepend_sys_path = .:src lib\n", |view| {
            let mut warnings = Vec::new();
            let found = view.prepend_sys_path(&mut warnings).unwrap().unwrap();
            assert_eq!(found, vec![".", "src", "lib"]);
            assert!(matches!(
                warnings.as_slice(),
                [DiscoveryWarning::LegacyPrependSysPathSplit { .. }]
            ));
        });
    }

    #[test]
    fn booleans_are_true_only_when_spelled_true() {
        with_ini("[alembic]\na = true\nb = True\nc = 1\n", |view| {
            assert!(view.alembic_boolean("a").unwrap());
            assert!(!view.alembic_boolean("b").unwrap());
            assert!(!view.alembic_boolean("c").unwrap());
            assert!(!view.alembic_boolean("absent").unwrap());
        });
    }
}
