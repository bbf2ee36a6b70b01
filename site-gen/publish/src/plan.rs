//! From what the bucket holds and what the build made to what a run must do: the uploads
//! in reader-safe order, the deletions, the CloudFront paths. Pure: no I/O.

use std::collections::{BTreeMap, BTreeSet};

use crate::manifest::{Entry, MANIFEST_KEY, Manifest};
use crate::object::{ContentMd5, Headers, Object};

/// CloudFront takes at most this many paths in one invalidation (and in progress at once);
/// beyond it a run invalidates `/*`, once.
pub const MAX_INVALIDATION_PATHS: usize = 3000;

/// What the bucket holds under one key, as far as the run can tell without reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Held {
    /// As the manifest records it (and, when the bucket was listed, with the ETag recorded).
    Known(Entry),
    /// Something the manifest does not vouch for (uploaded by hand, or by a run that did
    /// not finish): replaced by the build's object whatever it is.
    Unknown { etag: String },
}

/// How the run learnt what the bucket holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A complete manifest, trusted (one request).
    Manifest,
    /// A listing of the bucket, checked against the manifest.
    Listing,
}

/// What the bucket holds.
#[derive(Debug, Clone, Default)]
pub struct BucketState {
    pub objects: BTreeMap<String, Held>,
    /// Paths a run that did not finish owes CloudFront.
    pub pending: BTreeSet<String>,
    /// The manifest as read (`None`: missing or unreadable).
    pub manifest: Option<Manifest>,
}

impl BucketState {
    /// Whether a listing is needed to know the bucket: no manifest, or one a run did not
    /// finish, or the caller asks to verify (someone may have changed objects by hand).
    pub fn needs_listing(manifest: Option<&Manifest>, verify: bool) -> bool {
        verify || !manifest.is_some_and(|m| m.complete)
    }

    /// The bucket as a complete manifest says.
    pub fn from_manifest(manifest: Manifest) -> BucketState {
        BucketState {
            objects: manifest
                .objects
                .iter()
                .map(|(k, e)| (k.clone(), Held::Known(e.clone())))
                .collect(),
            pending: manifest.pending.clone(),
            manifest: Some(manifest),
        }
    }

    /// The bucket as listed (key, ETag), each object known only where the manifest records
    /// that very ETag.
    pub fn from_listing(
        manifest: Option<Manifest>,
        listing: impl IntoIterator<Item = (String, String)>,
    ) -> BucketState {
        let objects = listing
            .into_iter()
            .filter(|(key, _)| key != MANIFEST_KEY)
            .map(|(key, etag)| {
                let held = match manifest.as_ref().and_then(|m| m.objects.get(&key)) {
                    Some(entry) if entry.etag == etag => Held::Known(entry.clone()),
                    _ => Held::Unknown { etag },
                };
                (key, held)
            })
            .collect();
        BucketState {
            objects,
            pending: manifest
                .as_ref()
                .map(|m| m.pending.clone())
                .unwrap_or_default(),
            manifest,
        }
    }

    /// Whether the bucket already holds `object` as built, with its headers.
    pub fn holds(&self, key: &str, md5: ContentMd5, headers: &Headers) -> bool {
        matches!(self.objects.get(key), Some(Held::Known(e)) if e.md5 == md5 && &e.headers == headers)
    }
}

/// What CloudFront is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalidation {
    Nothing,
    /// Exactly these paths, as CloudFront caches them.
    Paths(Vec<String>),
    /// More paths than one invalidation takes: `/*`.
    Everything,
}

impl Invalidation {
    fn of(paths: BTreeSet<String>) -> Invalidation {
        match paths.len() {
            0 => Invalidation::Nothing,
            n if n > MAX_INVALIDATION_PATHS => Invalidation::Everything,
            _ => Invalidation::Paths(paths.into_iter().collect()),
        }
    }

    /// The paths sent to CloudFront.
    pub fn paths(&self) -> Vec<String> {
        match self {
            Invalidation::Nothing => Vec::new(),
            Invalidation::Paths(p) => p.clone(),
            Invalidation::Everything => vec!["/*".to_string()],
        }
    }
}

/// What a run does, in order.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Keys of the objects to upload, assets first, then pages, then the sitemap.
    pub uploads: Vec<String>,
    /// Keys no longer built, deleted after every upload.
    pub deletes: Vec<String>,
    pub invalidation: Invalidation,
    /// The manifest as it is once the run has finished (uploads' ETags filled in then).
    pub next: Manifest,
}

