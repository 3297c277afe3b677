//! Branch labels after Alembic's `_add_branches`. A label is copied to every
//! descendant of its revision (through `down_revision` only). Alembic then walks
//! up from the *last* descendant its depth-first walk yields, labelling until a
//! branch point (counting `depends_on` children) or a merge point. That walk only
//! reaches past the labelled revision when everything below it is one straight
//! line; then the label also covers the plain line of ancestors above it, up to
//! the nearest branch or merge point. The result does not depend on the order
//! Alembic happens to visit labelled revisions in (it iterates a Python set),
//! with one exception: a shadowed copy of a duplicate id that declares labels.
//! Its upward walk labels ancestors whose real children belong to the kept
//! copy, and whether those labels then flow down the kept copy's line depends
//! on the visiting order. migcheck gives Alembic's answer for the order that
//! visits shadowed copies last (their labels reach only themselves and the
//! plain line above them).

use std::collections::VecDeque;

use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

use super::flat::FlatLists;
use super::links::Links;
use super::scc;
use super::Node;

/// The effective labels of every revision, sorted.
pub(super) fn effective(nodes: &[Node], links: &Links) -> Vec<Arc<[String]>> {
    let n = nodes.len();
    let mut table: Vec<&str> = Vec::new();
    let mut code: HashMap<&str, u32> = HashMap::default();
    let own: Vec<Vec<u32>> = nodes
        .iter()
        .map(|node| {
            let mut set: Vec<u32> = node
                .branch_labels
                .iter()
                .map(|label| {
                    *code.entry(label.as_str()).or_insert_with(|| {
                        table.push(label.as_str());
                        (table.len() - 1) as u32
                    })
                })
                .collect();
            set.sort_unstable();
            set.dedup();
            set
        })
        .collect();
    if table.is_empty() {
        let empty: Arc<[String]> = Arc::from(Vec::new());
        return vec![empty; n];
    }
    let components = scc::components(n, |v| &links.next[v]);
    let down = propagate_down(&own, links, &components);
    let up = propagate_up(nodes, &own, links, &components);
    let mut interned: HashMap<Vec<u32>, Arc<[String]>> = HashMap::default();
    (0..n)
        .map(|i| {
            let set = union(&down[i], &up[i]);
            interned
                .entry(set)
                .or_insert_with_key(|set| {
                    let mut names: Vec<String> =
                        set.iter().map(|&c| table[c as usize].to_string()).collect();
                    names.sort_unstable();
                    Arc::from(names)
                })
                .clone()
        })
        .collect()
}

/// Labels of every revision's `down_revision` ancestors (and its own).
fn propagate_down(own: &[Vec<u32>], links: &Links, components: &FlatLists) -> Vec<Vec<u32>> {
    let n = own.len();
    let mut parents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (p, children) in links.next.iter().enumerate() {
        for &c in children {
            parents[c].push(p);
        }
    }
    let mut component_of = vec![0usize; n];
    for (c, members) in components.iter().enumerate() {
        for &m in members {
            component_of[m] = c;
        }
    }
    let mut acc: Vec<Vec<u32>> = vec![Vec::new(); n];
    // Components come out children first; go parents first.
    for (c, members) in components.iter().enumerate().rev() {
        let mut set: Vec<u32> = Vec::new();
        for &m in members {
            set = union(&set, &own[m]);
            for &p in &parents[m] {
                if component_of[p] != c {
                    set = union(&set, &acc[p]);
                }
            }
        }
        for &m in members {
            acc[m] = set.clone();
        }
    }
    acc
}

/// Labels added by the upward walk.
fn propagate_up(
    nodes: &[Node],
    own: &[Vec<u32>],
    links: &Links,
    components: &FlatLists,
) -> Vec<Vec<u32>> {
    let n = nodes.len();
    let plain = |p: usize| links.all_next[p].len() <= 1 && nodes[p].down_revisions.len() <= 1;
    // straight[x]: x and everything below it form one line of plain revisions.
    let mut straight = vec![false; n];
    for members in components.iter() {
        if let [x] = members[..] {
            straight[x] = plain(x) && links.next[x].iter().all(|&c| c != x && straight[c]);
        }
    }
    let single_parent = |p: usize| -> Option<usize> {
        match links.down[p][..] {
            [Some(q)] => Some(q),
            _ => None,
        }
    };
    let mut pending: Vec<Vec<u32>> = vec![Vec::new(); n];
    for r in 0..n {
        if !own[r].is_empty() && straight[r] {
            if let Some(q) = single_parent(r) {
                pending[q] = union(&pending[q], &own[r]);
            }
        }
    }
    // Carry pending labels up through plain revisions, children before parents.
    let mut indegree = vec![0usize; n];
    for p in 0..n {
        if plain(p) {
            if let Some(q) = single_parent(p) {
                indegree[q] += 1;
            }
        }
    }
    let mut queue: VecDeque<usize> = (0..n).filter(|&p| indegree[p] == 0).collect();
    let mut up: Vec<Vec<u32>> = vec![Vec::new(); n];
    while let Some(p) = queue.pop_front() {
        if !plain(p) {
            continue;
        }
        let carried = std::mem::take(&mut pending[p]);
        if let Some(q) = single_parent(p) {
            if !carried.is_empty() {
                pending[q] = union(&pending[q], &carried);
            }
            indegree[q] -= 1;
            if indegree[q] == 0 {
                queue.push_back(q);
            }
        }
        up[p] = carried;
    }
    up
}

/// Union of two sorted, duplicate-free sets.
fn union(a: &[u32], b: &[u32]) -> Vec<u32> {
    if b.is_empty() {
        return a.to_vec();
    }
    if a.is_empty() {
        return b.to_vec();
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}
