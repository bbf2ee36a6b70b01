//! Markdown to HTML with pulldown-cmark: heading ids from Danish text, a table of contents,
//! collapsible `::: Titel` sections as native `<details>`, `rel="noopener"` on external
//! links, and every internal link and id collected (with its line) for the link check.

use std::collections::HashSet;
use std::path::Path;

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};
use serde::Serialize;

mod folds;
mod words;

use crate::csp;
use crate::diagnostics::{Code, Diagnostic};
use crate::slug::IdAllocator;
use folds::expand_folds;
pub use folds::form_placeholder;
use words::count_words;

/// A heading in the table of contents, with the headings nested under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub title: String,
    pub children: Vec<TocEntry>,
}

/// An internal link or image reference written in the Markdown, to be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRef {
    pub target: String,
    pub line: usize,
    pub column: usize,
}

/// The rendered body of one page.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: String,
    pub toc: Vec<TocEntry>,
    /// Every id that a `#fragment` may point at.
    pub ids: Vec<String>,
    pub links: Vec<LinkRef>,
    pub word_count: usize,
    /// Forms placed with `[formular: ID]`: the id and the line in the file.
    pub forms: Vec<(String, usize)>,
}

/// What [`render`] leaves out of a page: `site-gen check` leaves out what the templates
/// only print ([`Theme::prints_only`](crate::templates::Theme::prints_only)).
#[derive(Debug, Clone, Copy)]
pub struct Omit {
    /// The HTML (left empty).
    pub html: bool,
    /// The word count (left 0).
    pub words: bool,
    /// The table of contents (left empty).
    pub toc: bool,
}

impl Omit {
    /// Nothing: a build's pages and the preview's.
    pub const NOTHING: Omit = Omit {
        html: false,
        words: false,
        toc: false,
    };
}

/// The Markdown extensions the site's pages may use (`site-gen/examples/parse-floor.rs`
/// parses with them too).
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Renders `body`, which starts at line `body_line` of the file `path`. `taken` are ids the
/// templates use on every page; headings get other ids. In stages: the fold-out sections
/// and form placeholders ([`expand_folds`]), one pass over the Markdown's events that
/// collects links, ids and what the CSP would block ([`Scan`]), the headings' ids and the
/// table of contents ([`Naming`]), then the HTML; less what `omit` leaves out.
pub fn render(
    path: &Path,
    body: &str,
    body_line: usize,
    taken: &HashSet<String>,
    omit: Omit,
) -> Result<Rendered, Vec<Diagnostic>> {
    let mut ids = IdAllocator::with_taken(taken);
    let mut out = Rendered::default();
    let folds = expand_folds(body, &mut ids);
    let mut errors = Vec::new();
    for (line, message, hint) in folds.errors {
        errors.push(
            Diagnostic::new(Code::UnclosedSection, path, body_line + line - 1, message).hint(hint),
        );
    }
    out.forms = folds
        .forms
        .iter()
        .map(|(id, line)| (id.clone(), body_line + line - 1))
        .collect();
    let source: &str = &folds.source;
    let lines = Lines::new(source);
    let locate = |offset: usize| -> (usize, usize) {
        let (line, column) = lines.line_col(offset);
        let inserted = folds.inserted.partition_point(|&p| p < offset);
        (line - inserted + body_line - 1, column)
    };
    let mut scan = Scan {
        path,
        locate: &locate,
        out: &mut out,
        errors: &mut errors,
        events: Vec::with_capacity(if omit.html { 0 } else { body.len() / 16 }),
        omit,
        in_heading: false,
        headings: Vec::new(),
        in_external: false,
    };
    for (event, range) in Parser::new_ext(source, options()).into_offset_iter() {
        scan.event(event, range.start);
    }
    let (mut events, headings) = (scan.events, scan.headings);
    let mut named = Naming {
        path,
        locate: &locate,
        taken,
        ids: &mut ids,
        errors: &mut errors,
    };
    let toc = named.headings(&mut events, headings, &mut out.ids);
    if !omit.toc {
        out.toc = toc;
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if !omit.html {
        out.html = write_html(events, body.len());
    }
    Ok(out)
}

/// [`line_col`](crate::diagnostics::line_col) of offsets in `source`, counting on from the
/// offset asked about before when the new one is further on: a page's events come in order,
/// and counting every link's line from the start of the page would slow a check.
struct Lines<'a> {
    source: &'a str,
    /// The offset asked about last, its line and the offset where that line starts.
    last: std::cell::Cell<(usize, usize, usize)>,
}

