//! The lines pulldown-cmark does not know, rewritten before it parses: `::: Titel` ...
//! `:::` fold-out sections into `<details>` HTML blocks, `[formular: ID]` lines into form
//! placeholders.

use std::borrow::Cow;

use super::escape_html;
use crate::slug::IdAllocator;

pub(super) struct Folds<'a> {
    pub(super) source: Cow<'a, str>,
    /// Form directives found, by line within the body.
    pub(super) forms: Vec<(String, usize)>,
    /// Offsets in `source` of newlines that are not in the file.
    pub(super) inserted: Vec<usize>,
    /// (line within the body, message, hint)
    pub(super) errors: Vec<(usize, String, &'static str)>,
}

/// The placeholder a `[formular: ID]` line becomes; the renderer puts the form there.
pub fn form_placeholder(id: &str) -> String {
    format!("<!--site-gen:form:{id}-->")
}

/// `[formular: minivejledning]` -> `minivejledning`.
fn form_directive(line: &str) -> Option<&str> {
    let inner = line.trim().strip_prefix("[formular:")?.strip_suffix(']')?;
    Some(inner.trim())
}

/// Rewrites `::: Titel` ... `:::` lines (outside code blocks) into `<details>` HTML blocks,
/// and `[formular: ID]` lines into form placeholders.
pub(super) fn expand_folds<'a>(body: &'a str, ids: &mut IdAllocator) -> Folds<'a> {
    // memmem: this runs on every page, and `str::contains` is slower at it.
    let has = |needle: &[u8]| memchr::memmem::find(body.as_bytes(), needle).is_some();
    if !has(b":::") && !has(b"[formular:") {
        return Folds {
            source: Cow::Borrowed(body),
            forms: Vec::new(),
            inserted: Vec::new(),
            errors: Vec::new(),
        };
    }
    let mut source = String::with_capacity(body.len() + 256);
    let mut inserted = Vec::new();
    let mut errors = Vec::new();
    let mut forms = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut fence: Option<(u8, usize)> = None;
    for (i, line) in body.split_inclusive('\n').enumerate() {
        let line_no = i + 1;
        let text = line.trim_end_matches(['\n', '\r']);
        let trimmed = text.trim_start_matches(' ');
        if text.len() - trimmed.len() <= 3 {
            let run = |c: u8| trimmed.bytes().take_while(|b| *b == c).count();
            let (ticks, tildes) = (run(b'`'), run(b'~'));
            match fence {
                None if ticks >= 3 => fence = Some((b'`', ticks)),
                None if tildes >= 3 => fence = Some((b'~', tildes)),
                Some((b'`', n)) if ticks >= n && trimmed[ticks..].trim().is_empty() => fence = None,
                Some((b'~', n)) if tildes >= n && trimmed[tildes..].trim().is_empty() => {
                    fence = None
                }
                _ => {}
            }
        }
        let form = fence.is_none().then(|| form_directive(text)).flatten();
        let marker = fence.is_none().then(|| text.strip_prefix(":::")).flatten();
        let replacement = if let Some(id) = form {
            forms.push((id.to_string(), line_no));
            Some(format!("\n{}\n\n", form_placeholder(id)))
        } else if let Some(rest) = marker {
            fold_html(rest.trim(), line_no, ids, &mut open, &mut errors)
        } else {
            source.push_str(line);
            continue;
        };
        let Some(replacement) = replacement else {
            continue;
        };
        let start = source.len();
        let newlines: Vec<usize> = memchr::memchr_iter(b'\n', replacement.as_bytes())
            .map(|p| start + p)
            .collect();
        inserted.extend(&newlines[..newlines.len() - 1]);
        source.push_str(&replacement);
    }
    for line_no in open {
        errors.push((
            line_no,
            "this collapsible section is never closed".to_string(),
            "end it with a line containing only `:::`",
        ));
    }
    Folds {
        source: Cow::Owned(source),
        forms,
        inserted,
        errors,
    }
}

/// The HTML for a `:::` line: opening a fold (`::: Titel`) or closing one (`:::`).
fn fold_html(
    title: &str,
    line_no: usize,
    ids: &mut IdAllocator,
    open: &mut Vec<usize>,
    errors: &mut Vec<(usize, String, &'static str)>,
) -> Option<String> {
    if title.is_empty() {
        if open.pop().is_none() {
            errors.push((
                line_no,
                "`:::` closes a collapsible section that was never opened".to_string(),
                "open one with `::: Title` on its own line, or remove this line",
            ));
            return None;
        }
        return Some("\n</details>\n\n".to_string());
    }
    open.push(line_no);
    let id = ids.allocate(title);
    let mut html = format!("\n<details class=\"fold\" id=\"{id}\">\n<summary>");
    escape_html(&mut html, title);
    html.push_str("</summary>\n\n");
    Some(html)
}
