//! site-publish: puts the built site into its S3 bucket and keeps CloudFront in step.
//!
//! - [`object`]: what each output becomes (key, Content-Type, Cache-Control, upload class);
//! - [`manifest`]: what the last run left in the bucket, so that a run reads one object;
//! - [`plan`]: pure: bucket state + build -> uploads, deletions, CloudFront paths;
//! - [`bucket`]: the S3 and CloudFront calls, nothing else talks to AWS's storage;
//! - [`run`]: one run, a type per stage (prepare, upload, delete, finish);
//! - [`snapshot`]: the editors' sources as one archive, and the check that its forms and
//!   mail texts are the ones the deployed Lambdas were built with;
//! - [`event`]: the publisher Lambda's events (the nightly schedule's, an editor's).
//!
//! Used by the publisher Lambda (`src/bin/publisher.rs`) and by the `site-publish` command
//! (`infra/publish`), so the rules exist once.

pub mod bucket;
pub mod event;
pub mod manifest;
pub mod object;
pub mod plan;
pub mod run;
pub mod snapshot;

pub use run::{Report, Target, publish};

/// The names shared with the template (infra owns them; `tests/it/infra.rs` holds the two
/// sides together).
pub mod names {
    /// The publisher's environment: the site bucket, the snapshot bucket, the distribution
    /// to invalidate and the site's address.
    pub const SITE_BUCKET: &str = "SITE_BUCKET";
    pub const SNAPSHOT_BUCKET: &str = "SNAPSHOT_BUCKET";
    pub const DISTRIBUTION_ID: &str = "DISTRIBUTION_ID";
    pub const SITE_URL: &str = "SITE_URL";
    pub const ENVIRONMENT: [&str; 4] = [SITE_BUCKET, SNAPSHOT_BUCKET, DISTRIBUTION_ID, SITE_URL];

    /// The publisher function of the stack `stack`.
    pub fn publisher_function(stack: &str) -> String {
        format!("{stack}-publisher")
    }

    /// The snapshot bucket of the stack `stack` in the account `account`.
    pub fn snapshot_bucket(stack: &str, account: &str) -> String {
        format!("{stack}-snapshots-{account}")
    }
}

/// Why a run published nothing, or stopped part way (then the next run finishes it).
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The editors' content or templates have errors: nothing was written.
    #[error("{0}")]
    Build(#[from] site_gen::BuildError),
    /// The snapshot's forms or mail texts are not the ones the Lambdas were built with.
    #[error(
        "refused: forms changed. These files differ from the ones the deployed form handler was built with: {}. The handler checks applications against the forms it was built with, so a change to them needs `infra/deploy` (a developer), not a publish.",
        files.join(", ")
    )]
    FormsChanged { files: Vec<String> },
    /// The snapshot could not be read.
    #[error("the content snapshot {0}")]
    Snapshot(String),
    /// An S3 request failed.
    #[error("S3 {operation} {key}: {message}")]
    Storage {
        operation: &'static str,
        key: String,
        message: String,
    },
    /// CloudFront refused the invalidation.
    #[error("CloudFront CreateInvalidation: {0}")]
    Cdn(String),
    /// A task of the run panicked or was cancelled.
    #[error("internal: {0}")]
    Internal(String),
}

impl PublishError {
    /// The run's outcome as logged and answered.
    pub fn outcome(&self) -> &'static str {
        match self {
            PublishError::Build(site_gen::BuildError::Content(_)) => "content_errors",
            PublishError::FormsChanged { .. } => "forms_changed",
            PublishError::Build(_) | PublishError::Snapshot(_) => "snapshot_unreadable",
            PublishError::Storage { .. } | PublishError::Cdn(_) | PublishError::Internal(_) => {
                "aws_failed"
            }
        }
    }
}

/// Clients for S3 and CloudFront from the environment (credentials, region, and
/// `AWS_ENDPOINT_URL_*` for a local server: then S3 is addressed by path, as moto wants).
#[derive(Clone)]
pub struct Clients {
    pub s3: aws_sdk_s3::Client,
    pub cloudfront: aws_sdk_cloudfront::Client,
}

impl Clients {
    pub async fn from_env() -> Clients {
        Clients::from_config(
            &aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await,
        )
    }

    pub fn from_config(config: &aws_config::SdkConfig) -> Clients {
        let local = std::env::var_os("AWS_ENDPOINT_URL_S3").is_some()
            || std::env::var_os("AWS_ENDPOINT_URL").is_some();
        let s3 = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(local)
            // Content-MD5 is sent with every upload: no second checksum.
            .request_checksum_calculation(
                aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired,
            )
            .response_checksum_validation(
                aws_sdk_s3::config::ResponseChecksumValidation::WhenRequired,
            )
            .build();
        Clients {
            s3: aws_sdk_s3::Client::from_conf(s3),
            cloudfront: aws_sdk_cloudfront::Client::new(config),
        }
    }

    /// The target made of a bucket and, when given, a distribution.
    pub fn target(&self, bucket: &str, distribution: Option<&str>) -> Target {
        Target {
            bucket: bucket::Bucket::new(self.s3.clone(), bucket),
            distribution: distribution
                .map(|id| bucket::Distribution::new(self.cloudfront.clone(), id)),
        }
    }
}
