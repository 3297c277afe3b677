//! The revision graph, built exactly as Alembic's `RevisionMap` builds it.
//!
//! Revisions come in the order Alembic loads them (file names sorted within the
//! versions folder); a revision's index is its position in that input. The
//! graph answers what `alembic heads`, `alembic history` and `alembic upgrade`
//! would print or do, and records every problem instead of stopping at the
//! first one. [`RevisionGraph::alembic_error`] says which exception loading
//! the map would actually end with.
//!
//! What Alembic 1.18 does with each broken case (read from
//! `alembic/script/revision.py` and checked by running it):
//!
//! * **Duplicate id**: warns `Revision X is present more than once` and goes
//!   on. The map keeps the *last* copy, at the position of the first. Every copy
//!   still counts for the heads and bases lists, and nothing can point at a
//!   shadowed copy, so it always stays a head: `alembic heads` prints the id
//!   twice and `alembic upgrade head` fails with `MultipleHeads`; if the kept
//!   copy has children, `alembic history` fails with `RevisionError: Requested
//!   revision <child> overlaps with other requested revisions X`.
//! * **`down_revision` naming no revision**: warns `Revision X referenced from
//!   ... is not present`, then fails with `KeyError: 'X'`. A `down_revision`
//!   naming a branch label fails too, without the warning: `KeyError` in
//!   `_detect_cycles`, or `RevisionError: Dependency resolution failed; broken
//!   map` when a revision with `depends_on` sits above it.
//! * **`depends_on` naming neither a revision nor a label**: `KeyError: 'X'`,
//!   no warning, raised before any `down_revision` is looked at.
//! * **Cycle**: Alembic only notices revisions cut off from every head or from
//!   every base: `CycleDetected: Cycle is detected in revisions (a, b)` lists
//!   all of them, sorted (the cycle and whatever hangs off it); with no head or
//!   no base left at all it lists every revision in map order. The same check
//!   with `depends_on` links gives `DependencyCycleDetected`. A cycle reachable
//!   both from a head and from a base is accepted silently, and ordering it can
//!   loop forever or fail an assertion.
//! * **Self-loop**: a file whose `down_revision` lists its own id fails as it is
//!   loaded, before anything else, with `LoopDetected: Self-loop is detected in
//!   revisions (X)`; in `depends_on`, `DependencyLoopDetected`. A loop through
//!   the revision's own branch label escapes that check and ends as a
//!   dependency cycle (`depends_on`) or a `KeyError` (`down_revision`).
//! * **Branch label clash** (a label used twice, even within one revision, or
//!   equal to a revision id): `RevisionError: Branch name 'L' in revision A
//!   already used by revision B`. Alembic visits labelled revisions in set
//!   order, so with several clashes the pair it names can change between runs.
//! * **Illegal characters** (`@ - + :`) in an id: `RevisionError:
//!   Character(s) '-' not allowed in revision identifier 'a-b'`.
//!
//! When loading fails, `alembic heads` prints that traceback and nothing else;
//! this graph still answers from the links that do resolve, so rules can say
//! more than the first error.
//!
//! Everything is linear or `n log n` in the number of revisions and links, with
//! no recursion: ordering costs `O(log n)` per step on tree-shaped histories,
//! plus one interval per merge or dependency link below the revision asked
//! about; normalizing dependencies is one pass per 64 distinct targets.

mod collect;
mod flags;
mod flat;
mod labels;
mod links;
mod load;
mod names;
mod normalize;
mod order;
mod problems;
mod reach;
mod resolve;
mod scc;
mod walk;

use std::sync::{Arc, OnceLock};

pub use collect::Endpoint;
pub use load::{LoadError, LoadErrorKind};

use links::Links;
use names::Names;
use reach::ReachIndex;

/// One revision file as the graph needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    pub id: String,
    /// `down_revision`, in file order; empty for a base.
    pub down_revisions: Vec<String>,
    /// `depends_on`: revision ids or branch labels.
    pub depends_on: Vec<String>,
    /// `branch_labels` as declared in the file.
    pub branch_labels: Vec<String>,
}

/// Something wrong with the graph. Indices are input positions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphProblem {
    /// Two files declare the same id. Alembic warns and keeps the last copy of
    /// all (the one [`RevisionGraph::index_of`] returns); `first` is the
    /// earliest copy, `second` a later one (one problem per later copy).
    DuplicateId {
        id: String,
        first: usize,
        second: usize,
    },
    /// A `down_revision` entry that is not a revision id (a branch label
    /// included): Alembic fails with `KeyError`.
    DanglingDownRevision { node: usize, target: String },
    /// A `depends_on` entry that is neither an id nor a branch label: `KeyError`.
    DanglingDependsOn { node: usize, target: String },
    /// Revisions that reach each other through `down_revision` (or, with
    /// `via_depends_on`, only once `depends_on` counts): exactly the members of
    /// one strongly connected component, sorted.
    Cycle {
        members: Vec<usize>,
        via_depends_on: bool,
    },
    /// A revision whose `down_revision` (or `depends_on`) names itself, by id
    /// or through one of its own branch labels.
    SelfLoop { node: usize, via_depends_on: bool },
    /// A branch label declared more than once, or equal to a revision id; the
    /// revisions declaring it and the one holding that id, sorted.
    BranchLabelConflict { label: String, nodes: Vec<usize> },
    /// An id containing `@`, `-`, `+` or `:`, which Alembic rejects.
    InvalidRevisionId { node: usize },
}

