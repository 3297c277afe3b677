use crate::alembic::revision_file::Field;
use crate::diagnostic::{Diagnostic, Span};
use crate::rules::{Checker, FileContext, Rule};

declare_rule! {
    /// ## What it does
    /// Checks that a migration declares both `revision` and `down_revision`
    /// at module level.
    ///
    /// ## Why is this bad?
    /// Alembic reads both variables from every file in the versions folder.
    /// Without `down_revision` it cannot load the history at all; without
    /// `revision` it falls back to the file name, which only works for legacy
    /// names made of hex digits. A deleted line or a bad merge resolution is
    /// the usual cause.
    ///
    /// ## Example
    /// ```python
    /// """add orders
    ///
    /// Revision ID: 27c6a30d7c24
    /// Revises: ae1027a6acf
    /// """
    /// revision = "27c6a30d7c24"
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// revision = "27c6a30d7c24"
    /// down_revision = "ae1027a6acf"
    /// ```
    /// (`down_revision = None` for the first revision of a history.)
    pub struct MissingDownRevision {
        code: "MC201",
        name: "missing-down-revision",
        scope: File,
        severity: Error,
        checker: Checker::File(check),
    }
}

fn check(ctx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
    let header = &ctx.parsed.header;
    let path = &ctx.migration.path;
    let docstring = ctx.parsed.docstring.as_ref().map(|(text, _)| text.as_str());
    if matches!(header.revision, Field::Missing) && ctx.migration.id().is_none() {
        let help = match docstring_value(docstring, "Revision ID:") {
            Some(id) => format!("Add `revision = \"{id}\"` (the docstring says `Revision ID: {id}`)."),
            None => "Add `revision = \"<id>\"` at module level; `alembic revision` generates a fresh id.".to_string(),
        };
        out.push(
            Diagnostic::new(
                Rule::MissingDownRevision,
                Span::file_start(path),
                format!("`{path}` has no module-level `revision` variable."),
            )
            .with_help(help),
        );
    }
    if matches!(header.down_revision, Field::Missing) {
        let help = match docstring_value(docstring, "Revises:") {
            Some(parent) if !parent.is_empty() => format!(
                "Add `down_revision = \"{parent}\"` (the docstring says `Revises: {parent}`)."
            ),
            _ => {
                let head = ctx
                    .project
                    .graph
                    .heads()
                    .into_iter()
                    .map(|node| ctx.project.id(node))
                    .find(|id| Some(*id) != ctx.migration.id());
                match head {
                    Some(head) => format!(
                        "Add `down_revision = \"{head}\"` (the current head), or `down_revision = None` if this is the first revision."
                    ),
                    None => "Add `down_revision = None` if this is the first revision, or the id of the revision it follows.".to_string(),
                }
            }
        };
        let span = ctx.migration.revision_span();
        out.push(
            Diagnostic::new(
                Rule::MissingDownRevision,
                span,
                format!("`{path}` has no module-level `down_revision` variable."),
            )
            .with_help(help),
        );
    }
}

/// The value after `key` on a docstring line, as `alembic revision` writes it.
pub(crate) fn docstring_value<'a>(docstring: Option<&'a str>, key: &str) -> Option<&'a str> {
    docstring?
        .lines()
        .find_map(|line| line.trim().strip_prefix(key))
        .map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::docstring_value;

    #[test]
    fn reads_alembic_docstring_lines() {
        let doc = "add orders\n\nRevision ID: 27c6a30d7c24\nRevises: ae1027a6acf\nCreate Date: 2024-01-01\n";
        assert_eq!(docstring_value(Some(doc), "Revises:"), Some("ae1027a6acf"));
        assert_eq!(docstring_value(Some(doc), "Revision ID:"), Some("27c6a30d7c24"));
        assert_eq!(docstring_value(Some("x"), "Revises:"), None);
    }
}
