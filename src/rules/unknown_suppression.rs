use crate::rules::Checker;

declare_rule! {
    /// ## What it does
    /// Reports a suppression comment that names something other than a
    /// migcheck rule (`# migcheck: ignore[MC3O1]`), or a `# migcheck:`
    /// comment that is not a well-formed suppression (`ignore` without
    /// brackets, an unknown directive, an unclosed `[`). The finding points at
    /// the exact token.
    ///
    /// ## Why is this bad?
    /// A suppression with a typo suppresses nothing, yet it reads as if a
    /// reviewer had accepted the risk: the next person trusts a decision that
    /// was never applied. It is an error because it is always a mistake and
    /// the fix is one word.
    ///
    /// ## Example
    /// ```python
    /// op.drop_column("users", "fax")  # migcheck: ignore[drop-collumn] unused since 2019
    /// ```
    ///
    /// Use instead:
    /// ```python
    /// op.drop_column("users", "fax")  # migcheck: ignore[drop-column] unused since 2019
    /// ```
    ///
    /// Findings about suppressions cannot be suppressed by comments; turn
    /// them off with `ignore` in the configuration.
    pub struct UnknownSuppression {
        code: "MC903",
        name: "unknown-suppression",
        scope: Meta,
        severity: Error,
        checker: Checker::Engine,
    }
}
