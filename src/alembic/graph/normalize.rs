//! `_normalize_depends_on`: a `depends_on` entry is dropped when a revision
//! further down the `down_revision` chain already depends on the same target.
//! Alembic walks the ancestors of every revision that has dependencies; here the
//! targets are numbered and carried down the graph as 64-bit masks, one linear
//! pass per 64 distinct targets, over strongly connected components so that a
//! cycle (which Alembic may accept) is handled like Alembic's walk handles it.

use rustc_hash::FxHashMap as HashMap;

use super::flat::FlatLists;
use super::links::{dedup_keep_order, Links, NameSet};
use super::scc;
use super::Node;

/// Fills `links.norm_down` (`_normalized_down_revisions`) for every revision.
pub(super) fn apply(nodes: &[Node], links: &mut Links) {
    let normalized = normalized_dependencies(links);
    let mut seen = NameSet::default();
    let down = &links.down;
    links.norm_down = FlatLists::from_fn(nodes.len(), |i, out| {
        seen.clear();
        for (pos, name) in nodes[i].down_revisions.iter().enumerate() {
            if seen.insert(name) {
                out.push(down[i][pos]);
            }
        }
        for &dep in &normalized[i] {
            if seen.insert(nodes[dep].id.as_str()) {
                out.push(Some(dep));
            }
        }
    });
}

/// `_normalized_resolved_dependencies` of every revision, each in the order the
/// file lists them (Alembic keeps them in a set, so its order is arbitrary).
fn normalized_dependencies(links: &Links) -> Vec<Vec<usize>> {
    let n = links.resolved.len();
    let mut bit_of: HashMap<usize, usize> = HashMap::default();
    for deps in links.resolved.iter() {
        for &dep in deps {
            let next = bit_of.len();
            bit_of.entry(dep).or_insert(next);
        }
    }
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    if bit_of.is_empty() {
        return out;
    }
    let parents: Vec<Vec<usize>> = links
        .down
        .iter()
        .map(|targets| targets.iter().flatten().copied().collect())
        .collect();
    let components = scc::components_of(&parents);
    let mut component_of = vec![0usize; n];
    for (c, members) in components.iter().enumerate() {
        for &m in members {
            component_of[m] = c;
        }
    }
    let chunks = bit_of.len().div_ceil(64);
    let mut own = vec![0u64; n];
    let mut inherited = vec![0u64; n];
    let mut including = vec![0u64; components.len()];
    let mut dropped: Vec<Vec<bool>> = links
        .resolved
        .iter()
        .map(|d| vec![false; d.len()])
        .collect();
    for chunk in 0..chunks {
        let low = chunk * 64;
        for (i, deps) in links.resolved.iter().enumerate() {
            own[i] = deps.iter().fold(0u64, |mask, dep| {
                let bit = bit_of[dep];
                if (low..low + 64).contains(&bit) {
                    mask | (1u64 << (bit - low))
                } else {
                    mask
                }
            });
        }
        for (c, members) in components.iter().enumerate() {
            let mut above = 0u64;
            for &m in members {
                for &p in &parents[m] {
                    if component_of[p] != c {
                        above |= including[component_of[p]];
                    }
                }
            }
            let (mut any, mut repeated) = (0u64, 0u64);
            for &m in members {
                repeated |= any & own[m];
                any |= own[m];
            }
            for &m in members {
                // Alembic skips the revision itself, not its id: other members of
                // a cycle count, the revision's own entries do not.
                inherited[m] = if members.len() == 1 {
                    above
                } else {
                    above | (any & !own[m]) | (repeated & own[m])
                };
            }
            including[c] = above | any;
        }
        for (i, deps) in links.resolved.iter().enumerate() {
            for (k, dep) in deps.iter().enumerate() {
                let bit = bit_of[dep];
                if (low..low + 64).contains(&bit) && inherited[i] & (1u64 << (bit - low)) != 0 {
                    dropped[i][k] = true;
                }
            }
        }
    }
    for (i, deps) in links.resolved.iter().enumerate() {
        out[i] = deps
            .iter()
            .zip(&dropped[i])
            .filter(|(_, &gone)| !gone)
            .map(|(&dep, _)| dep)
            .collect();
        dedup_keep_order(&mut out[i]);
    }
    out
}
