//! A Mermaid flowchart, which GitHub renders inside a ```` ```mermaid ````
//! block. Vertices get synthetic ids (`r0`, `r1`, ...) because revision ids and
//! messages may hold characters Mermaid reads as syntax; labels are quoted and
//! use Mermaid's entity codes (`#quot;`) for the rest.

use super::{Diagram, Vertex};

const CLASSES: [&str; 4] = [
    "classDef head fill:#dafbe1,stroke:#1a7f37,stroke-width:2px",
    "classDef base fill:#ddf4ff,stroke:#0969da",
    "classDef merge fill:#fff8c5,stroke:#9a6700",
    "classDef missing fill:#ffebe9,stroke:#cf222e,stroke-dasharray:4 4",
];

pub fn render_mermaid(diagrams: &[Diagram]) -> String {
    let mut out = String::from("flowchart TD\n");
    let clustered = diagrams.len() > 1;
    let mut classes: Vec<(&str, Vec<String>)> = vec![
        ("head", Vec::new()),
        ("base", Vec::new()),
        ("merge", Vec::new()),
        ("missing", Vec::new()),
    ];
    for (p, diagram) in diagrams.iter().enumerate() {
        let indent = if clustered { "    " } else { "  " };
        let name = |v: usize| {
            if clustered {
                format!("p{p}r{v}")
            } else {
                format!("r{v}")
            }
        };
        if clustered {
            out.push_str(&format!("  subgraph p{p}[\"{}\"]\n", escape(&diagram.name)));
        }
        for (v, vertex) in diagram.vertices.iter().enumerate() {
            let text = label(vertex);
            let shape = if vertex.head || vertex.effective_head {
                format!("([\"{text}\"])")
            } else if vertex.merge {
                format!("{{{{\"{text}\"}}}}")
            } else {
                format!("[\"{text}\"]")
            };
            out.push_str(&format!("{indent}{}{shape}\n", name(v)));
            let class = if vertex.missing {
                "missing"
            } else if vertex.head || vertex.effective_head {
                "head"
            } else if vertex.merge {
                "merge"
            } else if vertex.base {
                "base"
            } else {
                continue;
            };
            if let Some((_, members)) = classes.iter_mut().find(|(c, _)| *c == class) {
                members.push(name(v));
            }
        }
        for arrow in &diagram.arrows {
            let link = if arrow.dependency {
                " -.->|depends_on| "
            } else {
                " --> "
            };
            out.push_str(&format!(
                "{indent}{}{link}{}\n",
                name(arrow.from),
                name(arrow.to)
            ));
        }
        if clustered {
            out.push_str("  end\n");
        }
    }
    for class in CLASSES {
        out.push_str(&format!("  {class}\n"));
    }
    for (class, members) in classes {
        if !members.is_empty() {
            out.push_str(&format!("  class {} {class}\n", members.join(",")));
        }
    }
    out
}

fn label(vertex: &Vertex) -> String {
    let mut lines = vec![escape(&vertex.id)];
    if !vertex.doc.is_empty() {
        lines.push(escape(&vertex.doc));
    }
    let markers = vertex.markers();
    if !markers.is_empty() {
        lines.push(escape(&markers.join(" ")));
    }
    lines.join("<br/>")
}

/// Text inside a quoted Mermaid label: characters Mermaid or HTML would read
/// as syntax become entity codes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '&' => out.push_str("#amp;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '`' => out.push_str("#96;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_cannot_break_out_of_their_quotes() {
        assert_eq!(
            escape(r#"add "users" <b> & #1 `x`"#),
            "add #quot;users#quot; #lt;b#gt; #amp; #35;1 #96;x#96;"
        );
    }
}
