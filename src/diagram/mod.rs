//! The revision graph as a picture: Graphviz DOT or a Mermaid flowchart, with
//! heads, bases, merge points, branch points and branch labels marked.
//!
//! Both share one model ([`Diagram`]): the kept revisions from oldest to
//! newest (Alembic's history order, reversed), an edge from each
//! `down_revision` to its child, a dashed edge for each `depends_on`, and a
//! node for every name a revision points at that does not exist. The output
//! depends only on the files, so it is the same on every run and machine.

mod dot;
mod mermaid;

pub use dot::render_dot;
pub use mermaid::render_mermaid;

use crate::project::Project;

/// How long a message may be inside a box before it is cut.
const DOC_WIDTH: usize = 48;

/// The picture format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiagramFormat {
    /// Graphviz: `migcheck graph --format dot | dot -Tsvg > graph.svg`.
    Dot,
    /// A Mermaid flowchart: renders in GitHub Markdown inside a ```mermaid block.
    Mermaid,
}

/// Renders the graphs of the projects; several projects become one cluster
/// (subgraph) each.
pub fn render(format: DiagramFormat, projects: &[Project]) -> String {
    let diagrams: Vec<Diagram> = projects.iter().map(Diagram::of).collect();
    match format {
        DiagramFormat::Dot => render_dot(&diagrams),
        DiagramFormat::Mermaid => render_mermaid(&diagrams),
    }
}

/// One box of the picture: a revision, or a name that is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vertex {
    pub id: String,
    /// First line of the message, shortened.
    pub doc: String,
    /// Branch labels the revision declares.
    pub labels: Vec<String>,
    pub head: bool,
    /// A head only through `down_revision` (a `depends_on` points at it).
    pub effective_head: bool,
    pub base: bool,
    pub merge: bool,
    pub branch: bool,
    /// Named by a revision but not present.
    pub missing: bool,
}

impl Vertex {
    /// The markers shown under the message, in a fixed order.
    pub fn markers(&self) -> Vec<String> {
        let mut markers = Vec::new();
        if self.missing {
            markers.push("(missing)".to_string());
        }
        if self.head {
            markers.push("(head)".to_string());
        } else if self.effective_head {
            markers.push("(effective head)".to_string());
        }
        if self.base {
            markers.push("(base)".to_string());
        }
        if self.branch {
            markers.push("(branchpoint)".to_string());
        }
        if self.merge {
            markers.push("(mergepoint)".to_string());
        }
        markers.extend(self.labels.iter().map(|label| format!("[{label}]")));
        markers
    }
}

/// An arrow from an older revision to a newer one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrow {
    pub from: usize,
    pub to: usize,
    /// `depends_on` rather than `down_revision`.
    pub dependency: bool,
}

/// One project's picture: its vertices, and arrows between their indices.
#[derive(Debug, Clone)]
pub struct Diagram {
    pub name: String,
    pub vertices: Vec<Vertex>,
    pub arrows: Vec<Arrow>,
}

impl Diagram {
    pub fn of(project: &Project) -> Diagram {
        let graph = &project.graph;
        let mut order = graph.history();
        order.reverse();
        let mut index_of_id: std::collections::HashMap<String, usize> =
            std::collections::HashMap::new();
        let mut vertices = Vec::with_capacity(order.len());
        for &node in &order {
            let revision = graph.node(node);
            index_of_id.insert(revision.id.clone(), vertices.len());
            vertices.push(Vertex {
                id: revision.id.clone(),
                doc: shorten(project.migration_of_node(node).doc()),
                labels: revision.branch_labels.clone(),
                head: graph.is_real_head(node),
                effective_head: graph.is_head(node) && !graph.is_real_head(node),
                base: revision.down_revisions.is_empty(),
                merge: graph.is_merge_point(node),
                branch: graph.is_branch_point(node),
                missing: false,
            });
        }
        let mut arrows = Vec::new();
        for (to, &node) in order.iter().enumerate() {
            let revision = graph.node(node);
            let targets = revision
                .down_revisions
                .iter()
                .map(|t| (t, false))
                .chain(revision.depends_on.iter().map(|t| (t, true)));
            for (target, dependency) in targets {
                let from = match index_of_id.get(target) {
                    Some(&from) => from,
                    None => match label_owner(project, target) {
                        Some(owner) if dependency => match index_of_id.get(owner) {
                            Some(&from) => from,
                            None => continue,
                        },
                        _ => {
                            let from = vertices.len();
                            index_of_id.insert(target.clone(), from);
                            vertices.push(missing_vertex(target));
                            from
                        }
                    },
                };
                arrows.push(Arrow {
                    from,
                    to,
                    dependency,
                });
            }
        }
        Diagram {
            name: project.alembic.name.clone(),
            vertices,
            arrows,
        }
    }
}

/// The revision that declares `label`, for a `depends_on` naming a branch.
fn label_owner<'p>(project: &'p Project, label: &str) -> Option<&'p str> {
    project
        .graph
        .nodes()
        .iter()
        .find(|node| node.branch_labels.iter().any(|l| l == label))
        .map(|node| node.id.as_str())
}

fn missing_vertex(id: &str) -> Vertex {
    Vertex {
        id: id.to_string(),
        doc: String::new(),
        labels: Vec::new(),
        head: false,
        effective_head: false,
        base: false,
        merge: false,
        branch: false,
        missing: true,
    }
}

/// One line of at most [`DOC_WIDTH`] characters.
fn shorten(doc: &str) -> String {
    let line = doc.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= DOC_WIDTH {
        return line;
    }
    let mut cut: String = line.chars().take(DOC_WIDTH - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_messages_are_cut_on_one_line() {
        assert_eq!(shorten("add\n  users"), "add users");
        let long = "x".repeat(60);
        let cut = shorten(&long);
        assert_eq!(cut.chars().count(), DOC_WIDTH);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn markers_in_a_fixed_order() {
        let mut b = missing_vertex("a");
        b.missing = false;
        b.head = true;
        b.effective_head = true;
        b.base = true;
        b.merge = true;
        b.labels = vec!["expand".into()];
        assert_eq!(
            b.markers(),
            ["(head)", "(base)", "(mergepoint)", "[expand]"]
        );
    }
}
