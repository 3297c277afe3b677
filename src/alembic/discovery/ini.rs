//! `alembic.ini` read the way Python's `configparser.ConfigParser` reads it for
//! Alembic: full-line `#`/`;` comments only (no inline comments), `=` or `:` as
//! delimiter, indented continuation lines, option names lower-cased, section
//! names case-sensitive, a `[DEFAULT]` section visible from every section, and
//! `BasicInterpolation` (`%(name)s`, `%%`) applied lazily to the values asked for.
//!
//! Known differences from Python, all on files Python itself rejects or that no
//! Alembic setup writes: duplicate sections or options are merged (Python
//! raises), `[ name ]` is read as `name`, and an indented `[x]` line after an
//! option starts a section instead of continuing the value.

use std::collections::HashMap;

use configparser::ini::Ini;

/// Python's `configparser.MAX_INTERPOLATION_DEPTH`.
const MAX_INTERPOLATION_DEPTH: usize = 10;

/// The name of the section whose options every other section inherits.
pub(super) const DEFAULT_SECTION: &str = "DEFAULT";

/// A parsed INI file: the defaults and the named sections, options lower-cased.
#[derive(Debug, Clone, Default)]
pub(super) struct IniFile {
    defaults: HashMap<String, String>,
    sections: HashMap<String, HashMap<String, String>>,
}

impl IniFile {
    /// Parse `text`; `defaults` are the parser defaults Alembic passes
    /// (`here`), which a `[DEFAULT]` section in the file overrides.
    pub(super) fn parse(text: &str, defaults: &[(&str, &str)]) -> Result<Self, String> {
        // Python reads text files with universal newlines: `\r\n` and a lone `\r`
        // end a line too.
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        check_section_header_first(&text)?;
        let mut options = Ini::new_cs().defaults();
        options.default_section = DEFAULT_SECTION.to_owned();
        options.comment_symbols = vec!['#', ';'];
        options.inline_comment_symbols = None;
        options.enable_inline_comments = false;
        options.delimiters = vec!['=', ':'];
        options.multiline = true;
        let mut ini = Ini::new_from_defaults(options);
        let map = ini.read(text)?;

        let mut file = IniFile::default();
        for (key, value) in defaults {
            file.defaults.insert((*key).to_owned(), (*value).to_owned());
        }
        for (section, entries) in map {
            let mut values = HashMap::new();
            for (key, value) in entries {
                let Some(value) = value else {
                    return Err(format!(
                        "option `{key}` in section [{section}] has no `=` or `:`"
                    ));
                };
                // The crate joins continuation lines with the platform's line
                // ending; Python joins them with `\n`.
                values.insert(key.to_lowercase(), value.replace("\r\n", "\n"));
            }
            if section == DEFAULT_SECTION {
                file.defaults.extend(values);
            } else {
                file.sections.entry(section).or_default().extend(values);
            }
        }
        Ok(file)
    }

    /// `ConfigParser.has_section`: `[DEFAULT]` is not a section.
    pub(super) fn has_section(&self, section: &str) -> bool {
        self.sections.contains_key(section)
    }

    /// `ConfigParser.get(section, option, fallback=None)`: the interpolated
    /// value, `None` when the section or option is missing. Like Python, the
    /// empty section name and `DEFAULT` mean the defaults alone.
    pub(super) fn get(&self, section: &str, option: &str) -> Result<Option<String>, String> {
        let option = option.to_lowercase();
        let Some(raw) = self.lookup(section, &option) else {
            return Ok(None);
        };
        let mut out = String::new();
        self.interpolate(section, &option, raw, raw, 1, &mut out)?;
        Ok(Some(out))
    }

    fn lookup(&self, section: &str, option: &str) -> Option<&str> {
        if section.is_empty() || section == DEFAULT_SECTION {
            return self.defaults.get(option).map(String::as_str);
        }
        let values = self.sections.get(section)?;
        values
            .get(option)
            .or_else(|| self.defaults.get(option))
            .map(String::as_str)
    }

    /// `BasicInterpolation._interpolate_some`, with Python's messages.
    fn interpolate(
        &self,
        section: &str,
        option: &str,
        rawval: &str,
        mut rest: &str,
        depth: usize,
        out: &mut String,
    ) -> Result<(), String> {
        if depth > MAX_INTERPOLATION_DEPTH {
            return Err(format!(
                "recursion limit exceeded in value substitution: option '{option}' in section \
                 '{section}' contains an interpolation key which cannot be substituted in \
                 {MAX_INTERPOLATION_DEPTH} steps; raw value: '{rawval}'"
            ));
        }
        while !rest.is_empty() {
            let Some(p) = rest.find('%') else {
                out.push_str(rest);
                return Ok(());
            };
            out.push_str(&rest[..p]);
            rest = &rest[p..];
            if rest[1..].starts_with('%') {
                out.push('%');
                rest = &rest[2..];
            } else if rest[1..].starts_with('(') {
                let Some((name, after)) = key_reference(rest) else {
                    return Err(format!("bad interpolation variable reference '{rest}'"));
                };
                rest = after;
                let name = name.to_lowercase();
                let Some(value) = self.lookup(section, &name) else {
                    return Err(format!(
                        "bad value substitution: option '{option}' in section '{section}' \
                         contains an interpolation key '{name}' which is not a valid option \
                         name; raw value: '{rawval}'"
                    ));
                };
                if value.contains('%') {
                    self.interpolate(section, option, rawval, value, depth + 1, out)?;
                } else {
                    out.push_str(value);
                }
            } else {
                return Err(format!(
                    "'%' must be followed by '%' or '(', found: '{rest}'"
                ));
            }
        }
        Ok(())
    }
}

