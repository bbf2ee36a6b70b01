//! form-handler: the programme's application service. The HTTP handler ([`http`]) takes
//! the posted forms and keeps them in a [`store`] (DynamoDB, or a local file for previews);
//! the notifier ([`notify`]) sends their mails; caseworkers [`export`] them.
//!
//! The form model it works with (definitions, typed values, rounds, rendering, the mails'
//! text) is the crate `form-model` (in `model/`), re-exported here under its own module
//! names, so that `form_handler::values` and `form_model::values` are the same thing.

pub use form_model::{
    HONEYPOT, application, dates, definition, diagnostics, forms, holidays, kommuner, mail,
    reference, render, rounds, submission, values, yaml,
};

/// The environment variables the `form-handler` binary reads. The infrastructure sets
/// them on the Lambda (a test checks the template against [`env::ALL`]).
pub mod env {
    /// The DynamoDB table (required under Lambda; unset locally: the local file store).
    pub const APPLICATIONS_TABLE: &str = "APPLICATIONS_TABLE";
    /// The site's origin (`https://host`) that posts must come from; unset: the
    /// request's own host (see `http::VIEWER_HOST_HEADER`).
    pub const SITE_ORIGIN: &str = "SITE_ORIGIN";
    /// Applications per client address per minute before 429 (default 20; a whole
    /// number from 1).
    pub const RATE_LIMIT_PER_MINUTE: &str = "RATE_LIMIT_PER_MINUTE";
    /// The log filter (tracing's `EnvFilter`; default `info`; the libraries that could log
    /// a request stay at `info`, see `logging`).
    pub const RUST_LOG: &str = "RUST_LOG";
    /// The value CloudFront adds to each request as `http::ORIGIN_SECRET_HEADER`; when
    /// set, requests without it (around CloudFront) are refused.
    pub const ORIGIN_SECRET: &str = "ORIGIN_SECRET";
    /// Every variable above: what the HTTP handler reads.
    pub const ALL: &[&str] = &[
        APPLICATIONS_TABLE,
        SITE_ORIGIN,
        RATE_LIMIT_PER_MINUTE,
        RUST_LOG,
        ORIGIN_SECRET,
    ];
    /// The sender of the mails: an address of the SES identity (`navn@eksempel.dk`).
    pub const MAIL_FROM: &str = "MAIL_FROM";
    /// The sender's display name (optional).
    pub const MAIL_FROM_NAME: &str = "MAIL_FROM_NAME";
    /// The SES configuration set whose events (bounces, complaints, rejects) reach the
    /// alarms (optional locally).
    pub const MAIL_CONFIGURATION_SET: &str = "MAIL_CONFIGURATION_SET";
    /// The site's address (`https://host`), for the links in the mails.
    pub const SITE_URL: &str = "SITE_URL";
    /// What the notifier reads (the Lambda and `form-handler notify`).
    pub const NOTIFIER: &[&str] = &[
        APPLICATIONS_TABLE,
        MAIL_FROM,
        MAIL_FROM_NAME,
        MAIL_CONFIGURATION_SET,
        SITE_URL,
        RUST_LOG,
    ];

    /// A variable of the environment that is missing or cannot be used; the message names
    /// it and says what it must hold.
    #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
    pub enum EnvError {
        /// `what` says what the variable holds (`": the sender's address, ..."`) or is empty.
        #[error("{name} is not set{what}")]
        Missing {
            name: &'static str,
            what: &'static str,
        },
        #[error("{name} `{value}` {problem}")]
        Invalid {
            name: &'static str,
            value: String,
            problem: String,
        },
        /// A value not to be repeated (it would break the message's line).
        #[error("{name} {problem}")]
        Unusable {
            name: &'static str,
            problem: &'static str,
        },
    }
}
#[cfg(feature = "server")]
pub mod export;
#[cfg(feature = "server")]
pub mod http;
#[cfg(feature = "aws")]
pub mod logging;
#[cfg(feature = "server")]
pub mod notify;
#[cfg(feature = "server")]
pub mod pages;
#[cfg(feature = "aws")]
pub mod process;
#[cfg(feature = "server")]
pub mod store;
