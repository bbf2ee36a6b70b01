//! The whole site as one value: every published page and section with its URL, its place
//! in the tree and its children, built from parsed pages for one build date.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use jiff::civil::Date;
use rayon::prelude::*;

use crate::config::SiteConfig;
use crate::content::ParsedPage;
use crate::dates;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::frontmatter::{FrontMatter, SortBy};

/// What a build includes.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Include pages with `draft: true`.
    pub drafts: bool,
    /// The day the site is built for: publish and expiry dates are compared with it.
    pub date: Date,
    /// Overrides `base_url` from site.yaml (for previews and other hosts).
    pub base_url: Option<String>,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            drafts: false,
            date: dates::today_in_denmark(),
            base_url: None,
        }
    }
}

/// A page or section in the site.
#[derive(Debug, Clone)]
pub struct Entry {
    pub page: Arc<ParsedPage>,
    pub url: String,
    /// The section this entry is listed in (none for the front page).
    pub parent: Option<usize>,
    /// Sections only: their pages, in the section's order.
    pub pages: Vec<usize>,
    /// Sections only: their sub-sections, by URL.
    pub subsections: Vec<usize>,
}

impl Entry {
    pub fn meta(&self) -> &FrontMatter {
        &self.page.meta
    }
}

/// An old URL that redirects to a page.
#[derive(Debug, Clone)]
pub struct Alias {
    pub from: String,
    pub to: usize,
}

/// A published file from `content/` (an image, a PDF).
#[derive(Debug, Clone)]
pub struct ContentFile {
    pub url: String,
    pub path: PathBuf,
}

/// The assembled site.
#[derive(Debug, Clone)]
pub struct Site {
    pub config: SiteConfig,
    /// Sorted by URL.
    pub entries: Vec<Entry>,
    pub root: usize,
    pub by_url: UrlIndex,
    pub aliases: Vec<Alias>,
    pub files: Vec<ContentFile>,
    /// URLs of pages left out of this build, with the reason, for better link errors.
    pub hidden: HashMap<String, String>,
    /// URLs of pages that have errors of their own (already reported).
    pub failed: HashSet<String>,
    pub options: BuildOptions,
}

impl Site {
    /// Puts the parsed pages together for `options`. `files` are `(path within content/, file)`.
    pub fn assemble(
        config: SiteConfig,
        parsed: &[Arc<ParsedPage>],
        files: &[(String, PathBuf)],
        options: &BuildOptions,
    ) -> Result<Site, Diagnostics> {
        let (site, errors) = Site::assemble_all(config, parsed, files, options, HashSet::new());
        errors.into_result(site)
    }

    /// Like [`Site::assemble`], but always gives a site, so that later checks can still run
    /// and report their problems in the same run. `failed` are the URLs of pages that could
    /// not be parsed: links to them are not reported again.
    pub fn assemble_all(
        mut config: SiteConfig,
        parsed: &[Arc<ParsedPage>],
        files: &[(String, PathBuf)],
        options: &BuildOptions,
        mut failed: HashSet<String>,
    ) -> (Site, Diagnostics) {
        if let Some(base) = &options.base_url {
            config.base_url = base.trim_end_matches('/').to_string();
        }
        let mut errors = Diagnostics::new();
        let (chosen, hidden) = choose(&config, parsed, options);
        let (mut entries, by_url) = index(chosen, &mut errors, &mut failed);
        let root = by_url["/"];
        link_tree(&mut entries, root);
        let aliases = aliases(&entries, &by_url, &mut errors);
        check_nav(&config, &by_url, &hidden, &failed, &mut errors);
        let site = Site {
            config,
            entries,
            root,
            by_url,
            aliases,
            files: files
                .iter()
                .map(|(rel, path)| ContentFile {
                    url: format!("/{rel}"),
                    path: path.clone(),
                })
                .collect(),
            hidden,
            failed,
            options: options.clone(),
        };
        (site, errors)
    }

    /// Orders section `i`'s pages again (after a page's title changed: titles break ties).
    pub fn sort_section(&mut self, i: usize) {
        sort_pages(&mut self.entries, i);
    }

    pub fn get(&self, url: &str) -> Option<&Entry> {
        self.by_url.get(url).map(|&i| &self.entries[i])
    }

    /// The sections above entry `i`, from the front page down (not including `i`).
    pub fn ancestors(&self, i: usize) -> Vec<usize> {
        let mut chain = Vec::new();
        let mut at = self.entries[i].parent;
        while let Some(p) = at {
            chain.push(p);
            at = self.entries[p].parent;
        }
        chain.reverse();
        chain
    }
}

