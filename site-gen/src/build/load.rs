//! Loading: the stages from the files under the site's root to a checked [`Renderer`]:
//! [`content_dir`] -> `content::discover` -> [`load_config`] -> [`load_theme`] ->
//! [`parse_pages`] -> `Site::assemble_all` -> [`link_targets`] and the link checks ->
//! [`load_forms`] and `check_forms` -> [`compile`]. Every stage adds the editors' mistakes
//! it finds to one list and the load goes on, so that one run reports all of them; an I/O
//! failure stops it.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use form_model::forms::{Forms, LoadError as FormsError};

use super::folder::Folder;
use super::{BuildError, io, io_with};
use crate::body::Spill;
use crate::config::SiteConfig;
use crate::content::{self, ParsedPage, Sources, slash_path};
use crate::diagnostics::{Code, Diagnostic, Diagnostics, display_path, line_col};
use crate::links::{self, Targets};
use crate::markdown::Omit;
use crate::render::{self, Renderer};
use crate::site::{BuildOptions, Site};
use crate::templates::Theme;

/// A page, or what is wrong with it.
pub type ParseResult = Result<Arc<ParsedPage>, Vec<Diagnostic>>;

/// A page as parsed, not yet shared, or what is wrong with it.
type ParsedResult = Result<ParsedPage, Vec<Diagnostic>>;

/// An earlier load's work that a load may take instead of reading again: the live
/// preview's cache (`serve::cache`).
pub trait Reuse: Sync {
    /// The file list and theme to use instead of looking at the folders again.
    fn sources(&self) -> Option<(Sources, Arc<Theme>)>;
    /// The file list and theme this load uses, and the ids its templates take (the pages'
    /// heading ids depend on them), before any page is parsed.
    fn start(&self, sources: &Sources, theme: &Arc<Theme>, taken_ids: &HashSet<String>);
    /// The page at `path`, where `parse` reads and parses it.
    fn page(
        &self,
        path: &Path,
        parse: &dyn Fn() -> Result<ParseResult, BuildError>,
    ) -> Result<ParseResult, BuildError>;
}

/// What a load is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Pages to write or serve.
    Build,
    /// Only the errors (`site-gen check`): what the templates only print is left out of the
    /// pages (`markdown::Omit`), since their rendering finds the same errors without it.
    Check,
}

/// What a load reads, what it reuses and where it puts what does not fit in memory.
#[derive(Clone, Copy)]
pub struct LoadPlan<'a> {
    pub purpose: Purpose,
    /// Where pages' bodies go once those held in memory pass its budget; `None`: all held.
    pub spill: Option<&'a Spill>,
    /// Earlier work to take instead of reading again; `None`: everything is read.
    pub reuse: Option<&'a dyn Reuse>,
}

impl<'a> LoadPlan<'a> {
    /// Everything read, for `purpose`, with bodies spilled to `spill` if given.
    pub fn fresh(purpose: Purpose, spill: Option<&'a Spill>) -> Self {
        LoadPlan {
            purpose,
            spill,
            reuse: None,
        }
    }

    /// A build that takes what `reuse` kept (the preview).
    pub fn reusing(reuse: &'a dyn Reuse) -> Self {
        LoadPlan {
            purpose: Purpose::Build,
            spill: None,
            reuse: Some(reuse),
        }
    }

    /// The page at `path`: from [`LoadPlan::reuse`], else parsed.
    fn page(
        &self,
        path: &Path,
        parse: &dyn Fn() -> Result<ParseResult, BuildError>,
    ) -> Result<ParseResult, BuildError> {
        match self.reuse {
            Some(reuse) => reuse.page(path, parse),
            None => parse(),
        }
    }
}

/// Reads, parses and checks the site under `root`, and returns a renderer for it. Bodies
/// past `spill`'s budget wait there for their page's rendering.
pub fn load(
    root: &Path,
    options: &BuildOptions,
    spill: Option<&Spill>,
) -> Result<Renderer, BuildError> {
    load_with(root, options, &LoadPlan::fresh(Purpose::Build, spill))
}

