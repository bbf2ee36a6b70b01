//! Watching `content/` and `templates/` and rebuilding the preview after each change.

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use notify::event::ModifyKind;
use notify::{EventKind, RecursiveMode, Watcher};

use super::Preview;
use crate::content::is_ignored;

/// Changes that arrive this close together are handled by one rebuild (an editor's save
/// is often several file system events).
const SETTLE: Duration = Duration::from_millis(10);

/// Starts watching; the returned watcher must be kept alive.
pub fn start(preview: Arc<Preview>) -> notify::Result<notify::RecommendedWatcher> {
    let (tx, rx) = mpsc::channel::<notify::Result<notify::Event>>();
    let mut watcher = notify::recommended_watcher(move |event| {
        let _ = tx.send(event);
    })?;
    for dir in ["content", "templates"] {
        let path = preview.root.join(dir);
        if path.is_dir() {
            watcher.watch(&path, RecursiveMode::Recursive)?;
        }
    }
    std::thread::Builder::new()
        .name("site-gen-watch".into())
        .spawn(move || {
            while let Ok(first) = rx.recv() {
                let mut batch = vec![first];
                while let Ok(next) = rx.recv_timeout(SETTLE) {
                    batch.push(next);
                }
                if batch.iter().any(is_relevant) {
                    preview.note_changes(edited_files(&batch));
                    preview.rebuild();
                }
            }
        })
        .map_err(|e| notify::Error::generic(&e.to_string()))?;
    Ok(watcher)
}

/// The files whose contents were edited, when that is all that happened (no file created,
/// removed or renamed); `None` otherwise.
fn edited_files(batch: &[notify::Result<notify::Event>]) -> Option<Vec<std::path::PathBuf>> {
    let mut paths = Vec::new();
    for event in batch {
        let event = event.as_ref().ok()?;
        match event.kind {
            EventKind::Access(_) => continue,
            EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Metadata(_) | ModifyKind::Any) => {
                paths.extend(
                    event
                        .paths
                        .iter()
                        .filter(|p| {
                            !p.file_name()
                                .is_some_and(|n| is_ignored(&n.to_string_lossy()))
                        })
                        .cloned(),
                );
            }
            _ => return None,
        }
    }
    paths.sort();
    paths.dedup();
    Some(paths)
}

fn is_relevant(event: &notify::Result<notify::Event>) -> bool {
    let Ok(event) = event else { return true };
    let kind = matches!(
        event.kind,
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) | EventKind::Any
    );
    kind && event.paths.iter().any(|p| {
        p.file_name()
            .is_some_and(|n| !is_ignored(&n.to_string_lossy()))
    })
}
