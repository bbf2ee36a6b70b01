//! The site bucket and the distribution in front of it: the only code here that talks to
//! S3 and CloudFront. Reads never fetch a page's body: only the manifest and listings.

use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};

use crate::PublishError;
use crate::manifest::{MANIFEST_KEY, Manifest};
use crate::object::{ContentMd5, Headers};
use crate::plan::{BucketState, Invalidation, Source};

/// S3 takes at most this many keys in one DeleteObjects request.
const DELETE_BATCH: usize = 1000;

/// The site bucket.
#[derive(Clone)]
pub struct Bucket {
    client: aws_sdk_s3::Client,
    name: String,
}

fn s3_error(
    operation: &'static str,
    key: &str,
) -> impl FnOnce(Box<dyn std::error::Error + Send + Sync>) -> PublishError {
    let key = key.to_string();
    move |e| PublishError::Storage {
        operation,
        key,
        message: DisplayErrorContext(&*e).to_string(),
    }
}

impl Bucket {
    pub fn new(client: aws_sdk_s3::Client, name: impl Into<String>) -> Bucket {
        Bucket {
            client,
            name: name.into(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// What the bucket holds: the manifest alone when it is complete and `verify` is false
    /// (one request), else the manifest checked against a listing.
    pub async fn state(&self, verify: bool) -> Result<(BucketState, Source), PublishError> {
        let manifest = self.manifest().await?;
        if !BucketState::needs_listing(manifest.as_ref(), verify) {
            let manifest = manifest.expect("a complete manifest was read");
            return Ok((BucketState::from_manifest(manifest), Source::Manifest));
        }
        let listing = self.list().await?;
        Ok((
            BucketState::from_listing(manifest, listing),
            Source::Listing,
        ))
    }

    /// The manifest; `None` when there is none or it is not one this code wrote.
    async fn manifest(&self) -> Result<Option<Manifest>, PublishError> {
        Ok(self
            .get(MANIFEST_KEY)
            .await?
            .and_then(|b| Manifest::parse(&b)))
    }

    /// The object at `key`; `None` when there is none.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PublishError> {
        let answer = self
            .client
            .get_object()
            .bucket(&self.name)
            .key(key)
            .send()
            .await;
        let out = match answer {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
            Err(e) => return Err(s3_error("GetObject", key)(e.into())),
        };
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| s3_error("GetObject", key)(e.into()))?;
        Ok(Some(bytes.into_bytes().to_vec()))
    }

    /// Every key in the bucket with its ETag.
    async fn list(&self) -> Result<Vec<(String, String)>, PublishError> {
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.name)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| s3_error("ListObjectsV2", "")(e.into()))?;
            for o in page.contents() {
                if let (Some(key), Some(etag)) = (o.key(), o.e_tag()) {
                    out.push((key.to_string(), etag.to_string()));
                }
            }
        }
        Ok(out)
    }

    /// Puts one object with its headers and its MD5 (S3 refuses a body that does not
    /// match); the ETag S3 gave it.
    pub async fn put(
        &self,
        key: &str,
        body: Vec<u8>,
        md5: ContentMd5,
        headers: &Headers,
    ) -> Result<String, PublishError> {
        let out = self
            .client
            .put_object()
            .bucket(&self.name)
            .key(key)
            .body(ByteStream::from(body))
            .content_md5(md5.base64())
            .content_type(&headers.content_type)
            .cache_control(&headers.cache_control)
            .send()
            .await
            .map_err(|e| s3_error("PutObject", key)(e.into()))?;
        Ok(out.e_tag().unwrap_or_default().to_string())
    }

    /// Writes the manifest (never cached: it is read by the next run, not by readers).
    pub async fn put_manifest(&self, manifest: &Manifest) -> Result<(), PublishError> {
        let body = manifest.to_bytes();
        let headers = Headers {
            content_type: "application/json".into(),
            cache_control: "no-store".into(),
        };
        self.put(MANIFEST_KEY, body.clone(), ContentMd5::of(&body), &headers)
            .await
            .map(drop)
    }

    /// Deletes `keys`, a thousand to a request.
    pub async fn delete(&self, keys: &[String]) -> Result<(), PublishError> {
        for batch in keys.chunks(DELETE_BATCH) {
            let objects = batch
                .iter()
                .map(|k| ObjectIdentifier::builder().key(k).build())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| s3_error("DeleteObjects", &batch[0])(e.into()))?;
            let delete = Delete::builder()
                .set_objects(Some(objects))
                .quiet(true)
                .build()
                .map_err(|e| s3_error("DeleteObjects", &batch[0])(e.into()))?;
            let out = self
                .client
                .delete_objects()
                .bucket(&self.name)
                .delete(delete)
                .send()
                .await
                .map_err(|e| s3_error("DeleteObjects", &batch[0])(e.into()))?;
            if let Some(failed) = out.errors().first() {
                return Err(PublishError::Storage {
                    operation: "DeleteObjects",
                    key: failed.key().unwrap_or_default().to_string(),
                    message: failed.message().unwrap_or_default().to_string(),
                });
            }
        }
        Ok(())
    }
}

/// The CloudFront distribution that serves the bucket.
#[derive(Clone)]
pub struct Distribution {
    client: aws_sdk_cloudfront::Client,
    id: String,
}

impl Distribution {
    pub fn new(client: aws_sdk_cloudfront::Client, id: impl Into<String>) -> Distribution {
        Distribution {
            client,
            id: id.into(),
        }
    }

    /// Asks CloudFront to drop the cached copies of `invalidation`'s paths (one request;
    /// none when there is nothing to invalidate).
    pub async fn invalidate(
        &self,
        invalidation: &Invalidation,
        caller_reference: &str,
    ) -> Result<(), PublishError> {
        use aws_sdk_cloudfront::types::{InvalidationBatch, Paths};
        let paths = invalidation.paths();
        if paths.is_empty() {
            return Ok(());
        }
        let fail = |e: Box<dyn std::error::Error + Send + Sync>| {
            PublishError::Cdn(aws_sdk_cloudfront::error::DisplayErrorContext(&*e).to_string())
        };
        let batch = InvalidationBatch::builder()
            .paths(
                Paths::builder()
                    .quantity(paths.len() as i32)
                    .set_items(Some(paths))
                    .build()
                    .map_err(|e| fail(e.into()))?,
            )
            .caller_reference(caller_reference)
            .build()
            .map_err(|e| fail(e.into()))?;
        self.client
            .create_invalidation()
            .distribution_id(&self.id)
            .invalidation_batch(batch)
            .send()
            .await
            .map_err(|e| fail(e.into()))?;
        Ok(())
    }
}
