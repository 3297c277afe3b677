//! The script `migcheck hook install` writes: POSIX sh that runs the hook it
//! replaced (kept beside it), then the migcheck binary it was installed with,
//! by absolute path, and exits with the first failure. A marker line tells
//! migcheck's scripts from everyone else's.

use super::HookName;

/// The line that marks a hook as migcheck's: `# migcheck-hook: pre-commit`.
pub const MARKER: &str = "# migcheck-hook: ";

/// Recorded when the install created the hooks folder, so uninstalling can
/// remove it again once it is empty.
const CREATED_FOLDER: &str = "# migcheck-created-folder: yes";

/// Where the hook that was there before is kept: `pre-commit.migcheck-chained`.
/// git runs only hooks named exactly after the hook, so it never runs this one itself.
pub fn chained_name(hook: HookName) -> String {
    format!("{}.migcheck-chained", hook.as_str())
}

/// What a migcheck hook script says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptInfo {
    /// The hook named in the marker.
    pub hook: String,
    /// The binary the script runs.
    pub binary: Option<String>,
    /// The install that wrote it created the hooks folder.
    pub created_folder: bool,
}

impl ScriptInfo {
    /// `None` when the text is not a hook written by migcheck.
    pub fn parse(text: &str) -> Option<ScriptInfo> {
        let mut lines = text.lines().take(12);
        let hook = lines.find_map(|line| line.strip_prefix(MARKER))?.trim();
        let binary = text
            .lines()
            .find_map(|line| line.strip_prefix("migcheck="))
            .map(unquote);
        Some(ScriptInfo {
            hook: hook.to_owned(),
            binary,
            created_folder: text.lines().any(|line| line == CREATED_FOLDER),
        })
    }
}

/// The hook script for `hook`, running `binary` (an absolute path).
pub fn render_script(hook: HookName, binary: &str, created_folder: bool) -> String {
    let name = hook.as_str();
    let chained = chained_name(hook);
    let mut out = String::new();
    out.push_str("#!/bin/sh\n");
    out.push_str(&format!("{MARKER}{name}\n"));
    if created_folder {
        out.push_str(CREATED_FOLDER);
        out.push('\n');
    }
    out.push_str(&format!(
        "# Written by `migcheck hook install`. `migcheck hook uninstall` removes it and\n\
         # puts back the hook that was here before (kept as {chained}).\n"
    ));
    out.push_str(&format!("migcheck={}\n", quote(binary)));
    out.push_str(&format!("chained=\"$(dirname -- \"$0\")/{chained}\"\n"));
    out.push_str("status=0\n");
    out.push_str("if [ -x \"$chained\" ]; then\n    \"$chained\" \"$@\" || status=$?\nfi\n");
    out.push_str("if [ ! -x \"$migcheck\" ]; then\n");
    if hook.blocks() {
        out.push_str(&format!(
            "    echo \"migcheck: $migcheck is gone, so the {name} hook cannot check the migrations.\" >&2\n\
             \x20   echo \"migcheck: install migcheck again and run 'migcheck hook install', or delete $0 (git commit --no-verify skips it once).\" >&2\n\
             \x20   exit 1\n"
        ));
    } else {
        out.push_str(
            "    echo \"migcheck: $migcheck is gone; install migcheck again and run 'migcheck hook install', or delete $0.\" >&2\n\
             \x20   exit \"$status\"\n",
        );
    }
    out.push_str("fi\n");
    out.push_str(&format!("\"$migcheck\" hook {name} \"$@\"\n"));
    out.push_str("code=$?\n");
    out.push_str("[ \"$status\" -ne 0 ] || status=$code\n");
    out.push_str("exit \"$status\"\n");
    out
}

/// A shell word for any text: single quotes, with `'` written as `'\''`.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The inverse of [`quote`] for the values it writes.
fn unquote(word: &str) -> String {
    let word = word.trim();
    match word.strip_prefix('\'').and_then(|w| w.strip_suffix('\'')) {
        Some(inner) => inner.replace(r"'\''", "'"),
        None => word.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_is_recognised_with_its_binary() {
        let text = render_script(HookName::PreCommit, "/opt/it's here/migcheck", false);
        let info = ScriptInfo::parse(&text).expect("migcheck's script");
        assert_eq!(info.hook, "pre-commit");
        assert_eq!(info.binary.as_deref(), Some("/opt/it's here/migcheck"));
        assert!(!info.created_folder);
        assert!(text.contains("migcheck='/opt/it'\\''s here/migcheck'\n"));
        let text = render_script(HookName::PostMerge, "/bin/migcheck", true);
        assert!(ScriptInfo::parse(&text).is_some_and(|i| i.created_folder));
    }

    #[test]
    fn other_hooks_are_not_ours() {
        assert_eq!(
            ScriptInfo::parse("#!/bin/sh\nexec migcheck hook pre-commit\n"),
            None
        );
        assert_eq!(ScriptInfo::parse(""), None);
    }

    #[test]
    fn only_the_blocking_hook_fails_when_the_binary_is_gone() {
        let pre = render_script(HookName::PreCommit, "/x/migcheck", false);
        assert!(pre.contains("    exit 1\n"), "{pre}");
        let post = render_script(HookName::PostCheckout, "/x/migcheck", false);
        assert!(!post.contains("exit 1"), "{post}");
        assert!(post.contains("\"$migcheck\" hook post-checkout \"$@\""));
    }
}
