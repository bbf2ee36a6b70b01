//! Where applications are kept: DynamoDB in production ([`dynamo`]), or a local store
//! (a JSON-lines file, or memory) for previews and benchmarks ([`local`]). An application
//! and its idempotency record are written together and never overwrite anything: a repeat
//! of an earlier post gets the first post's receipt back.

#[cfg(feature = "aws")]
pub mod dynamo;
pub mod local;

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A checked application, ready to be stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewApplication {
    pub reference: String,
    pub form_id: String,
    pub form_version: u32,
    /// `YYYY-MM`: the round the application belongs to.
    pub round: String,
    pub received_at: Timestamp,
    /// Field id -> typed value (text, number or true/false), as JSON.
    pub fields: BTreeMap<String, serde_json::Value>,
    pub privacy_notice_version: String,
    pub idempotency_key: String,
    /// When the application is deleted (the form's retention).
    pub expires_at: Timestamp,
}

/// What the applicant is told: the reference, when it arrived and its round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub reference: String,
    pub received_at: Timestamp,
    pub round: String,
}

/// The result of storing: a new application, or a repeat of an earlier one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    New(Receipt),
    Repeat(Receipt),
}

impl Stored {
    pub fn receipt(&self) -> &Receipt {
        match self {
            Stored::New(r) | Stored::Repeat(r) => r,
        }
    }
}

/// The store could not be reached or did not answer in time: the applicant is told to try
/// again (HTTP 503), and nothing is claimed to be stored.
#[derive(Debug, thiserror::Error)]
#[error("the application store failed: {0}")]
pub struct StoreError(pub String);

/// How long an idempotency key is remembered.
pub const IDEMPOTENCY_WINDOW: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

/// The application store in use.
pub enum Store {
    #[cfg(feature = "aws")]
    Dynamo(dynamo::DynamoStore),
    Local(local::LocalStore),
}

impl Store {
    /// Stores `app` unless its idempotency key was used in the last 24 hours.
    pub async fn put(&self, app: &NewApplication) -> Result<Stored, StoreError> {
        match self {
            #[cfg(feature = "aws")]
            Store::Dynamo(s) => s.put(app).await,
            Store::Local(s) => s.put(app),
        }
    }

    /// The receipt of a stored application, for the receipt page.
    pub async fn receipt(&self, reference: &str) -> Result<Option<(String, Receipt)>, StoreError> {
        match self {
            #[cfg(feature = "aws")]
            Store::Dynamo(s) => s.receipt(reference).await,
            Store::Local(s) => Ok(s.receipt(reference)),
        }
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
            Store::Local(s) => Ok(s.list(form_id, round)),
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