impl<'a> Lines<'a> {
    fn new(source: &'a str) -> Self {
        Lines {
            source,
            last: std::cell::Cell::new((0, 1, 0)),
        }
    }

    fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.source.len());
        let (mut from, mut line, mut start) = self.last.get();
        if offset < from {
            (from, line, start) = (0, 1, 0);
        }
        let between = &self.source.as_bytes()[from..offset];
        line += memchr::memchr_iter(b'\n', between).count();
        if let Some(i) = memchr::memrchr(b'\n', between) {
            start = from + i + 1;
        }
        self.last.set((offset, line, start));
        (line, self.source[start..offset].chars().count() + 1)
    }
}

thread_local! {
    /// Each thread's buffer for a page's HTML, kept between pages.
    static HTML: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// The HTML of `events` (from `len` bytes of Markdown), in a string of its exact size: a
/// site's worth of pages is held at once, and a string grown while writing would keep up
/// to half its size unused.
fn write_html(events: Vec<Event<'_>>, len: usize) -> String {
    HTML.with_borrow_mut(|html| {
        html.clear();
        html.reserve(len * 3 / 2);
        pulldown_cmark::html::push_html(html, events.into_iter());
        html.as_str().to_owned()
    })
}

/// The one pass over a page's Markdown events: the events to render (external links with
/// `rel="noopener"`), the internal links and ids with their places, the words, and an error
/// for each level-1 heading and each thing the production CSP would block.
struct Scan<'a, 's, L> {
    path: &'a Path,
    locate: &'a L,
    out: &'a mut Rendered,
    errors: &'a mut Vec<Diagnostic>,
    /// The events to render, or only the headings' when no HTML is written.
    events: Vec<Event<'s>>,
    omit: Omit,
    in_heading: bool,
    /// (index in `events`, level, offset in the source) of each heading.
    headings: Vec<(usize, u8, usize)>,
    in_external: bool,
}

impl<'s, L: Fn(usize) -> (usize, usize)> Scan<'_, 's, L> {
    fn event(&mut self, event: Event<'s>, at: usize) {
        match &event {
            Event::Start(Tag::Heading { level, .. }) => {
                if *level == HeadingLevel::H1 {
                    let (line, column) = (self.locate)(at);
                    self.errors.push(
                        Diagnostic::new(Code::HeadingLevelOne, self.path, line, "a level-1 heading (`# ...`) in the text")
                            .column(column)
                            .hint("the page title is the page's only level-1 heading; use `##` for sections"),
                    );
                }
                self.headings.push((self.events.len(), *level as u8, at));
                self.in_heading = true;
            }
            Event::End(TagEnd::Heading(_)) => {
                self.events.push(event);
                self.in_heading = false;
                return;
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            }) => {
                if let Some(html) = self.link(*link_type, dest_url, title, at) {
                    self.in_external = true;
                    self.keep(Event::Html(html.into()));
                    return;
                }
            }
            Event::End(TagEnd::Link) if self.in_external => {
                self.in_external = false;
                self.keep(Event::Html("</a>".into()));
                return;
            }
            Event::Start(Tag::Image { dest_url, .. }) if !csp::is_local(dest_url) => {
                let (line, column) = (self.locate)(at);
                let what = csp::Blocked::Source(dest_url);
                self.errors
                    .push(csp::diagnostic(self.path, line, column, &what));
            }
            Event::Start(Tag::Image { dest_url, .. }) => self.link_ref(dest_url, at),
            Event::Start(Tag::FootnoteDefinition(name)) => self.out.ids.push(name.to_string()),
            Event::Html(html) | Event::InlineHtml(html) => {
                scan_html(html, at, self.locate, self.out);
                for (offset, what) in csp::blocked(html) {
                    let (line, column) = (self.locate)(at + offset);
                    self.errors
                        .push(csp::diagnostic(self.path, line, column, &what));
                }
            }
            Event::Text(text) if !self.omit.words => self.out.word_count += count_words(text),
            _ => {}
        }
        self.keep(event);
    }

    /// Keeps `event` for the HTML, or for a heading's id and title when there is no HTML.
    fn keep(&mut self, event: Event<'s>) {
        if !self.omit.html || self.in_heading {
            self.events.push(event);
        }
    }

    /// A link: a `javascript:` one is an error; an external one becomes the opening tag
    /// returned (with `rel="noopener"`); an internal one is recorded for the link check.
    fn link(
        &mut self,
        link_type: LinkType,
        dest_url: &str,
        title: &str,
        at: usize,
    ) -> Option<String> {
        if csp::runs_script(dest_url) {
            let (line, column) = (self.locate)(at);
            let what = csp::Blocked::Script(dest_url);
            self.errors
                .push(csp::diagnostic(self.path, line, column, &what));
        } else if link_type == LinkType::Email || is_other_scheme(dest_url) {
        } else if is_external(dest_url) {
            let mut html = String::from("<a href=\"");
            escape_href(&mut html, dest_url);
            html.push('"');
            if !title.is_empty() {
                html.push_str(" title=\"");
                escape_html(&mut html, title);
                html.push('"');
            }
            html.push_str(" rel=\"noopener\">");
            return Some(html);
        } else {
            self.link_ref(dest_url, at);
        }
        None
    }

    fn link_ref(&mut self, target: &str, at: usize) {
        let (line, column) = (self.locate)(at);
        self.out.links.push(LinkRef {
            target: target.to_string(),
            line,
            column,
        });
    }
}

