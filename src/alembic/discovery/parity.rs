//! Discovery checked against Alembic itself: each case is written to a
//! temporary directory, Alembic's `Config` + `ScriptDirectory.from_config`
//! report the script directory, `_version_locations`, the recursive flag and
//! the path-separator deprecation warnings, and discovery must agree. Without
//! `python3` and `alembic` the test is skipped, unless `CI` is set.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{discover, DiscoveryError, DiscoveryOptions, DiscoveryWarning, FileSource};

struct DiskSource {
    root: PathBuf,
}

impl FileSource for DiskSource {
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, DiscoveryError> {
        match std::fs::read(self.root.join(path)) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(DiscoveryError::Read {
                path: path.to_owned(),
                message: err.to_string(),
            }),
        }
    }

    fn dir_exists(&self, path: &str) -> bool {
        self.root.join(path).is_dir()
    }
}

/// (name, ini section, files)
type Case = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const ENV: (&str, &str) = ("alembic/env.py", "");

const CASES: &[Case] = &[
    ("here_default", "alembic", &[("alembic.ini", "[alembic]\nscript_location = %(here)s/alembic\n"), ENV]),
    ("relative_legacy", "alembic", &[("alembic.ini", "[alembic]\nscript_location = alembic\nversion_locations = alembic/versions extra/dir\n"), ENV]),
    ("legacy_commas", "alembic", &[("alembic.ini", "[alembic]\nscript_location = alembic\nversion_locations = %(here)s/a,%(here)s/b, c,,d\n"), ENV]),
    ("sep_space", "alembic", &[("alembic.ini", "[alembic]\nscript_location = alembic\npath_separator = space\nversion_locations = a  b\n"), ENV]),
    ("sep_newline", "alembic", &[("alembic.ini", "[alembic]\nscript_location = alembic\npath_separator = newline\nversion_locations =\n    a b\n\n    %(here)s/c\n"), ENV]),
    ("sep_os", "alembic", &[("alembic.ini", "[alembic]\nscript_location = alembic\npath_separator = os\nversion_locations = a:%(here)s/b\n"), ENV]),
    ("sep_colon", "alembic", &[("alembic.ini", "[alembic]\nscript_location = alembic\npath_separator = :\nversion_locations = a: b c :d\n"), ENV]),
    ("sep_semicolon", "alembic", &[("alembic.ini", "[alembic]\nscript_location = alembic\npath_separator = ;\nversion_locations = a; ;b\n"), ENV]),
    ("version_path_separator", "alembic", &[("alembic.ini", "[alembic]\nscript_location = alembic\nversion_path_separator = ;\nversion_locations = a;b c\n"), ENV]),
    ("both_separators", "alembic", &[("alembic.ini", "[alembic]\nscript_location = alembic\npath_separator = space\nversion_path_separator = ;\nversion_locations = a;b c\n"), ENV]),
    ("invalid_separator", "alembic", &[("alembic.ini", "[alembic]\nscript_location = alembic\npath_separator = comma\nversion_locations = a\n"), ENV]),
    ("empty_version_locations", "alembic", &[("alembic.ini", "[alembic]\nscript_location = alembic\nversion_locations =\n"), ENV]),
    ("recursive_true", "alembic", &[("alembic.ini", "[alembic]\nscript_location = alembic\nrecursive_version_locations = true\n"), ENV]),
    ("recursive_capital", "alembic", &[("alembic.ini", "[alembic]\nscript_location = alembic\nrecursive_version_locations = True\n"), ENV]),
    ("other_section", "other", &[("alembic.ini", "[alembic]\nscript_location = alembic\n[other]\nscript_location = %(here)s/other\n"), ("other/env.py", "")]),
    ("default_interpolation", "alembic", &[("alembic.ini", "[DEFAULT]\nbase = %(here)s/db\n[alembic]\nname = mig\nscript_location = %(base)s/%(NAME)s\n"), ("db/mig/env.py", "")]),
    ("dot_dot", "alembic", &[("alembic.ini", "[alembic]\nscript_location = %(here)s/sub/../alembic\npath_separator = os\nversion_locations = %(here)s/x/../y\n"), ENV, ("sub/keep", "")]),
    ("percent", "alembic", &[("alembic.ini", "[alembic]\nscript_location = %(here)s/al%%embic\n"), ("al%embic/env.py", "")]),
    ("package", "alembic", &[("alembic.ini", "[alembic]\nscript_location = parpkg:migrations\nprepend_sys_path = .\npath_separator = os\n"), ("parpkg/__init__.py", ""), ("parpkg/migrations/env.py", "")]),
    ("prepend_legacy", "alembic", &[("alembic.ini", "[alembic]\nscript_location = alembic\nprepend_sys_path = .:lib\n"), ENV]),
    ("missing_script_location", "alembic", &[("alembic.ini", "[alembic]\nsqlalchemy.url = sqlite://\n"), ENV]),
    ("missing_script_dir", "alembic", &[("alembic.ini", "[alembic]\nscript_location = nowhere\n"), ENV]),
    ("pyproject_only", "alembic", &[("pyproject.toml", "[tool.alembic]\nscript_location = \"%(here)s/alembic\"\nversion_locations = [\"%(here)s/v1\", \"v2\"]\nrecursive_version_locations = true\n"), ENV]),
    ("pyproject_bad_boolean", "alembic", &[("pyproject.toml", "[tool.alembic]\nscript_location = \"alembic\"\nrecursive_version_locations = \"true\"\n"), ENV]),
    ("both_files", "alembic", &[
        ("pyproject.toml", "[tool.alembic]\nscript_location = \"%(here)s/alembic\"\nversion_locations = [\"toml_v\"]\nrecursive_version_locations = true\n"),
        ("alembic.ini", "[alembic]\nsqlalchemy.url = sqlite://\npath_separator = os\nversion_locations = ini_v:ini_w\n"),
        ENV,
    ]),
    ("both_files_toml_fallback", "alembic", &[
        ("pyproject.toml", "[tool.alembic]\nscript_location = \"%(here)s/alembic\"\nversion_locations = [\"toml_v\"]\n"),
        ("alembic.ini", "[alembic]\nscript_location = %(here)s/other\nrecursive_version_locations = false\n"),
        ENV,
        ("other/env.py", ""),
    ]),
];

