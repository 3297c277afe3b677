//! Alembic's `_topological_sort`, which fixes the order of `alembic history`
//! and of `alembic upgrade`. Alembic keeps a list of current heads and a cursor.
//! The revision under the cursor is emitted unless it is an ancestor of another
//! head in the list; then the cursor jumps to the first such head. An emitted
//! revision is replaced in place by its first normalized parent still to do
//! (further parents go to the end of the list); with none left, its entry is
//! dropped and the cursor steps back one place.
//!
//! Alembic recomputes full ancestor sets for this; here the "first head that
//! descends from the candidate" question goes to `reach`, and the list is a
//! map from stable keys (entries never move relative to each other, new ones
//! are appended) to revisions.
//!
//! Each step is `O(log n)` plus the cost of the reachability question. In an
//! acyclic graph every jump lands on a strict descendant, so between two
//! emissions the cursor jumps fewer times than there are heads in the list;
//! more jumps than that means the cursor is going round a cycle, where Alembic
//! loops forever, and migcheck reports [`ResolveError::NeverTerminates`].

use std::collections::BTreeMap;

use super::reach::{Waiting, NONE};
use super::walk::reach;
use super::{ResolveError, RevisionGraph};

impl RevisionGraph {
    /// Orders `todo` (kept copies) from `heads` down, as Alembic does.
    pub(super) fn topological_sort(
        &self,
        mut todo: Vec<bool>,
        heads: &[usize],
    ) -> Result<Vec<usize>, ResolveError> {
        let names = &self.names;
        let mut remaining = todo.iter().filter(|&&t| t).count();
        let mut initial: Vec<usize> = heads.iter().copied().filter(|&h| todo[h]).collect();
        initial.sort_unstable_by_key(|&h| names.rank[h]);
        initial.dedup();
        let relevant = reach(todo.len(), &todo_list(&todo), |v, out| {
            out.extend(self.links.order_parents(names, v));
        });
        let mut waiting = Waiting::new(self.reach_index(), &relevant);
        let mut key_of = vec![NONE; todo.len()];
        let mut list: BTreeMap<u64, usize> = BTreeMap::new();
        for (k, &h) in initial.iter().enumerate() {
            let key = k as u64;
            list.insert(key, h);
            key_of[h] = key;
            waiting.set(h, key);
        }
        let mut next_key = initial.len() as u64;
        let mut cursor = 0u64;
        let mut jumps = 0usize;
        let mut out = Vec::with_capacity(remaining);
        while let Some(&candidate) = list.get(&cursor) {
            if let Some(key) = waiting.first_descendant(candidate) {
                jumps += 1;
                if jumps > list.len() {
                    return Err(ResolveError::NeverTerminates {
                        revision: self.nodes[candidate].id.clone(),
                    });
                }
                cursor = key;
                continue;
            }
            jumps = 0;
            if todo[candidate] {
                out.push(candidate);
                todo[candidate] = false;
                remaining -= 1;
            }
            let add: Vec<usize> = self
                .links
                .order_parents(names, candidate)
                .into_iter()
                .filter(|&p| todo[p] && key_of[p] == NONE)
                .collect();
            key_of[candidate] = NONE;
            waiting.set(candidate, NONE);
            waiting.emitted(candidate);
            match add.split_first() {
                None => {
                    list.remove(&cursor);
                    let previous = list.range(..cursor).next_back().map(|(&k, _)| k);
                    match previous.or_else(|| list.keys().next().copied()) {
                        Some(key) => cursor = key,
                        None => break,
                    }
                }
                Some((&first, rest)) => {
                    list.insert(cursor, first);
                    key_of[first] = cursor;
                    waiting.set(first, cursor);
                    for &p in rest {
                        list.insert(next_key, p);
                        key_of[p] = next_key;
                        waiting.set(p, next_key);
                        next_key += 1;
                    }
                }
            }
        }
        if remaining > 0 {
            return Err(ResolveError::Incomplete { left: remaining });
        }
        Ok(out)
    }
}

fn todo_list(todo: &[bool]) -> Vec<usize> {
    todo.iter()
        .enumerate()
        .filter(|(_, &t)| t)
        .map(|(i, _)| i)
        .collect()
}
