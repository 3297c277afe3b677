//! Revision specs resolved like Alembic's `get_revisions` / `get_revision`:
//! full ids, branch labels, unique prefixes of at least four characters,
//! `head`, `heads`, `base`, and `label@...` forms restricted to a branch
//! (a revision is on the branch when it is an ancestor or a descendant, through
//! `down_revision`, of the revision that declares the label).

use super::walk::reach;
use super::{ResolveError, RevisionGraph};

const FOUR_CHARACTERS: &str =
    "; please ensure at least four characters are present for partial revision identifier matches";

impl RevisionGraph {
    /// `RevisionMap.get_revisions(spec)` for one string.
    pub(super) fn get_revisions(&self, spec: &str) -> Result<Vec<usize>, ResolveError> {
        let (ids, label) = self.resolve_number(spec)?;
        if let [only] = &ids[..] {
            if is_negative_int(only) {
                return Err(ResolveError::Relative {
                    spec: spec.to_string(),
                });
            }
        }
        ids.iter()
            .map(|id| self.revision_for_ident(id, label.as_deref()))
            .collect()
    }

    /// `RevisionMap.get_revision(spec)`: one revision, or none for `base`.
    pub(super) fn get_revision(&self, spec: &str) -> Result<Option<usize>, ResolveError> {
        let (ids, label) = self.resolve_number(spec)?;
        if ids.len() > 1 {
            return Err(ResolveError::MultipleHeads {
                argument: spec.to_string(),
                heads: ids,
            });
        }
        match ids.first() {
            Some(id) => self.revision_for_ident(id, label.as_deref()).map(Some),
            None => {
                if let Some(label) = &label {
                    self.resolve_branch(label)?;
                }
                Ok(None)
            }
        }
    }

    /// `_resolve_revision_number`: the ids a spec stands for, and its branch.
    fn resolve_number(&self, spec: &str) -> Result<(Vec<String>, Option<String>), ResolveError> {
        let (label, id) = match spec.split_once('@') {
            Some((label, id)) => (Some(label).filter(|l| !l.is_empty()), id),
            None => (None, spec),
        };
        let ids = match id {
            "heads" => match label {
                Some(label) => self.filter_for_lineage(self.ids_of(&self.links.heads), label)?,
                None => self.ids_of(&self.links.real_heads),
            },
            "head" => self.get_current_head(label)?.into_iter().collect(),
            "base" => Vec::new(),
            other => vec![other.to_string()],
        };
        Ok((ids, label.map(str::to_string)))
    }

    /// `get_current_head`: the one head (of a branch), or `MultipleHeads`.
    fn get_current_head(&self, label: Option<&str>) -> Result<Option<String>, ResolveError> {
        let mut heads = self.ids_of(&self.links.heads);
        if let Some(label) = label {
            heads = self.filter_for_lineage(heads, label)?;
        }
        if heads.len() > 1 {
            return Err(ResolveError::MultipleHeads {
                argument: label.map_or_else(|| "head".to_string(), |l| format!("{l}@head")),
                heads,
            });
        }
        Ok(heads.into_iter().next())
    }

    /// `filter_for_lineage`: the targets on the line of `check_against`.
    fn filter_for_lineage(
        &self,
        targets: Vec<String>,
        check_against: &str,
    ) -> Result<Vec<String>, ResolveError> {
        let (ids, label) = self.resolve_number(check_against)?;
        let shares: Vec<String> = label.into_iter().chain(ids).collect();
        if targets.is_empty() || shares.is_empty() {
            return Ok(targets);
        }
        self.revision_for_ident(&targets[0], None)?;
        let against = shares
            .iter()
            .map(|s| self.revision_for_ident(s, None))
            .collect::<Result<Vec<_>, _>>()?;
        let line = self.lineage(&against);
        let mut out = Vec::new();
        for target in targets {
            if line[self.revision_for_ident(&target, None)?] {
                out.push(target);
            }
        }
        Ok(out)
    }

    /// Every revision that is an ancestor or a descendant of one of `revs`
    /// through `down_revision` (the revisions themselves included).
    fn lineage(&self, revs: &[usize]) -> Vec<bool> {
        let n = self.nodes.len();
        let below = reach(n, revs, |r, out| {
            out.extend(self.links.down[r].iter().flatten())
        });
        let above = reach(n, revs, |r, out| out.extend_from_slice(&self.links.next[r]));
        below.iter().zip(&above).map(|(&b, &a)| a || b).collect()
    }

