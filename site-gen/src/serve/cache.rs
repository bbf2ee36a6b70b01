//! What the live preview keeps between loads, so that a rebuild reads and parses only what
//! changed: every page's parse with the file's modification time and size, and the file
//! list and theme of the last load.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use crate::build::{BuildError, ParseResult, Reuse, io_with};
use crate::content::Sources;
use crate::templates::Theme;

/// A file's modification time and size: a parse is reused while they stay the same.
pub type Stamp = (SystemTime, u64);

/// The stamp of the file at `path`.
pub fn stamp(path: &Path) -> Result<Stamp, BuildError> {
    // Asked for every page on each reload of the preview.
    let meta =
        std::fs::metadata(path).map_err(io_with(|| format!("reading {}", path.display())))?;
    Ok((
        meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
        meta.len(),
    ))
}

/// The preview's cache, kept for as long as it runs.
#[derive(Default)]
pub struct PageCache {
    entries: Mutex<HashMap<PathBuf, (Stamp, ParseResult)>>,
    /// The ids the templates took when the entries were parsed.
    taken_ids: Mutex<HashSet<String>>,
    /// The file list and theme of the last load.
    last: Mutex<Option<(Sources, Arc<Theme>)>>,
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

    /// The known Markdown files edited since the last load, when nothing else changed.
    pub fn edited(&self) -> Option<HashSet<PathBuf>> {
        self.changed.lock().expect("cache lock").clone()
    }

    /// The ids the templates took at the last load.
    pub fn taken_ids(&self) -> HashSet<String> {
        self.taken_ids.lock().expect("cache lock").clone()
    }

    /// Keeps the edited files' new parses, taken without a load (`serve::quick`): the edits
    /// noted are dealt with.
    pub fn store_edits(&self, parsed: Vec<(PathBuf, Stamp, ParseResult)>) {
        let mut entries = self.entries.lock().expect("cache lock");
        for (path, stamp, result) in parsed {
            entries.insert(path, (stamp, result));
        }
        *self.changed.lock().expect("cache lock") = None;
    }

    /// What the next load may reuse: takes the changes noted since the last one.
    pub fn next_load(&self) -> CachedLoad<'_> {
        let changed = self.changed.lock().expect("cache lock").take();
        let last = changed
            .as_ref()
            .and_then(|_| self.last.lock().expect("cache lock").clone());
        CachedLoad {
            cache: self,
            changed: last.as_ref().and(changed),
            last: Mutex::new(last),
        }
    }
}

/// One load's view of the cache.
pub struct CachedLoad<'a> {
    cache: &'a PageCache,
    /// `Some` when only these files changed: every other page is taken from the cache
    /// without looking at its file.
    changed: Option<HashSet<PathBuf>>,
    /// The file list and theme to reuse (with `changed`).
    last: Mutex<Option<(Sources, Arc<Theme>)>>,
}

impl Reuse for CachedLoad<'_> {
    fn sources(&self) -> Option<(Sources, Arc<Theme>)> {
        self.last.lock().expect("cache lock").take()
    }

    fn start(&self, sources: &Sources, theme: &Arc<Theme>, taken_ids: &HashSet<String>) {
        let live: HashSet<&PathBuf> = sources.pages.iter().collect();
        let mut entries = self.cache.entries.lock().expect("cache lock");
        let mut taken = self.cache.taken_ids.lock().expect("cache lock");
        if *taken != *taken_ids {
            // Heading ids depend on the ids the templates use.
            entries.clear();
            taken.clone_from(taken_ids);
        }
        entries.retain(|p, _| live.contains(p));
        *self.cache.last.lock().expect("cache lock") = Some((sources.clone(), theme.clone()));
    }

    fn page(
        &self,
        path: &Path,
        parse: &dyn Fn() -> Result<ParseResult, BuildError>,
    ) -> Result<ParseResult, BuildError> {
        let cached = |fresh: &dyn Fn(&Stamp) -> bool| {
            let entries = self.cache.entries.lock().expect("cache lock");
            let (stamp, result) = entries.get(path)?;
            fresh(stamp).then(|| result.clone())
        };
        if let Some(changed) = &self.changed
            && !changed.contains(path)
            && let Some(result) = cached(&|_| true)
        {
            return Ok(result);
        }
        let stamp = stamp(path)?;
        if self.changed.is_none()
            && let Some(result) = cached(&|s| *s == stamp)
        {
            return Ok(result);
        }
        let result = parse()?;
        self.cache
            .entries
            .lock()
            .expect("cache lock")
            .insert(path.to_path_buf(), (stamp, result.clone()));
        Ok(result)
    }
}
