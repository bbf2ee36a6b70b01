//! One publishing run, a type per stage: [`Run::prepare`] learns what the bucket holds and
//! builds the site in memory (keeping only the bodies that must be uploaded);
//! [`Run::upload`] marks the manifest incomplete and uploads in reader-safe order;
//! [`Run::delete`] removes what is no longer built; [`Run::finish`] invalidates and writes
//! the manifest complete. A run stopped anywhere leaves the old pages served next to new
//! assets at worst, and the next run finishes the job (see `manifest`).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use site_gen::BuildOptions;
use tokio::task::JoinSet;

use crate::PublishError;
use crate::bucket::{Bucket, Distribution};
use crate::manifest::{Entry, Manifest};
use crate::object::{Class, Object};
use crate::plan::{self, BucketState, Invalidation, Plan, Source};

/// Uploads in flight at once.
const PARALLEL_UPLOADS: usize = 16;

/// Where a run publishes to.
#[derive(Clone)]
pub struct Target {
    pub bucket: Bucket,
    /// `None` for a bucket without a distribution (nothing to invalidate).
    pub distribution: Option<Distribution>,
}

/// What a run did (or, for a dry run, would do): the publisher's answer and log line. No
/// personal data: keys and counts.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Report {
    pub date: String,
    pub pages: usize,
    pub files: usize,
    pub source: Source,
    pub uploaded: usize,
    pub deleted: usize,
    /// The CloudFront paths invalidated (`["/*"]` beyond CloudFront's limit).
    pub invalidated: Vec<String>,
    /// The public addresses whose content changed, uploaded or deleted.
    pub changed: Vec<String>,
    pub dry_run: bool,
    pub milliseconds: u128,
}

/// A built site and its plan, nothing written yet.
pub struct Run {
    target: Target,
    plan: Plan,
    objects: HashMap<String, Object>,
    bodies: HashMap<String, Vec<u8>>,
    report: Report,
    started: Instant,
}