/// Match `%\(([^)]+)\)s` at the start of `text`: the key and what follows.
fn key_reference(text: &str) -> Option<(&str, &str)> {
    let inner = text.strip_prefix("%(")?;
    let close = inner.find(')')?;
    if close == 0 {
        return None;
    }
    let after = inner[close + 1..].strip_prefix('s')?;
    Some((&inner[..close], after))
}

/// Python raises `MissingSectionHeaderError` when an option comes before any
/// `[section]`; the INI crate would file it under the default section instead.
fn check_section_header_first(text: &str) -> Result<(), String> {
    for (number, line) in (1..).zip(text.lines()) {
        let line = line.trim();
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        if line.starts_with('[') {
            return Ok(());
        }
        return Err(format!(
            "line {number}: file contains no section headers before `{line}`"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> IniFile {
        IniFile::parse(text, &[("here", "/repo/app")]).unwrap()
    }

    #[test]
    fn multiline_values_keep_their_lines() {
        let ini = parse("[alembic]\nversion_locations =\n    a\n\n    b\nother = 1\n");
        let value = ini.get("alembic", "version_locations").unwrap().unwrap();
        assert_eq!(value, "\na\n\nb");
        assert_eq!(ini.get("alembic", "other").unwrap().as_deref(), Some("1"));
    }

    #[test]
    fn lone_carriage_returns_end_lines_as_in_python() {
        let ini = parse("[alembic]\rversion_locations =\r    a\r\n    b\r");
        let value = ini.get("alembic", "version_locations").unwrap().unwrap();
        assert_eq!(value, "\na\nb");
    }

    #[test]
    fn semicolons_and_hashes_inside_values_are_not_comments() {
        let ini = parse("[alembic]\nversion_locations = a;b # c\n; comment\n# comment\n");
        assert_eq!(
            ini.get("alembic", "version_locations").unwrap().as_deref(),
            Some("a;b # c")
        );
    }

    #[test]
    fn option_names_are_case_insensitive_sections_are_not() {
        let ini = parse("[Alembic]\nScript_Location = x\n");
        assert_eq!(
            ini.get("Alembic", "script_location").unwrap().as_deref(),
            Some("x")
        );
        assert!(!ini.has_section("alembic"));
        assert_eq!(ini.get("alembic", "script_location").unwrap(), None);
    }

    #[test]
    fn interpolation_uses_section_then_defaults() {
        let ini = parse(
            "[DEFAULT]\nbase = %(here)s/db\n[alembic]\nname = mig\n\
             script_location = %(base)s/%(NAME)s\npct = 100%%\n",
        );
        assert_eq!(
            ini.get("alembic", "script_location").unwrap().as_deref(),
            Some("/repo/app/db/mig")
        );
        assert_eq!(ini.get("alembic", "pct").unwrap().as_deref(), Some("100%"));
        assert_eq!(
            ini.get("alembic", "here").unwrap().as_deref(),
            Some("/repo/app")
        );
    }

    #[test]
    fn default_section_in_file_overrides_here() {
        let ini = parse("[DEFAULT]\nhere = /elsewhere\n[alembic]\nx = %(here)s\n");
        assert_eq!(
            ini.get("alembic", "x").unwrap().as_deref(),
            Some("/elsewhere")
        );
        assert_eq!(
            ini.get("DEFAULT", "here").unwrap().as_deref(),
            Some("/elsewhere")
        );
    }

    #[test]
    fn interpolation_errors_match_python() {
        let ini = parse("[a]\nx = %(missing)s\ny = 50%\nz = %(bad\nloop = %(loop)s\n");
        assert!(ini.get("a", "x").unwrap_err().contains("'missing'"));
        assert!(ini
            .get("a", "y")
            .unwrap_err()
            .contains("must be followed by"));
        assert!(ini.get("a", "z").unwrap_err().contains("bad interpolation"));
        assert!(ini
            .get("a", "loop")
            .unwrap_err()
            .contains("recursion limit"));
    }

    #[test]
    fn option_before_any_section_is_an_error() {
        let err = IniFile::parse("# c\nscript_location = x\n", &[]).unwrap_err();
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn option_without_delimiter_is_an_error() {
        let err = IniFile::parse("[alembic]\nscript_location\n", &[]).unwrap_err();
        assert!(err.contains("script_location"), "{err}");
    }
}
