//! migcheck's own settings: `[tool.migcheck]` in `pyproject.toml` or the same
//! keys in `.migcheck.yaml`, both at the repository root and read from the
//! snapshot being checked. Keys are kebab-case; an unknown key is an error
//! naming the key and the file. When `pyproject.toml` has a `[tool.migcheck]`
//! table and `.migcheck.yaml` exists too, that is an error: there is no
//! merging rule worth guessing. With neither, every setting has its default.
//!
//! Rule selectors (`select`, `ignore`, `severity` keys) stay strings here;
//! the rule registry resolves them. Globs in `exclude` and `overrides` match
//! repository-relative paths, `*` stops at `/`, `**` crosses directories, and
//! a pattern also matches everything below it (`migrations/legacy` excludes
//! the folder's files).

use std::collections::BTreeMap;
use std::fmt;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use regex::Regex;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

use crate::alembic::discovery::{
    normalize, toml_error_line, DiscoveryError, FileSource, ProjectSpec,
};

/// Where `[tool.migcheck]` is read from.
pub const PYPROJECT: &str = "pyproject.toml";
/// The YAML alternative to `[tool.migcheck]`.
pub const YAML_FILE: &str = ".migcheck.yaml";

/// What a rule's findings count as, per rule, in `severity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleLevel {
    Error,
    Warning,
    Off,
}

/// Values given for a revision file whose header cannot be read statically.
/// `None` means "read it from the file"; an empty list is `None` in Python.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RevisionOverride {
    #[serde(default)]
    pub revision: Option<String>,
    #[serde(default, deserialize_with = "revision_ids")]
    pub down_revision: Option<Vec<String>>,
    #[serde(default, deserialize_with = "revision_ids")]
    pub branch_labels: Option<Vec<String>>,
    #[serde(default, deserialize_with = "revision_ids")]
    pub depends_on: Option<Vec<String>>,
}

/// Settings for the files matched by one glob.
#[derive(Debug, Clone)]
pub struct Override {
    pub path: String,
    matcher: GlobSet,
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
    pub extend_select: Vec<String>,
    pub severity: BTreeMap<String, RuleLevel>,
    pub dialect: Option<String>,
    pub todo_patterns: Option<Vec<Regex>>,
    pub require_suppression_reason: Option<bool>,
}

impl Override {
    /// Whether this override applies to a repository-relative path.
    pub fn matches(&self, path: &str) -> bool {
        self.matcher.is_match(path)
    }
}

/// migcheck's settings with every default applied.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The file they were read from, `None` for the defaults.
    pub source: Option<String>,
    /// `None`: the default rule set.
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
    pub extend_select: Vec<String>,
    pub severity: BTreeMap<String, RuleLevel>,
    /// Several heads fail the run instead of warning.
    pub strict_heads: bool,
    pub todo_patterns: Vec<Regex>,
    pub exclude: Vec<String>,
    exclude_set: GlobSet,
    /// Migrations up to and including this revision are never linted.
    pub start_after: Option<String>,
    pub dialect: Option<String>,
    pub require_suppression_reason: bool,
    pub projects: Vec<ProjectSpec>,
    /// By repository-relative path of the revision file.
    pub revisions: BTreeMap<String, RevisionOverride>,
    pub overrides: Vec<Override>,
    pub auto_migrate: bool,
    pub database_url_env: String,
    pub version_table: String,
    pub version_table_schema: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            source: None,
            select: None,
            ignore: Vec::new(),
            extend_select: Vec::new(),
            severity: BTreeMap::new(),
            strict_heads: false,
            todo_patterns: [r"\bTODO\b", r"\bFIXME\b"]
                .into_iter()
                .filter_map(|p| Regex::new(p).ok())
                .collect(),
            exclude: Vec::new(),
            exclude_set: GlobSet::empty(),
            start_after: None,
            dialect: None,
            require_suppression_reason: false,
            projects: Vec::new(),
            revisions: BTreeMap::new(),
            overrides: Vec::new(),
            auto_migrate: false,
            database_url_env: "DATABASE_URL".to_owned(),
            version_table: "alembic_version".to_owned(),
            version_table_schema: None,
        }
    }
}

impl Settings {
    /// Whether a repository-relative path is never linted.
    pub fn is_excluded(&self, path: &str) -> bool {
        self.exclude_set.is_match(path)
    }

    /// The compiled `exclude` globs.
    pub fn exclude_set(&self) -> &GlobSet {
        &self.exclude_set
    }