    /// `_revision_for_ident`: an exact key of the map, else a unique prefix.
    fn revision_for_ident(
        &self,
        id: &str,
        check_branch: Option<&str>,
    ) -> Result<usize, ResolveError> {
        let branch_rev = match check_branch {
            Some(branch) => Some(self.resolve_branch(branch)?),
            None => None,
        };
        let revision = match self.names.full(id) {
            Some(rev) => rev,
            None => {
                let mut revs = self.prefix_matches(id);
                if let (Some(branch), Some(_)) = (check_branch, branch_rev) {
                    revs = self.filter_for_lineage(revs, branch)?;
                }
                match &revs[..] {
                    [] => {
                        let hint = if id.chars().count() < 4 {
                            FOUR_CHARACTERS
                        } else {
                            ""
                        };
                        return Err(ResolveError::Resolution {
                            argument: id.to_string(),
                            message: format!("No such revision or branch '{id}'{hint}"),
                        });
                    }
                    [only] => self
                        .names
                        .full(only)
                        .ok_or_else(|| ResolveError::Resolution {
                            argument: id.to_string(),
                            message: format!("No such revision or branch '{id}'"),
                        })?,
                    several => {
                        let shown: Vec<String> =
                            several.iter().take(3).map(|r| format!("'{r}'")).collect();
                        return Err(ResolveError::Resolution {
                            argument: id.to_string(),
                            message: format!(
                                "Multiple revisions start with '{id}': {}...",
                                shown.join(", ")
                            ),
                        });
                    }
                }
            }
        };
        if let (Some(branch), Some(branch_rev)) = (check_branch, branch_rev) {
            let target = self.names.vertex(revision);
            if !self.lineage(&[self.names.vertex(branch_rev)])[target] {
                return Err(ResolveError::Resolution {
                    argument: id.to_string(),
                    message: format!(
                        "Revision {} is not a member of branch '{branch}'",
                        self.nodes[revision].id
                    ),
                });
            }
        }
        Ok(revision)
    }

    /// `_resolve_branch`: a map key, else a prefix, else "No such branch".
    fn resolve_branch(&self, label: &str) -> Result<usize, ResolveError> {
        if let Some(rev) = self.names.full(label) {
            return Ok(rev);
        }
        match self.revision_for_ident(label, None) {
            Err(ResolveError::Resolution { .. }) => Err(ResolveError::Resolution {
                argument: label.to_string(),
                message: format!("No such branch: '{label}'"),
            }),
            other => other,
        }
    }

    /// Map keys (ids in map order, then labels) longer than three characters
    /// that start with `prefix`.
    fn prefix_matches(&self, prefix: &str) -> Vec<String> {
        let ids = self
            .names
            .key_order
            .iter()
            .map(|&v| self.nodes[v].id.as_str());
        let labels = self
            .names
            .label_keys
            .iter()
            .map(|(label, _)| label.as_str());
        ids.chain(labels)
            .filter(|key| key.chars().count() > 3 && key.starts_with(prefix))
            .map(str::to_string)
            .collect()
    }

    fn ids_of(&self, revs: &[usize]) -> Vec<String> {
        revs.iter().map(|&r| self.nodes[r].id.clone()).collect()
    }
}

/// Whether Python's `int(s)` parses `s` to a negative number.
fn is_negative_int(s: &str) -> bool {
    let s = s.trim();
    let Some(digits) = s.strip_prefix('-') else {
        return false;
    };
    let valid = !digits.is_empty()
        && !digits.starts_with('_')
        && !digits.ends_with('_')
        && !digits.contains("__")
        && digits.chars().all(|c| c.is_ascii_digit() || c == '_');
    valid && digits.chars().any(|c| c.is_ascii_digit() && c != '0')
}

#[cfg(test)]
mod tests {
    use super::is_negative_int;

    #[test]
    fn negative_ints_like_python() {
        assert!(is_negative_int("-1"));
        assert!(is_negative_int(" -1_0 "));
        assert!(!is_negative_int("-0"));
        assert!(!is_negative_int("-"));
        assert!(!is_negative_int("-1__0"));
        assert!(!is_negative_int("12"));
        assert!(!is_negative_int("-ab"));
    }
}
