//! What the site's Content-Security-Policy would block in the raw HTML of page text. The
//! policy (`default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self';
//! object-src 'none'`, in infra/template.yaml and `form_handler::http::SECURITY_HEADERS`)
//! lets a page load only the site's own files and run no script or style written in it.
//! What it blocks works in an editor's browser and silently fails on the real site, so
//! `markdown` reports it as an editor's error, at its place.

use std::path::Path;

use crate::diagnostics::{Code, Diagnostic};

/// One thing the policy would block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocked<'a> {
    /// A file loaded from another site or from a `data:` address.
    Source(&'a str),
    /// A page of the site or another site shown inside the page (`<iframe>`, `<object>`,
    /// `<embed>`): the site's answers forbid framing, and the policy forbids objects.
    Embed(&'a str),
    /// A `style` attribute or a `<style>` element.
    Style,
    /// An `on...` attribute, a `<script>` element or a `javascript:` address.
    Script(&'a str),
    /// A form that sends to another site (`form-action 'self'`).
    FormAction(&'a str),
}

/// The editor's error for `what` at `line`:`column` of `path`.
pub fn diagnostic(path: &Path, line: usize, column: usize, what: &Blocked<'_>) -> Diagnostic {
    let (message, hint) = match what {
        Blocked::Source(url) => (
            format!("`{}` is loaded from outside the site", shorten(url)),
            "the site's security policy only lets pages load files from the site itself: save the file in content/ beside the page and link to it, or link to the other site instead of embedding it",
        ),
        Blocked::Embed(tag) => (
            format!("an embedded frame or object (`<{tag}>`) in the text"),
            "the site's security policy does not let pages show other pages or files inside them: link to the file or video instead",
        ),
        Blocked::Style => (
            "an inline style in the text".to_string(),
            "the site's security policy blocks inline styles: use the formatting Markdown has, or ask for a class in the theme (docs/theme.md)",
        ),
        Blocked::Script(what) => (
            format!("a script in the text (`{}`)", shorten(what)),
            "the site's security policy blocks scripts in pages: scripts belong in the theme (templates/static/js/)",
        ),
        Blocked::FormAction(url) => (
            format!("a form that sends to `{}`", shorten(url)),
            "the site's security policy only lets forms send to the site itself: use an application form (docs/forms.md), or link to the other site's form",
        ),
    };
    Diagnostic::new(Code::BlockedByPolicy, path, line, message)
        .column(column)
        .hint(hint)
}

/// At most 60 characters of `text` (a pasted `data:` image can be many kilobytes).
fn shorten(text: &str) -> String {
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// Whether following `url` runs a script (`javascript:...`).
pub fn runs_script(url: &str) -> bool {
    url.trim_start()
        .get(..11)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("javascript:"))
}

/// Whether `url` is the site's own (a path, relative or absolute), not another site's
/// (`https://`, `//host`) or another scheme's (`data:`, `javascript:`).
pub fn is_local(url: &str) -> bool {
    let url = url.trim();
    if url.starts_with("//") {
        return false;
    }
    match url.split_once(':') {
        Some((scheme, _)) => {
            let mut chars = scheme.chars();
            // Not a scheme (RFC 3986: a letter, then letters, digits, `+`, `-`, `.`): a
            // path with a colon in it.
            !(chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
        }
        None => true,
    }
}

/// What in the raw HTML `html` the policy would block, each with its offset in `html`.
pub fn blocked(html: &str) -> Vec<(usize, Blocked<'_>)> {
    let mut found = Vec::new();
    for tag in tags(html) {
        match tag.name.as_str() {
            "script" => found.push((tag.at, Blocked::Script("<script>"))),
            "style" => found.push((tag.at, Blocked::Style)),
            "iframe" | "frame" | "object" | "embed" | "portal" => {
                found.push((
                    tag.at,
                    Blocked::Embed(&html[tag.at + 1..tag.at + 1 + tag.name.len()]),
                ));
            }
            _ => {}
        }
        for a in &tag.attributes {
            let name = a.name.to_ascii_lowercase();
            match name.as_str() {
                "style" => found.push((a.at, Blocked::Style)),
                // Event handlers: `on` and an event's name (`one`, `only` are not).
                n if n.len() >= 5
                    && n.starts_with("on")
                    && n[2..].bytes().all(|b| b.is_ascii_lowercase()) =>
                {
                    found.push((a.at, Blocked::Script(a.name)));
                }
                "src" | "poster" | "data" | "background" if !is_local(a.value) => {
                    found.push((a.value_at, Blocked::Source(a.value)));
                }
                "srcset" => {
                    // Candidates are "url [descriptor]", separated by commas.
                    for candidate in a.value.split(',') {
                        let url = candidate.split_whitespace().next().unwrap_or("");
                        if !url.is_empty() && !is_local(url) {
                            found.push((a.value_at, Blocked::Source(a.value)));
                            break;
                        }
                    }
                }
                "href" if runs_script(a.value) => {
                    found.push((a.value_at, Blocked::Script(a.value)));
                }
                // Stylesheets, icons and base addresses from elsewhere.
                "href"
                    if matches!(tag.name.as_str(), "link" | "base" | "image" | "use")
                        && !is_local(a.value) =>
                {
                    found.push((a.value_at, Blocked::Source(a.value)));
                }
                "action" | "formaction" if !is_local(a.value) => {
                    found.push((a.value_at, Blocked::FormAction(a.value)));
                }
                _ => {}
            }
        }
    }
    found.sort_by_key(|(at, _)| *at);
    found
}

/// A start tag: its name (lower case), offset and attributes.
struct Tag<'a> {
    name: String,
    at: usize,
    attributes: Vec<Attribute<'a>>,
}

struct Attribute<'a> {
    name: &'a str,
    at: usize,
    value: &'a str,
    value_at: usize,
}

/// The start tags of `html`, with attributes quoted with `"` or `'` or not at all;
/// comments (`<!-- ... -->`) are skipped.
fn tags(html: &str) -> Vec<Tag<'_>> {
    let bytes = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(lt) = memchr::memchr(b'<', &bytes[i..]).map(|p| i + p) {
        if bytes[lt..].starts_with(b"<!--") {
            match memchr::memmem::find(&bytes[lt + 4..], b"-->") {
                Some(end) => {
                    i = lt + 4 + end + 3;
                    continue;
                }
                None => break,
            }
        }
        let name_end = lt
            + 1
            + bytes[lt + 1..]
                .iter()
                .position(|b| !b.is_ascii_alphanumeric())
                .unwrap_or(bytes.len() - lt - 1);
        if name_end == lt + 1 || !bytes[lt + 1].is_ascii_alphabetic() {
            i = lt + 1;
            continue;
        }
        let mut tag = Tag {
            name: html[lt + 1..name_end].to_ascii_lowercase(),
            at: lt,
            attributes: Vec::new(),
        };
        let mut j = name_end;
        loop {
            while j < bytes.len() && (bytes[j].is_ascii_whitespace() || bytes[j] == b'/') {
                j += 1;
            }
            if j >= bytes.len() || bytes[j] == b'>' {
                break;
            }
            let name_start = j;
            while j < bytes.len()
                && !bytes[j].is_ascii_whitespace()
                && !matches!(bytes[j], b'=' | b'>' | b'/')
            {
                j += 1;
            }
            let name = &html[name_start..j];
            let (value, value_at) = if bytes.get(j) == Some(&b'=') {
                j += 1;
                match bytes.get(j) {
                    Some(&q @ (b'"' | b'\'')) => {
                        let start = j + 1;
                        let end =
                            memchr::memchr(q, &bytes[start..]).map_or(bytes.len(), |p| start + p);
                        j = (end + 1).min(bytes.len());
                        (&html[start..end], start)
                    }
                    _ => {
                        let start = j;
                        while j < bytes.len() && !bytes[j].is_ascii_whitespace() && bytes[j] != b'>'
                        {
                            j += 1;
                        }
                        (&html[start..j], start)
                    }
                }
            } else {
                ("", j)
            };
            if name.is_empty() {
                j += 1;
                continue;
            }
            tag.attributes.push(Attribute {
                name,
                at: name_start,
                value,
                value_at,
            });
        }
        out.push(tag);
        i = j.max(lt + 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(html: &str) -> Vec<(usize, Blocked<'_>)> {
        blocked(html)
    }

    #[test]
    fn what_is_blocked_and_where() {
        assert_eq!(
            kinds("<img src=\"https://x.dk/a.png\">"),
            [(10, Blocked::Source("https://x.dk/a.png"))]
        );
        assert_eq!(
            kinds("<img src='//x.dk/a.png'>"),
            [(10, Blocked::Source("//x.dk/a.png"))]
        );
        assert_eq!(
            kinds("<IMG SRC=https://x.dk/a.png>"),
            [(9, Blocked::Source("https://x.dk/a.png"))]
        );
        assert_eq!(kinds("<p style='color:red'>"), [(3, Blocked::Style)]);
        assert_eq!(
            kinds("<button onClick=go()>"),
            [(8, Blocked::Script("onClick"))]
        );
        assert_eq!(
            kinds("<script>alert(1)</script>"),
            [(0, Blocked::Script("<script>"))]
        );
        assert_eq!(kinds("<STYLE>p{}</STYLE>"), [(0, Blocked::Style)]);
        assert_eq!(
            kinds("<iframe src=\"/filer/plan.pdf\"></iframe>"),
            [(0, Blocked::Embed("iframe"))]
        );
        assert_eq!(
            kinds("<embed src=\"/a.pdf\">"),
            [(0, Blocked::Embed("embed"))]
        );
        assert_eq!(
            kinds("<a href=\"javascript:go()\">x</a>"),
            [(9, Blocked::Script("javascript:go()"))]
        );
        assert_eq!(
            kinds("<link rel=stylesheet href=https://cdn.dk/a.css>"),
            [(26, Blocked::Source("https://cdn.dk/a.css"))]
        );
        assert_eq!(
            kinds("<form action=\"https://x.dk/send\">"),
            [(14, Blocked::FormAction("https://x.dk/send"))]
        );
        assert_eq!(
            kinds("<img srcset=\"/a.png 1x, https://cdn.dk/b.png 2x\">"),
            [(13, Blocked::Source("/a.png 1x, https://cdn.dk/b.png 2x"))]
        );
        assert_eq!(
            kinds("<img src=\"data:image/gif;base64,R0l\">"),
            [(10, Blocked::Source("data:image/gif;base64,R0l"))]
        );
    }

    #[test]
    fn what_is_allowed() {
        for html in [
            "<img src=\"/billeder/a.png\" alt=\"A\">",
            "<img src=\"billeder/a.png?v=1:2\">",
            "<img src=\"kort 1:2.png\">",
            "<a href=\"https://www.sm.dk/\">SM</a>",
            "<a href=\"mailto:a@b.dk\">a</a>",
            "<p class=\"lead\" data-src=\"https://x.dk\" one=\"1\">Online, onsdag</p>",
            "<!-- <iframe src=\"https://www.youtube.com/embed/x\"></iframe> -->",
            "<noscript>x</noscript><styled-box>",
            "<details><summary>Fold</summary></details>",
            "a < b and c > d",
            "<img srcset=\"/a.png 1x, /b.png 2x\">",
            "<form action=\"/api/applications/x\">",
        ] {
            assert_eq!(kinds(html), [], "{html}");
        }
    }

    #[test]
    fn long_addresses_are_shortened_in_the_message() {
        let url = format!("data:image/png;base64,{}", "A".repeat(5000));
        let d = diagnostic(Path::new("content/x.md"), 3, 1, &Blocked::Source(&url));
        assert!(d.message.len() < 100, "{}", d.message);
        assert!(d.message.contains("data:image/png;base64,AAAA"));
    }
}
