//! Integration tests for site-gen: whole fixture sites under `tests/it/fixtures/` are
//! checked, built and run through the real binary.
//!
//! - `errors`: one fixture per kind of editor mistake (a copy of `fixtures/minimal` with one
//!   fault), asserting the exact message, `file:line` and hint.
//! - `build`: `fixtures/ok` built into a temporary folder, and what the output must hold.
//! - `cli`: the `site-gen` binary's exit codes, messages and subcommands.
//! - `serve`: the live preview: rebuilds, the last good build, errors, HTTP.

mod build;
mod cli;
mod errors;
mod serve;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use site_gen::{BuildOptions, dates};

/// A fixture site, ready to build. Fault fixtures hold only the files in which they differ
/// from `fixtures/minimal`; they are laid over a temporary copy of it.
pub struct Fixture {
    root: PathBuf,
    _copy: Option<tempfile::TempDir>,
}

impl std::ops::Deref for Fixture {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.root
    }
}

impl AsRef<Path> for Fixture {
    fn as_ref(&self) -> &Path {
        &self.root
    }
}

impl AsRef<std::ffi::OsStr> for Fixture {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.root.as_os_str()
    }
}

/// The fixture site `name` under `tests/it/fixtures/`.
pub fn fixture(name: &str) -> Fixture {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures");
    let path = fixtures.join(name);
    assert!(path.is_dir(), "no fixture {}", path.display());
    if name == "ok" || name == "minimal" {
        return Fixture {
            root: path,
            _copy: None,
        };
    }
    let copy = tempfile::tempdir().unwrap();
    let root = copy.path().join(name);
    copy_dir(&fixtures.join("minimal"), &root);
    copy_dir(&path, &root);
    Fixture {
        root,
        _copy: Some(copy),
    }
}

/// Build options for a fixed day, so that `publish_date` and friends do not depend on today.
pub fn options_on(date: &str) -> BuildOptions {
    BuildOptions {
        drafts: false,
        date: dates::parse_iso(date).unwrap(),
        base_url: None,
    }
}

/// The day every test builds for unless it says otherwise.
pub const DAY: &str = "2019-03-01";

pub fn options() -> BuildOptions {
    options_on(DAY)
}

/// Every file under `dir`, by path relative to `dir` (with `/`), with its bytes.
pub fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap();
                let rel = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Copies the folder `from` into `to`, replacing files that are there already.
pub fn copy_dir(from: &Path, to: &Path) {
    for (rel, bytes) in read_tree(from) {
        let path = to.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

/// The text of `rel` under the built site `out`.
pub fn read(out: &Path, rel: &str) -> String {
    std::fs::read_to_string(out.join(rel))
        .unwrap_or_else(|e| panic!("reading {rel} in {}: {e}", out.display()))
}

/// The names in folder `dir`, sorted.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
