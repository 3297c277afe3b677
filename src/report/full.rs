//! The full report for people: the finding, the source lines with the span
//! marked, related places, the help line, and a closing summary.

use std::ops::Range;

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};

use crate::diagnostic::{Diagnostic, Severity, Span};
use crate::report::{Sources, Summary};

pub fn render_full(diagnostics: &[Diagnostic], sources: &Sources, styled: bool) -> String {
    let mut out = render_full_findings(diagnostics, sources, styled);
    out.push_str(&Summary::of(diagnostics).sentence());
    out.push('\n');
    out
}

/// [`render_full`] without the summary line, for findings printed in parts.
pub fn render_full_findings(diagnostics: &[Diagnostic], sources: &Sources, styled: bool) -> String {
    let renderer = if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for d in diagnostics {
        let level = match d.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let title = level.primary_title(d.message.as_str()).id(d.rule.code());
        let mut group: Group<'_> = match excerpt(&d.span, sources) {
            Some((text, line_start, range)) => title.element(
                Snippet::source(text)
                    .line_start(line_start)
                    .path(d.span.path.as_str())
                    .annotation(AnnotationKind::Primary.span(range)),
            ),
            None => title.element(
                Origin::path(d.span.path.as_str())
                    .line(d.span.line)
                    .char_column(d.span.column.saturating_sub(1)),
            ),
        };
        for related in &d.related {
            group = match excerpt(&related.span, sources) {
                Some((text, line_start, range)) => group.element(
                    Snippet::source(text)
                        .line_start(line_start)
                        .path(related.span.path.as_str())
                        .annotation(
                            AnnotationKind::Context
                                .span(range)
                                .label(related.message.as_str()),
                        ),
                ),
                None => group.element(Level::NOTE.message(format!(
                    "{} ({}:{}:{})",
                    related.message, related.span.path, related.span.line, related.span.column
                ))),
            };
        }
        if let Some(help) = &d.help {
            group = group.element(Level::HELP.message(help.as_str()));
        }
        out.push_str(&renderer.render(&[group]));
        out.push_str("\n\n");
    }
    out
}

/// The lines a span covers (at most a few), the number of the first, and the
/// span's byte range within them.
fn excerpt<'s>(span: &Span, sources: &'s Sources) -> Option<(&'s str, usize, Range<usize>)> {
    let text = sources.get(&span.path)?;
    let start = usize::from(span.range.start()).min(text.len());
    let end = usize::from(span.range.end()).clamp(start, text.len());
    if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
        return None;
    }
    let line_begin = text[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    // Quote at most five lines of a long span.
    let mut line_end = end;
    let mut lines = 0;
    for (i, byte) in text.as_bytes()[start..].iter().enumerate() {
        if *byte == b'\n' || *byte == b'\r' {
            lines += 1;
            if start + i >= end || lines >= 5 {
                line_end = start + i;
                break;
            }
        }
        line_end = start + i + 1;
    }
    let line_end = line_end.max(end.min(line_end));
    let excerpt = &text[line_begin..line_end];
    let range_end = end.min(line_end) - line_begin;
    let range_start = start - line_begin;
    // An empty span still gets a visible caret.
    let range = if range_end > range_start {
        range_start..range_end
    } else {
        let width = excerpt[range_start..]
            .chars()
            .next()
            .map_or(0, char::len_utf8);
        range_start..range_start + width
    };
    Some((excerpt, span.line, range))
}
