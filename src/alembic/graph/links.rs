//! The links between revisions as Alembic's `_revision_map` wires them:
//! `down_revision` and `depends_on` resolved through the map, the child sets
//! (`nextrev`, `_all_nextrev`) filled by its build loop, and the heads and bases
//! that loop leaves behind. Names that do not resolve are kept as `None` so the
//! rest of the graph still works; `load` reports what Alembic does with them.

use rustc_hash::FxHashSet as HashSet;

use super::flat::FlatLists;
use super::names::Names;
use super::Node;

/// One entry of `_all_down_revisions`: where it points and, when it comes from
/// `down_revision`, its position there (`None` for a `depends_on` entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Link {
    pub(super) target: Option<usize>,
    pub(super) down_pos: Option<usize>,
}

/// Per revision (indexed like the input), the resolved links. Each kind is
/// one flat list of lists: a history has tens of thousands of short ones.
#[derive(Debug, Clone, Default)]
pub(super) struct Links {
    /// `down_revision` entries in file order, duplicates kept, through the full map.
    pub(super) down: FlatLists<Option<usize>>,
    /// `_resolved_dependencies`: the kept copy of each `depends_on` target.
    pub(super) resolved: FlatLists<usize>,
    /// `_all_down_revisions`: `down_revision` then resolved dependencies, deduplicated by name.
    pub(super) all_down: FlatLists<Link>,
    /// `_normalized_down_revisions`, filled in by `normalize`.
    pub(super) norm_down: FlatLists<Option<usize>>,
    /// `nextrev`: children through `down_revision`, as kept copies.
    pub(super) next: FlatLists<usize>,
    /// `_all_nextrev`: children through `down_revision` or `depends_on`.
    pub(super) all_next: FlatLists<usize>,
    /// Revisions Alembic's build loop walks: kept copies in map order, then label owners.
    pub(super) processed: Vec<usize>,
    pub(super) heads: Vec<usize>,
    pub(super) real_heads: Vec<usize>,
    pub(super) bases: Vec<usize>,
    pub(super) real_bases: Vec<usize>,
}

impl Links {
    /// True when no `depends_on` resolves: every walk "with dependencies"
    /// then follows exactly the links of the walk without them.
    pub(super) fn without_dependencies(&self) -> bool {
        self.resolved.items().is_empty()
            && self.heads == self.real_heads
            && self.bases == self.real_bases
            && self.next == self.all_next
    }

    pub(super) fn new(nodes: &[Node], names: &Names) -> Links {
        let n = nodes.len();
        let down = FlatLists::from_fn(n, |i, out| {
            out.extend(nodes[i].down_revisions.iter().map(|s| names.full(s)));
        });
        let resolved = FlatLists::from_fn(n, |i, out| {
            out.extend(
                nodes[i]
                    .depends_on
                    .iter()
                    .filter_map(|d| names.full(d))
                    .map(|target| names.vertex(target)),
            );
        });
        let mut seen = NameSet::default();
        let all_down = FlatLists::from_fn(n, |i, out| {
            seen.clear();
            for (pos, name) in nodes[i].down_revisions.iter().enumerate() {
                if seen.insert(name) {
                    out.push(Link {
                        target: down[i][pos],
                        down_pos: Some(pos),
                    });
                }
            }
            for &dep in &resolved[i] {
                if seen.insert(nodes[dep].id.as_str()) {
                    out.push(Link {
                        target: Some(dep),
                        down_pos: None,
                    });
                }
            }
        });
        let mut links = Links {
            down,
            resolved,
            all_down,
            ..Links::default()
        };
        links.processed = processed_order(names);
        links.wire(nodes, names);
        links
    }