/// [`load`] for `site-gen check`: the same checks, but the pages' HTML is not written when
/// the templates only print it, nor their words counted when the templates only print the
/// count and reading time, nor their tables of contents kept nor their breadcrumbs made
/// when the templates only print those (`Theme::prints_only`): their rendering finds the
/// same errors without them.
pub fn load_to_check(
    root: &Path,
    options: &BuildOptions,
    spill: Option<&Spill>,
) -> Result<Renderer, BuildError> {
    load_with(root, options, &LoadPlan::fresh(Purpose::Check, spill))
}

/// [`load`] as `plan` says.
pub fn load_with(
    root: &Path,
    options: &BuildOptions,
    plan: &LoadPlan,
) -> Result<Renderer, BuildError> {
    let content_dir = content_dir(root)?;
    let mut errors = Diagnostics::new();
    let (sources, theme) = match plan.reuse.and_then(|r| r.sources()) {
        Some((sources, theme)) => (sources, Some(theme)),
        None => (discover(&content_dir)?, None),
    };
    let config = load_config(root, &sources, &mut errors)?;
    let theme = match theme {
        Some(theme) => theme,
        None => load_theme(root, &mut errors)?,
    };
    let taken_ids = theme.literal_ids();
    if let Some(reuse) = plan.reuse {
        reuse.start(&sources, &theme, &taken_ids);
    }
    let check = plan.purpose == Purpose::Check;
    let omit = Omit {
        html: check && theme.prints_only(&["content"]),
        words: check && theme.prints_only(&["reading_time", "word_count"]),
        toc: check && theme.prints_only(&["toc"]),
    };
    let content = open_content(root, &content_dir)?;
    let parse = |path: &Path| parse_file(root, &content, path, &taken_ids, omit);
    let (pages, failed) = parse_pages(&content_dir, &sources, &parse, plan, &mut errors)?;
    let files = content_files(&content_dir, &sources);
    drop(sources);

    let config = config.unwrap_or_else(SiteConfig::fallback);
    let (site, assembly_errors) = Site::assemble_all(config, &pages, &files, options, failed);
    drop(pages);
    errors.extend(assembly_errors);
    let site = Arc::new(site);

    let targets = link_targets(&site, &theme, taken_ids);
    errors.extend(links::check_content(&site, &targets));
    errors.extend(theme.check_links(&site, &targets));
    errors.extend(render::check_templates_exist(&site, &theme));

    let forms = load_forms(root, &mut errors)?;
    errors.extend(super::forms::check_forms(&site, &targets, &forms));
    let crumbs = !(check && theme.prints_only(&["breadcrumbs"]));
    let renderer = compile(site, theme, targets, forms, errors)?;
    Ok(if crumbs {
        renderer
    } else {
        renderer.without_breadcrumbs()
    })
}

/// `root`'s `content/` folder, which must exist.
fn content_dir(root: &Path) -> Result<PathBuf, BuildError> {
    let content_dir = root.join("content");
    if !content_dir.is_dir() {
        return Err(BuildError::Usage(format!(
            "{} has no content/ folder (use --root to point at the site)",
            root.display()
        )));
    }
    Ok(content_dir)
}

fn discover(content_dir: &Path) -> Result<Sources, BuildError> {
    content::discover(content_dir).map_err(io(format!("reading {}", content_dir.display())))
}

/// `content/site.yaml`, parsed; `None` (with the problems in `errors`) when it is missing
/// or wrong.
fn load_config(
    root: &Path,
    sources: &Sources,
    errors: &mut Diagnostics,
) -> Result<Option<SiteConfig>, BuildError> {
    let Some(path) = &sources.config else {
        errors.push(
            Diagnostic::new(
                Code::MissingFile,
                "content/site.yaml",
                0,
                "the site configuration is missing",
            )
            .hint("create content/site.yaml with at least `title:` and `base_url:`"),
        );
        return Ok(None);
    };
    let text = std::fs::read_to_string(path).map_err(io(format!("reading {}", path.display())))?;
    Ok(SiteConfig::parse(&display_path(root, path), &text)
        .map_err(|e| errors.extend(e))
        .ok())
}

