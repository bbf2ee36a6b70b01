//! Where applications are kept: DynamoDB in production ([`dynamo`]), or a local store
//! (a JSON-lines file, or memory) for previews and benchmarks ([`local`]). An application
//! and its idempotency record are written together and never overwrite anything: a repeat
//! of an earlier post gets the first post's receipt back.

#[cfg(feature = "aws")]
pub mod dynamo;
pub mod local;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use crate::application::NewApplication;

/// What the applicant is told: the reference, when it arrived and its round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub reference: String,
    pub received_at: Timestamp,
    pub round: String,
}

/// The result of storing: a new application, a repeat of an earlier one, or nothing
/// stored because the idempotency key belongs to an application with other content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    New(Receipt),
    Repeat(Receipt),
    KeyReused,
}

impl Stored {
    /// What `first` (the application holding the key) means for a post of `app`.
    fn repeat_of(app: &NewApplication, first_hash: &str, first: Receipt) -> Stored {
        if first_hash.is_empty() || app.content_hash.is_empty() || first_hash == app.content_hash {
            Stored::Repeat(first)
        } else {
            Stored::KeyReused
        }
    }
}

/// Why the store failed: the applicant is told to try again (HTTP 503), and nothing is
/// claimed to be stored. The texts hold no application data (they are logged).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store did not answer within the time a request may take.
    #[error("the store did not answer within {0:?}")]
    Timeout(std::time::Duration),
    /// An operation failed; `what` says which, `code` is the store's error code or the
    /// kind of failure (never a message that could quote the request).
    #[error("{what} failed: {code}")]
    Failed { what: &'static str, code: String },
    /// The store holds something it should not (a malformed item, a reused reference).
    #[error("{0}")]
    Inconsistent(&'static str),
    /// The local store's file.
    #[error("{path}: {source}")]
    File {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

impl StoreError {
    /// A short name for the log's `error_kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            StoreError::Timeout(_) => "timeout",
            StoreError::Failed { .. } => "failed",
            StoreError::Inconsistent(_) => "inconsistent",
            StoreError::File { .. } => "file",
        }
    }
}

/// The longest a request waits for the store, retries included: the 503 must reach the
/// applicant before the Lambda's own timeout (10 s in infra/template.yaml) cuts it off
/// with API Gateway's English error.
pub const STORE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(7);

/// How long an idempotency key is remembered.
pub const IDEMPOTENCY_WINDOW: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

/// The application store in use.
pub enum Store {
    #[cfg(feature = "aws")]
    Dynamo(dynamo::DynamoStore),
    Local(local::LocalStore),
}

impl Store {
    /// Stores `app` unless its idempotency key was used in the last 24 hours, within
    /// `deadline`.
    pub async fn put(
        &self,
        app: &NewApplication,
        deadline: std::time::Duration,
    ) -> Result<Stored, StoreError> {
        within(deadline, async {
            match self {
                #[cfg(feature = "aws")]
                Store::Dynamo(s) => s.put(app).await,
                Store::Local(s) => s.put(app),
            }
        })
        .await
    }

    /// The receipt of a stored application, for the receipt page, within `deadline`.
    pub async fn receipt(
        &self,
        reference: &str,
        deadline: std::time::Duration,
    ) -> Result<Option<(String, Receipt)>, StoreError> {
        within(deadline, async {
            match self {
                #[cfg(feature = "aws")]
                Store::Dynamo(s) => s.receipt(reference).await,
                Store::Local(s) => s.receipt(reference),
            }
        })
        .await
    }

    /// Every application to `form_id` (in `round`, if given), oldest first.
    pub async fn list(
        &self,
        form_id: &str,
        round: Option<&str>,
    ) -> Result<Vec<NewApplication>, StoreError> {
        match self {
            #[cfg(feature = "aws")]
            Store::Dynamo(s) => s.list(form_id, round).await,
            Store::Local(s) => s.list(form_id, round),
        }
    }

    /// A short description for the start-up log line (no secrets).
    pub fn describe(&self) -> String {
        match self {
            #[cfg(feature = "aws")]
            Store::Dynamo(s) => format!("DynamoDB table {}", s.table()),
            Store::Local(s) => s.describe(),
        }
    }
}

/// `work`, or [`StoreError::Timeout`] when it takes longer than `deadline`.
pub(crate) async fn within<T>(
    deadline: std::time::Duration,
    work: impl std::future::Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    tokio::time::timeout(deadline, work)
        .await
        .unwrap_or(Err(StoreError::Timeout(deadline)))
}
