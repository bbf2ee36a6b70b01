//! The build pipeline: read `content/` and `templates/`, check everything, render every
//! output, and swap the result into the output folder only when nothing failed.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use rayon::prelude::*;

use form_handler::forms::{Forms, LoadError as FormsError};

use crate::config::SiteConfig;
use crate::content::{self, ParsedPage, slash_path};
use crate::diagnostics::{Diagnostic, Diagnostics, display_path, line_col};
use crate::links::{self, Targets};
use crate::render::{self, Output, Renderer};
use crate::site::{BuildOptions, Site};
use crate::templates::Theme;

/// Why a build or check did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// Problems in the editors' files (exit code 1).
    #[error("{0}")]
    Content(Diagnostics),
    /// The file system failed us (exit code 2).
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// A request that cannot be carried out, e.g. an output folder that must not be replaced.
    #[error("{0}")]
    Usage(String),
}

impl From<Diagnostics> for BuildError {
    fn from(d: Diagnostics) -> Self {
        BuildError::Content(d)
    }
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> BuildError {
    let context = context.into();
    move |source| BuildError::Io { context, source }
}

type ParseResult = Result<Arc<ParsedPage>, Vec<Diagnostic>>;

/// What `serve` keeps between loads, so that only what changed is read again.
#[derive(Default)]
pub struct PageCache {
    entries: Mutex<HashMap<PathBuf, (SystemTime, u64, ParseResult)>>,
    taken_ids: Mutex<HashSet<String>>,
    /// The file list and theme of the last load.
    last: Mutex<Option<(content::Sources, Arc<Theme>)>>,
    /// When only these known Markdown files changed since the last load, the file list and
    /// the theme are reused and no other file is looked at.
    changed: Mutex<Option<HashSet<PathBuf>>>,
}

impl PageCache {
    /// Tells the cache which files changed; `None` (or anything but edits to known Markdown
    /// files) makes the next load look at everything again.
    pub fn note_changes(&self, edited: Option<Vec<PathBuf>>) {
        let last = self.last.lock().expect("cache lock");
        let known = |p: &PathBuf| last.as_ref().is_some_and(|(s, _)| s.pages.contains(p));
        let incremental = edited.filter(|paths| !paths.is_empty() && paths.iter().all(known));
        *self.changed.lock().expect("cache lock") = incremental.map(|p| p.into_iter().collect());
    }
}

/// Reads, parses and checks the site under `root`, and returns a renderer for it.
pub fn load(
    root: &Path,
    options: &BuildOptions,
    cache: Option<&PageCache>,
) -> Result<Renderer, BuildError> {
    let content_dir = root.join("content");
    let templates_dir = root.join("templates");
    if !content_dir.is_dir() {
        return Err(BuildError::Usage(format!(
            "{} has no content/ folder (use --root to point at the site)",
            root.display()
        )));
    }
    // `serve` after edits to known Markdown files: reuse the file list and the theme.
    let reuse = cache.and_then(|c| {
        let changed = c.changed.lock().expect("cache lock").take()?;
        let (sources, theme) = c.last.lock().expect("cache lock").clone()?;
        Some((sources, theme, changed))
    });
    let (sources, reused_theme, changed) = match reuse {
        Some((s, t, c)) => (s, Some(t), Some(c)),
        None => {
            let sources = content::discover(&content_dir)
                .map_err(io(format!("reading {}", content_dir.display())))?;
            (sources, None, None)
        }
    };
    let mut errors = Diagnostics::new();

    let config = match &sources.config {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(io(format!("reading {}", path.display())))?;
            SiteConfig::parse(&display_path(root, path), &text)
                .map_err(|e| errors.extend(e))
                .ok()
        }
        None => {
            errors.push(
                Diagnostic::new("content/site.yaml", 0, "the site configuration is missing")
                    .hint("create content/site.yaml with at least `title:` and `base_url:`"),
            );
            None
        }
    };

    let theme = match reused_theme {
        Some(theme) => theme,
        None if templates_dir.is_dir() => Arc::new(
            Theme::load(&templates_dir)
                .map_err(io(format!("reading {}", templates_dir.display())))?,
        ),
        None => {
            errors.push(
                Diagnostic::new("templates", 0, "the templates folder is missing")
                    .hint("create templates/ with page.html and section.html"),
            );
            Arc::new(Theme::default())
        }
    };
    let taken_ids = theme.literal_ids();

