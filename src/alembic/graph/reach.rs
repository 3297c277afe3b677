//! "Is this revision an ancestor of another head?" asked thousands of times while
//! ordering revisions, answered without Alembic's per-head ancestor sets.
//!
//! The revisions are numbered by a depth-first forest over their children, so a
//! revision's descendants are its subtree (one interval of numbers) plus the
//! subtrees behind the few links the forest did not use (the second parent of a
//! merge, a dependency). The revisions currently waiting to be emitted sit in a
//! segment tree keyed by their position in Alembic's list of heads; the first
//! waiting descendant is a few range-minimum queries. On a tree that is
//! O(log n) per question; each extra link under the revision adds one more
//! interval, but only links into revisions still to be emitted count: in an
//! acyclic graph no waiting head ever appears below a revision once it is
//! emitted (it would have had to wait for that head), so links into emitted
//! revisions are dropped, as are links into revisions that lead to nothing
//! left to do.

use std::collections::{BTreeMap, BTreeSet};

/// The fixed numbering of one graph.
#[derive(Debug, Clone)]
pub(super) struct ReachIndex {
    /// Position of each revision in the forest (`u32::MAX` when not in the graph).
    tin: Vec<u32>,
    /// Last position inside each revision's subtree.
    tout: Vec<u32>,
    /// Links outside the forest as (position of the parent, child), by position.
    cross: Vec<(u32, usize)>,
    /// For each child, the positions of the parents of its links outside the forest.
    cross_into: Vec<Vec<u32>>,
    /// No cycle among the numbered revisions.
    acyclic: bool,
    size: usize,
}

impl ReachIndex {
    /// `children[v]` lists the children of `v`; `roots` are tried first, in order,
    /// then every other member of `members` not yet numbered (revisions on cycles).
    pub(super) fn new(
        children: &[Vec<usize>],
        roots: &[usize],
        members: &[usize],
        acyclic: bool,
    ) -> ReachIndex {
        let n = children.len();
        let mut tin = vec![u32::MAX; n];
        let mut tout = vec![u32::MAX; n];
        let mut tree_parent = vec![usize::MAX; n];
        let mut counter: u32 = 0;
        let mut calls: Vec<(usize, usize)> = Vec::new();
        for &root in roots.iter().chain(members) {
            if tin[root] != u32::MAX {
                continue;
            }
            tin[root] = counter;
            counter += 1;
            calls.push((root, 0));
            while let Some(frame) = calls.last_mut() {
                let (v, next) = *frame;
                if let Some(&w) = children[v].get(next) {
                    frame.1 += 1;
                    if tin[w] == u32::MAX {
                        tin[w] = counter;
                        counter += 1;
                        tree_parent[w] = v;
                        calls.push((w, 0));
                    }
                    continue;
                }
                tout[v] = counter - 1;
                calls.pop();
            }
        }
        let mut cross = Vec::new();
        for (v, kids) in children.iter().enumerate() {
            if tin[v] == u32::MAX {
                continue;
            }
            for &w in kids {
                if tree_parent[w] != v && w != v {
                    cross.push((tin[v], w));
                }
            }
        }
        cross.sort_unstable();
        cross.dedup();
        let mut cross_into = vec![Vec::new(); n];
        for &(p, w) in &cross {
            cross_into[w].push(p);
        }
        ReachIndex {
            tin,
            tout,
            cross,
            cross_into,
            acyclic,
            size: counter as usize,
        }
    }
}

/// The waiting revisions of one ordering, each with its key (its place in
/// Alembic's list of current heads).
pub(super) struct Waiting<'a> {
    index: &'a ReachIndex,
    width: usize,
    tree: Vec<u64>,
    /// Links outside the forest that can still lead to a waiting revision.
    live: BTreeSet<(u32, usize)>,
}

pub(super) const NONE: u64 = u64::MAX;

impl<'a> Waiting<'a> {
    /// `relevant[v]`: `v` can lead to a revision that may ever wait (an
    /// ancestor of something to do, or one itself).
    pub(super) fn new(index: &'a ReachIndex, relevant: &[bool]) -> Waiting<'a> {
        let width = index.size.max(1).next_power_of_two();
        let live = index
            .cross
            .iter()
            .copied()
            .filter(|&(_, child)| relevant.get(child).copied().unwrap_or(false))
            .collect();
        Waiting {
            index,
            width,
            tree: vec![NONE; 2 * width],
            live,
        }
    }

    /// Records that `v` was emitted: in an acyclic graph nothing below it can
    /// wait any more, so the links into it are dropped.
    pub(super) fn emitted(&mut self, v: usize) {
        if !self.index.acyclic {
            return;
        }
        if let Some(parents) = self.index.cross_into.get(v) {
            for &p in parents {
                self.live.remove(&(p, v));
            }
        }
    }

    fn live_within(&self, low: u32, high: u32) -> impl Iterator<Item = usize> + '_ {
        self.live
            .range((low, 0)..=(high, usize::MAX))
            .map(|&(_, child)| child)
    }

