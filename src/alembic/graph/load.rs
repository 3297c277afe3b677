//! What Alembic raises while it loads the revision map, in the order it would
//! raise it. Alembic stops at the first error, so the graph records every
//! problem separately (see `problems`) and this module only answers "which
//! exception would `alembic heads` print". The stages follow `RevisionMap`:
//! creating each `Revision` (self-loops, illegal characters), mapping branch
//! labels, resolving `depends_on`, linking `down_revision`, normalizing
//! dependencies, and `_detect_cycles`.

use rustc_hash::FxHashMap as HashMap;

use super::links::{Links, NameSet};
use super::names::Names;
use super::walk::{walk, WalkError};
use super::Node;

/// The exception loading the revision map ends with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub kind: LoadErrorKind,
    /// `str(exception)` as Python prints it.
    pub message: String,
}

/// Which of Alembic's failures it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadErrorKind {
    /// `LoopDetected`: a revision lists its own id in `down_revision`.
    SelfLoop,
    /// `DependencyLoopDetected`: a revision lists its own id in `depends_on`.
    DependencySelfLoop,
    /// `RevisionError`: a revision id contains `@`, `-`, `+` or `:`.
    InvalidRevisionId,
    /// `RevisionError`: a branch label used twice, or equal to a revision id.
    BranchLabelConflict,
    /// `KeyError`: a `depends_on` entry that is neither an id nor a label.
    MissingDependsOn,
    /// `KeyError`: a `down_revision` entry that is not a revision id.
    MissingDownRevision,
    /// `RevisionError("Dependency resolution failed; broken map")`: a
    /// `down_revision` naming a branch label, met while normalizing dependencies.
    BrokenMap,
    /// `CycleDetected`: revisions cut off from every head or every base.
    Cycle,
    /// `DependencyCycleDetected`: the same once `depends_on` links count.
    DependencyCycle,
}

impl LoadErrorKind {
    /// The Python exception class.
    pub fn python_class(self) -> &'static str {
        match self {
            LoadErrorKind::SelfLoop => "LoopDetected",
            LoadErrorKind::DependencySelfLoop => "DependencyLoopDetected",
            LoadErrorKind::InvalidRevisionId
            | LoadErrorKind::BranchLabelConflict
            | LoadErrorKind::BrokenMap => "RevisionError",
            LoadErrorKind::MissingDependsOn | LoadErrorKind::MissingDownRevision => "KeyError",
            LoadErrorKind::Cycle => "CycleDetected",
            LoadErrorKind::DependencyCycle => "DependencyCycleDetected",
        }
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind.python_class(), self.message)
    }
}

fn error(kind: LoadErrorKind, message: String) -> Option<LoadError> {
    Some(LoadError { kind, message })
}

/// The first error Alembic raises loading these revisions, if any.
pub(super) fn first_error(nodes: &[Node], names: &Names, links: &Links) -> Option<LoadError> {
    creating(nodes)
        .or_else(|| mapping_labels(nodes, names))
        .or_else(|| resolving_dependencies(nodes, names))
        .or_else(|| linking(nodes, links))
        .or_else(|| normalizing(nodes, names, links))
        .or_else(|| detecting_cycles(nodes, names, links))
}

/// `Revision.__init__`, file by file.
fn creating(nodes: &[Node]) -> Option<LoadError> {
    nodes.iter().find_map(|node| {
        let id = &node.id;
        if node.down_revisions.iter().any(|d| d == id) && !node.down_revisions.is_empty() {
            return error(
                LoadErrorKind::SelfLoop,
                format!("Self-loop is detected in revisions ({id})"),
            );
        }
        if node.depends_on.iter().any(|d| d == id) {
            return error(
                LoadErrorKind::DependencySelfLoop,
                format!("Dependency self-loop is detected in revisions ({id})"),
            );
        }
        let illegal: Vec<String> = ['+', '-', ':', '@']
            .into_iter()
            .filter(|c| id.contains(*c))
            .map(String::from)
            .collect();
        (!illegal.is_empty()).then(|| LoadError {
            kind: LoadErrorKind::InvalidRevisionId,
            message: format!(
                "Character(s) '{}' not allowed in revision identifier '{id}'",
                illegal.join(", ")
            ),
        })
    })
}

/// `_map_branch_labels`. Alembic visits labelled revisions in set order, so with
/// several clashes the one it names may differ from run to run; this names the
/// first in file order.
fn mapping_labels(nodes: &[Node], names: &Names) -> Option<LoadError> {
    let mut owner: HashMap<&str, usize> = HashMap::default();
    for (i, node) in nodes.iter().enumerate() {
        for label in &node.branch_labels {
            let taken = names
                .id(label)
                .or_else(|| owner.get(label.as_str()).copied());
            if let Some(by) = taken {
                return error(
                    LoadErrorKind::BranchLabelConflict,
                    format!(
                        "Branch name '{label}' in revision {} already used by revision {}",
                        node.id, nodes[by].id
                    ),
                );
            }
            owner.insert(label, i);
        }
    }
    None
}

/// `_add_depends_on`: a plain `map_[dep]`, so a `KeyError`.
fn resolving_dependencies(nodes: &[Node], names: &Names) -> Option<LoadError> {
    nodes.iter().find_map(|node| {
        node.depends_on
            .iter()
            .find(|dep| names.full(dep).is_none())
            .map(|dep| LoadError {
                kind: LoadErrorKind::MissingDependsOn,
                message: py_repr(dep),
            })
    })
}