    if let Some(cache) = cache {
        let live: HashSet<&PathBuf> = sources.pages.iter().collect();
        let mut cached = cache.entries.lock().expect("cache lock");
        let mut taken = cache.taken_ids.lock().expect("cache lock");
        if *taken != taken_ids {
            // Heading ids depend on the ids the templates use.
            cached.clear();
            *taken = taken_ids.clone();
        }
        cached.retain(|p, _| live.contains(p));
        *cache.last.lock().expect("cache lock") = Some((sources.clone(), theme.clone()));
    }
    let parsed: Vec<ParseResult> = sources
        .pages
        .par_iter()
        .map(|path| {
            parse_file(
                root,
                &content_dir,
                path,
                &taken_ids,
                cache,
                changed.as_ref(),
            )
        })
        .collect::<Result<_, _>>()?;
    let mut pages = Vec::with_capacity(parsed.len());
    let mut failed = HashSet::new();
    for (p, path) in parsed.into_iter().zip(&sources.pages) {
        match p {
            Ok(page) => pages.push(page),
            Err(e) => {
                errors.extend(e);
                let rel = slash_path(path.strip_prefix(&content_dir).unwrap_or(path));
                failed.insert(content::url_for(&rel, None));
            }
        }
    }

    let config = config.unwrap_or_else(SiteConfig::fallback);
    let files: Vec<(String, PathBuf)> = sources
        .files
        .iter()
        .map(|p| {
            (
                slash_path(p.strip_prefix(&content_dir).unwrap_or(p)),
                p.clone(),
            )
        })
        .collect();
    let (site, assembly_errors) = Site::assemble_all(config, &pages, &files, options, failed);
    errors.extend(assembly_errors);
    let site = Arc::new(site);

