use crate::rules::Checker;

declare_rule! {
    /// ## What it does
    /// Reports a suppression comment with nothing after its brackets, when
    /// the configuration sets `require-suppression-reason = true` (for the
    /// whole repository or for the folder in `overrides`).
    ///
    /// ## Why is this bad?
    /// A suppression is a decision that a risky migration is safe here. The
    /// reason is what lets a reviewer check that decision, and what tells the
    /// next person whether it still holds.
    ///
    /// ## Example
    /// ```python
    /// op.drop_column("users", "fax")  # migcheck: ignore[drop-column]
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// op.drop_column("users", "fax")  # migcheck: ignore[drop-column] no code reads it since v2.3
    /// ```
    pub struct SuppressionWithoutReason {
        code: "MC905",
        name: "suppression-without-reason",
        scope: Meta,
        severity: Error,
        checker: Checker::Engine,
    }
}