/// The headings' ids (explicit ones checked, the others made from their text) and the
/// table of contents.
struct Naming<'a, L> {
    path: &'a Path,
    locate: &'a L,
    taken: &'a HashSet<String>,
    ids: &'a mut IdAllocator,
    errors: &'a mut Vec<Diagnostic>,
}

impl<L: Fn(usize) -> (usize, usize)> Naming<'_, L> {
    /// Gives each heading in `events` its id (pushed to `page_ids`) and returns the nested
    /// table of contents of the level-2 and deeper headings.
    fn headings(
        &mut self,
        events: &mut [Event<'_>],
        headings: Vec<(usize, u8, usize)>,
        page_ids: &mut Vec<String>,
    ) -> Vec<TocEntry> {
        let mut flat_toc = Vec::new();
        for (start, level, offset) in headings {
            let end = events[start..]
                .iter()
                .position(|e| matches!(e, Event::End(TagEnd::Heading(_))))
                .map_or(events.len(), |i| start + i);
            let title: String = events[start + 1..end]
                .iter()
                .filter_map(|e| match e {
                    Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                    _ => None,
                })
                .collect();
            let Event::Start(Tag::Heading { id, .. }) = &mut events[start] else {
                unreachable!("heading start recorded")
            };
            let chosen = self.id(id, &title, offset);
            page_ids.push(chosen.clone());
            if level >= 2 {
                flat_toc.push(TocEntry {
                    level,
                    id: chosen,
                    title,
                    children: Vec::new(),
                });
            }
        }
        nest(flat_toc)
    }

    /// A heading's id: its explicit `{#id}` (an error when taken), or a fresh one from its
    /// text, written into the event.
    fn id(&mut self, id: &mut Option<CowStr<'_>>, title: &str, offset: usize) -> String {
        match id {
            Some(explicit) => {
                if !self.ids.reserve(explicit) {
                    let why = if self.taken.contains(explicit.as_ref()) {
                        "by the templates"
                    } else {
                        "twice on this page"
                    };
                    self.errors.push(
                        Diagnostic::new(
                            Code::DuplicateId,
                            self.path,
                            (self.locate)(offset).0,
                            format!("the id `{explicit}` is used {why}"),
                        )
                        .hint("pick another `{#id}`"),
                    );
                }
                explicit.to_string()
            }
            None => {
                let fresh = self.ids.allocate(title);
                *id = Some(CowStr::from(fresh.clone()));
                fresh
            }
        }
    }
}
fn is_external(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://") || url.starts_with("//")
}