/// Why a revision spec or a range cannot be resolved, mirroring Alembic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// `MultipleHeads`: `head` (or `label@head`) with several heads.
    #[error("Multiple heads are present for given argument '{argument}'; {}", heads.join(", "))]
    MultipleHeads {
        argument: String,
        heads: Vec<String>,
    },
    /// `ResolutionError`: no such revision, an ambiguous prefix, no such
    /// branch, or a revision outside the branch asked for.
    #[error("{message}")]
    Resolution { argument: String, message: String },
    /// `RangeNotAncestorError`: the lower end is not below the upper one.
    #[error("Revision {lower} is not an ancestor of revision {upper}")]
    RangeNotAncestor { lower: String, upper: String },
    /// `RevisionError`: one requested revision lies below another.
    #[error("Requested revision {revision} overlaps with other requested revisions {}", others.join(", "))]
    Overlap {
        revision: String,
        others: Vec<String>,
    },
    /// A relative spec (`-1`, `+2`, `label@-1`), which migcheck does not follow.
    #[error("relative revision '{spec}' is not supported")]
    Relative { spec: String },
    /// One of Alembic's internal assertions fails (`AssertionError`).
    #[error("Alembic fails an internal assertion: {what}")]
    Assertion { what: String },
    /// Revisions left over when Alembic's ordering runs out of heads: it fails
    /// `assert not todo` (only possible around a cycle or a skewed range).
    #[error(
        "Alembic fails an internal assertion: {left} revisions were never reached while ordering"
    )]
    Incomplete { left: usize },
    /// Alembic's ordering would loop forever: it waits for a head that waits
    /// for it, which only a cycle Alembic did not detect can cause.
    #[error("Alembic would never finish ordering revisions: {revision} waits on a cycle")]
    NeverTerminates { revision: String },
}

impl ResolveError {
    /// What Alembic ends with: its exception class, or `hang` when it never
    /// returns, or `unsupported` when migcheck does not follow the spec.
    pub fn alembic_outcome(&self) -> &'static str {
        match self {
            ResolveError::MultipleHeads { .. } => "MultipleHeads",
            ResolveError::Resolution { .. } => "ResolutionError",
            ResolveError::RangeNotAncestor { .. } => "RangeNotAncestorError",
            ResolveError::Overlap { .. } => "RevisionError",
            ResolveError::Relative { .. } => "unsupported",
            ResolveError::Assertion { .. } | ResolveError::Incomplete { .. } => "AssertionError",
            ResolveError::NeverTerminates { .. } => "hang",
        }
    }
}

/// The revision graph of one migration folder.
#[derive(Debug)]
pub struct RevisionGraph {
    nodes: Vec<Node>,
    names: Names,
    links: Links,
    labels: Vec<Arc<[String]>>,
    /// Found when first asked for: listing heads needs only `load_error`.
    problems: OnceLock<Vec<GraphProblem>>,
    load_error: Option<LoadError>,
    reach: OnceLock<ReachIndex>,
}

#[cfg(test)]
impl RevisionGraph {
    /// A graph of `(id, down_revisions)` pairs, in file order.
    pub(crate) fn from_edges(edges: &[(&str, &[&str])]) -> RevisionGraph {
        RevisionGraph::build(
            edges
                .iter()
                .map(|(id, downs)| Node {
                    id: (*id).to_string(),
                    down_revisions: downs.iter().map(|d| (*d).to_string()).collect(),
                    ..Node::default()
                })
                .collect(),
        )
    }
}

impl RevisionGraph {
    /// Builds the graph. Never fails: problems are recorded (and found when
    /// [`RevisionGraph::problems`] is first called). Node indices are
    /// positions in `nodes`, which must be in Alembic's loading order.
    pub fn build(nodes: Vec<Node>) -> RevisionGraph {
        let names = Names::new(&nodes);
        let mut links = Links::new(&nodes, &names);
        normalize::apply(&nodes, &mut links);
        let labels = labels::effective(&nodes, &links);
        let load_error = load::first_error(&nodes, &names, &links);
        RevisionGraph {
            nodes,
            names,
            links,
            labels,
            problems: OnceLock::new(),
            load_error,
            reach: OnceLock::new(),
        }
    }

