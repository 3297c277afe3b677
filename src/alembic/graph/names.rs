//! Names as Alembic's revision map resolves them: one map from revision ids and
//! branch labels to revisions, where a repeated id keeps its first position in
//! the map but points at its last copy, and labels come after every id.

use rustc_hash::FxHashMap as HashMap;

use super::Node;

/// The keys of Alembic's `_revision_map` and what they point at.
#[derive(Debug, Clone)]
pub(super) struct Names {
    /// Each distinct id and its position in `key_order`.
    ids: HashMap<String, usize>,
    labels: HashMap<String, usize>,
    /// The revision each distinct id points at (its last copy), in the order the
    /// ids first appear: Alembic's map key order, which orders heads everywhere.
    pub(super) key_order: Vec<usize>,
    /// First copy of each id, aligned with `key_order`.
    pub(super) first_copy: Vec<usize>,
    /// For every input revision, the position of its id in `key_order`.
    pub(super) rank: Vec<usize>,
    /// Branch labels in the order they enter the map, with the revision that
    /// declares them. A label that repeats or equals an id keeps its first owner.
    pub(super) label_keys: Vec<(String, usize)>,
}

impl Names {
    pub(super) fn new(nodes: &[Node]) -> Names {
        let mut ids: HashMap<String, usize> =
            HashMap::with_capacity_and_hasher(nodes.len(), Default::default());
        let mut key_order: Vec<usize> = Vec::with_capacity(nodes.len());
        let mut first_copy = Vec::with_capacity(nodes.len());
        let mut rank = Vec::with_capacity(nodes.len());
        for (i, node) in nodes.iter().enumerate() {
            let position = match ids.get(node.id.as_str()) {
                Some(&position) => {
                    // A later copy takes the key over, in place.
                    key_order[position] = i;
                    position
                }
                None => {
                    let position = key_order.len();
                    ids.insert(node.id.clone(), position);
                    key_order.push(i);
                    first_copy.push(i);
                    position
                }
            };
            rank.push(position);
        }
        let mut labels: HashMap<String, usize> = HashMap::default();
        let mut label_keys = Vec::new();
        for (i, node) in nodes.iter().enumerate() {
            for label in &node.branch_labels {
                if ids.contains_key(label.as_str()) || labels.contains_key(label.as_str()) {
                    continue;
                }
                labels.insert(label.clone(), i);
                label_keys.push((label.clone(), i));
            }
        }
        Names {
            ids,
            labels,
            key_order,
            first_copy,
            rank,
            label_keys,
        }
    }

    /// The revision an id points at (the last copy of a repeated id).
    pub(super) fn id(&self, name: &str) -> Option<usize> {
        self.ids.get(name).map(|&position| self.key_order[position])
    }

    /// The revision a name points at in Alembic's full map: ids first, then labels.
    pub(super) fn full(&self, name: &str) -> Option<usize> {
        self.id(name).or_else(|| self.labels.get(name).copied())
    }

    /// The revision Alembic reaches from `node`'s id: its last copy.
    pub(super) fn vertex(&self, node: usize) -> usize {
        self.key_order[self.rank[node]]
    }

    /// Whether `node` is the copy Alembic keeps for its id.
    pub(super) fn is_vertex(&self, node: usize) -> bool {
        self.vertex(node) == node
    }
}