/// Each entry's place by its URL.
pub type UrlIndex = HashMap<String, usize, ahash::RandomState>;

/// Pages with the URL each is published at.
type ByUrl = Vec<(String, Arc<ParsedPage>)>;

/// The pages this build publishes, by URL, sorted (a front page is made when there is
/// none), and the URLs of those left out with the reason (for link errors).
fn choose(
    config: &SiteConfig,
    parsed: &[Arc<ParsedPage>],
    options: &BuildOptions,
) -> (ByUrl, HashMap<String, String>) {
    let judged: Vec<(String, Option<String>)> = parsed
        .par_iter()
        .map(|page| (page.url(), excluded(&page.meta, options)))
        .collect();
    let mut hidden = HashMap::new();
    let mut chosen: ByUrl = Vec::with_capacity(parsed.len());
    for ((url, exclusion), page) in judged.into_iter().zip(parsed) {
        match exclusion {
            Some(reason) => {
                hidden.insert(url, reason);
            }
            None => chosen.push((url, page.clone())),
        }
    }
    if !chosen.iter().any(|(url, p)| url == "/" && p.is_section) {
        chosen.push(("/".to_string(), Arc::new(implicit_front_page(config))));
    }
    // Stable: of two pages with one URL, the first in file order is kept (`index`).
    chosen.par_sort_by(|a, b| a.0.cmp(&b.0));
    (chosen, hidden)
}

/// The entries, one per URL: a second page with the same URL is an error (blaming the
/// file whose `slug` made the clash, if one of them has one). The address the blamed page
/// has without its slug goes into `moved`: links to it are the clash's consequence, not
/// mistakes of their own.
fn index(
    chosen: ByUrl,
    errors: &mut Diagnostics,
    moved: &mut HashSet<String>,
) -> (Vec<Entry>, UrlIndex) {
    let mut by_url = UrlIndex::with_capacity_and_hasher(chosen.len(), Default::default());
    let mut entries: Vec<Entry> = Vec::with_capacity(chosen.len());
    for (url, page) in chosen {
        if let Some(&other) = by_url.get(&url) {
            let first: &Entry = &entries[other];
            let (blamed, line, other_file) =
                if first.page.meta.slug.is_some() && page.meta.slug.is_none() {
                    (&first.page, first.page.meta.line_of("slug"), &page.source)
                } else {
                    (&page, page.meta.line_of("slug"), &first.page.source)
                };
            let mut hint =
                "two files cannot have the same URL: rename one or give it another `slug`"
                    .to_string();
            if blamed.meta.slug.is_some() {
                let unslugged = crate::content::url_for(&blamed.rel, None);
                if unslugged != url {
                    hint.push_str(&format!(
                        "; the links to `{unslugged}`, its address without the slug, are checked once the clash is gone"
                    ));
                    moved.insert(unslugged);
                }
            }
            errors.push(
                Diagnostic::new(
                    Code::SameAddress,
                    &blamed.source,
                    line,
                    format!("`{url}` is also the address of {}", other_file.display()),
                )
                .hint(hint),
            );
            continue;
        }
        by_url.insert(url.clone(), entries.len());
        entries.push(Entry {
            page,
            url,
            parent: None,
            pages: Vec::new(),
            subsections: Vec::new(),
        });
    }
    (entries, by_url)
}

/// Each entry's section (the nearest folder above it that has an `_index.md`), and each
/// section's pages in its order and its sub-sections.
fn link_tree(entries: &mut [Entry], root: usize) {
    let section_of_folder: HashMap<&str, usize> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.page.is_section)
        .map(|(i, e)| (e.page.folder(), i))
        .collect();
    let parents: Vec<Option<usize>> = entries
        .par_iter()
        .enumerate()
        .map(|(i, e)| {
            if i == root {
                return None;
            }
            let mut folder = e.page.folder();
            if e.page.is_section {
                folder = parent_folder(folder);
            }
            loop {
                if let Some(&s) = section_of_folder.get(folder) {
                    return Some(s);
                }
                if folder.is_empty() {
                    return Some(root);
                }
                folder = parent_folder(folder);
            }
        })
        .collect();
    for (i, parent) in parents.into_iter().enumerate() {
        entries[i].parent = parent;
        if let Some(p) = parent {
            if entries[i].page.is_section {
                entries[p].subsections.push(i);
            } else {
                entries[p].pages.push(i);
            }
        }
    }
    for i in 0..entries.len() {
        if entries[i].page.is_section {
            sort_pages(entries, i);
        }
    }
}

