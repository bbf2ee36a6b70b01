//! The editors' files: finding them under `content/` and parsing each Markdown file into a
//! [`ParsedPage`] (checked front matter + rendered body). Pure apart from [`discover`].

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::body::{Body, PageHtml, Spill};
use crate::diagnostics::{Code, Diagnostic};
use crate::frontmatter::{self, FrontMatter};
use crate::markdown::{self, LinkRef, Omit};

/// Folders under `content/` that hold data for the generator, not pages or files to publish.
pub const RESERVED_DIRS: &[&str] = &["forms", "data", "mail"];

/// What `content/` holds.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    /// `site.yaml`, if present.
    pub config: Option<PathBuf>,
    /// Markdown files, sorted.
    pub pages: Vec<PathBuf>,
    /// Other files published as they are (images, PDFs), sorted.
    pub files: Vec<PathBuf>,
}

/// Lists the files under `content_dir`, in a stable order: by name, each folder's files
/// right after it. The folders directly under `content_dir` are walked in parallel.
pub fn discover(content_dir: &Path) -> std::io::Result<Sources> {
    let mut top: Vec<std::fs::DirEntry> =
        std::fs::read_dir(content_dir)?.collect::<Result<_, _>>()?;
    top.sort_by_key(|e| e.file_name());
    let parts: Vec<Sources> = top
        .par_iter()
        .map(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let kind = entry.file_type()?;
            let mut part = Sources::default();
            if is_ignored(&name) || (kind.is_dir() && RESERVED_DIRS.contains(&name.as_ref())) {
                return Ok(part);
            }
            if kind.is_dir() {
                walk_folder(&entry.path(), &mut part)?;
            } else if kind.is_file() && name == "site.yaml" {
                part.config = Some(entry.path());
            } else if kind.is_file() {
                sort_file(entry.path(), &mut part);
            }
            Ok(part)
        })
        .collect::<std::io::Result<_>>()?;
    let mut sources = Sources::default();
    for part in parts {
        sources.config = sources.config.or(part.config);
        sources.pages.extend(part.pages);
        sources.files.extend(part.files);
    }
    Ok(sources)
}

/// The files in `folder` and below, hidden and backup files left out, in the order of a
/// walk that visits each folder's entries by name.
fn walk_folder(folder: &Path, into: &mut Sources) -> std::io::Result<()> {
    let walker = walkdir::WalkDir::new(folder)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored(&e.file_name().to_string_lossy()));
    let mut found = Sources::default();
    for entry in walker {
        let entry = entry.map_err(std::io::Error::other)?;
        if entry.file_type().is_file() {
            sort_file(entry.into_path(), &mut found);
        }
    }
    // Sorted once at the end, by a key made once a path: walkdir's own sorting finds each
    // entry's name again in every comparison.
    for (all, mut part) in [
        (&mut into.pages, found.pages),
        (&mut into.files, found.files),
    ] {
        part.sort_by_cached_key(|p| walk_key(p));
        all.append(&mut part);
    }
    Ok(())
}

/// The key that orders paths as a walk that visits each folder's entries sorted by name:
/// the path's bytes with each separator below every other byte, so that a folder's files
/// come before those of a sibling whose name it begins (`a/x.md` before `a-b/y.md`).
fn walk_key(path: &Path) -> Vec<u8> {
    let bytes = path.as_os_str().as_encoded_bytes();
    bytes
        .iter()
        .map(|&c| {
            if std::path::is_separator(char::from(c)) {
                0
            } else {
                c
            }
        })
        .collect()
}

/// A Markdown file is a page; anything else is published as it is.
fn sort_file(path: PathBuf, into: &mut Sources) {
    if path.extension().is_some_and(|e| e == "md") {
        into.pages.push(path);
    } else {
        into.files.push(path);
    }
}

