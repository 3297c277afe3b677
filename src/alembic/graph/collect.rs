//! Alembic's `_collect_upgrade_revisions`: which revisions lie between a lower
//! and an upper revision, with the overlap checks Alembic's ancestor walks make
//! (`check=True`), for `alembic history -r lower:upper` and `alembic upgrade`.

use std::sync::LazyLock;

use regex::Regex;

use super::{ResolveError, RevisionGraph};

/// Alembic's `_relative_destination`, matched at the start like `re.match`.
static RELATIVE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^(?:(.+?)@)?(\w+)?([+-]\d+)").ok());

/// One end of a range: a revision spec, or the revisions stamped in a
/// database (Alembic passes those as a tuple, which is never read as a
/// relative spec or a `branch@` lower end).
#[derive(Debug, Clone, Copy)]
pub enum Endpoint<'a> {
    Spec(&'a str),
    Current(&'a [&'a str]),
}

impl Endpoint<'_> {
    /// As Alembic names it in `RangeNotAncestorError`.
    fn describe(self) -> String {
        match self {
            Endpoint::Spec(spec) => spec.to_string(),
            Endpoint::Current(ids) => ids.join(", "),
        }
    }
}

impl RevisionGraph {
    /// The revisions to visit (a mask over input positions) and the targets.
    pub(super) fn collect_upgrade(
        &self,
        upper: Endpoint<'_>,
        lower: Endpoint<'_>,
        inclusive: bool,
        implicit_base: bool,
    ) -> Result<(Vec<bool>, Vec<usize>), ResolveError> {
        if let Endpoint::Spec(upper) = upper {
            if RELATIVE.as_ref().is_some_and(|re| re.is_match(upper)) {
                return Err(ResolveError::Relative {
                    spec: upper.to_string(),
                });
            }
        }
        let mut targets = self.get_all(upper)?;
        if let Endpoint::Spec(spec) = lower {
            if let Some((branch, _)) = spec.split_once('@') {
                let mut branch = branch.to_string();
                if let Some(rev) = self.get_revision(&branch)? {
                    if self.nodes[rev].id == branch {
                        let labels = &self.labels[rev];
                        let [only] = &labels[..] else {
                            return Err(ResolveError::Assertion {
                                what: format!(
                                    "revision {branch} used as a branch name carries {} branch labels, not one",
                                    labels.len()
                                ),
                            });
                        };
                        branch = only.clone();
                    }
                }
                targets.retain(|&t| self.labels[t].contains(&branch));
                let mut seen = vec![false; self.nodes.len()];
                targets.retain(|&t| !std::mem::replace(&mut seen[t], true));
            }
        }
        let mut required = self.walk_checked(&targets, true)?;
        for &t in &targets {
            required[t] = true;
        }
        let current = self.get_all(lower)?;
        if !implicit_base && current.iter().any(|&c| !required[c]) {
            return Err(ResolveError::RangeNotAncestor {
                lower: lower.describe(),
                upper: upper.describe(),
            });
        }
        let mut done = self.walk_checked(&current, true)?;
        for &c in &current {
            done[c] = true;
        }
        let mut needs: Vec<bool> = required.iter().zip(&done).map(|(&r, &d)| r && !d).collect();
        if inclusive {
            for &c in &current {
                needs[c] = true;
            }
        }
        if !current.is_empty() && !implicit_base {
            let below = self.walk_checked(&current, false)?;
            for (need, &b) in needs.iter_mut().zip(&below) {
                *need &= b;
            }
        }
        Ok((needs, targets))
    }

    /// `get_revisions` of a spec, or of each stamped revision in turn.
    fn get_all(&self, endpoint: Endpoint<'_>) -> Result<Vec<usize>, ResolveError> {
        match endpoint {
            Endpoint::Spec(spec) => self.get_revisions(spec),
            Endpoint::Current(ids) => {
                let mut out = Vec::new();
                for id in ids {
                    out.extend(self.get_revisions(id)?);
                }
                Ok(out)
            }
        }
    }

    /// `_get_ancestor_nodes(..., check=True)` (or descendants when `ancestors`
    /// is false): the revisions reached, failing when one start reaches another
    /// start it was not already known to cover.
    fn walk_checked(&self, starts: &[usize], ancestors: bool) -> Result<Vec<bool>, ResolveError> {
        let n = self.nodes.len();
        let mut is_start = vec![false; n];
        for &s in starts {
            is_start[s] = true;
        }
        let mut seen = vec![false; n];
        let mut reported = vec![usize::MAX; n];
        let mut stack = Vec::new();
        for (turn, &start) in starts.iter().enumerate() {
            let mut overlaps: Vec<usize> = Vec::new();
            stack.push(start);
            while let Some(rev) = stack.pop() {
                if is_start[rev] && rev != start && reported[rev] != turn {
                    reported[rev] = turn;
                    overlaps.push(rev);
                }
                if seen[rev] {
                    continue;
                }
                seen[rev] = true;
                if ancestors {
                    stack.extend(self.links.norm_down[rev].iter().flatten());
                } else {
                    stack.extend(self.links.next[rev].iter());
                }
            }
            if !overlaps.is_empty() {
                return Err(ResolveError::Overlap {
                    revision: self.nodes[start].id.clone(),
                    others: overlaps.iter().map(|&o| self.nodes[o].id.clone()).collect(),
                });
            }
        }
        Ok(seen)
    }

    /// The order of `iterate_revisions(upper, lower, ...)`, heads first.
    pub(super) fn iterate_between(
        &self,
        upper: Endpoint<'_>,
        lower: Endpoint<'_>,
        inclusive: bool,
        implicit_base: bool,
    ) -> Result<Vec<usize>, ResolveError> {
        let (needs, targets) = self.collect_upgrade(upper, lower, inclusive, implicit_base)?;
        let mut todo = vec![false; self.nodes.len()];
        for (o, &need) in needs.iter().enumerate() {
            if need {
                todo[self.names.vertex(o)] = true;
            }
        }
        let heads: Vec<usize> = targets.iter().map(|&t| self.names.vertex(t)).collect();
        self.topological_sort(todo, &heads)
    }
}