impl Plan {
    /// Whether the run writes nothing at all: the bucket and CloudFront are as they
    /// should be and the manifest says so.
    pub fn is_empty(&self) -> bool {
        self.uploads.is_empty()
            && self.deletes.is_empty()
            && self.invalidation == Invalidation::Nothing
    }
}

/// The plan for putting `built` (every output of the build) into a bucket in `state`.
pub fn plan(built: &[Object], state: &BucketState) -> Plan {
    let mut uploads: Vec<&Object> = built
        .iter()
        .filter(|o| !state.holds(&o.key, o.md5, &o.headers))
        .collect();
    uploads.sort_by(|a, b| (a.class, &a.key).cmp(&(b.class, &b.key)));
    let built_keys: BTreeSet<&str> = built.iter().map(|o| o.key.as_str()).collect();
    let deletes: Vec<String> = state
        .objects
        .keys()
        .filter(|k| !built_keys.contains(k.as_str()))
        .cloned()
        .collect();
    let mut paths = state.pending.clone();
    paths.extend(uploads.iter().map(|o| cache_path(&o.key)));
    paths.extend(deletes.iter().map(|k| cache_path(k)));
    let next = Manifest {
        complete: true,
        pending: BTreeSet::new(),
        objects: built
            .iter()
            .filter_map(|o| match state.objects.get(&o.key) {
                Some(Held::Known(e)) if state.holds(&o.key, o.md5, &o.headers) => {
                    Some((o.key.clone(), e.clone()))
                }
                // Filled in with S3's ETag as each is uploaded.
                _ => None,
            })
            .collect(),
        ..Manifest::empty()
    };
    Plan {
        uploads: uploads.into_iter().map(|o| o.key.clone()).collect(),
        deletes,
        invalidation: Invalidation::of(paths),
        next,
    }
}

/// The path under which CloudFront caches the object at `key`: the URI after the site's
/// viewer-request function (`SitePathFunction`: `/x/` becomes `/x/index.html`), so the
/// key itself behind a `/`, percent-encoded as a request URI is.
pub fn cache_path(key: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    // RFC 3986's unreserved characters and `/` stay as they are.
    const PATH: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~')
        .remove(b'/');
    format!("/{}", utf8_percent_encode(key, PATH))
}

