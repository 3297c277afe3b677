use crate::rules::Checker;

declare_rule! {
    /// ## What it does
    /// Reports a file in a versions folder that migcheck cannot read as a
    /// Python revision file: a syntax error, bytes that are not UTF-8 text,
    /// unresolved merge conflicts, or a symbolic link.
    ///
    /// ## Why is this bad?
    /// Alembic imports every file in the versions folder; one that does not
    /// import breaks every Alembic command, and migcheck cannot check the
    /// revision graph around it.
    ///
    /// ## Example
    /// ```python
    /// <<<<<<< HEAD
    /// down_revision = "ae1027a6acf"
    /// =======
    /// down_revision = "27c6a30d7c24"
    /// >>>>>>> feature
    /// ```
    ///
    /// Use instead: resolve the conflict and keep one parent (or merge the
    /// heads with `alembic merge`).
    /// ```python
    /// down_revision = "27c6a30d7c24"
    /// ```
    pub struct UnparsableRevisionFile {
        code: "MC901",
        name: "unparsable-revision-file",
        scope: Meta,
        severity: Error,
        checker: Checker::Engine,
    }
}