fn is_other_scheme(url: &str) -> bool {
    // mailto:, tel:, data: ... anything with a scheme that is not http(s).
    match memchr::memchr(b':', url.as_bytes()) {
        Some(i) => {
            let scheme = &url[..i];
            !scheme.is_empty() && !scheme.contains(['/', '?', '#']) && !is_external(url)
        }
        None => false,
    }
}

fn escape_href(out: &mut String, url: &str) {
    pulldown_cmark_escape::escape_href(out, url).expect("writing to a String");
}

fn escape_html(out: &mut String, text: &str) {
    pulldown_cmark_escape::escape_html(out, text).expect("writing to a String");
}

/// Ids and site-internal `href`/`src` attributes in raw HTML written by editors.
fn scan_html(
    html: &str,
    base: usize,
    locate: &dyn Fn(usize) -> (usize, usize),
    out: &mut Rendered,
) {
    for (name, value, at) in attributes(html) {
        match name {
            "id" | "name" => out.ids.push(value.to_string()),
            "href" | "src"
                if !is_external(value) && !is_other_scheme(value) && !value.is_empty() =>
            {
                let (line, column) = locate(base + at);
                out.links.push(LinkRef {
                    target: value.to_string(),
                    line,
                    column,
                });
            }
            _ => {}
        }
    }
}