/// A relative path with `/` separators on every platform (`kurser/a.md`).
pub fn slash_path(p: &Path) -> String {
    // A walk's paths are clean: on Unix their text is the answer unless a name is empty or
    // `.`, which `components` may drop; taking every path apart would slow a large check.
    if cfg!(unix)
        && let Some(text) = p.to_str()
        && text.split('/').all(|name| !name.is_empty() && name != ".")
    {
        return text.to_owned();
    }
    p.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Hidden files and editors' backup and swap files.
pub fn is_ignored(name: &str) -> bool {
    name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp") || name.starts_with('#')
}

/// The URL of the Markdown file at `rel` (its path within `content/`), with `slug`
/// replacing the last part: `kurser/a.md` -> `/kurser/a/`, `kurser/_index.md` -> `/kurser/`.
pub fn url_for(rel: &str, slug: Option<&str>) -> String {
    let is_section = rel == "_index.md" || rel.ends_with("/_index.md");
    let (folder, file) = rel.rsplit_once('/').unwrap_or(("", rel));
    let mut parts: Vec<&str> = folder.split('/').filter(|p| !p.is_empty()).collect();
    if is_section {
        if let (Some(slug), Some(last)) = (slug, parts.last_mut()) {
            *last = slug;
        }
    } else {
        parts.push(slug.unwrap_or(file.trim_end_matches(".md")));
    }
    if parts.is_empty() {
        "/".to_string()
    } else {
        format!("/{}/", parts.join("/"))
    }
}

/// A Markdown file after parsing: where it came from, its front matter and its body.
#[derive(Debug, Clone)]
pub struct ParsedPage {
    /// The path shown to editors, e.g. `content/minivejledningsforloeb.md`.
    pub source: PathBuf,
    /// The path within `content/`, with `/` separators, e.g. `kurser/_index.md`.
    pub rel: String,
    pub is_section: bool,
    pub meta: FrontMatter,
    pub body: Body,
}

impl ParsedPage {
    /// Parses one Markdown file. `source` is the path to show in errors, `rel` its path
    /// within `content/`. Reports front matter and Markdown problems together.
    pub fn parse(
        source: &Path,
        rel: &str,
        text: &str,
        taken_ids: &HashSet<String>,
        omit: Omit,
    ) -> Result<ParsedPage, Vec<Diagnostic>> {
        let is_section = rel == "_index.md" || rel.ends_with("/_index.md");
        let split = frontmatter::split(source, text).map_err(|d| vec![d])?;
        let meta = frontmatter::parse(&split, source, is_section);
        let body = markdown::render(source, split.body, split.body_line, taken_ids, omit);
        match (meta, body) {
            (Ok(meta), Ok(body)) => Ok(ParsedPage {
                source: source.to_path_buf(),
                rel: rel.to_string(),
                is_section,
                meta,
                body: Body::held(body),
            }),
            (Err(mut a), Err(b)) => {
                a.extend(b);
                Err(a)
            }
            (Err(a), _) | (_, Err(a)) => Err(a),
        }
    }

    /// This page with its body's detail held in memory or written to `spill`.
    pub fn keep_in(self, spill: &Spill) -> std::io::Result<ParsedPage> {
        Ok(ParsedPage {
            body: self.body.keep_in(spill)?,
            ..self
        })
    }

    /// The page's HTML and table of contents, read back if they were spilled.
    pub fn content(&self) -> Result<std::borrow::Cow<'_, PageHtml>, Diagnostic> {
        self.body
            .content()
            .map_err(|e| self.unreadable("its rendered body", e))
    }

    /// The internal links written in the page, read back if they were spilled.
    pub fn links(&self) -> Result<std::borrow::Cow<'_, [LinkRef]>, Diagnostic> {
        self.body
            .links()
            .map_err(|e| self.unreadable("its links", e))
    }

    /// A spilled body that cannot be read back, reported on this page.
    fn unreadable(&self, what: &str, error: std::io::Error) -> Diagnostic {
        Diagnostic::new(
            Code::Unreadable,
            &self.source,
            0,
            format!("cannot read {what} back: {error}"),
        )
    }

    /// The folder of this file within `content/` (`""` for top-level files).
    pub fn folder(&self) -> &str {
        self.rel.rfind('/').map_or("", |i| &self.rel[..i])
    }

    /// The URL path this file is published at, e.g. `/minivejledningsforloeb/`.
    pub fn url(&self) -> String {
        url_for(&self.rel, self.meta.slug.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slash_path_drops_empty_and_dot_names_as_components_do() {
        for (path, slashed) in [
            ("kurser/a.md", "kurser/a.md"),
            ("a.md", "a.md"),
            ("a//b.md", "a/b.md"),
            // A leading `.` is kept (`components` keeps it).
            ("./a/b.md", "./a/b.md"),
            ("a/./b.md", "a/b.md"),
            ("a/b/", "a/b"),
            ("a/../b.md", "a/../b.md"),
            ("kurser/æbler.md", "kurser/æbler.md"),
        ] {
            assert_eq!(slash_path(Path::new(path)), slashed, "{path}");
        }
    }

    fn page(rel: &str, front: &str) -> ParsedPage {
        let text = format!("---\ntitle: T\n{front}---\nTekst.\n");
        ParsedPage::parse(
            &Path::new("content").join(rel),
            rel,
            &text,
            &HashSet::new(),
            Omit::NOTHING,
        )
        .unwrap()
    }

    #[test]
    fn urls_are_pretty_and_slugs_override_the_last_part() {
        assert_eq!(page("_index.md", "").url(), "/");
        assert_eq!(
            page("minivejledningsforloeb.md", "").url(),
            "/minivejledningsforloeb/"
        );
        assert_eq!(page("kurser/_index.md", "").url(), "/kurser/");
        assert_eq!(page("kurser/a.md", "slug: b\n").url(), "/kurser/b/");
        assert_eq!(
            page("kurser/_index.md", "slug: forloeb\n").url(),
            "/forloeb/"
        );
    }

    #[test]
    fn front_matter_and_body_errors_come_together() {
        let errs = ParsedPage::parse(
            Path::new("content/a.md"),
            "a.md",
            "---\ntitle: T\nfoo: 1\n---\n# H1\n",
            &HashSet::new(),
            Omit::NOTHING,
        )
        .unwrap_err();
        assert_eq!(errs.len(), 2);
        assert_eq!((errs[0].line, errs[1].line), (3, 5));
    }

    #[test]
    fn discover_skips_hidden_backup_and_reserved() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path();
        for f in [
            "site.yaml",
            "_index.md",
            "a.md",
            "a.md~",
            ".#a.md",
            "kurser/b.md",
            "kurser/plan.pdf",
            "forms/x.yaml",
            "data/k.yaml",
            ".git/x",
        ] {
            let p = c.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        let s = discover(c).unwrap();
        assert_eq!(s.config, Some(c.join("site.yaml")));
        let rel = |v: &[PathBuf]| {
            v.iter()
                .map(|p| p.strip_prefix(c).unwrap().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(rel(&s.pages), ["_index.md", "a.md", "kurser/b.md"]);
        assert_eq!(rel(&s.files), ["kurser/plan.pdf"]);
    }

    #[test]
    fn discover_lists_a_folder_in_the_order_of_a_walk_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path();
        let names = [
            "k/a.md",
            "k/a/x.md",
            "k/a-b/y.md",
            "k/a/b/z.md",
            "k/a.b/w.md",
            "k/B.md",
            "k/æ.md",
            "k/ab.md",
            "k/a0/v.md",
            "k/_index.md",
            "k/a/_index.md",
            "k/a/plan.pdf",
            "k/a.pdf",
        ];
        for f in names {
            let p = c.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        // walkdir sorting each folder's entries by name, as the walk did before.
        let (mut pages, mut files) = (Vec::new(), Vec::new());
        for e in walkdir::WalkDir::new(c.join("k")).sort_by_file_name() {
            let e = e.unwrap();
            if e.file_type().is_file() {
                let md = e.path().extension().is_some_and(|x| x == "md");
                if md { &mut pages } else { &mut files }.push(e.into_path());
            }
        }
        let s = discover(c).unwrap();
        assert_eq!(s.pages.len(), 11);
        assert_eq!((s.pages, s.files), (pages, files));
    }
}