/// The templates and static files under `root/templates`; an empty theme (and an error)
/// when the folder is missing.
fn load_theme(root: &Path, errors: &mut Diagnostics) -> Result<Arc<Theme>, BuildError> {
    let templates_dir = root.join("templates");
    if !templates_dir.is_dir() {
        errors.push(
            Diagnostic::new(
                Code::MissingFile,
                "templates",
                0,
                "the templates folder is missing",
            )
            .hint("create templates/ with page.html and section.html"),
        );
        return Ok(Arc::new(Theme::default()));
    }
    let theme =
        Theme::load(&templates_dir).map_err(io(format!("reading {}", templates_dir.display())))?;
    Ok(Arc::new(theme))
}

/// Every Markdown file, parsed in parallel: the pages, and the URLs of the files that
/// failed (so that links to them are not reported as broken too).
fn parse_pages(
    content_dir: &Path,
    sources: &Sources,
    parse: &(dyn Fn(&Path) -> Result<ParsedResult, BuildError> + Sync),
    plan: &LoadPlan,
    errors: &mut Diagnostics,
) -> Result<(Vec<Arc<ParsedPage>>, HashSet<String>), BuildError> {
    if let Some(spill) = plan.spill {
        spill.expect(sources.pages.len());
    }
    let parsed: Vec<ParseResult> = sources
        .pages
        .par_iter()
        .map(|path| plan.page(path, &|| keep(parse(path)?, plan.spill)))
        .collect::<Result<_, _>>()?;
    if let Some(spill) = plan.spill {
        spill.flush().map_err(spilling(spill))?;
    }
    let mut pages = Vec::with_capacity(parsed.len());
    let mut failed = HashSet::new();
    for (p, path) in parsed.into_iter().zip(&sources.pages) {
        match p {
            Ok(page) => pages.push(page),
            Err(e) => {
                errors.extend(e);
                failed.insert(content::url_for(&relative(content_dir, path), None));
            }
        }
    }
    Ok((pages, failed))
}

/// A parsed page with its body held or spilled to `spill`.
fn keep(parsed: ParsedResult, spill: Option<&Spill>) -> Result<ParseResult, BuildError> {
    Ok(match (parsed, spill) {
        (Ok(page), Some(spill)) => Ok(Arc::new(page.keep_in(spill).map_err(spilling(spill))?)),
        (parsed, _) => parsed.map(Arc::new),
    })
}

/// What a failure to write `spill`'s files becomes.
fn spilling(spill: &Spill) -> impl FnOnce(std::io::Error) -> BuildError {
    io_with(|| format!("writing a temporary file in {}", spill.dir().display()))
}

/// `path` below `dir`. A walk's paths begin with the bytes of the folder walked, which is
/// cheaper to see than `Path::strip_prefix`'s comparison name by name.
fn below<'a>(dir: &Path, path: &'a Path) -> Option<&'a Path> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let rest = path
            .as_os_str()
            .as_bytes()
            .strip_prefix(dir.as_os_str().as_bytes());
        if let Some([b'/', rest @ ..]) = rest
            && rest.first().is_some_and(|b| *b != b'/')
        {
            return Some(Path::new(std::ffi::OsStr::from_bytes(rest)));
        }
    }
    path.strip_prefix(dir).ok()
}

/// `path` below `content_dir`, `/`-separated.
fn relative(content_dir: &Path, path: &Path) -> String {
    slash_path(below(content_dir, path).unwrap_or(path))
}

/// The Markdown file at `path` under `root`'s `content/`, read and parsed again (the live
/// preview's quick path).
pub fn reparse(
    root: &Path,
    path: &Path,
    taken_ids: &HashSet<String>,
) -> Result<ParseResult, BuildError> {
    let content = open_content(root, &root.join("content"))?;
    let parsed = parse_file(root, &content, path, taken_ids, Omit::NOTHING)?;
    Ok(parsed.map(Arc::new))
}

/// One Markdown file, read and parsed.
fn parse_file(
    root: &Path,
    content: &ContentDir,
    path: &Path,
    taken_ids: &HashSet<String>,
    omit: Omit,
) -> Result<ParsedResult, BuildError> {
    let rel = below(content.folder.path(), path);
    let bytes = content
        .folder
        .read(rel.unwrap_or(path))
        .map_err(io_with(|| format!("reading {}", path.display())))?;
    let shown = match rel {
        Some(rel) => content.shown.join(rel),
        None => display_path(root, path),
    };
    let rel = slash_path(rel.unwrap_or(path));
    // simdutf8 checks Danish text (æ, ø, å every few words) several times faster than std,
    // which runs byte by byte from each non-ASCII letter; std names the place of an error.
    Ok(match simdutf8::basic::from_utf8(&bytes) {
        Ok(text) => ParsedPage::parse(&shown, &rel, text, taken_ids, omit),
        Err(_) => Err(vec![not_utf8(&shown, &bytes)]),
    })
}

