//! Renderers of findings: full, concise, json, github, sarif.
