//! What `alembic heads` and `alembic history` print next to a revision:
//! `(head)`, `(effective head)`, `(branchpoint)`, `(mergepoint)`.

use super::RevisionGraph;

impl RevisionGraph {
    /// No revision names this one in `down_revision` (Alembic's `is_head`).
    pub fn is_head(&self, node: usize) -> bool {
        self.links.next.get(node).is_none_or(<[usize]>::is_empty)
    }

    /// No revision names this one in `down_revision` or `depends_on`
    /// (Alembic's `_is_real_head`).
    pub fn is_real_head(&self, node: usize) -> bool {
        self.links
            .all_next
            .get(node)
            .is_none_or(<[usize]>::is_empty)
    }

    /// More than one revision names this one in `down_revision`.
    pub fn is_branch_point(&self, node: usize) -> bool {
        self.links.next.get(node).is_some_and(|next| next.len() > 1)
    }

    /// This revision has more than one `down_revision`.
    pub fn is_merge_point(&self, node: usize) -> bool {
        self.node(node).down_revisions.len() > 1
    }

    /// The heads that `alembic upgrade head` cannot tell apart: every head
    /// except those carrying a branch label no other head carries (intended
    /// parallel branches, upgraded by label). Two or more of these is the
    /// "several heads" problem.
    pub fn unlabelled_heads(&self) -> Vec<usize> {
        let heads = self.heads();
        heads
            .iter()
            .copied()
            .filter(|&head| {
                !self.branch_labels(head).iter().any(|label| {
                    heads
                        .iter()
                        .filter(|&&other| other != head)
                        .all(|&other| !self.branch_labels(other).contains(label))
                })
            })
            .collect()
    }

    /// `depends_on` as declared.
    pub fn dependencies(&self, node: usize) -> &[String] {
        &self.node(node).depends_on
    }
}