/// `name="value"` pairs (double-quoted) in an HTML fragment, with the value's offset.
pub fn attributes(html: &str) -> impl Iterator<Item = (&str, &str, usize)> {
    let bytes = html.as_bytes();
    memchr::memmem::find_iter(bytes, b"=\"").filter_map(move |eq| {
        let name_start = bytes[..eq]
            .iter()
            .rposition(|b| !(b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_'))
            .map_or(0, |i| i + 1);
        if name_start == eq || (name_start > 0 && !bytes[name_start - 1].is_ascii_whitespace()) {
            return None;
        }
        let value_start = eq + 2;
        let value_end = value_start + memchr::memchr(b'"', &bytes[value_start..])?;
        Some((
            &html[name_start..eq],
            &html[value_start..value_end],
            value_start,
        ))
    })
}

fn nest(flat: Vec<TocEntry>) -> Vec<TocEntry> {
    let mut roots: Vec<TocEntry> = Vec::new();
    for entry in flat {
        insert(&mut roots, entry);
    }
    roots
}

fn insert(siblings: &mut Vec<TocEntry>, entry: TocEntry) {
    match siblings.last_mut() {
        Some(last) if last.level < entry.level => insert(&mut last.children, entry),
        _ => siblings.push(entry),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::line_col;

    #[test]
    fn count_words_is_split_whitespace_count() {
        for text in [
            "",
            " ",
            "en to  tre",
            "  førende\tlæringsmiljø\n\npå tværs ",
            "a\u{a0}b\u{3000}c\u{2009}d\u{85}e",
            "ord\u{b}ord\u{c}ord\rord",
            "æøå",
            "x\u{200b}y",
        ] {
            assert_eq!(
                count_words(text),
                text.split_whitespace().count(),
                "{text:?}"
            );
        }
    }

    /// The next state of the tests' random generator.
    fn next(seed: u64) -> u64 {
        seed.wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407)
    }

    /// `count_words` agrees with `split_whitespace` on `rounds` texts of characters from
    /// `pool`, each as long as `len` says for the generator's state.
    fn count_words_agrees(pool: &[char], mut seed: u64, rounds: usize, len: fn(u64) -> u64) {
        for _ in 0..rounds {
            let mut text = String::new();
            for _ in 0..len(seed) {
                seed = next(seed);
                text.push(pool[(seed >> 33) as usize % pool.len()]);
            }
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            assert_eq!(
                count_words(&text),
                text.split_whitespace().count(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn count_words_agrees_on_generated_text() {
        let pool = [
            'a', 'Z', 'æ', 'ø', 'å', '€', '😀', ' ', '\t', '\n', '\u{b}', '\u{85}', '\u{a0}',
            '\u{1680}', '\u{2003}', '\u{2028}', '\u{202f}', '\u{3000}', '\u{200b}', '\u{feff}',
        ];
        // Most texts short, some longer than the blocks the ASCII count works in.
        count_words_agrees(&pool, 0x5eed, 5_000, |seed| {
            if seed.is_multiple_of(5) {
                seed % 700
            } else {
                seed % 24
            }
        });
    }

    #[test]
    fn count_words_agrees_on_long_text_without_unicode_spaces() {
        let pool = [
            'a', 'Z', 'æ', 'ø', 'å', '.', ' ', ' ', '\t', '\n', '\u{b}', '\u{c}', '\r',
        ];
        count_words_agrees(&pool, 0xc0de, 2_000, |seed| seed % 1_100);
    }

    #[test]
    fn lines_count_on_as_line_col_counts_from_the_start() {
        let source = "## Æble\n\nen [to](/a/) tre\r\n\n- fire\n  fem ø\n\nseks";
        let offsets: Vec<usize> = (0..=source.len())
            .filter(|&i| source.is_char_boundary(i))
            .collect();
        let mut seed: u64 = 7;
        for _ in 0..200 {
            let lines = Lines::new(source);
            for _ in 0..12 {
                seed = next(seed);
                let at = offsets[(seed >> 33) as usize % offsets.len()];
                assert_eq!(lines.line_col(at), line_col(source, at), "offset {at}");
            }
        }
    }

    fn md(body: &str) -> Rendered {
        render(
            Path::new("content/x.md"),
            body,
            5,
            &HashSet::new(),
            Omit::NOTHING,
        )
        .unwrap()
    }

    #[test]
    fn what_the_security_policy_would_block_is_an_error_at_its_place() {
        let errs = render(
            Path::new("content/x.md"),
            "Tekst.\n\n![Logo](https://example.com/logo.png)\n\n<p style=\"color: red\">Rød</p>\n\n<button onclick=\"alert(1)\">Klik</button>\n\n<script>alert(1)</script>\n\n<iframe src=\"https://www.youtube.com/embed/x\"></iframe>\n\n![Prik](data:image/gif;base64,R0lGOD)\n",
            3,
            &HashSet::new(),
            Omit::NOTHING,
        )
        .unwrap_err();
        let got: Vec<_> = errs
            .iter()
            .map(|d| (d.line, d.column, d.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    5,
                    1,
                    "`https://example.com/logo.png` is loaded from outside the site"
                ),
                (7, 4, "an inline style in the text"),
                (9, 9, "a script in the text (`onclick`)"),
                (11, 1, "a script in the text (`<script>`)"),
                (
                    13,
                    1,
                    "an embedded frame or object (`<iframe>`) in the text"
                ),
                (
                    13,
                    14,
                    "`https://www.youtube.com/embed/x` is loaded from outside the site"
                ),
                (
                    15,
                    1,
                    "`data:image/gif;base64,R0lGOD` is loaded from outside the site"
                ),
            ]
        );
        assert!(
            errs[1]
                .hint
                .as_deref()
                .unwrap()
                .contains("blocks inline styles")
        );
        // What the policy allows: the site's own files, links to other sites, classes.
        assert!(errs[3].hint.as_deref().unwrap().contains("blocks scripts"));
        // What the policy allows: the site's own files, links to other sites, classes,
        // and HTML shown as code or commented out.
        let ok = md(
            "![Logo](/billeder/logo.png)\n\n<img src=\"/billeder/a.png\" alt=\"A\">\n\n[SM](https://www.sm.dk/)\n\n<p class=\"lead\">Tekst om stil og onsdage.</p>\n\nSkriv `<script>` eller `<iframe src=\"https://x.dk\">`.\n\n```html\n<script src=\"https://x.dk/a.js\"></script>\n```\n\n<!-- <iframe src=\"https://www.youtube.com/embed/x\"></iframe> -->\n",
        );
        assert!(ok.html.contains("<img"));
        // A link that runs a script.
        let errs = render(
            Path::new("content/x.md"),
            "[Klik](javascript:alert(1))\n",
            1,
            &HashSet::new(),
            Omit::NOTHING,
        )
        .unwrap_err();
        assert_eq!(
            errs[0].message,
            "a script in the text (`javascript:alert(1)`)"
        );
    }

    #[test]
    fn without_html_words_and_toc_a_page_has_the_same_ids_links_and_errors() {
        let bodies = [
            "## Faser og *indhold* [her](/a/)\n\nTekst med [link](https://x.dk) og [intern](/b/#c).\n\n### Økonomi `kode`\n\n## Økonomi\n\n## Eget {#mit-id}\n\nFod[^n].\n\n[^n]: Note.\n",
            "::: Mere\n## Inde i en fold\n[formular: ansoegning]\n:::\n\n![Logo](/billeder/logo.png)\n",
            "# Et H1\n\n## Dobbelt {#d}\n\n## Igen {#d}\n\n<iframe src=\"https://x.dk\"></iframe>\n",
        ];
        let taken: HashSet<String> = ["indhold".to_string()].into();
        for body in bodies {
            let path = Path::new("content/x.md");
            let with = render(path, body, 5, &taken, Omit::NOTHING);
            let omit = Omit {
                html: true,
                words: true,
                toc: true,
            };
            let without = render(path, body, 5, &taken, omit);
            match (with, without) {
                (Ok(w), Ok(o)) => {
                    assert!(!w.html.is_empty() && o.html.is_empty(), "{body}");
                    assert!(w.word_count > 0 && o.word_count == 0, "{body}");
                    assert!(o.toc.is_empty(), "{body}");
                    assert_eq!(
                        (w.ids, w.links, w.forms),
                        (o.ids, o.links, o.forms),
                        "{body}"
                    );
                }
                (Err(w), Err(o)) => assert_eq!(w, o, "{body}"),
                (w, o) => panic!("{body}: {w:?} against {o:?}"),
            }
        }
    }

    #[test]
    fn headings_get_danish_ids_and_a_nested_toc() {
        let r = md("## Faser og indhold\n\n### Økonomi\n\n## Økonomi\n\n## Eget {#mit-id}\n");
        assert!(
            r.html
                .contains("<h2 id=\"faser-og-indhold\">Faser og indhold</h2>"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<h3 id=\"oekonomi\">"));
        assert!(r.html.contains("<h2 id=\"oekonomi-1\">"));
        assert!(r.html.contains("<h2 id=\"mit-id\">"));
        assert_eq!(r.toc.len(), 3);
        assert_eq!(r.toc[0].children[0].id, "oekonomi");
        assert_eq!(
            r.ids,
            ["faser-og-indhold", "oekonomi", "oekonomi-1", "mit-id"]
        );
    }

    #[test]
    fn external_links_get_noopener_and_internal_ones_are_collected_with_lines() {
        let r = md(
            "Se [SM](https://www.sm.dk/ \"Ministeriet\") og\n[mini](/minivejledningsforloeb/#oekonomi) og <a href=\"/x/\">x</a>.\n",
        );
        assert!(
            r.html.contains(
                "<a href=\"https://www.sm.dk/\" title=\"Ministeriet\" rel=\"noopener\">SM</a>"
            ),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains("<a href=\"/minivejledningsforloeb/#oekonomi\">mini</a>")
        );
        let got: Vec<_> = r
            .links
            .iter()
            .map(|l| (l.target.as_str(), l.line))
            .collect();
        assert_eq!(got, [("/minivejledningsforloeb/#oekonomi", 6), ("/x/", 6)]);
    }

    #[test]
    fn mail_and_tel_links_are_not_checked() {
        let r = md("[skriv](mailto:a@b.dk) [ring](tel:+4512345678) <a@b.dk>\n");
        assert!(r.links.is_empty(), "{:?}", r.links);
    }

    #[test]
    fn folds_render_native_details_and_keep_line_numbers() {
        let body = "Intro\n\n::: Faser og indhold\nTekst med [link](/a/).\n\n- punkt\n:::\n\n::: Økonomi\nGratis.\n:::\n\n[sidst](/b/)\n";
        let r = md(body);
        assert!(r.html.contains("<details class=\"fold\" id=\"faser-og-indhold\">\n<summary>Faser og indhold</summary>"), "{}", r.html);
        assert!(
            r.html
                .contains("<p>Tekst med <a href=\"/a/\">link</a>.</p>"),
            "{}",
            r.html
        );
        assert!(r.html.contains("<li>punkt</li>"));
        assert_eq!(r.html.matches("</details>").count(), 2);
        assert_eq!(r.ids, ["faser-og-indhold", "oekonomi"]);
        let got: Vec<_> = r
            .links
            .iter()
            .map(|l| (l.target.as_str(), l.line))
            .collect();
        assert_eq!(got, [("/a/", 8), ("/b/", 17)]);
    }

    #[test]
    fn form_directives_become_placeholders_with_their_lines() {
        let r = md("Tekst.\n\n[formular: minivejledning]\n\nMere [tekst](/a/).\n");
        assert_eq!(r.forms, [("minivejledning".to_string(), 7)]);
        assert!(
            r.html.contains("<!--site-gen:form:minivejledning-->"),
            "{}",
            r.html
        );
        assert_eq!(r.links[0].line, 9);
        let r = md("```\n[formular: x]\n```\n");
        assert!(r.forms.is_empty());
    }

    #[test]
    fn folds_inside_code_blocks_are_left_alone() {
        let r = md("```\n::: Ikke en fold\n```\n");
        assert!(!r.html.contains("<details"));
        assert!(r.html.contains("::: Ikke en fold"));
    }

    #[test]
    fn unbalanced_folds_and_h1_are_errors_with_file_lines() {
        let errs = render(
            Path::new("content/x.md"),
            "# Titel\n\n::: Åben\ntekst\n\n:::\n:::\n\n::: Igen\n",
            4,
            &HashSet::new(),
            Omit::NOTHING,
        )
        .unwrap_err();
        let got: Vec<_> = errs.iter().map(|d| (d.line, d.message.as_str())).collect();
        assert_eq!(
            got,
            [
                (
                    10,
                    "`:::` closes a collapsible section that was never opened"
                ),
                (12, "this collapsible section is never closed"),
                (4, "a level-1 heading (`# ...`) in the text"),
            ]
        );
    }

    #[test]
    fn ids_used_by_the_templates_are_not_reused() {
        let taken: HashSet<String> = ["indhold".to_string()].into();
        let at = |body| render(Path::new("content/x.md"), body, 1, &taken, Omit::NOTHING);
        let r = at("## Indhold\n").unwrap();
        assert_eq!(r.ids, ["indhold-1"]);
        let errs = at("## Mit {#indhold}\n").unwrap_err();
        assert_eq!(errs[0].message, "the id `indhold` is used by the templates");
    }

    #[test]
    fn extensions_are_on() {
        let r = md(
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n~~x~~ \"citat\" - [ ] opgave[^1]\n\n[^1]: Note.\n",
        );
        assert!(r.html.contains("<table>"));
        assert!(r.html.contains("<del>x</del>"));
        assert!(r.html.contains("\u{201c}citat\u{201d}"));
        assert!(r.html.contains("footnote-definition"));
        assert!(r.ids.contains(&"1".to_string()));
    }

    #[test]
    fn titles_and_summaries_are_escaped() {
        let r = md("::: A <b> & c\nx\n:::\n");
        assert!(
            r.html.contains("<summary>A &lt;b&gt; &amp; c</summary>"),
            "{}",
            r.html
        );
    }
}