const SCRIPT: &str = r#"
import json, os, sys, warnings
from alembic.config import Config
from alembic.script import ScriptDirectory

def tag(message):
    if "version_path_separator configuration parameter is deprecated" in message:
        return "version_path_separator"
    if "No path_separator found" in message and "version_locations" in message:
        return "legacy_version_locations"
    if "No path_separator found" in message and "prepend_sys_path" in message:
        return "legacy_prepend_sys_path"
    return None

out = {}
for case in json.loads(sys.argv[1]):
    os.chdir(case["dir"])
    root = os.getcwd()
    def rel(p):
        r = os.path.relpath(os.path.normpath(str(p)), root)
        return "" if r == "." else r
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            cfg = Config(file_="alembic.ini", toml_file="pyproject.toml", ini_section=case["section"])
            sd = ScriptDirectory.from_config(cfg)
            res = {"dir": rel(sd.dir), "locations": [rel(p) for p in sd._version_locations],
                   "recursive": sd.recursive_version_locations}
        except Exception as e:
            res = {"error": f"{type(e).__name__}: {e}"}
    res["warnings"] = sorted(t for t in (tag(str(w.message)) for w in caught) if t)
    out[case["name"]] = res
print(json.dumps(out))
"#;

fn tag(warning: &DiscoveryWarning) -> &'static str {
    match warning {
        DiscoveryWarning::LegacyVersionLocationsSplit { .. } => "legacy_version_locations",
        DiscoveryWarning::LegacyPrependSysPathSplit { .. } => "legacy_prepend_sys_path",
        DiscoveryWarning::VersionPathSeparatorDeprecated { .. } => "version_path_separator",
        DiscoveryWarning::SqlalchemyUrlUnreadable { .. } => "sqlalchemy_url",
    }
}

fn alembic_available() -> bool {
    Command::new("python3")
        .args(["-c", "import alembic.config, alembic.script"])
        .output()
        .is_ok_and(|out| out.status.success())
}

fn write_case(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// What discovery says, in the shape the Python script prints.
fn ours(dir: &Path, section: &str) -> serde_json::Value {
    let src = DiskSource {
        root: dir.to_path_buf(),
    };
    let opts = DiscoveryOptions {
        name: Some(section.to_owned()),
        ..DiscoveryOptions::default()
    };
    match discover(&src, &opts) {
        Ok(mut projects) => {
            assert_eq!(projects.len(), 1);
            let project = projects.remove(0);
            let mut warnings: Vec<_> = project.warnings.iter().map(tag).collect();
            warnings.sort_unstable();
            serde_json::json!({
                "dir": project.script_location,
                "locations": project.version_locations,
                "recursive": project.recursive,
                "warnings": warnings,
            })
        }
        Err(err) => serde_json::json!({ "error": err.to_string() }),
    }
}

#[test]
fn discovery_agrees_with_alembic() {
    if !alembic_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "python3 with alembic is required when CI is set"
        );
        eprintln!("skipped: python3 with alembic is not available");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut request = Vec::new();
    for (name, section, files) in CASES {
        let dir = tmp.path().join(name);
        write_case(&dir, files);
        request.push(serde_json::json!({
            "name": name, "section": section, "dir": dir.to_string_lossy(),
        }));
    }
    let output = Command::new("python3")
        .args(["-c", SCRIPT, &serde_json::Value::from(request).to_string()])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let theirs: BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(&output.stdout).unwrap();

    for (name, section, _) in CASES {
        let theirs = &theirs[*name];
        let ours = ours(&tmp.path().join(name), section);
        match (theirs.get("error"), ours.get("error")) {
            (Some(_), Some(_)) => {}
            (None, None) => assert_eq!(ours, *theirs, "case {name}"),
            _ => panic!("case {name}: Alembic says {theirs}, discovery says {ours}"),
        }
    }
}
