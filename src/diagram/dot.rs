//! Graphviz DOT: `migcheck graph --format dot | dot -Tsvg -o graph.svg`.
//! Oldest revisions at the top; heads bold and green, bases blue, merge
//! points hexagons, missing revisions dashed red; `depends_on` dashed.

use super::{Diagram, Vertex};

pub fn render_dot(diagrams: &[Diagram]) -> String {
    let mut out = String::from("digraph migrations {\n");
    out.push_str("  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\"];\n");
    out.push_str("  edge [arrowsize=0.7];\n");
    let clustered = diagrams.len() > 1;
    for (p, diagram) in diagrams.iter().enumerate() {
        let indent = if clustered { "    " } else { "  " };
        let name = |v: usize| {
            let id = &diagram.vertices[v].id;
            if clustered {
                quote(&format!("{p}/{id}"))
            } else {
                quote(id)
            }
        };
        if clustered {
            out.push_str(&format!(
                "  subgraph cluster_{p} {{\n    label={};\n",
                quote(&diagram.name)
            ));
        }
        for (v, vertex) in diagram.vertices.iter().enumerate() {
            out.push_str(&format!(
                "{indent}{} [label={}{}];\n",
                name(v),
                quote(&label(vertex)),
                attributes(vertex)
            ));
        }
        for arrow in &diagram.arrows {
            let style = if arrow.dependency {
                " [style=dashed, label=\"depends_on\"]"
            } else {
                ""
            };
            out.push_str(&format!(
                "{indent}{} -> {}{style};\n",
                name(arrow.from),
                name(arrow.to)
            ));
        }
        if clustered {
            out.push_str("  }\n");
        }
    }
    out.push_str("}\n");
    out
}

/// Lines of the box, joined with DOT's escaped newline.
fn label(vertex: &Vertex) -> String {
    let mut lines = vec![vertex.id.clone()];
    if !vertex.doc.is_empty() {
        lines.push(vertex.doc.clone());
    }
    let markers = vertex.markers();
    if !markers.is_empty() {
        lines.push(markers.join(" "));
    }
    lines.join("\n")
}

fn attributes(vertex: &Vertex) -> String {
    let mut attrs = Vec::new();
    if vertex.missing {
        attrs.push("style=\"rounded,dashed\"");
        attrs.push("color=\"#cf222e\"");
    } else if vertex.head || vertex.effective_head {
        attrs.push("style=\"rounded,filled,bold\"");
        attrs.push("fillcolor=\"#dafbe1\"");
        attrs.push("color=\"#1a7f37\"");
    } else if vertex.base {
        attrs.push("fillcolor=\"#ddf4ff\"");
        attrs.push("color=\"#0969da\"");
    }
    if vertex.merge {
        attrs.push("shape=hexagon");
    }
    attrs.iter().map(|a| format!(", {a}")).collect()
}

/// A DOT double-quoted string: backslashes and quotes escaped, line breaks as `\n`.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_escape_what_dot_reads() {
        assert_eq!(quote(r#"a "b" \c"#), r#""a \"b\" \\c""#);
        assert_eq!(quote("one\ntwo"), r#""one\ntwo""#);
    }
}
