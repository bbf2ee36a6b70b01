//! The manifest: what the last run put in the bucket (each object's MD5, the ETag S3 gave
//! it, its headers), written as the bucket's last object of a run. A run reads it instead
//! of the objects, so that finding what changed costs one request, not one per page.
//!
//! It is never trusted blindly: a run that changes anything first writes it back marked
//! incomplete, with the paths it is about to change as `pending`; only a run that finished
//! marks it complete. A missing, unreadable or incomplete manifest, or a run asked to
//! verify (the nightly one), makes the next run list the bucket and trust an entry only
//! where the object's ETag is still the one recorded (see [`crate::plan::BucketState`]).

use std::collections::{BTreeMap, BTreeSet};

use crate::object::{ContentMd5, Headers};

/// Where the manifest lives in the site bucket. Served like any object (it lists only what
/// the sitemap and the pages show), never deleted by a run, never listed as a page.
pub const MANIFEST_KEY: &str = "_publish/manifest.json";

/// The manifest format this code writes and reads (another one is treated as missing).
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    pub version: u32,
    /// False from a run's first write until its last: a run that stopped in between left
    /// the bucket somewhere between two sites.
    pub complete: bool,
    /// CloudFront paths a run that did not finish was going to invalidate: the next run
    /// invalidates them too, whether or not it changes them again.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub pending: BTreeSet<String>,
    pub objects: BTreeMap<String, Entry>,
}

/// One object as the run that put it left it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    pub md5: ContentMd5,
    /// The ETag S3 answered the upload with: a listing that shows another one means the
    /// object was replaced by someone else since.
    pub etag: String,
    #[serde(flatten)]
    pub headers: Headers,
}

impl Manifest {
    pub fn empty() -> Manifest {
        Manifest {
            version: VERSION,
            complete: true,
            pending: BTreeSet::new(),
            objects: BTreeMap::new(),
        }
    }

    /// Reads a manifest; `None` for anything this code did not write (treated as missing).
    pub fn parse(bytes: &[u8]) -> Option<Manifest> {
        serde_json::from_slice::<Manifest>(bytes)
            .ok()
            .filter(|m| m.version == VERSION)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a manifest always serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_reads_back_and_a_foreign_one_is_missing() {
        let mut m = Manifest::empty();
        m.pending.insert("/a/index.html".into());
        m.objects.insert(
            "a/index.html".into(),
            Entry {
                md5: ContentMd5::of(b"a"),
                etag: "\"0cc175b9c0f1b6a831c399e269772661\"".into(),
                headers: crate::object::headers_for("a/index.html"),
            },
        );
        assert_eq!(Manifest::parse(&m.to_bytes()), Some(m.clone()));
        m.version = 2;
        assert_eq!(Manifest::parse(&m.to_bytes()), None);
        assert_eq!(Manifest::parse(b"<html>"), None);
    }
}
