//! Delivering an application's mails, each once: the caseworkers' mail and the receipt are
//! composed ([`crate::mail`]), handed to an [`Outbox`] (Amazon SES in production, a folder of
//! `.eml` files in previews), and each one the outbox accepted (or refused for good) gets a
//! mark in the store; a mail with a mark is never sent again, so a retried or redelivered
//! application sends nothing twice.
//!
//! In AWS the table is also the outbox ([`outbox`]): an application keeps a "mails
//! pending" flag until every mail of it has its mark, a sender takes a lease on it before
//! sending, and a sweep sends whatever is still pending however long a fault lasted. The
//! windows left (an answer lost after SES took the mail; a crash between SES's answer and
//! the mark) are named and counted in ARCHITECTURE.md.

#[cfg(feature = "aws")]
pub mod lambda;
pub mod local;
#[cfg(feature = "aws")]
pub mod metrics;
#[cfg(feature = "aws")]
pub mod outbox;
#[cfg(feature = "aws")]
pub mod ses;
#[cfg(feature = "aws")]
pub mod stream;

use std::collections::BTreeMap;
use std::future::Future;

use crate::application::NewApplication;
use crate::forms::Forms;
use crate::mail::{Mail, MailKind, mails_for};
use crate::store::StoreError;

/// What became of one mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted now; the outbox's message id.
    Sent(String),
    /// Marked as sent (or refused) by an earlier delivery: nothing sent now.
    AlreadyDone,
    /// Refused for good (a rejected address): marked, not tried again.
    Rejected(String),
    /// Not accepted now, and the answer proves it (throttled, refused before acceptance,
    /// no connection): the application is tried again.
    Failed(String),
    /// No answer to the send (a timeout, a lost connection, a 5xx): the mail may have gone.
    /// Counted, and tried again only once the sender's lease has expired, so a duplicate
    /// can only come from here.
    Unknown(String),
    /// The store did not take the mark of a mail that was sent: it may be sent again.
    NotMarked(String),
}

impl Outcome {
    /// The outcome's name in logs.
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Sent(_) => "sent",
            Outcome::AlreadyDone => "already_sent",
            Outcome::Rejected(_) => "rejected",
            Outcome::Failed(_) => "failed",
            Outcome::Unknown(_) => "unknown_outcome",
            Outcome::NotMarked(_) => "not_marked",
        }
    }

    /// Whether the application must be delivered again soon (the stream's retry; an
    /// unknown outcome waits for the sweep instead).
    pub fn needs_retry(&self) -> bool {
        matches!(self, Outcome::Failed(_) | Outcome::NotMarked(_))
    }
}

/// A mark on an application: this mail is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mark {
    /// Sent, with the outbox's message id.
    Sent(String),
    /// Refused for good, with the outbox's reason code.
    Rejected(String),
}

/// Why an outbox did not take a mail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// For now (throttling, a 5xx, no connection): try again later. The text is an error
    /// code, never a message (it could quote an address).
    #[error("not sent for now: {0}")]
    Transient(String),
    /// No answer that says what became of it (a timeout, a connection lost after the
    /// request went out, a 5xx): it may have been sent. Never retried at once.
    #[error("outcome unknown: {0}")]
    Unknown(String),
    /// For good (a rejected recipient): sending it again would not help.
    #[error("refused: {0}")]
    Rejected(String),
}

/// Where mails go.
pub trait Outbox: Sync {
    /// Sends `mail`; `Ok` holds the outbox's message id.
    fn send(&self, mail: &Mail) -> impl Future<Output = Result<String, SendError>> + Send;
}

/// Where the marks are kept.
pub trait Marks: Sync {
    /// The marks of the application `reference`.
    fn marks(
        &self,
        reference: &str,
    ) -> impl Future<Output = Result<BTreeMap<MailKind, Mark>, StoreError>> + Send;

    /// Marks `kind` done on `reference`, unless it has a mark already.
    fn mark(
        &self,
        reference: &str,
        kind: MailKind,
        mark: &Mark,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The mails of one application and what became of each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub reference: String,
    pub outcomes: Vec<(MailKind, Outcome)>,
    /// Mails an earlier sender may have sent without marking (it stopped with its lease
    /// unsettled): each is counted as an unknown outcome, and sent again.
    pub inherited: Vec<MailKind>,
}

impl Delivery {
    pub fn needs_retry(&self) -> bool {
        self.outcomes.iter().any(|(_, o)| o.needs_retry())
    }

    /// The mails whose outcome is unknown.
    pub fn unknown(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|(_, o)| matches!(o, Outcome::Unknown(_)))
            .count()
    }

    /// Whether every mail is done: sent, refused for good, or marked before.
    pub fn complete(&self) -> bool {
        self.outcomes.iter().all(|(_, o)| {
            matches!(
                o,
                Outcome::Sent(_) | Outcome::AlreadyDone | Outcome::Rejected(_)
            )
        })
    }
}

/// Why an application's mails were not even tried.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("reading the marks: {0}")]
    Marks(StoreError),
    #[error("{0}")]
    Compose(#[from] crate::mail::compose::ComposeError),
}

/// Sends the mails of `app` that are not marked done, and marks each one the outbox took
/// or refused for good. One mail failing does not hold back the other.
pub async fn deliver(
    forms: &Forms,
    site_url: &str,
    app: &NewApplication,
    outbox: &impl Outbox,
    marks: &impl Marks,
) -> Result<Delivery, DeliveryError> {
    let mails = mails_for(forms, app, site_url)?;
    let done = if mails.is_empty() {
        BTreeMap::new()
    } else {
        marks
            .marks(&app.reference)
            .await
            .map_err(DeliveryError::Marks)?
    };
    Ok(deliver_unmarked(&app.reference, &mails, done, outbox, marks).await)
}

