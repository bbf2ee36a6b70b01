//! Making the next build after an edit: the quick path when only bodies changed, else a
//! load that reuses what did not change; the errors reported on the terminal and to the
//! overlay; every page rendered in the background.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::{Preview, quick};
use crate::build::{self, BuildError};
use crate::render::Renderer;

/// One successful build, rendered on demand and cached.
pub struct Generation {
    pub version: u64,
    pub renderer: Renderer,
    rendered: Mutex<HashMap<String, Arc<Vec<u8>>>>,
}

impl Generation {
    pub(super) fn new(renderer: Renderer, version: u64) -> Generation {
        Generation {
            version,
            renderer,
            rendered: Mutex::new(HashMap::new()),
        }
    }

    /// The bytes of the output at `path` (relative, e.g. `a/index.html`), rendering it if needed.
    pub fn get(&self, path: &str) -> Option<Result<Arc<Vec<u8>>, crate::Diagnostic>> {
        if let Some(bytes) = self.rendered.lock().expect("render cache").get(path) {
            return Some(Ok(bytes.clone()));
        }
        let output = self.renderer.output_at(path)?;
        Some(match self.renderer.render(&output) {
            Ok(bytes) => {
                let bytes = Arc::new(bytes);
                self.rendered
                    .lock()
                    .expect("render cache")
                    .insert(path.to_string(), bytes.clone());
                Ok(bytes)
            }
            Err(d) => Err(d),
        })
    }

    pub(super) fn has(&self, path: &str) -> bool {
        self.renderer.output_at(path).is_some()
    }
}

impl Preview {
    /// Loads the site again (parsing only the files that changed; only those when the
    /// edits allow it, see `quick`) and tells the browsers.
    pub fn rebuild(self: &Arc<Self>) {
        use std::sync::atomic::Ordering;
        let started = Instant::now();
        self.rebuilding.store(true, Ordering::SeqCst);
        let good = self.status.borrow().errors.is_none();
        let quick = self
            .current()
            .filter(|_| good)
            .and_then(|g| quick::body_edits(&self.root, &g.renderer, &self.cache));
        let loaded = match quick {
            Some(renderer) => {
                self.quick_rebuilds.fetch_add(1, Ordering::Relaxed);
                Ok(renderer)
            }
            None => {
                let reuse = self.cache.next_load();
                build::load_with(&self.root, &self.options, &build::LoadPlan::reusing(&reuse))
            }
        };
        self.rebuilding.store(false, Ordering::SeqCst);
        match loaded {
            Ok(renderer) => {
                if let Some(api) = self.api.get() {
                    api.set_forms(renderer.forms.clone());
                }
                let version = self.status.borrow().version + 1;
                let pages = renderer.site.entries.len();
                let generation = Arc::new(Generation::new(renderer, version));
                let previous = self
                    .current
                    .write()
                    .expect("generation lock")
                    .replace(generation.clone());
                // Freeing the last build's rendered pages takes a while on a large site.
                std::thread::spawn(move || drop(previous));
                self.status.send_modify(|s| {
                    s.version = version;
                    s.errors = None;
                });
                eprintln!(
                    "Rebuilt {pages} pages in {} ms",
                    started.elapsed().as_millis()
                );
                let me = self.clone();
                std::thread::spawn(move || {
                    // Let the browsers fetch the page they show first.
                    std::thread::sleep(std::time::Duration::from_millis(300));
                    me.render_everything(&generation)
                });
            }
            Err(e) => {
                let text = match &e {
                    BuildError::Content(d) => self.report(d),
                    other => format!("error: {other}"),
                };
                self.status.send_modify(|s| s.errors = Some(text));
                eprintln!("(the last good build is still served)");
            }
        }
    }

    /// Prints `diagnostics` on the terminal as `site-gen check` does, and returns them as the
    /// overlay shows them: the same code frames, without colour.
    fn report(&self, diagnostics: &crate::Diagnostics) -> String {
        let colour = crate::report::stderr_has_colour();
        let plain = crate::report::terminal(diagnostics, &self.root, false);
        match colour {
            true => eprint!("{}", crate::report::terminal(diagnostics, &self.root, true)),
            false => eprint!("{plain}"),
        }
        plain
    }

    /// Renders every output of `generation` in the background, so that template errors
    /// that only show when a page is rendered are reported at once (and the cache is warm).
    fn render_everything(&self, generation: &Generation) {
        use rayon::prelude::*;
        let paths: Vec<String> = generation
            .renderer
            .outputs()
            .iter()
            .map(|o| generation.renderer.path_of(o))
            .collect();
        let failures: Vec<crate::Diagnostic> = paths
            .par_iter()
            .filter_map(|p| {
                let still_current = self
                    .current()
                    .is_some_and(|g| g.version == generation.version);
                if !still_current || self.rebuilding.load(std::sync::atomic::Ordering::Relaxed) {
                    return None;
                }
                generation.get(p).and_then(Result::err)
            })
            .collect();
        if failures.is_empty() || self.status.borrow().version != generation.version {
            return;
        }
        let mut errors = crate::Diagnostics::new();
        errors.extend(crate::build::merge_repeats(failures));
        let text = self.report(&errors.into_result(()).unwrap_err());
        self.status.send_if_modified(|s| {
            let changed = s.version == generation.version && s.errors.is_none();
            if changed {
                s.errors = Some(text);
            }
            changed
        });
    }
}
