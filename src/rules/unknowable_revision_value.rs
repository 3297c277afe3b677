use crate::rules::Checker;

declare_rule! {
    /// ## What it does
    /// Reports a `revision`, `down_revision`, `branch_labels` or `depends_on`
    /// whose value cannot be known without running the file: a name imported
    /// from the application, an f-string, a function call, an assignment
    /// inside `if` or `try`.
    ///
    /// ## Why is this bad?
    /// migcheck never executes the project's Python, so it cannot place such a
    /// revision in the graph; it reports it instead of guessing. Reviewers
    /// cannot see the history from the file either.
    ///
    /// ## Example
    /// ```python
    /// from myapp.migrations import PREVIOUS
    ///
    /// revision = "27c6a30d7c24"
    /// down_revision = PREVIOUS
    /// ```
    ///
    /// Use instead: a string literal,
    /// ```python
    /// down_revision = "ae1027a6acf"
    /// ```
    /// or, when the value must stay computed, state it in `pyproject.toml`:
    /// ```toml
    /// [tool.migcheck.revisions."migrations/versions/27c6a30d7c24_add_orders.py"]
    /// down-revision = "ae1027a6acf"
    /// ```
    pub struct UnknowableRevisionValue {
        code: "MC902",
        name: "unknowable-revision-value",
        scope: Meta,
        severity: Error,
        checker: Checker::Engine,
    }
}