    /// Every problem found, in a stable order.
    pub fn problems(&self) -> &[GraphProblem] {
        self.problems
            .get_or_init(|| problems::find(&self.nodes, &self.names, &self.links))
    }

    /// The exception Alembic raises loading this map, if it cannot.
    pub fn alembic_error(&self) -> Option<&LoadError> {
        self.load_error.as_ref()
    }

    /// The heads `alembic heads` prints, in its order: revisions no other
    /// revision names in `down_revision`. A shadowed copy of a duplicate id is
    /// listed as itself (Alembic prints its id, resolved to the kept copy).
    pub fn heads(&self) -> Vec<usize> {
        self.links.heads.clone()
    }

    /// Heads once `depends_on` counts too: what `alembic upgrade heads` targets.
    pub fn real_heads(&self) -> Vec<usize> {
        self.links.real_heads.clone()
    }

    /// Revisions without a `down_revision`, in input order.
    pub fn bases(&self) -> Vec<usize> {
        self.links.bases.clone()
    }

    /// The order of `alembic history` (heads first). When Alembic could not
    /// order these revisions (see [`RevisionGraph::try_history`]), every kept
    /// revision still comes out, children before parents as far as cycles allow.
    pub fn history(&self) -> Vec<usize> {
        self.try_history().unwrap_or_else(|_| self.fallback_order())
    }

    /// The order of `alembic history`, or the error Alembic's ordering hits.
    pub fn try_history(&self) -> Result<Vec<usize>, ResolveError> {
        self.iterate("heads", "base")
    }

    /// Branch labels of `node` after Alembic's propagation, sorted.
    pub fn branch_labels(&self, node: usize) -> &[String] {
        self.labels.get(node).map_or(&[], |labels| labels)
    }

    /// The revisions a spec names: an id, a unique prefix of four or more
    /// characters, a branch label, `head`, `heads`, `base`, `label@head`,
    /// `label@heads`, `label@<id or prefix>`.
    pub fn resolve(&self, spec: &str) -> Result<Vec<usize>, ResolveError> {
        self.get_revisions(spec)
    }

    /// Revisions from `upper` down to `lower`, both included, in the order of
    /// `alembic history -r lower:upper`.
    pub fn iterate(&self, upper: &str, lower: &str) -> Result<Vec<usize>, ResolveError> {
        self.iterate_between(Endpoint::Spec(upper), Endpoint::Spec(lower), true, false)
    }

    /// [`RevisionGraph::iterate`] where either end may be the revisions a
    /// database is stamped with, as `alembic history -r current:heads` does.
    pub fn iterate_endpoints(
        &self,
        upper: Endpoint<'_>,
        lower: Endpoint<'_>,
    ) -> Result<Vec<usize>, ResolveError> {
        self.iterate_between(upper, lower, true, false)
    }

    /// The revisions `alembic upgrade <target>` applies, in order, to a
    /// database stamped with `current` (empty: never migrated).
    pub fn upgrade_order(
        &self,
        current: &[&str],
        target: &str,
    ) -> Result<Vec<usize>, ResolveError> {
        let mut order = self.iterate_between(
            Endpoint::Spec(target),
            Endpoint::Current(current),
            false,
            true,
        )?;
        order.reverse();
        Ok(order)
    }

    /// The revision at input position `i`. Panics if `i >= self.len()`.
    pub fn node(&self, i: usize) -> &Node {
        &self.nodes[i]
    }

    /// All revisions, in input order.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The revision Alembic means by `id`: for a duplicate id, the last copy.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.names.id(id)
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    fn reach_index(&self) -> &ReachIndex {
        self.reach.get_or_init(|| {
            let n = self.nodes.len();
            let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
            let mut parents: Vec<Vec<usize>> = vec![Vec::new(); n];
            let mut roots = Vec::new();
            for &v in &self.names.key_order {
                parents[v] = self.links.order_parents(&self.names, v);
                if parents[v].is_empty() {
                    roots.push(v);
                }
                for &p in &parents[v] {
                    children[p].push(v);
                }
            }
            let acyclic = scc::components_of(&parents).len() == n;
            ReachIndex::new(&children, &roots, &self.names.key_order, acyclic)
        })
    }

    /// Kept revisions, children before parents, cycles kept together.
    fn fallback_order(&self) -> Vec<usize> {
        let n = self.nodes.len();
        let parents: Vec<Vec<usize>> = (0..n)
            .map(|v| {
                if self.names.is_vertex(v) {
                    self.links.order_parents(&self.names, v)
                } else {
                    Vec::new()
                }
            })
            .collect();
        let mut order: Vec<usize> = scc::components_of(&parents)
            .items()
            .iter()
            .copied()
            .filter(|&v| self.names.is_vertex(v))
            .collect();
        order.reverse();
        order
    }
}

#[cfg(test)]
mod tests;
