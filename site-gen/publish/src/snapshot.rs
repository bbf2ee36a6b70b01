//! The content snapshot: everything `site-gen build` reads (`content/`, `templates/`) as one
//! gzipped tar, which editors upload and the publisher unpacks under /tmp; and the check
//! that its forms and mail texts are the ones the form handler's Lambdas embed.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::PublishError;

/// Where the current snapshot is kept in the stack's snapshot bucket (versioned: the
/// older ones stay).
pub const SNAPSHOT_KEY: &str = "current.tar.gz";

/// The folders of the site's root that a build reads.
pub const FOLDERS: [&str; 2] = ["content", "templates"];

/// Archives the snapshot of the site at `root`.
pub fn pack(root: &Path) -> Result<Vec<u8>, PublishError> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    tar.follow_symlinks(true);
    for folder in FOLDERS {
        let dir = root.join(folder);
        tar.append_dir_all(folder, &dir).map_err(|e| {
            PublishError::Snapshot(format!("cannot be made from {}: {e}", dir.display()))
        })?;
    }
    let gz = tar
        .into_inner()
        .map_err(|e| PublishError::Snapshot(format!("cannot be written: {e}")))?;
    gz.finish()
        .map_err(|e| PublishError::Snapshot(format!("cannot be written: {e}")))
}

/// Unpacks a snapshot into `dest` (entries that would land outside it are refused by tar).
pub fn unpack(archive: &[u8], dest: &Path) -> Result<(), PublishError> {
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive));
    tar.set_preserve_permissions(false);
    tar.set_preserve_mtime(false);
    tar.unpack(dest)
        .map_err(|e| PublishError::Snapshot(format!("is not a readable archive: {e}")))
}

/// The files of the site at `root` that the form handler embeds, whose text differs from
/// the embedded one, or that only one side has (paths as the editors see them).
pub fn forms_differ(root: &Path) -> Vec<String> {
    let embedded: BTreeMap<&str, &str> = form_model::forms::Forms::embedded_sources()
        .into_iter()
        .collect();
    let mut here = BTreeMap::new();
    for path in form_files(root) {
        let shown = relative(root, &path);
        let mut text = String::new();
        let read = std::fs::File::open(&path).and_then(|mut f| f.read_to_string(&mut text));
        here.insert(shown, read.ok().map(|_| text));
    }
    let mut differ: Vec<String> = here
        .iter()
        .filter(|(path, text)| embedded.get(path.as_str()).copied() != text.as_deref())
        .map(|(path, _)| path.clone())
        .collect();
    differ.extend(
        embedded
            .keys()
            .filter(|p| !here.contains_key(**p))
            .map(|p| format!("{p} (removed)")),
    );
    differ.sort();
    differ
}

/// content/forms/*.yaml, content/data/kommuner.yaml, content/mail/*/*.md.
fn form_files(root: &Path) -> Vec<PathBuf> {
    let content = root.join("content");
    let mut out = Vec::new();
    let files_in = |dir: &Path, ext: &str| -> Vec<PathBuf> {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == ext))
            .collect()
    };
    out.extend(files_in(&content.join("forms"), "yaml"));
    let kommuner = content.join("data/kommuner.yaml");
    if kommuner.is_file() {
        out.push(kommuner);
    }
    for form in std::fs::read_dir(content.join("mail"))
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
    {
        out.extend(files_in(&form, "md"));
    }
    out
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repository() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    #[test]
    fn the_repositorys_own_forms_are_the_embedded_ones() {
        assert_eq!(forms_differ(&repository()), Vec::<String>::new());
    }

    #[test]
    fn a_snapshot_unpacks_to_the_same_files_and_a_changed_form_is_named() {
        let archive = pack(&repository()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        unpack(&archive, dir.path()).unwrap();
        let page = "content/minivejledningsforloeb.md";
        assert_eq!(
            std::fs::read(dir.path().join(page)).unwrap(),
            std::fs::read(repository().join(page)).unwrap()
        );
        assert!(forms_differ(dir.path()).is_empty());
        let form = dir.path().join("content/forms/minivejledning.yaml");
        let text = std::fs::read_to_string(&form).unwrap();
        std::fs::write(&form, text.replacen("label:", "label: ", 1)).unwrap();
        std::fs::remove_file(dir.path().join("content/data/kommuner.yaml")).unwrap();
        assert_eq!(
            forms_differ(dir.path()),
            [
                "content/data/kommuner.yaml (removed)",
                "content/forms/minivejledning.yaml"
            ]
        );
    }
}