/// `content/`, opened to read the pages in it, and its path as messages show it.
struct ContentDir {
    folder: Folder,
    shown: PathBuf,
}

fn open_content(root: &Path, content_dir: &Path) -> Result<ContentDir, BuildError> {
    Ok(ContentDir {
        folder: Folder::open(content_dir)
            .map_err(io(format!("reading {}", content_dir.display())))?,
        shown: display_path(root, content_dir),
    })
}

/// A page that is not UTF-8 (saved as Latin-1 or Windows-1252, typically): where.
fn not_utf8(path: &Path, bytes: &[u8]) -> Diagnostic {
    let valid = std::str::from_utf8(bytes).map_or_else(|e| e.valid_up_to(), str::len);
    let good = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
    let (line, column) = line_col(good, good.len());
    Diagnostic::new(Code::NotUtf8, path, line, "the file is not UTF-8 text")
        .column(column)
        .hint("save it as UTF-8 (in most editors: Save as, encoding UTF-8)")
}

/// The files published as they are, by their path below `content/`.
fn content_files(content_dir: &Path, sources: &Sources) -> Vec<(String, PathBuf)> {
    sources
        .files
        .iter()
        .map(|p| (relative(content_dir, p), p.clone()))
        .collect()
}

/// What links may point at: the ids the templates use, the theme's static files (plain
/// and fingerprinted), the content's files, and the files every build writes.
fn link_targets(site: &Site, theme: &Theme, template_ids: HashSet<String>) -> Targets {
    let mut targets = Targets {
        template_ids,
        ..Targets::default()
    };
    for s in theme.statics.values() {
        targets.files.insert(s.url.clone());
        targets.files.insert(s.hashed_url.clone());
    }
    for f in &site.files {
        targets.files.insert(f.url.clone());
    }
    for special in ["/sitemap.xml", "/robots.txt", "/404.html"] {
        targets.files.insert(special.to_string());
    }
    targets
}

/// The form definitions in `content/forms/`: those without errors (the problems of the
/// others in `errors`).
fn load_forms(root: &Path, errors: &mut Diagnostics) -> Result<Forms, BuildError> {
    match Forms::load_each(root) {
        Ok((forms, problems)) => {
            errors.extend(problems);
            Ok(forms)
        }
        Err(FormsError::Invalid(d)) => {
            errors.extend(d);
            Ok(Forms::default())
        }
        Err(FormsError::Io { path, source }) => Err(BuildError::Io {
            context: format!("reading {}", path.display()),
            source,
        }),
    }
}

/// The templates compiled against the site, and the renderer, when nothing was wrong.
fn compile(
    site: Arc<Site>,
    theme: Arc<Theme>,
    targets: Targets,
    forms: Forms,
    mut errors: Diagnostics,
) -> Result<Renderer, BuildError> {
    let targets = Arc::new(targets);
    let tera = theme
        .compile(site.clone(), targets.clone())
        .map_err(|e| errors.extend(e))
        .ok();
    let Some(tera) = tera.filter(|_| errors.is_empty()) else {
        return Err(errors.into_result(()).unwrap_err().into());
    };
    Ok(Renderer::new(site, theme, tera, Arc::new(forms), targets))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_agrees_with_strip_prefix() {
        for (dir, path, rel) in [
            (
                "site/content",
                "site/content/kurser/a.md",
                Some("kurser/a.md"),
            ),
            ("/abs/content", "/abs/content/a.md", Some("a.md")),
            ("site/content", "site/content//a.md", Some("a.md")),
            ("site/content", "site/contents/a.md", None),
            ("site/content", "other/content/a.md", None),
            ("site/content", "site/content", Some("")),
        ] {
            let (dir, path) = (Path::new(dir), Path::new(path));
            let strip = path.strip_prefix(dir).ok();
            assert_eq!(below(dir, path), rel.map(Path::new), "{}", path.display());
            assert_eq!(below(dir, path), strip, "{}", path.display());
        }
    }
}
