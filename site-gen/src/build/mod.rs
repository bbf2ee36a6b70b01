//! The build pipeline: read `content/` and `templates/`, check everything, render every
//! output, and swap the result into the output folder only when nothing failed.
//!
//! - [`load`]: the stages from the files to a checked [`Renderer`] (`load.rs`), with the
//!   checks between the site and its forms (`forms.rs`);
//! - [`render_all`]: every output, rendered in parallel, its errors merged;
//! - [`build`]: rendered into a folder beside the output and swapped in (`output.rs`).

mod folder;
mod forms;
mod load;
mod output;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

pub use load::{LoadPlan, ParseResult, Purpose, Reuse, load, load_to_check, load_with, reparse};

use crate::body::Spill;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::render::{Output, Renderer};
use crate::site::BuildOptions;

/// How many bytes of pages' bodies a build or check holds in memory before it writes the
/// rest to a temporary file until each page is rendered: a 10,000-page site stays in
/// memory (about 35 MB), a 100,000-page one (about 350 MB) does not.
pub const SPILL_BUDGET: usize = 48 << 20;

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
    /// The preview's store of applications (DynamoDB) failed (exit code 2).
    #[error("{context}: {source}")]
    Store {
        context: String,
        #[source]
        source: form_handler::store::StoreError,
    },
}

impl From<Diagnostics> for BuildError {
    fn from(d: Diagnostics) -> Self {
        BuildError::Content(d)
    }
}

/// Turns an I/O error into a [`BuildError::Io`] saying what was being done.
pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> BuildError {
    let context = context.into();
    io_with(move || context)
}

/// [`io`] for what is done for every page: the context is made only on failure.
pub(crate) fn io_with(
    context: impl FnOnce() -> String,
) -> impl FnOnce(std::io::Error) -> BuildError {
    move |source| BuildError::Io {
        context: context(),
        source,
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
    // Boxed: a site's worth of results is held at once, and a failure is rare and large.
    let results: Vec<Result<String, Box<RenderFailure>>> = outputs
        .par_iter()
        .map(|o: &Output| {
            let bytes = renderer
                .render(o)
                .map_err(|d| Box::new(RenderFailure::Content(d)))?;
            let path = renderer.path_of(o);
            match sink(&path, &bytes) {
                Ok(()) => Ok(path),
                Err(e) => Err(Box::new(RenderFailure::Io(path, e))),
            }
        })
        .collect();
    let mut paths = Vec::with_capacity(results.len());
    let mut failures = Vec::new();
    for r in results {
        match r.map_err(|f| *f) {
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

/// Frees `renderer` on one of rayon's threads: freeing a site, one allocation at a time, is
/// work the caller need not wait for (at the end of a build or check, the process exits).
fn free_later(renderer: Renderer) {
    rayon::spawn(move || drop(renderer));
}

/// `site-gen check`: every check a build makes, writing nothing. The pages are rendered to
/// find the templates' errors, without their HTML when the templates only print it.
pub fn check(root: &Path, options: &BuildOptions) -> Result<BuildReport, BuildError> {
    let spill = Spill::new(&std::env::temp_dir(), SPILL_BUDGET);
    let renderer = load_to_check(root, options, Some(&spill))?;
    render_loaded(renderer, &|_, _| Ok(()))
}

/// A build whose outputs go to `sink` (relative `/`-separated path, bytes), from several
/// threads, instead of into a folder: for publishing from memory. Every check a build
/// makes; an error is returned after every output was rendered, so a caller must act on
/// what `sink` received only when this succeeds.
pub fn render_to(
    root: &Path,
    options: &BuildOptions,
    sink: &(dyn Fn(&str, &[u8]) -> std::io::Result<()> + Sync),
) -> Result<BuildReport, BuildError> {
    let spill = Spill::new(&std::env::temp_dir(), SPILL_BUDGET);
    let renderer = load(root, options, Some(&spill))?;
    render_loaded(renderer, sink)
}

fn render_loaded(
    renderer: Renderer,
    sink: &(dyn Fn(&str, &[u8]) -> std::io::Result<()> + Sync),
) -> Result<BuildReport, BuildError> {
    let files = render_all(&renderer, sink)?.len();
    let pages = renderer.site.entries.len();
    free_later(renderer);
    Ok(BuildReport {
        files,
        pages,
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
    output::guard_output(root, output)?;
    let staging = output::temp_beside(output, "building")?;
    let dir = staging.path().to_path_buf();
    // Files without names: nothing of them is left in the folder that is swapped in.
    let spill = Spill::new(&dir, SPILL_BUDGET);
    let renderer = load(root, options, Some(&spill))?;
    let folder = folder::Folder::open(&dir).map_err(io(format!("opening {}", dir.display())))?;
    let written = render_all(&renderer, &|rel, bytes| folder.write(rel, bytes))?;
    drop(folder);
    let pages = renderer.site.entries.len();
    // Freed after the swap: the previous site's removal has both cores meanwhile.
    let leftover = output::swap_in(staging, output, &written)?;
    free_later(renderer);
    Ok(BuildReport {
        files: written.len(),
        pages,
        output: output.to_path_buf(),
        leftover,
    })
}
