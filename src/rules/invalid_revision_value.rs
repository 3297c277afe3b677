use crate::rules::Checker;

declare_rule! {
    /// ## What it does
    /// Reports a `revision`, `down_revision`, `branch_labels` or `depends_on`
    /// whose value is known but is not what Alembic expects: `revision = None`,
    /// a number, bytes, a list holding something other than strings.
    ///
    /// ## Why is this bad?
    /// Alembic fails while it loads the history (or silently misreads the
    /// value), so every command breaks, in production too.
    ///
    /// ## Example
    /// ```python
    /// revision = "27c6a30d7c24"
    /// down_revision = 1975
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// revision = "27c6a30d7c24"
    /// down_revision = "1975ea83b712"
    /// ```
    pub struct InvalidRevisionValue {
        code: "MC211",
        name: "invalid-revision-value",
        scope: File,
        severity: Error,
        checker: Checker::Engine,
    }
}
