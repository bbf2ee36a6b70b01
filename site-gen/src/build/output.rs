//! Putting a finished build in place: the output folder is checked before anything is
//! rendered, the new site is rendered beside it and swapped in, and the previous one removed.

use std::path::Path;

use rayon::prelude::*;

use super::folder::Folder;
use super::{BuildError, io};

/// A new empty folder beside `output` (on the same file system, so that renaming it into
/// `output`'s place is atomic), named `.<output's name>.<purpose>-XXXXXX`.
pub(super) fn temp_beside(output: &Path, purpose: &str) -> Result<tempfile::TempDir, BuildError> {
    let name = output
        .file_name()
        .map_or("public".into(), |n| n.to_string_lossy().into_owned());
    let parent = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io(format!("creating {}", parent.display())))?;
    tempfile::Builder::new()
        .prefix(&format!(".{name}.{purpose}-"))
        .tempdir_in(parent)
        .map_err(io(format!(
            "creating a temporary folder in {}",
            parent.display()
        )))
}

/// Refuses output folders whose replacement would destroy the sources.
pub(super) fn guard_output(root: &Path, output: &Path) -> Result<(), BuildError> {
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
pub(super) fn swap_in(
    staging: tempfile::TempDir,
    output: &Path,
    written: &[String],
) -> Result<Option<String>, BuildError> {
    let old = if output.exists() {
        let old = temp_beside(output, "old")?;
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
    let old_folder = Folder::open(old)?;
    let depth = |f: &str| f.bytes().filter(|b| *b == b'/').count();
    let ((), folders) = rayon::join(
        || {
            written.par_iter().for_each(|rel| {
                // Missing files are expected (pages added since); the walk below catches
                // the rest.
                let _ = old_folder.remove_file(rel);
            })
        },
        || {
            let mut folders: Vec<&str> = written
                .iter()
                .flat_map(|rel| rel.match_indices('/').map(move |(i, _)| &rel[..i]))
                .collect();
            // Deepest first; folders of one depth are independent of each other.
            folders.sort_unstable_by_key(|f| (std::cmp::Reverse(depth(f)), *f));
            folders.dedup();
            folders
        },
    );
    for level in folders.chunk_by(|a, b| depth(a) == depth(b)) {
        level.par_iter().for_each(|folder| {
            // Not empty (it holds files the new site does not have) or gone: the walk
            // below deals with it.
            let _ = old_folder.remove_dir(folder);
        });
    }
    drop(old_folder);
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
