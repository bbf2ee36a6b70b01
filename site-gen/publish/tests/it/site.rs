//! The sites the tests publish (the repository's own, or a copy to change) and what they
//! read back from moto.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::moto::Moto;

/// The repository: its content/ and templates/ are the real site.
pub fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// A copy of the real site's sources to change.
pub fn copy_of_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for folder in ["content", "templates"] {
        copy_dir(&repository().join(folder), &dir.path().join(folder));
    }
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

pub fn date(text: &str) -> jiff::civil::Date {
    text.parse().unwrap()
}

pub fn options(day: &str) -> site_gen::BuildOptions {
    site_gen::BuildOptions {
        drafts: false,
        date: date(day),
        base_url: Some("https://dagtilbud.example.dk".into()),
    }
}

/// Every file of the site at `root` built by `site_gen::build` into a folder, with its
/// bytes: an oracle independent of the publisher's in-memory build.
pub fn built_files(root: &Path, day: &str) -> BTreeMap<String, Vec<u8>> {
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    site_gen::build(root, &public, &options(day)).unwrap();
    let mut files = BTreeMap::new();
    for entry in walk(&public) {
        let key = entry
            .strip_prefix(&public)
            .unwrap()
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        files.insert(key, std::fs::read(&entry).unwrap());
    }
    files
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// The keys whose bytes differ between two builds, or that only one has.
pub fn differences(
    a: &BTreeMap<String, Vec<u8>>,
    b: &BTreeMap<String, Vec<u8>>,
) -> BTreeSet<String> {
    a.keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect()
}

/// A bucket and a distribution in moto, and the publishing target made of them.
pub struct Stack {
    pub bucket: String,
    pub distribution: String,
}

impl Stack {
    pub async fn create(moto: &Moto, bucket: &str) -> Stack {
        moto.create_bucket(bucket).await;
        let distribution = create_distribution(moto, bucket).await;
        moto.take_requests();
        Stack {
            bucket: bucket.to_string(),
            distribution,
        }
    }

    pub fn target(&self, moto: &Moto) -> site_publish::Target {
        site_publish::Target {
            bucket: site_publish::bucket::Bucket::new(moto.s3(), &self.bucket),
            distribution: Some(site_publish::bucket::Distribution::new(
                moto.cloudfront(),
                &self.distribution,
            )),
        }
    }

    /// Every key in the bucket with its bytes, Content-Type and Cache-Control (the test
    /// reads them back; the publisher never does).
    pub async fn contents(&self, moto: &Moto) -> BTreeMap<String, Stored> {
        let s3 = moto.s3();
        let mut out = BTreeMap::new();
        let mut pages = s3
            .list_objects_v2()
            .bucket(&self.bucket)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            for o in page.unwrap().contents() {
                let key = o.key().unwrap().to_string();
                let got = s3
                    .get_object()
                    .bucket(&self.bucket)
                    .key(&key)
                    .send()
                    .await
                    .unwrap();
                let stored = Stored {
                    content_type: got.content_type().unwrap_or_default().to_string(),
                    cache_control: got.cache_control().unwrap_or_default().to_string(),
                    bytes: got.body.collect().await.unwrap().into_bytes().to_vec(),
                };
                out.insert(key, stored);
            }
        }
        moto.take_requests();
        out
    }

    /// The paths of every invalidation made so far, one list per invalidation, oldest first.
    pub async fn invalidations(&self, moto: &Moto) -> Vec<Vec<String>> {
        let cf = moto.cloudfront();
        let list = cf
            .list_invalidations()
            .distribution_id(&self.distribution)
            .send()
            .await
            .unwrap();
        let mut out = Vec::new();
        let ids: Vec<String> = list
            .invalidation_list()
            .map(|l| l.items().iter().map(|i| i.id().to_string()).collect())
            .unwrap_or_default();
        for id in ids {
            let got = cf
                .get_invalidation()
                .distribution_id(&self.distribution)
                .id(&id)
                .send()
                .await
                .unwrap();
            let mut paths: Vec<String> = got
                .invalidation()
                .and_then(|i| i.invalidation_batch())
                .and_then(|b| b.paths())
                .map(|p| p.items().to_vec())
                .unwrap_or_default();
            paths.sort();
            out.push(paths);
        }
        moto.take_requests();
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub content_type: String,
    pub cache_control: String,
    pub bytes: Vec<u8>,
}

async fn create_distribution(moto: &Moto, bucket: &str) -> String {
    use aws_sdk_cloudfront::types::{
        DefaultCacheBehavior, DistributionConfig, Origin, Origins, S3OriginConfig,
        ViewerProtocolPolicy,
    };
    let origin = Origin::builder()
        .id("site")
        .domain_name(format!("{bucket}.s3.eu-north-1.amazonaws.com"))
        .s3_origin_config(S3OriginConfig::builder().origin_access_identity("").build())
        .build()
        .unwrap();
    let config = DistributionConfig::builder()
        .caller_reference(bucket)
        .origins(
            Origins::builder()
                .quantity(1)
                .items(origin)
                .build()
                .unwrap(),
        )
        .default_cache_behavior(
            DefaultCacheBehavior::builder()
                .target_origin_id("site")
                .viewer_protocol_policy(ViewerProtocolPolicy::RedirectToHttps)
                .cache_policy_id("658327ea-f89d-4fab-a63d-7e88639e58f6")
                .build()
                .unwrap(),
        )
        .comment("site")
        .enabled(true)
        .build()
        .unwrap();
    let out = moto
        .cloudfront()
        .create_distribution()
        .distribution_config(config)
        .send()
        .await
        .unwrap();
    out.distribution().unwrap().id().to_string()
}
