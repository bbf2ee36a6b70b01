//! form-handler: the programme's application forms.
//!
//! The form model is pure Rust with no AWS types: form definitions are loaded and checked
//! ([`definition`]), posted bodies are parsed into typed values ([`values`],
//! [`submission`]), application rounds follow Danish working days ([`holidays`],
//! [`rounds`]), and applicants get reference numbers ([`reference`]). site-gen renders the
//! forms into the pages with this same crate ([`render`]), built without the `aws` feature.
//!
//! [`dates`], [`diagnostics`] and [`yaml`] are shared with site-gen: editors' errors look the same
//! whether they are in a page or in a form definition.

pub mod application;
pub mod dates;
pub mod definition;
pub mod diagnostics;
pub mod yaml;

/// The name of the hidden field that people never fill in and bots often do.
pub const HONEYPOT: &str = "website";

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
}
#[cfg(feature = "server")]
pub mod export;
pub mod forms;
pub mod holidays;
#[cfg(feature = "server")]
pub mod http;
pub mod kommuner;
#[cfg(feature = "aws")]
pub mod logging;
pub mod mail;
#[cfg(feature = "server")]
pub mod notify;
#[cfg(feature = "server")]
pub mod pages;
pub mod reference;
pub mod render;
pub mod rounds;
#[cfg(feature = "server")]
pub mod store;
pub mod submission;
pub mod values;