impl Run {
    /// Reads what the bucket holds (verifying it by a listing when asked), then builds the
    /// site at `root` in memory. Content errors end the run here, before any write.
    pub async fn prepare(
        target: Target,
        root: &Path,
        options: BuildOptions,
        verify: bool,
    ) -> Result<Run, PublishError> {
        let started = Instant::now();
        let (state, source) = target.bucket.state(verify).await?;
        let root = root.to_path_buf();
        let date = options.date.to_string();
        let base_url = options.base_url.clone().unwrap_or_default();
        let (built, state) = tokio::task::spawn_blocking(move || {
            render(&root, &options, &state).map(|b| (b, state))
        })
        .await
        .map_err(|e| PublishError::Internal(e.to_string()))??;
        let objects: Vec<Object> = built.objects;
        let plan = plan::plan(&objects, &state);
        let changed = plan
            .uploads
            .iter()
            .chain(&plan.deletes)
            .filter(|k| !crate::object::is_fingerprinted(k))
            .map(|k| plan::public_url(&base_url, k))
            .collect();
        let report = Report {
            date,
            pages: built.pages,
            files: objects.len(),
            source,
            uploaded: plan.uploads.len(),
            deleted: plan.deletes.len(),
            invalidated: plan.invalidation.paths(),
            changed,
            dry_run: false,
            milliseconds: 0,
        };
        Ok(Run {
            target,
            plan,
            objects: objects.into_iter().map(|o| (o.key.clone(), o)).collect(),
            bodies: built.bodies,
            report,
            started,
        })
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// What the run would do, writing nothing.
    pub fn dry_run(self) -> Report {
        Report {
            dry_run: true,
            milliseconds: self.started.elapsed().as_millis(),
            ..self.report
        }
    }

    /// Marks the manifest incomplete with the paths about to change, then uploads: every
    /// asset, then every page, then the sitemap, each class finished before the next.
    pub async fn upload(mut self) -> Result<Uploaded, PublishError> {
        if !self.plan.is_empty() {
            // What stays as it is, what is about to be put (with the ETag S3 gives an
            // object of that MD5 in this bucket: a listing after a crash then shows which
            // uploads happened), and the paths this run owes CloudFront until it finishes.
            let mut intent = Manifest {
                complete: false,
                pending: self.plan.invalidation.paths().into_iter().collect(),
                ..self.plan.next.clone()
            };
            for key in &self.plan.uploads {
                let object = &self.objects[key];
                let entry = Entry {
                    md5: object.md5,
                    etag: format!("\"{}\"", object.md5.hex()),
                    headers: object.headers.clone(),
                };
                intent.objects.insert(key.clone(), entry);
            }
            self.target.bucket.put_manifest(&intent).await?;
        }
        let mut next = std::mem::replace(&mut self.plan.next, Manifest::empty());
        for class in [Class::Asset, Class::Page, Class::Index] {
            let keys: Vec<String> = self
                .plan
                .uploads
                .iter()
                .filter(|k| self.objects[k.as_str()].class == class)
                .cloned()
                .collect();
            for (key, entry) in self.upload_all(keys).await? {
                next.objects.insert(key, entry);
            }
        }
        self.plan.next = next;
        Ok(Uploaded(self))
    }

    async fn upload_all(
        &mut self,
        keys: Vec<String>,
    ) -> Result<Vec<(String, Entry)>, PublishError> {
        let mut running = JoinSet::new();
        let mut done = Vec::with_capacity(keys.len());
        for key in keys {
            if running.len() >= PARALLEL_UPLOADS
                && let Some(r) = running.join_next().await
            {
                done.push(r.map_err(|e| PublishError::Internal(e.to_string()))??);
            }
            let object = self.objects[&key].clone();
            let body = self.bodies.remove(&key).unwrap_or_default();
            let bucket = self.target.bucket.clone();
            running.spawn(async move {
                let etag = bucket.put(&key, body, object.md5, &object.headers).await?;
                let entry = Entry {
                    md5: object.md5,
                    etag,
                    headers: object.headers,
                };
                Ok::<_, PublishError>((key, entry))
            });
        }
        while let Some(r) = running.join_next().await {
            done.push(r.map_err(|e| PublishError::Internal(e.to_string()))??);
        }
        Ok(done)
    }
}

/// Every object uploaded; nothing deleted yet.
pub struct Uploaded(Run);

impl Uploaded {
    /// Deletes what the build no longer has.
    pub async fn delete(self) -> Result<Deleted, PublishError> {
        let run = self.0;
        run.target.bucket.delete(&run.plan.deletes).await?;
        Ok(Deleted(run))
    }
}

/// The bucket holds the new site; CloudFront and the manifest do not know yet.
pub struct Deleted(Run);

impl Deleted {
    /// Invalidates the changed paths, then writes the manifest complete: a run stopped
    /// before that leaves the paths pending for the next.
    pub async fn finish(self) -> Result<Report, PublishError> {
        let run = self.0;
        if let (Some(cdn), invalidation) = (&run.target.distribution, &run.plan.invalidation)
            && *invalidation != Invalidation::Nothing
        {
            let reference = format!(
                "site-publish-{}-{}",
                run.report.date,
                jiff::Timestamp::now().as_millisecond()
            );
            cdn.invalidate(invalidation, &reference).await?;
        }
        if !run.plan.is_empty() {
            run.target.bucket.put_manifest(&run.plan.next).await?;
        }
        Ok(Report {
            milliseconds: run.started.elapsed().as_millis(),
            ..run.report
        })
    }
}

/// The whole run: prepare, upload, delete, finish (or only prepare, for a dry run).
pub async fn publish(
    target: Target,
    root: &Path,
    options: BuildOptions,
    verify: bool,
    dry_run: bool,
) -> Result<Report, PublishError> {
    let run = Run::prepare(target, root, options, verify).await?;
    if dry_run {
        return Ok(run.dry_run());
    }
    run.upload().await?.delete().await?.finish().await
}

/// The site built in memory: every object, and the bodies of those the bucket lacks.
struct Built {
    objects: Vec<Object>,
    bodies: HashMap<String, Vec<u8>>,
    pages: usize,
}

/// Builds the site (every check a build makes) and hashes each output as it is rendered;
/// an output the bucket already holds is dropped at once, so memory holds only what changed.
fn render(root: &Path, options: &BuildOptions, state: &BucketState) -> Result<Built, PublishError> {
    let kept = Mutex::new((Vec::new(), HashMap::new()));
    let sink = |path: &str, bytes: &[u8]| {
        let object = Object::new(path, bytes);
        let keep = !state.holds(&object.key, object.md5, &object.headers);
        let mut kept = kept.lock().expect("no sink panics while holding the lock");
        if keep {
            kept.1.insert(object.key.clone(), bytes.to_vec());
        }
        kept.0.push(object);
        Ok(())
    };
    let report = site_gen::build::render_to(root, options, &sink)?;
    let (mut objects, bodies) = kept.into_inner().expect("the sinks are done");
    objects.sort_by(|a: &Object, b| a.key.cmp(&b.key));
    Ok(Built {
        objects,
        bodies,
        pages: report.pages,
    })
}