    /// The overrides that apply to a path, in file order (later ones win).
    pub fn overrides_for<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a Override> + 'a {
        self.overrides.iter().filter(move |o| o.matches(path))
    }
}

/// Why the settings could not be read. Every message is one line naming the file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Read(#[from] DiscoveryError),
    #[error("{path}: not valid UTF-8")]
    NotUtf8 { path: String },
    /// Syntax errors, wrong types and unknown keys.
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    #[error("settings found in both {PYPROJECT} [tool.migcheck] and {YAML_FILE}; keep one")]
    BothFiles,
    #[error("{path}: {key}: invalid regular expression `{pattern}`: {message}")]
    BadRegex {
        path: String,
        key: String,
        pattern: String,
        message: String,
    },
    #[error("{path}: {key}: invalid glob `{pattern}`: {message}")]
    BadGlob {
        path: String,
        key: String,
        pattern: String,
        message: String,
    },
    #[error("{path}: revisions: `{value}` is not a path inside the repository")]
    BadPath { path: String, value: String },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSettings {
    select: Option<Vec<String>>,
    ignore: Option<Vec<String>>,
    extend_select: Option<Vec<String>>,
    severity: Option<BTreeMap<String, RuleLevel>>,
    strict_heads: Option<bool>,
    todo_patterns: Option<Vec<String>>,
    exclude: Option<Vec<String>>,
    start_after: Option<String>,
    dialect: Option<String>,
    require_suppression_reason: Option<bool>,
    projects: Option<Vec<ProjectSpec>>,
    revisions: Option<BTreeMap<String, RevisionOverride>>,
    overrides: Option<Vec<RawOverride>>,
    auto_migrate: Option<bool>,
    database_url_env: Option<String>,
    version_table: Option<String>,
    version_table_schema: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawOverride {
    path: String,
    select: Option<Vec<String>>,
    ignore: Option<Vec<String>>,
    extend_select: Option<Vec<String>>,
    severity: Option<BTreeMap<String, RuleLevel>>,
    dialect: Option<String>,
    todo_patterns: Option<Vec<String>>,
    require_suppression_reason: Option<bool>,
}

#[derive(Deserialize)]
struct PyProject {
    tool: Option<Tool>,
}

#[derive(Deserialize)]
struct Tool {
    migcheck: Option<RawSettings>,
}

/// Read the settings from the repository root of `src`.
pub fn load(src: &dyn FileSource) -> Result<Settings, ConfigError> {
    let from_toml = match read_text(src, PYPROJECT)? {
        Some(text) => {
            let document: PyProject = toml::from_str(&text).map_err(|err| ConfigError::Parse {
                path: PYPROJECT.to_owned(),
                message: toml_error_line(&text, &err),
            })?;
            document.tool.and_then(|tool| tool.migcheck)
        }
        None => None,
    };
    let yaml = read_text(src, YAML_FILE)?;
    let (path, raw) = match (from_toml, yaml) {
        (Some(_), Some(_)) => return Err(ConfigError::BothFiles),
        (Some(raw), None) => (PYPROJECT, raw),
        (None, Some(text)) => (YAML_FILE, parse_yaml(&text)?),
        (None, None) => return Ok(Settings::default()),
    };
    validate(path, raw)
}

fn read_text(src: &dyn FileSource, path: &str) -> Result<Option<String>, ConfigError> {
    match src.read(path)? {
        None => Ok(None),
        Some(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| ConfigError::NotUtf8 {
                path: path.to_owned(),
            }),
    }
}

fn parse_yaml(text: &str) -> Result<RawSettings, ConfigError> {
    let parsed: Option<RawSettings> =
        serde_norway::from_str(text).map_err(|err| ConfigError::Parse {
            path: YAML_FILE.to_owned(),
            message: err
                .to_string()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        })?;
    Ok(parsed.unwrap_or_default())
}

fn validate(path: &str, raw: RawSettings) -> Result<Settings, ConfigError> {
    let defaults = Settings::default();
    let todo_patterns = match raw.todo_patterns {
        Some(patterns) => compile_regexes(path, "todo-patterns", &patterns)?,
        None => defaults.todo_patterns,
    };
    let exclude = raw.exclude.unwrap_or_default();
    let exclude_set = compile_globs(path, "exclude", &exclude)?;
    let mut revisions = BTreeMap::new();
    for (file, values) in raw.revisions.unwrap_or_default() {
        let Some(normalized) = normalize(&file).filter(|p| !p.is_empty() && !file.starts_with('/'))
        else {
            return Err(ConfigError::BadPath {
                path: path.to_owned(),
                value: file,
            });
        };
        revisions.insert(normalized, values);
    }
    let overrides = raw
        .overrides
        .unwrap_or_default()
        .into_iter()
        .map(|o| {
            Ok(Override {
                matcher: compile_globs(path, "overrides.path", std::slice::from_ref(&o.path))?,
                path: o.path,
                select: o.select,
                ignore: o.ignore.unwrap_or_default(),
                extend_select: o.extend_select.unwrap_or_default(),
                severity: o.severity.unwrap_or_default(),
                dialect: o.dialect,
                todo_patterns: o
                    .todo_patterns
                    .map(|p| compile_regexes(path, "overrides.todo-patterns", &p))
                    .transpose()?,
                require_suppression_reason: o.require_suppression_reason,
            })
        })
        .collect::<Result<Vec<_>, ConfigError>>()?;
    Ok(Settings {
        source: Some(path.to_owned()),
        select: raw.select,
        ignore: raw.ignore.unwrap_or_default(),
        extend_select: raw.extend_select.unwrap_or_default(),
        severity: raw.severity.unwrap_or_default(),
        strict_heads: raw.strict_heads.unwrap_or(defaults.strict_heads),
        todo_patterns,
        exclude,
        exclude_set,
        start_after: raw.start_after,
        dialect: raw.dialect,
        require_suppression_reason: raw.require_suppression_reason.unwrap_or(false),
        projects: raw.projects.unwrap_or_default(),
        revisions,
        overrides,
        auto_migrate: raw.auto_migrate.unwrap_or(false),
        database_url_env: raw.database_url_env.unwrap_or(defaults.database_url_env),
        version_table: raw.version_table.unwrap_or(defaults.version_table),
        version_table_schema: raw.version_table_schema,
    })
}

fn compile_regexes(path: &str, key: &str, patterns: &[String]) -> Result<Vec<Regex>, ConfigError> {
    patterns
        .iter()
        .map(|pattern| {
            Regex::new(pattern).map_err(|err| ConfigError::BadRegex {
                path: path.to_owned(),
                key: key.to_owned(),
                pattern: pattern.clone(),
                message: regex_error_line(&err),
            })
        })
        .collect()
}

/// The regex crate explains a syntax error over several lines; keep the reason.
fn regex_error_line(err: &regex::Error) -> String {
    let text = err.to_string();
    text.lines()
        .rev()
        .find_map(|line| line.trim().strip_prefix("error: "))
        .map_or_else(
            || text.split_whitespace().collect::<Vec<_>>().join(" "),
            str::to_owned,
        )
}

/// Each pattern, and the pattern followed by `/**` so a folder covers its files.
fn compile_globs(path: &str, key: &str, patterns: &[String]) -> Result<GlobSet, ConfigError> {
    let mut set = GlobSetBuilder::new();
    for pattern in patterns {
        let bad = |err: globset::Error| ConfigError::BadGlob {
            path: path.to_owned(),
            key: key.to_owned(),
            pattern: pattern.clone(),
            message: err.kind().to_string(),
        };
        let trimmed = pattern.trim_end_matches('/');
        for glob in [trimmed.to_owned(), format!("{trimmed}/**")] {
            set.add(
                GlobBuilder::new(&glob)
                    .literal_separator(true)
                    .build()
                    .map_err(bad)?,
            );
        }
    }
    set.build().map_err(|err| ConfigError::BadGlob {
        path: path.to_owned(),
        key: key.to_owned(),
        pattern: patterns.join(", "),
        message: err.kind().to_string(),
    })
}

/// A revision id, a list of them, or null (an empty list, as Alembic's `to_tuple`).
fn revision_ids<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<String>>, D::Error> {
    struct Ids;
    impl<'de> Visitor<'de> for Ids {
        type Value = Option<Vec<String>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(
                "a revision id, a list of revision ids, or null (quote ids that look like numbers)",
            )
        }
        fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
            Ok(Some(vec![value.to_owned()]))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Some(Vec::new()))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Some(Vec::new()))
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(Ids)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut ids = Vec::new();
            while let Some(id) = seq.next_element::<String>()? {
                ids.push(id);
            }
            Ok(Some(ids))
        }
    }
    deserializer.deserialize_any(Ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alembic::discovery::MemorySource;

    fn source(files: &[(&str, &str)]) -> MemorySource {
        files.iter().copied().collect()
    }

    fn error(files: &[(&str, &str)]) -> String {
        let message = load(&source(files)).unwrap_err().to_string();
        assert!(!message.contains('\n'), "{message}");
        message
    }

    const FULL_TOML: &str = r#"
[project]
name = "app"

[tool.ruff]
line-length = 100

[tool.migcheck]
select = ["MC1", "dangling-down-revision"]
ignore = ["MC301"]
extend-select = ["MC9"]
severity = { MC101 = "error", empty-downgrade = "off" }
strict-heads = true
todo-patterns = ['\bXXX\b']
exclude = ["migrations/legacy", "**/scratch_*.py"]
start-after = "abc123"
dialect = "postgresql"
require-suppression-reason = true
projects = [{ config = "services/a/alembic.ini" }, { config = "services/b/db.ini", name = "billing" }]
auto-migrate = true
database-url-env = "APP_DB"
version-table = "schema_version"
version-table-schema = "meta"

[tool.migcheck.revisions."migrations/versions/./0001_dynamic.py"]
revision = "0001"
down-revision = []
branch-labels = "core"

[tool.migcheck.revisions."migrations/versions/0002_merge.py"]
down-revision = ["a1", "b2"]

[[tool.migcheck.overrides]]
path = "services/b"
ignore = ["MC3"]
dialect = "sqlite"
severity = { MC201 = "warning" }
"#;

    #[test]
    fn defaults_without_any_file() {
        let settings = load(&source(&[("pyproject.toml", "[tool.ruff]\n")])).unwrap();
        assert_eq!(settings.source, None);
        assert_eq!(settings.select, None);
        assert_eq!(settings.database_url_env, "DATABASE_URL");
        assert_eq!(settings.version_table, "alembic_version");
        let patterns: Vec<_> = settings.todo_patterns.iter().map(Regex::as_str).collect();
        assert_eq!(patterns, vec![r"\bTODO\b", r"\bFIXME\b"]);
        assert!(!settings.is_excluded("migrations/versions/a.py"));
    }

    #[test]
    fn every_key_is_read_from_pyproject() {
        let s = load(&source(&[("pyproject.toml", FULL_TOML)])).unwrap();
        assert_eq!(s.source.as_deref(), Some("pyproject.toml"));
        assert_eq!(
            s.select,
            Some(vec!["MC1".to_owned(), "dangling-down-revision".to_owned()])
        );
        assert_eq!(s.ignore, vec!["MC301"]);
        assert_eq!(s.extend_select, vec!["MC9"]);
        assert_eq!(s.severity["MC101"], RuleLevel::Error);
        assert_eq!(s.severity["empty-downgrade"], RuleLevel::Off);
        assert!(s.strict_heads && s.require_suppression_reason && s.auto_migrate);
        assert!(s.todo_patterns[0].is_match("x XXX y"));
        assert_eq!(s.todo_patterns.len(), 1);
        assert!(s.is_excluded("migrations/legacy"));
        assert!(s.is_excluded("migrations/legacy/versions/1.py"));
        assert!(s.is_excluded("a/b/scratch_1.py"));
        assert!(!s.is_excluded("migrations/versions/1.py"));
        assert_eq!(s.start_after.as_deref(), Some("abc123"));
        assert_eq!(s.dialect.as_deref(), Some("postgresql"));
        assert_eq!(s.projects.len(), 2);
        assert_eq!(s.projects[1].name.as_deref(), Some("billing"));
        assert_eq!(s.database_url_env, "APP_DB");
        assert_eq!(s.version_table, "schema_version");
        assert_eq!(s.version_table_schema.as_deref(), Some("meta"));

        let dynamic = &s.revisions["migrations/versions/0001_dynamic.py"];
        assert_eq!(dynamic.revision.as_deref(), Some("0001"));
        assert_eq!(dynamic.down_revision, Some(vec![]));
        assert_eq!(dynamic.branch_labels, Some(vec!["core".to_owned()]));
        assert_eq!(dynamic.depends_on, None);
        let merge = &s.revisions["migrations/versions/0002_merge.py"];
        assert_eq!(
            merge.down_revision,
            Some(vec!["a1".to_owned(), "b2".to_owned()])
        );

        let applied: Vec<_> = s
            .overrides_for("services/b/migrations/versions/x.py")
            .collect();
        assert_eq!(applied.len(), 1);
        assert_eq!(applied[0].ignore, vec!["MC3"]);
        assert_eq!(applied[0].dialect.as_deref(), Some("sqlite"));
        assert_eq!(s.overrides_for("services/a/x.py").count(), 0);
    }

    #[test]
    fn yaml_has_the_same_schema_and_null_down_revision() {
        let yaml = "select: [MC1]\nstrict-heads: true\nrevisions:\n  m/v/1.py:\n    \
                    revision: abc\n    down-revision: null\n  m/v/2.py:\n    down-revision: abc\n";
        let s = load(&source(&[(".migcheck.yaml", yaml)])).unwrap();
        assert_eq!(s.source.as_deref(), Some(".migcheck.yaml"));
        assert_eq!(s.select, Some(vec!["MC1".to_owned()]));
        assert!(s.strict_heads);
        assert_eq!(s.revisions["m/v/1.py"].down_revision, Some(vec![]));
        assert_eq!(
            s.revisions["m/v/2.py"].down_revision,
            Some(vec!["abc".to_owned()])
        );
        assert_eq!(s.revisions["m/v/2.py"].revision, None);
    }

    #[test]
    fn empty_yaml_is_the_defaults() {
        let s = load(&source(&[(".migcheck.yaml", "# nothing yet\n")])).unwrap();
        assert_eq!(s.source.as_deref(), Some(".migcheck.yaml"));
        assert_eq!(s.todo_patterns.len(), 2);
    }

    #[test]
    fn unknown_key_in_toml_names_key_file_and_line() {
        let message = error(&[(
            "pyproject.toml",
            "[tool.migcheck]\nselect = [\"MC1\"]\nstrict_heads = true\n",
        )]);
        assert!(
            message.starts_with("pyproject.toml: line 3: unknown field `strict_heads`"),
            "{message}"
        );
        let message = error(&[(
            "pyproject.toml",
            "[tool.migcheck]\n[[tool.migcheck.overrides]]\npath = \"a\"\nfoo = 1\n",
        )]);
        assert!(
            message.starts_with("pyproject.toml: line 4: unknown field `foo`"),
            "{message}"
        );
    }

    #[test]
    fn unknown_key_in_yaml_names_key_and_file() {
        let message = error(&[(".migcheck.yaml", "select: [MC1]\nselct: [MC2]\n")]);
        assert!(
            message.starts_with(".migcheck.yaml: unknown field `selct`"),
            "{message}"
        );
        assert!(message.contains("line 2"), "{message}");
    }

    #[test]
    fn bad_values_are_rejected_with_the_file() {
        let message = error(&[(".migcheck.yaml", "severity:\n  MC101: fatal\n")]);
        assert!(
            message.starts_with(".migcheck.yaml: severity.MC101: unknown variant `fatal`"),
            "{message}"
        );
        let message = error(&[(
            "pyproject.toml",
            "[tool.migcheck]\nstrict-heads = \"yes\"\n",
        )]);
        assert!(
            message.starts_with("pyproject.toml: line 2: invalid type"),
            "{message}"
        );
    }

    #[test]
    fn bad_regex_names_the_pattern() {
        let message = error(&[(
            "pyproject.toml",
            "[tool.migcheck]\ntodo-patterns = ['TODO(']\n",
        )]);
        assert_eq!(
            message,
            "pyproject.toml: todo-patterns: invalid regular expression `TODO(`: unclosed group"
        );
    }

    #[test]
    fn bad_glob_names_the_pattern() {
        let message = error(&[(".migcheck.yaml", "exclude: ['a/[b']\n")]);
        assert!(
            message.starts_with(
                ".migcheck.yaml: exclude: invalid glob `a/[b`: unclosed character class"
            ),
            "{message}"
        );
    }

    #[test]
    fn settings_in_both_files_are_an_error() {
        let message = error(&[
            ("pyproject.toml", "[tool.migcheck]\nstrict-heads = true\n"),
            (".migcheck.yaml", "strict-heads: false\n"),
        ]);
        assert_eq!(
            message,
            "settings found in both pyproject.toml [tool.migcheck] and .migcheck.yaml; keep one"
        );
        // A pyproject without [tool.migcheck] does not count.
        let s = load(&source(&[
            (
                "pyproject.toml",
                "[tool.alembic]\nscript_location = \"x\"\n",
            ),
            (".migcheck.yaml", "strict-heads: true\n"),
        ]))
        .unwrap();
        assert!(s.strict_heads);
    }

    #[test]
    fn revision_paths_must_stay_in_the_repository() {
        let message = error(&[(
            "pyproject.toml",
            "[tool.migcheck.revisions.\"../x.py\"]\nrevision = \"a\"\n",
        )]);
        assert_eq!(
            message,
            "pyproject.toml: revisions: `../x.py` is not a path inside the repository"
        );
    }

    #[test]
    fn broken_pyproject_is_one_line() {
        let message = error(&[("pyproject.toml", "[tool.migcheck\n")]);
        assert!(message.starts_with("pyproject.toml: line 1: "), "{message}");
    }
}
