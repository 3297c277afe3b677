//! Alembic's `_iterate_related_revisions`, step for step: a depth-first walk
//! with an explicit stack, starting points drained one after the other,
//! neighbours pushed in order (so the last one is visited first) and revisions
//! already seen skipped. The exact order matters only for which missing name
//! Alembic trips over first; everything else uses the set of revisions reached.

/// What stops a walk the way a `KeyError` or "broken map" stops Alembic's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum WalkError {
    /// A name missing from the map (Python `KeyError`).
    Missing(String),
    /// A `down_revision` naming a branch label instead of an id.
    BrokenMap,
}

/// Walks from `starts`; `neighbours` fills the list for one revision or fails.
/// Returns the revisions reached (starts included), in visiting order.
pub(super) fn walk<F>(
    n: usize,
    starts: &[usize],
    mut neighbours: F,
) -> Result<Vec<usize>, WalkError>
where
    F: FnMut(usize, &mut Vec<usize>) -> Result<(), WalkError>,
{
    let mut seen = vec![false; n];
    let mut order = Vec::new();
    let mut stack = Vec::new();
    let mut buf = Vec::new();
    for &start in starts {
        stack.push(start);
        while let Some(rev) = stack.pop() {
            if seen[rev] {
                continue;
            }
            seen[rev] = true;
            buf.clear();
            neighbours(rev, &mut buf)?;
            stack.extend_from_slice(&buf);
            order.push(rev);
        }
    }
    Ok(order)
}

/// Like [`walk`] for neighbours that can never fail; returns a membership mask.
pub(super) fn reach<F>(n: usize, starts: &[usize], mut neighbours: F) -> Vec<bool>
where
    F: FnMut(usize, &mut Vec<usize>),
{
    let mut seen = vec![false; n];
    let mut stack: Vec<usize> = starts.to_vec();
    let mut buf = Vec::new();
    while let Some(rev) = stack.pop() {
        if seen[rev] {
            continue;
        }
        seen[rev] = true;
        buf.clear();
        neighbours(rev, &mut buf);
        stack.extend(buf.iter().copied().filter(|&next| !seen[next]));
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visits_last_pushed_neighbour_first() {
        // 0 -> [1, 2], 2 -> [3]
        let adj = [vec![1, 2], vec![], vec![3], vec![]];
        let order = walk(4, &[0], |r, out| {
            out.extend_from_slice(&adj[r]);
            Ok(())
        });
        assert_eq!(order, Ok(vec![0, 2, 3, 1]));
    }

    #[test]
    fn stops_at_first_missing_name() {
        let result = walk(2, &[0, 1], |r, _| {
            if r == 1 {
                Err(WalkError::Missing("x".into()))
            } else {
                Ok(())
            }
        });
        assert_eq!(result, Err(WalkError::Missing("x".into())));
    }

    #[test]
    fn reach_handles_cycles() {
        let adj = [vec![1], vec![0], vec![]];
        let seen = reach(3, &[0], |r, out| out.extend_from_slice(&adj[r]));
        assert_eq!(seen, vec![true, true, false]);
    }
}