/// Orders section `i`'s pages as its `sort_by` says.
fn sort_pages(entries: &mut [Entry], i: usize) {
    let sort_by = entries[i].page.meta.sort_by;
    let mut keyed: Vec<(SortKey, usize)> = entries[i]
        .pages
        .par_iter()
        .map(|&p| (sort_key(&entries[p], p, sort_by), p))
        .collect();
    // The keys end with the page's place, so no two are equal.
    keyed.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
    entries[i].pages = keyed.into_iter().map(|(_, p)| p).collect();
}

/// The old addresses that lead to pages: each unused by any page and given once.
fn aliases(entries: &[Entry], by_url: &UrlIndex, errors: &mut Diagnostics) -> Vec<Alias> {
    let mut aliases = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        for from in &e.page.meta.aliases {
            let from = if from.ends_with('/')
                || from.rsplit('/').next().is_some_and(|l| l.contains('.'))
            {
                from.clone()
            } else {
                format!("{from}/")
            };
            if let Some(&other) = by_url.get(&from) {
                errors.push(
                    Diagnostic::new(
                        Code::SameAddress,
                        &e.page.source,
                        e.page.meta.line_of("aliases"),
                        format!(
                            "alias `{from}` is the address of {}",
                            entries[other].page.source.display()
                        ),
                    )
                    .hint("an alias must be an old address that no page uses now"),
                );
            } else if aliases.iter().any(|a: &Alias| a.from == from) {
                errors.push(Diagnostic::new(
                    Code::SameAddress,
                    &e.page.source,
                    e.page.meta.line_of("aliases"),
                    format!("alias `{from}` is given by two pages"),
                ));
            } else {
                aliases.push(Alias { from, to: i });
            }
        }
    }
    aliases
}

/// Every menu entry is a page of this build (one with errors of its own is not reported
/// again).
fn check_nav(
    config: &SiteConfig,
    by_url: &UrlIndex,
    hidden: &HashMap<String, String>,
    failed: &HashSet<String>,
    errors: &mut Diagnostics,
) {
    for (n, nav) in config.nav.iter().enumerate() {
        if !by_url.contains_key(nav.as_str()) && !failed.contains(nav.as_str()) {
            let mut d = Diagnostic::new(
                Code::MenuEntry,
                "content/site.yaml",
                config.nav_line(n),
                format!("the menu entry `{nav}` is not a page of this site"),
            );
            if let Some(reason) = hidden.get(nav.as_str()) {
                d = d.hint(format!("that page is {reason}"));
            } else if by_url.contains_key(&format!("{nav}/")) {
                d = d.hint(format!("write it with a trailing slash: `{nav}/`"));
            }
            errors.push(d);
        }
    }
}

fn parent_folder(folder: &str) -> &str {
    folder.rfind('/').map_or("", |i| &folder[..i])
}

fn excluded(meta: &FrontMatter, options: &BuildOptions) -> Option<String> {
    if meta.draft && !options.drafts {
        return Some("a draft (build with --drafts to include drafts)".to_string());
    }
    if let Some(p) = meta.publish_date.filter(|p| *p > options.date) {
        return Some(format!(
            "not published until {} (publish_date)",
            dates::iso(p)
        ));
    }
    if let Some(e) = meta.expiry_date.filter(|e| *e <= options.date) {
        return Some(format!("expired on {} (expiry_date)", dates::iso(e)));
    }
    None
}