/// The linking loop: warns "Revision X referenced from ... is not present",
/// then fails on `map_[X]` with a `KeyError`.
fn linking(nodes: &[Node], links: &Links) -> Option<LoadError> {
    links.processed.iter().find_map(|&child| {
        links.all_down[child]
            .iter()
            .find_map(|link| match (link.target, link.down_pos) {
                (None, Some(pos)) => error(
                    LoadErrorKind::MissingDownRevision,
                    py_repr(&nodes[child].down_revisions[pos]),
                ),
                _ => None,
            })
    })
}

/// `_normalize_depends_on` walks the `down_revision` ancestors of every
/// revision with dependencies through the full map, where a branch label used
/// as a `down_revision` fails the "broken map" check.
fn normalizing(nodes: &[Node], names: &Names, links: &Links) -> Option<LoadError> {
    let n = nodes.len();
    let step = |r: usize, out: &mut Vec<usize>| -> Result<(), WalkError> {
        for name in &nodes[r].down_revisions {
            match names.full(name) {
                None => return Err(WalkError::Missing(name.clone())),
                Some(p) if nodes[p].id != *name => return Err(WalkError::BrokenMap),
                Some(p) => out.push(p),
            }
        }
        Ok(())
    };
    let mut buf = Vec::new();
    // Usually every step succeeds, and no walk can fail.
    if (0..n).all(|r| {
        buf.clear();
        step(r, &mut buf).is_ok()
    }) {
        return None;
    }
    // Which revisions can reach one whose step fails: one reverse pass.
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut doomed = vec![false; n];
    let mut stack = Vec::new();
    for (r, is_doomed) in doomed.iter_mut().enumerate() {
        buf.clear();
        if step(r, &mut buf).is_err() {
            *is_doomed = true;
            stack.push(r);
        }
        for &p in &buf {
            children[p].push(r);
        }
    }
    while let Some(r) = stack.pop() {
        for &c in &children[r] {
            if !doomed[c] {
                doomed[c] = true;
                stack.push(c);
            }
        }
    }
    let start = (0..n).find(|&r| doomed[r] && !links.resolved[r].is_empty())?;
    match walk(n, &[start], step) {
        Err(WalkError::Missing(name)) => error(LoadErrorKind::MissingDownRevision, py_repr(&name)),
        Err(WalkError::BrokenMap) => error(
            LoadErrorKind::BrokenMap,
            "Dependency resolution failed; broken map".to_string(),
        ),
        Ok(_) => None,
    }
}

/// `_detect_cycles`: every revision must be reachable both from a head (going
/// down) and from a base (going up), first through `down_revision` only, then
/// with `depends_on` too. The walks use the map of ids alone.
fn detecting_cycles(nodes: &[Node], names: &Names, links: &Links) -> Option<LoadError> {
    if names.key_order.is_empty() {
        return None;
    }
    let all_ids = || -> Vec<&str> {
        names
            .key_order
            .iter()
            .map(|&v| nodes[v].id.as_str())
            .collect()
    };
    let n = nodes.len();
    for with_dependencies in [false, true] {
        if with_dependencies && links.without_dependencies() {
            // The same walks again would find the same revisions.
            break;
        }
        let (kind, label) = if with_dependencies {
            (LoadErrorKind::DependencyCycle, "Dependency cycle")
        } else {
            (LoadErrorKind::Cycle, "Cycle")
        };
        let (heads, bases) = if with_dependencies {
            (&links.real_heads, &links.real_bases)
        } else {
            (&links.heads, &links.bases)
        };
        if heads.is_empty() || bases.is_empty() {
            return error(
                kind,
                format!(
                    "{label} is detected in revisions ({})",
                    all_ids().join(", ")
                ),
            );
        }
        let mut seen = NameSet::default();
        let down = walk(n, heads, |r, out| {
            let names_down = nodes[r].down_revisions.iter().map(String::as_str);
            let deps = links.all_down[r]
                .iter()
                .filter(|l| with_dependencies && l.down_pos.is_none())
                .filter_map(|l| l.target.map(|t| nodes[t].id.as_str()));
            seen.clear();
            for name in names_down.chain(deps) {
                if with_dependencies && !seen.insert(name) {
                    continue;
                }
                match names.id(name) {
                    Some(p) => out.push(p),
                    None => return Err(WalkError::Missing(name.to_string())),
                }
            }
            Ok(())
        });
        let down = match down {
            Ok(down) => down,
            Err(WalkError::Missing(name)) => {
                return error(LoadErrorKind::MissingDownRevision, py_repr(&name))
            }
            Err(WalkError::BrokenMap) => return None,
        };
        let children = if with_dependencies {
            &links.all_next
        } else {
            &links.next
        };
        let up = walk(n, bases, |r, out| {
            out.extend_from_slice(&children[r]);
            Ok(())
        })
        .unwrap_or_default();
        let mut from_head = vec![false; names.key_order.len()];
        let mut from_base = vec![false; names.key_order.len()];
        down.iter().for_each(|&r| from_head[names.rank[r]] = true);
        up.iter().for_each(|&r| from_base[names.rank[r]] = true);
        let mut deleted: Vec<&str> = (0..names.key_order.len())
            .filter(|&k| !(from_head[k] && from_base[k]))
            .map(|k| nodes[names.key_order[k]].id.as_str())
            .collect();
        if !deleted.is_empty() {
            deleted.sort_unstable();
            return error(
                kind,
                format!("{label} is detected in revisions ({})", deleted.join(", ")),
            );
        }
    }
    None
}

/// Python's `repr()` of a string, as a `KeyError` prints its key.
pub(super) fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}