    /// Alembic's build loop: every map value adds itself to the child sets of
    /// what it points at and takes those out of the heads.
    fn wire(&mut self, nodes: &[Node], names: &Names) {
        let n = nodes.len();
        let mut is_head = vec![true; n];
        let mut is_real_head = vec![true; n];
        let mut next = Vec::new();
        let mut all_next = Vec::new();
        for &child in &self.processed {
            let child_vertex = names.vertex(child);
            let down_names = &nodes[child].down_revisions;
            let down_set: Option<HashSet<&str>> =
                (down_names.len() > 16).then(|| down_names.iter().map(String::as_str).collect());
            for link in &self.all_down[child] {
                let Some(parent) = link.target else { continue };
                all_next.push((parent, child_vertex));
                if let Some(pos) = link.down_pos {
                    let parent_id = nodes[parent].id.as_str();
                    let listed = down_names[pos] == parent_id
                        || match &down_set {
                            Some(set) => set.contains(parent_id),
                            None => down_names.iter().any(|d| d == parent_id),
                        };
                    if listed {
                        next.push((parent, child_vertex));
                    }
                    is_head[parent] = false;
                }
                is_real_head[parent] = false;
            }
        }
        let children = |pairs: Vec<(usize, usize)>| {
            let mut sizes = vec![0usize; n];
            for &(parent, _) in &pairs {
                sizes[parent] += 1;
            }
            let mut lists = FlatLists::scatter(&sizes, pairs, 0);
            lists.edit_each(|list| {
                list.sort_unstable_by_key(|&v| names.rank[v]);
                list.dedup();
            });
            lists
        };
        self.next = children(next);
        self.all_next = children(all_next);
        self.heads = (0..n).filter(|&i| is_head[i]).collect();
        self.real_heads = (0..n).filter(|&i| is_real_head[i]).collect();
        self.bases = (0..n)
            .filter(|&i| nodes[i].down_revisions.is_empty())
            .collect();
        self.real_bases = (0..n)
            .filter(|&i| nodes[i].down_revisions.is_empty() && nodes[i].depends_on.is_empty())
            .collect();
    }

    /// The parents of a kept copy in the graph Alembic orders: its normalized
    /// down revisions, as kept copies, without repeats or unresolved names.
    pub(super) fn order_parents(&self, names: &Names, vertex: usize) -> Vec<usize> {
        let mut out: Vec<usize> = self.norm_down[vertex]
            .iter()
            .flatten()
            .map(|&target| names.vertex(target))
            .collect();
        dedup_keep_order(&mut out);
        out
    }
}

/// The values of Alembic's map in iteration order: every kept copy in key order,
/// then the owners of branch labels (an owner shadowed by a later copy of its id
/// is only reachable this way).
fn processed_order(names: &Names) -> Vec<usize> {
    let mut out = names.key_order.clone();
    let mut extra: Vec<usize> = names
        .label_keys
        .iter()
        .map(|(_, owner)| *owner)
        .filter(|&owner| !names.is_vertex(owner))
        .collect();
    let mut seen = HashSet::default();
    extra.retain(|o| seen.insert(*o));
    out.extend(extra);
    out
}

/// The names one revision's links were deduplicated on: a scan of a short
/// list for the usual one or two names (no hashing, no allocation once
/// warm), a hash set past 16. Cleared and reused from revision to revision.
#[derive(Debug, Default)]
pub(super) struct NameSet<'a> {
    small: Vec<&'a str>,
    large: Option<HashSet<&'a str>>,
}

impl<'a> NameSet<'a> {
    pub(super) fn clear(&mut self) {
        self.small.clear();
        self.large = None;
    }

    /// Adds `name`; false when it was already there.
    pub(super) fn insert(&mut self, name: &'a str) -> bool {
        if let Some(large) = &mut self.large {
            return large.insert(name);
        }
        if self.small.contains(&name) {
            return false;
        }
        if self.small.len() < 16 {
            self.small.push(name);
        } else {
            let mut large: HashSet<&'a str> = self.small.drain(..).collect();
            large.insert(name);
            self.large = Some(large);
        }
        true
    }
}

/// Removes repeated entries, keeping the first of each, in linear time.
pub(super) fn dedup_keep_order(items: &mut Vec<usize>) {
    if items.len() <= 16 {
        let mut kept = 0;
        for i in 0..items.len() {
            if !items[..kept].contains(&items[i]) {
                items[kept] = items[i];
                kept += 1;
            }
        }
        items.truncate(kept);
    } else {
        let mut seen = HashSet::with_capacity_and_hasher(items.len(), Default::default());
        items.retain(|item| seen.insert(*item));
    }
}