fn implicit_front_page(config: &SiteConfig) -> ParsedPage {
    ParsedPage {
        source: PathBuf::from("content/_index.md"),
        rel: "_index.md".to_string(),
        is_section: true,
        meta: FrontMatter {
            title: config.title.clone(),
            ..FrontMatter::default()
        },
        body: crate::body::Body::held(Default::default()),
    }
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum SortKey {
    Weight(i64, String, usize),
    /// Newest first: dates are compared reversed, pages without a date last.
    Date(std::cmp::Reverse<Option<Date>>, String, usize),
    Title(String, usize),
}

/// `index` (the entry's place in URL order) breaks ties, so the order is always the same.
fn sort_key(e: &Entry, index: usize, by: SortBy) -> SortKey {
    let title = danish_collation_key(&e.page.meta.title);
    match by {
        SortBy::Weight => SortKey::Weight(e.page.meta.weight, title, index),
        SortBy::Date => SortKey::Date(std::cmp::Reverse(e.page.meta.date), title, index),
        SortBy::Title => SortKey::Title(title, index),
    }
}

/// A key that sorts Danish text in Danish alphabetical order (… x y z æ ø å).
pub fn danish_collation_key(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'æ' | 'ä' => '\u{10FF01}',
            'ø' | 'ö' => '\u{10FF02}',
            'å' => '\u{10FF03}',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn config() -> SiteConfig {
        SiteConfig::parse(
            Path::new("content/site.yaml"),
            "title: T\nbase_url: https://x.dk\nnav: [/b/]\n",
        )
        .unwrap()
    }

    fn parsed(rel: &str, front: &str) -> Arc<ParsedPage> {
        let text = format!("---\n{front}---\nTekst.\n");
        Arc::new(
            ParsedPage::parse(
                &Path::new("content").join(rel),
                rel,
                &text,
                &Default::default(),
                crate::markdown::Omit::NOTHING,
            )
            .unwrap(),
        )
    }

    fn options(date: &str) -> BuildOptions {
        BuildOptions {
            drafts: false,
            date: dates::parse_iso(date).unwrap(),
            base_url: None,
        }
    }

    #[test]
    fn tree_order_and_danish_sorting() {
        let pages = vec![
            parsed("_index.md", "title: Forside\n"),
            parsed("b.md", "title: Åben\nweight: 2\n"),
            parsed("c.md", "title: Ære\nweight: 2\n"),
            parsed("a.md", "title: Zebra\nweight: 1\n"),
            parsed("s/_index.md", "title: S\nsort_by: date\n"),
            parsed("s/x.md", "title: X\ndate: 2017-01-01\n"),
            parsed("s/y.md", "title: Y\ndate: 2018-01-01\n"),
            parsed("s/z.md", "title: Z\n"),
        ];
        let site = Site::assemble(config(), &pages, &[], &options("2020-01-01")).unwrap();
        let urls = |v: &[usize]| {
            v.iter()
                .map(|&i| site.entries[i].url.as_str())
                .collect::<Vec<_>>()
        };
        let root = &site.entries[site.root];
        assert_eq!(urls(&root.pages), ["/a/", "/c/", "/b/"]);
        assert_eq!(urls(&root.subsections), ["/s/"]);
        assert_eq!(
            urls(&site.get("/s/").unwrap().pages),
            ["/s/y/", "/s/x/", "/s/z/"]
        );
        let y = site.by_url["/s/y/"];
        assert_eq!(urls(&site.ancestors(y)), ["/", "/s/"]);
    }

    #[test]
    fn drafts_publish_and_expiry_dates() {
        let pages = vec![
            parsed("b.md", "title: B\n"),
            parsed("draft.md", "title: D\ndraft: true\n"),
            parsed("later.md", "title: L\npublish_date: 2019-03-02\n"),
            parsed("old.md", "title: O\nexpiry_date: 2019-03-01\n"),
        ];
        let site = Site::assemble(config(), &pages, &[], &options("2019-03-01")).unwrap();
        let mut urls: Vec<_> = site.by_url.keys().cloned().collect();
        urls.sort();
        assert_eq!(urls, ["/", "/b/"]);
        assert!(site.hidden["/later/"].contains("not published until 2019-03-02"));
        assert!(site.hidden["/old/"].contains("expired"));
        let site = Site::assemble(config(), &pages, &[], &options("2019-03-02")).unwrap();
        assert!(site.by_url.contains_key("/later/"));
        let mut o = options("2019-01-01");
        o.drafts = true;
        let site = Site::assemble(config(), &pages, &[], &o).unwrap();
        assert!(site.by_url.contains_key("/draft/") && site.by_url.contains_key("/old/"));
    }

    #[test]
    fn duplicate_urls_aliases_and_menu_entries_are_reported() {
        let pages = vec![
            parsed("b.md", "title: B\naliases: [/c/, /gammel]\n"),
            parsed("c.md", "title: C\n"),
            parsed("d.md", "title: D\nslug: c\n"),
        ];
        let cfg = SiteConfig::parse(
            Path::new("content/site.yaml"),
            "title: T\nbase_url: https://x.dk\nnav:\n  - /b\n  - /mangler/\n",
        )
        .unwrap();
        let errs = Site::assemble(cfg, &pages, &[], &options("2020-01-01")).unwrap_err();
        let msgs: Vec<String> = errs
            .iter()
            .map(|d| format!("{}: {}", d.location(), d.message))
            .collect();
        assert_eq!(
            msgs,
            [
                "content/b.md:3: alias `/c/` is the address of content/c.md",
                "content/d.md:3: `/c/` is also the address of content/c.md",
                "content/site.yaml:4: the menu entry `/b` is not a page of this site",
                "content/site.yaml:5: the menu entry `/mangler/` is not a page of this site",
            ]
        );
    }
}