/// The public address of the object at `key` below `base` (a page's folder for its
/// `index.html`), for telling editors what changed.
pub fn public_url(base: &str, key: &str) -> String {
    let base = base.trim_end_matches('/');
    let path = key.strip_suffix("index.html").unwrap_or(key);
    format!("{base}/{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built(pairs: &[(&str, &str)]) -> Vec<Object> {
        pairs
            .iter()
            .map(|(k, v)| Object::new(k, v.as_bytes()))
            .collect()
    }

    fn held(objects: &[Object]) -> BucketState {
        let mut m = Manifest::empty();
        for o in objects {
            m.objects.insert(
                o.key.clone(),
                Entry {
                    md5: o.md5,
                    etag: format!("\"{}\"", o.md5.hex()),
                    headers: o.headers.clone(),
                },
            );
        }
        BucketState::from_manifest(m)
    }

    #[test]
    fn an_empty_bucket_gets_everything_assets_first_and_the_sitemap_last() {
        let site = built(&[
            ("sitemap.xml", "s"),
            ("index.html", "i"),
            ("a/index.html", "a"),
            ("static/s.0123456789.css", "c"),
            ("billeder/kort.png", "k"),
        ]);
        let p = plan(&site, &BucketState::default());
        assert_eq!(
            p.uploads,
            [
                "billeder/kort.png",
                "static/s.0123456789.css",
                "a/index.html",
                "index.html",
                "sitemap.xml"
            ]
        );
        assert!(p.deletes.is_empty());
        assert_eq!(p.invalidation.paths().len(), 5);
    }

    #[test]
    fn the_same_build_again_changes_nothing() {
        let site = built(&[("index.html", "i"), ("sitemap.xml", "s")]);
        let p = plan(&site, &held(&site));
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(p.next.objects.len(), 2);
    }

    #[test]
    fn a_changed_page_and_a_removed_one_are_all_that_moves() {
        let before = built(&[
            ("a/index.html", "a"),
            ("b/index.html", "b"),
            ("c/index.html", "c"),
        ]);
        let after = built(&[("a/index.html", "a"), ("b/index.html", "B")]);
        let p = plan(&after, &held(&before));
        assert_eq!(p.uploads, ["b/index.html"]);
        assert_eq!(p.deletes, ["c/index.html"]);
        assert_eq!(
            p.invalidation,
            Invalidation::Paths(vec!["/b/index.html".into(), "/c/index.html".into()])
        );
        assert_eq!(p.next.objects.len(), 1, "b's entry waits for its ETag");
    }

    #[test]
    fn changed_headers_alone_are_uploaded_again() {
        let site = built(&[("a/index.html", "a")]);
        let mut state = held(&site);
        if let Some(Held::Known(e)) = state.objects.get_mut("a/index.html") {
            e.headers.content_type = "binary/octet-stream".into();
        }
        assert_eq!(plan(&site, &state).uploads, ["a/index.html"]);
    }

    #[test]
    fn a_listing_trusts_only_the_etags_the_manifest_recorded() {
        let site = built(&[("a/index.html", "a"), ("b/index.html", "b")]);
        let manifest = held(&site).manifest.unwrap();
        let listing = vec![
            (
                "a/index.html".to_string(),
                format!("\"{}\"", site[0].md5.hex()),
            ),
            // Replaced by hand since: same key, another ETag.
            (
                "b/index.html".to_string(),
                "\"ffffffffffffffffffffffffffffffff\"".into(),
            ),
            (
                "stray.html".to_string(),
                "\"00000000000000000000000000000000\"".into(),
            ),
            (MANIFEST_KEY.to_string(), "\"x\"".into()),
        ];
        let state = BucketState::from_listing(Some(manifest), listing);
        let p = plan(&site, &state);
        assert_eq!(p.uploads, ["b/index.html"]);
        assert_eq!(p.deletes, ["stray.html"], "never the manifest itself");
    }

    #[test]
    fn without_a_manifest_every_listed_object_is_replaced() {
        let site = built(&[("a/index.html", "a")]);
        let listing = vec![(
            "a/index.html".to_string(),
            format!("\"{}\"", site[0].md5.hex()),
        )];
        let state = BucketState::from_listing(None, listing);
        assert_eq!(plan(&site, &state).uploads, ["a/index.html"]);
        assert!(BucketState::needs_listing(None, false));
    }

    #[test]
    fn an_unfinished_runs_paths_are_invalidated_by_the_next() {
        let site = built(&[("a/index.html", "a")]);
        let mut manifest = held(&site).manifest.unwrap();
        manifest.complete = false;
        manifest.pending.insert("/old/index.html".into());
        assert!(BucketState::needs_listing(Some(&manifest), false));
        assert!(!BucketState::needs_listing(
            Some(&held(&site).manifest.unwrap()),
            false
        ));
        let listing = vec![(
            "a/index.html".to_string(),
            format!("\"{}\"", site[0].md5.hex()),
        )];
        let p = plan(&site, &BucketState::from_listing(Some(manifest), listing));
        assert!(p.uploads.is_empty() && p.deletes.is_empty());
        assert_eq!(
            p.invalidation,
            Invalidation::Paths(vec!["/old/index.html".into()])
        );
    }

    #[test]
    fn over_cloudfronts_limit_everything_is_invalidated_once() {
        let site: Vec<Object> = (0..=MAX_INVALIDATION_PATHS)
            .map(|i| Object::new(&format!("p{i}/index.html"), b"x"))
            .collect();
        let p = plan(&site, &BucketState::default());
        assert_eq!(p.invalidation, Invalidation::Everything);
        assert_eq!(p.invalidation.paths(), ["/*"]);
        let fewer = &site[..MAX_INVALIDATION_PATHS];
        assert_eq!(
            plan(fewer, &BucketState::default())
                .invalidation
                .paths()
                .len(),
            MAX_INVALIDATION_PATHS
        );
    }

    #[test]
    fn cache_paths_and_public_urls() {
        assert_eq!(cache_path("index.html"), "/index.html");
        assert_eq!(cache_path("a b/kø.pdf"), "/a%20b/k%C3%B8.pdf");
        assert_eq!(
            public_url("https://x.dk/", "a/index.html"),
            "https://x.dk/a/"
        );
        assert_eq!(public_url("https://x.dk", "index.html"), "https://x.dk/");
        assert_eq!(
            public_url("https://x.dk", "sitemap.xml"),
            "https://x.dk/sitemap.xml"
        );
    }
}