    /// Puts `v` in (with `key`) or takes it out (`NONE`).
    pub(super) fn set(&mut self, v: usize, key: u64) {
        let Some(&pos) = self.index.tin.get(v) else {
            return;
        };
        if pos == u32::MAX {
            return;
        }
        let mut i = pos as usize + self.width;
        self.tree[i] = key;
        while i > 1 {
            i /= 2;
            self.tree[i] = self.tree[2 * i].min(self.tree[2 * i + 1]);
        }
    }

    fn min(&self, low: u32, high: u32) -> u64 {
        let (mut l, mut r) = (low as usize + self.width, high as usize + self.width + 1);
        let mut best = NONE;
        while l < r {
            if l & 1 == 1 {
                best = best.min(self.tree[l]);
                l += 1;
            }
            if r & 1 == 1 {
                r -= 1;
                best = best.min(self.tree[r]);
            }
            l /= 2;
            r /= 2;
        }
        best
    }

    fn min_skipping(&self, low: u32, high: u32, skip: u32) -> u64 {
        if skip < low || skip > high {
            return self.min(low, high);
        }
        let mut best = NONE;
        if skip > low {
            best = best.min(self.min(low, skip - 1));
        }
        if skip < high {
            best = best.min(self.min(skip + 1, high));
        }
        best
    }

    /// The smallest key among waiting revisions that descend from `v`, other than
    /// `v` itself (which a cycle can make its own descendant).
    pub(super) fn first_descendant(&self, v: usize) -> Option<u64> {
        let index = self.index;
        let (low, high) = (index.tin[v], index.tout[v]);
        if low == u32::MAX {
            return None;
        }
        if self.live_within(low, high).next().is_none() {
            let best = self.min_skipping(low, high, low);
            return (best != NONE).then_some(best);
        }
        let mut covered: BTreeMap<u32, u32> = BTreeMap::new();
        let mut gaps: Vec<(u32, u32)> = Vec::new();
        cover(&mut covered, &mut gaps, low, high);
        let mut best = NONE;
        while let Some((a, b)) = gaps.pop() {
            best = best.min(self.min_skipping(a, b, low));
            for child in self.live_within(a, b) {
                cover(&mut covered, &mut gaps, index.tin[child], index.tout[child]);
            }
        }
        (best != NONE).then_some(best)
    }
}

/// Adds the subtree interval `[a, b]` to `covered` (disjoint, maximal; subtree
/// intervals nest or are disjoint) and queues the parts not covered before.
fn cover(covered: &mut BTreeMap<u32, u32>, gaps: &mut Vec<(u32, u32)>, a: u32, b: u32) {
    if let Some((_, &end)) = covered.range(..=a).next_back() {
        if end >= b {
            return;
        }
    }
    let inside: Vec<(u32, u32)> = covered.range(a..=b).map(|(&s, &e)| (s, e)).collect();
    let mut cursor = a;
    for (s, e) in inside {
        if s > cursor {
            gaps.push((cursor, s - 1));
        }
        cursor = e + 1;
        covered.remove(&s);
    }
    if cursor <= b {
        gaps.push((cursor, b));
    }
    covered.insert(a, b);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_descendant_behind_a_merge_link() {
        // 0 -> 1, 0 -> 2, 1 -> 3, 2 -> 3 (3 merges 1 and 2), 3 -> 4
        let children = vec![vec![1, 2], vec![3], vec![3], vec![4], vec![]];
        let index = ReachIndex::new(&children, &[0], &[0, 1, 2, 3, 4], true);
        let mut waiting = Waiting::new(&index, &[true; 5]);
        waiting.set(4, 7);
        assert_eq!(waiting.first_descendant(2), Some(7));
        assert_eq!(waiting.first_descendant(1), Some(7));
        assert_eq!(waiting.first_descendant(4), None);
        waiting.set(3, 2);
        assert_eq!(waiting.first_descendant(0), Some(2));
        waiting.set(3, NONE);
        waiting.set(4, NONE);
        assert_eq!(waiting.first_descendant(0), None);
    }

    #[test]
    fn skips_itself_on_a_cycle() {
        let children = vec![vec![1], vec![0]];
        let index = ReachIndex::new(&children, &[], &[0, 1], false);
        let mut waiting = Waiting::new(&index, &[true; 2]);
        waiting.set(0, 1);
        assert_eq!(waiting.first_descendant(0), None);
        waiting.set(1, 5);
        assert_eq!(waiting.first_descendant(0), Some(5));
        assert_eq!(waiting.first_descendant(1), Some(1));
    }
}