    let mut targets = Targets {
        template_ids: taken_ids,
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
    errors.extend(links::check_content(&site, &targets));
    errors.extend(theme.check_links(&site, &targets));
    errors.extend(render::check_templates_exist(&site, &theme));

    let forms = match Forms::load(root) {
        Ok(forms) => forms,
        Err(FormsError::Invalid(d)) => {
            errors.extend(d);
            Forms::default()
        }
        Err(FormsError::Io { path, source }) => {
            return Err(BuildError::Io {
                context: format!("reading {}", path.display()),
                source,
            });
        }
    };
    errors.extend(check_forms(&site, &targets, &forms));

    let targets = Arc::new(targets);
    let tera = theme
        .compile(site.clone(), targets)
        .map_err(|e| errors.extend(e))
        .ok();
    let Some(tera) = tera.filter(|_| errors.is_empty()) else {
        return Err(errors.into_result(()).unwrap_err().into());
    };
    Ok(Renderer::new(site, theme, tera, Arc::new(forms)))
}

fn parse_file(
    root: &Path,
    content_dir: &Path,
    path: &Path,
    taken_ids: &HashSet<String>,
    cache: Option<&PageCache>,
    changed: Option<&HashSet<PathBuf>>,
) -> Result<ParseResult, BuildError> {
    if let (Some(cache), Some(changed)) = (cache, changed)
        && !changed.contains(path)
        && let Some((_, _, result)) = cache.entries.lock().expect("cache lock").get(path)
    {
        return Ok(result.clone());
    }
    let stamp = match cache {
        Some(_) => {
            let meta =
                std::fs::metadata(path).map_err(io(format!("reading {}", path.display())))?;
            Some((
                meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                meta.len(),
            ))
        }
        None => None,
    };
    if let (Some(cache), Some((mtime, len))) = (cache, stamp)
        && let Some((m, l, result)) = cache.entries.lock().expect("cache lock").get(path)
        && *m == mtime
        && *l == len
        && changed.is_none()
    {
        return Ok(result.clone());
    }
    let bytes = read_file(path).map_err(io(format!("reading {}", path.display())))?;
    let rel = slash_path(path.strip_prefix(content_dir).unwrap_or(path));
    let shown = display_path(root, path);
    let result = match String::from_utf8(bytes) {
        Ok(text) => ParsedPage::parse(&shown, &rel, &text, taken_ids).map(Arc::new),
        Err(e) => Err(vec![not_utf8(&shown, e.as_bytes(), e.utf8_error())]),
    };
    if let (Some(cache), Some((mtime, len))) = (cache, stamp) {
        cache
            .entries
            .lock()
            .expect("cache lock")
            .insert(path.to_path_buf(), (mtime, len, result.clone()));
    }
    Ok(result)
}

/// A content file's bytes, without asking its size first as `fs::read` does (content
/// files are small: one system call a file fewer).
fn read_file(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut bytes = Vec::with_capacity(4 * 1024);
    // Through `Take`, `read_to_end` is the generic one, which does not stat the file.
    file.by_ref().take(u64::MAX).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// A page that is not UTF-8 (saved as Latin-1 or Windows-1252, typically): where.
fn not_utf8(path: &Path, bytes: &[u8], error: std::str::Utf8Error) -> Diagnostic {
    let good = std::str::from_utf8(&bytes[..error.valid_up_to()]).unwrap_or_default();
    let (line, column) = line_col(good, good.len());
    Diagnostic::new(path, line, "the file is not UTF-8 text")
        .column(column)
        .hint("save it as UTF-8 (in most editors: Save as, encoding UTF-8)")
}

/// Every `[formular: ID]` names a form, and every form's privacy notice is a page.
fn check_forms(site: &Site, targets: &Targets, forms: &Forms) -> Diagnostics {
    let mut out = Diagnostics::new();
    for e in &site.entries {
        for (id, line) in &e.page.body.forms {
            if forms.get(id).is_none() {
                let ids: Vec<&str> = forms.forms.iter().map(|f| f.id.as_str()).collect();
                let hint = match crate::diagnostics::suggest(id, ids.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if ids.is_empty() => format!(
                        "this site has no forms yet: add content/forms/{id}.yaml (see docs/forms.md)"
                    ),
                    None => format!("the forms are: {} (in content/forms/)", ids.join(", ")),
                };
                out.push(
                    Diagnostic::new(&e.page.source, *line, format!("there is no form `{id}`"))
                        .hint(hint),
                );
            }
        }
    }
    for form in &forms.forms {
        let source = &form.source;
        if let Err(b) = links::check(site, targets, "/", &form.privacy_notice) {
            out.push(Diagnostic::new(
                &source.path,
                source.privacy_notice_line,
                format!("privacy_notice: {}", b.message),
            ));
            continue;
        }
        // Each application records the version of the notice the applicant saw: the form
        // must name the version the notice page states.
        let Some(page) = links::page(site, "/", &form.privacy_notice) else {
            // A file rather than a page (a PDF): it cannot state a version.
            continue;
        };
        let Some(version) = notice_version(&page.meta().extra) else {
            out.push(
                Diagnostic::new(
                    &source.path,
                    source.privacy_notice_version_line,
                    format!(
                        "the privacy notice {} states no version to compare privacy_notice_version with",
                        page.page.source.display()
                    ),
                )
                .hint(format!(
                    "add to its front matter: extra: {{ privacy_notice_version: \"{}\" }}",
                    form.privacy_notice_version
                )),
            );
            continue;
        };
        if version != form.privacy_notice_version {
            out.push(
                Diagnostic::new(
                    &source.path,
                    source.privacy_notice_version_line,
                    format!(
                        "privacy_notice_version is \"{}\", but {} says its version is \"{version}\"",
                        form.privacy_notice_version,
                        page.page.source.display()
                    ),
                )
                .hint(format!(
                    "each application records the notice's version: when the notice changes, set privacy_notice_version: \"{version}\" here"
                )),
            );
        }
    }
    // The mails, composed for a made-up application to each form.
    out.extend(form_handler::mail::sample::check(forms));
    out
}

/// `extra.privacy_notice_version` of a privacy notice page, when it states one.
fn notice_version(extra: &crate::yaml::Node) -> Option<String> {
    let map: std::collections::BTreeMap<String, serde_json::Value> = extra.to().ok()?;
    match map.get("privacy_notice_version")? {
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

enum RenderFailure {
    Content(Diagnostic),
    Io(String, std::io::Error),
}

/// Renders every output and hands each to `sink`; reports every rendering error. Returns
/// the outputs' paths (relative, `/`-separated).
pub fn render_all(
    renderer: &Renderer,
    sink: &(dyn Fn(&str, &[u8]) -> std::io::Result<()> + Sync),
) -> Result<Vec<String>, BuildError> {
    let outputs = renderer.outputs();
    let results: Vec<Result<String, RenderFailure>> = outputs
        .par_iter()
        .map(|o: &Output| {
            let bytes = renderer.render(o).map_err(RenderFailure::Content)?;
            let path = renderer.path_of(o);
            match sink(&path, &bytes) {
                Ok(()) => Ok(path),
                Err(e) => Err(RenderFailure::Io(path, e)),
            }
        })
        .collect();
    let mut paths = Vec::with_capacity(results.len());
    let mut failures = Vec::new();
    for r in results {
        match r {
            Ok(path) => paths.push(path),
            Err(RenderFailure::Content(d)) => failures.push(d),
            Err(RenderFailure::Io(path, source)) => {
                return Err(BuildError::Io {
                    context: format!("writing {path}"),
                    source,
                });
            }
        }
    }
    let mut errors = Diagnostics::new();
    errors.extend(merge_repeats(failures));
    errors.into_result(paths).map_err(BuildError::Content)
}

/// One template mistake fails every page that uses the template: report it once, naming
/// the first page and how many others.
pub fn merge_repeats(mut failures: Vec<Diagnostic>) -> Vec<Diagnostic> {
    failures.sort();
    let mut merged: Vec<(Diagnostic, usize)> = Vec::new();
    for d in failures {
        match merged.last_mut() {
            Some((first, n))
                if (&first.path, first.line, first.column, &first.message)
                    == (&d.path, d.line, d.column, &d.message) =>
            {
                *n += 1
            }
            _ => merged.push((d, 0)),
        }
    }
    merged
        .into_iter()
        .map(|(d, others)| match (others, d.hint.clone()) {
            (0, _) | (_, None) => d,
            (n, Some(hint)) => d.hint(format!(
                "{hint} and {n} other page{}",
                if n == 1 { "" } else { "s" }
            )),
        })
        .collect()
}

/// What a finished build did.
#[derive(Debug, Clone)]
pub struct BuildReport {
    pub files: usize,
    pub pages: usize,
    pub output: PathBuf,
    /// The new site is in place, but the previous one could not be removed entirely: a
    /// message for the operator (the folder to delete and why).
    pub leftover: Option<String>,
}

/// `site-gen check`: every check a build makes, writing nothing.
pub fn check(root: &Path, options: &BuildOptions) -> Result<BuildReport, BuildError> {
    let renderer = load(root, options, None)?;
    let files = render_all(&renderer, &|_, _| Ok(()))?.len();
    Ok(BuildReport {
        files,
        pages: renderer.site.entries.len(),
        output: PathBuf::new(),
        leftover: None,
    })
}

/// `site-gen build`: renders into a temporary folder beside `output` and swaps it in when
/// everything succeeded. A failed build leaves `output` as it was.
pub fn build(
    root: &Path,
    output: &Path,
    options: &BuildOptions,
) -> Result<BuildReport, BuildError> {
    guard_output(root, output)?;
    let renderer = load(root, options, None)?;
    let name = output
        .file_name()
        .map_or("public".into(), |n| n.to_string_lossy().into_owned());
    let parent = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io(format!("creating {}", parent.display())))?;
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{name}.building-"))
        .tempdir_in(parent)
        .map_err(io(format!(
            "creating a temporary folder in {}",
            parent.display()
        )))?;
    let dir = staging.path().to_path_buf();
    let written = render_all(&renderer, &|rel, bytes| {
        let path = dir.join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p)?;
        }
        std::fs::write(&path, bytes)
    })?;
    let leftover = swap_in(staging, output, &written)?;
    Ok(BuildReport {
        files: written.len(),
        pages: renderer.site.entries.len(),
        output: output.to_path_buf(),
        leftover,
    })
}

/// Refuses output folders whose replacement would destroy the sources.
fn guard_output(root: &Path, output: &Path) -> Result<(), BuildError> {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let (root, out) = (abs(root), abs(output));
    if root.starts_with(&out)
        || out.starts_with(root.join("content"))
        || out.starts_with(root.join("templates"))
    {
        return Err(BuildError::Usage(format!(
            "refusing to replace {}: it holds the site's sources",
            out.display()
        )));
    }
    if out.exists() && !out.is_dir() {
        return Err(BuildError::Usage(format!(
            "{} exists and is not a folder",
            out.display()
        )));
    }
    Ok(())
}

/// Moves `staging` into `output`'s place, then removes the previous site. `written` (the
/// new site's files, relative) is the guess of what the previous site holds. Once the new
/// site is in place the build has succeeded: a previous site that cannot be removed is a
/// warning (the returned message), not a failure.
fn swap_in(
    staging: tempfile::TempDir,
    output: &Path,
    written: &[String],
) -> Result<Option<String>, BuildError> {
    let parent = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let old = if output.exists() {
        let name = output
            .file_name()
            .map_or("public".into(), |n| n.to_string_lossy().into_owned());
        let old = tempfile::Builder::new()
            .prefix(&format!(".{name}.old-"))
            .tempdir_in(parent)
            .map_err(io(format!(
                "creating a temporary folder in {}",
                parent.display()
            )))?;
        // Move the previous output into the (empty) temporary folder's place.
        let old_path = old.keep();
        std::fs::remove_dir(&old_path).map_err(io("preparing the swap"))?;
        std::fs::rename(output, &old_path).map_err(io(format!(
            "moving the previous {} aside",
            output.display()
        )))?;
        Some(old_path)
    } else {
        None
    };
    let staged = staging.keep();
    if let Err(e) = std::fs::rename(&staged, output) {
        let restored = match &old {
            Some(old) => std::fs::rename(old, output).map_err(|r| (old, r)),
            None => Ok(()),
        };
        let context = match restored {
            Ok(()) => {
                let _ = std::fs::remove_dir_all(&staged);
                format!(
                    "moving the new site into {} (the previous site is still there)",
                    output.display()
                )
            }
            // Nothing may be lost: say where both sites are.
            Err((old, r)) => format!(
                "moving the new site into {}; putting the previous site back failed too ({r}): \
                 the previous site is at {} and the new one at {}",
                output.display(),
                old.display(),
                staged.display()
            ),
        };
        return Err(BuildError::Io { context, source: e });
    }
    Ok(old.and_then(|old| {
        remove_previous(&old, written).err().map(|e| {
            format!(
                "the previous site at {} could not be removed entirely ({e}); delete that folder",
                old.display()
            )
        })
    }))
}

/// Removes the previous site at `old`, which is usually the new site's twin: the files the
/// new build wrote are unlinked and their folders removed deepest first, without reading
/// a folder (five system calls a page fewer than walking the tree: open, stat, two reads
/// of the entries, close). Whatever else `old` holds is then removed by walking it.
fn remove_previous(old: &Path, written: &[String]) -> std::io::Result<()> {
    written.par_iter().for_each(|rel| {
        // Missing files are expected (pages added since); the walk below catches the rest.
        let _ = std::fs::remove_file(old.join(rel));
    });
    let mut folders: Vec<&str> = written
        .iter()
        .flat_map(|rel| rel.match_indices('/').map(move |(i, _)| &rel[..i]))
        .collect();
    // Deepest first; folders of one depth are independent of each other.
    let depth = |f: &str| f.bytes().filter(|b| *b == b'/').count();
    folders.sort_unstable_by_key(|f| (std::cmp::Reverse(depth(f)), *f));
    folders.dedup();
    for level in folders.chunk_by(|a, b| depth(a) == depth(b)) {
        level.par_iter().for_each(|folder| {
            // Not empty (it holds files the new site does not have) or gone: the walk
            // below deals with it.
            let _ = std::fs::remove_dir(old.join(folder));
        });
    }
    match std::fs::remove_dir(old) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(_) => remove_tree(old),
    }
}

/// Removes a folder tree, its sub-folders in parallel (a site has thousands of them).
fn remove_tree(path: &Path) -> std::io::Result<()> {
    let entries: Vec<std::fs::DirEntry> = std::fs::read_dir(path)?.collect::<Result<_, _>>()?;
    entries.par_iter().try_for_each(|entry| {
        if entry.file_type()?.is_dir() {
            remove_tree(&entry.path())
        } else {
            std::fs::remove_file(entry.path())
        }
    })?;
    std::fs::remove_dir(path)
}