/// Sends each of `mails` that has no mark in `done`, and marks it.
pub async fn deliver_unmarked(
    reference: &str,
    mails: &[Mail],
    mut done: BTreeMap<MailKind, Mark>,
    outbox: &impl Outbox,
    marks: &impl Marks,
) -> Delivery {
    let mut outcomes = Vec::with_capacity(mails.len());
    for mail in mails {
        let outcome = if done.contains_key(&mail.kind) {
            Outcome::AlreadyDone
        } else {
            send_and_mark(mail, outbox, marks).await
        };
        if let Outcome::Sent(id) = &outcome {
            done.insert(mail.kind, Mark::Sent(id.clone()));
        }
        outcomes.push((mail.kind, outcome));
    }
    Delivery {
        reference: reference.to_string(),
        outcomes,
        inherited: Vec::new(),
    }
}

/// The code of a mail refused because it has no address it can be sent to.
pub const NO_USABLE_ADDRESS: &str = "no_usable_address";

async fn send_and_mark(mail: &Mail, outbox: &impl Outbox, marks: &impl Marks) -> Outcome {
    let sent = if mail.to.is_empty() {
        Err(SendError::Rejected(NO_USABLE_ADDRESS.into()))
    } else {
        outbox.send(mail).await
    };
    let (mark, outcome) = match sent {
        Ok(id) => (Mark::Sent(id.clone()), Outcome::Sent(id)),
        Err(SendError::Rejected(code)) => (Mark::Rejected(code.clone()), Outcome::Rejected(code)),
        Err(SendError::Transient(code)) => return Outcome::Failed(code),
        Err(SendError::Unknown(code)) => return Outcome::Unknown(code),
    };
    match marks.mark(&mail.reference, mail.kind, &mark).await {
        Ok(()) => outcome,
        Err(e) => Outcome::NotMarked(e.kind().to_string()),
    }
}

/// Logs a delivery: reference, kind of mail, outcome and message id or error code; never an
/// address, a name or an answer.
pub fn log(delivery: &Delivery) {
    for kind in &delivery.inherited {
        tracing::warn!(
            reference = %delivery.reference,
            kind = kind.as_str(),
            outcome = "unsettled_lease",
            "mail: an earlier sender stopped before marking it; counted as unknown, sent again"
        );
    }
    for (kind, outcome) in &delivery.outcomes {
        let detail = match outcome {
            Outcome::Sent(id) => id.as_str(),
            Outcome::Rejected(code)
            | Outcome::Failed(code)
            | Outcome::Unknown(code)
            | Outcome::NotMarked(code) => code.as_str(),
            Outcome::AlreadyDone => "",
        };
        match outcome {
            Outcome::Failed(_)
            | Outcome::Unknown(_)
            | Outcome::NotMarked(_)
            | Outcome::Rejected(_) => tracing::warn!(
                reference = %delivery.reference,
                kind = kind.as_str(),
                outcome = outcome.name(),
                code = detail,
                "mail"
            ),
            _ => tracing::info!(
                reference = %delivery.reference,
                kind = kind.as_str(),
                outcome = outcome.name(),
                message_id = detail,
                "mail"
            ),
        }
    }
}

/// The SDK configuration of the notifier's DynamoDB and Streams clients: the standard
/// sources (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_DYNAMODB_STREAMS`), with time for a
/// page of a thousand stream records (the notifier answers no person; its invocation has 60 s).
#[cfg(feature = "aws")]
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(std::time::Duration::from_secs(2))
                .operation_attempt_timeout(std::time::Duration::from_secs(20))
                .build(),
        )
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(3))
        .load()
        .await
}

/// The notifier's settings from the environment (the Lambda's and `form-handler notify`'s).
#[derive(Debug, Clone)]
pub struct Settings {
    pub table: String,
    pub from: crate::mail::Address,
    pub configuration_set: Option<String>,
    pub site_url: String,
}

impl Settings {
    /// Reads [`crate::env::NOTIFIER`]; the error names the variable and what it must be.
    pub fn from_env() -> Result<Settings, crate::env::EnvError> {
        use crate::env::{self, EnvError};
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let required = |name: &'static str, what: &'static str| {
            var(name).ok_or(EnvError::Missing { name, what })
        };
        let table = required(env::APPLICATIONS_TABLE, "")?;
        let from_text = required(env::MAIL_FROM, ": the sender's address, navn@eksempel.dk")?;
        let from = crate::mail::Address::parse(&from_text).map_err(|e| EnvError::Invalid {
            name: env::MAIL_FROM,
            problem: format!("cannot be used as the sender ({e})"),
            value: from_text.clone(),
        })?;
        let from = match var(env::MAIL_FROM_NAME) {
            Some(name) => from.checked_name(&name).map_err(|_| EnvError::Unusable {
                name: env::MAIL_FROM_NAME,
                problem: "has a control character (a line break would add a header to every \
                          mail): give the name on one line",
            })?,
            None => from,
        };
        let site_url = required(env::SITE_URL, ": the site's address, https://host")?;
        if !(site_url.starts_with("https://") || site_url.starts_with("http://")) {
            return Err(EnvError::Invalid {
                name: env::SITE_URL,
                value: site_url,
                problem: "must start with https://".into(),
            });
        }
        Ok(Settings {
            table,
            from,
            configuration_set: var(env::MAIL_CONFIGURATION_SET),
            site_url,
        })
    }
}
