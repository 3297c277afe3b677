use crate::rules::Checker;

declare_rule! {
    /// ## What it does
    /// Reports a rule named in a suppression comment that suppressed no
    /// finding on the lines it covers (or, for `ignore-file`, anywhere in the
    /// file). It points at the rule's token in the comment. A suppression of
    /// a rule that is off for the file is not reported.
    ///
    /// ## Why is this bad?
    /// A stale suppression hides the next real finding of that rule on the
    /// same line, and tells reviewers there is a risk that is no longer there.
    ///
    /// ## Example
    /// ```python
    /// # migcheck: ignore[drop-column] the column is unused
    /// op.add_column("users", sa.Column("email", sa.String(), nullable=True))
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// op.add_column("users", sa.Column("email", sa.String(), nullable=True))
    /// ```
    pub struct UnusedSuppression {
        code: "MC904",
        name: "unused-suppression",
        scope: Meta,
        severity: Warning,
        checker: Checker::Engine,
    }
}
