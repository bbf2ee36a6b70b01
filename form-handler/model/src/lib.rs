//! form-model: the programme's application forms as pure Rust, with no I/O but reading the
//! form files, and no AWS or HTTP types.
//!
//! Form definitions are loaded and checked ([`definition`], [`forms`]), posted bodies are
//! parsed into typed values ([`values`], [`submission`]), application rounds follow Danish
//! working days ([`holidays`], [`rounds`]), applicants get reference numbers
//! ([`reference`]), a stored [`application`] reads back as answers, the forms become HTML
//! ([`render`]), and the mails are composed from the editors' texts ([`mail`]).
//!
//! site-gen renders the forms into the pages and checks them with this crate; the form
//! handler (`form-handler`, the Lambdas) takes and stores the applications and sends the
//! mails with it. [`dates`], [`diagnostics`] and [`yaml`] are shared with site-gen's own
//! checks: editors' errors look the same whether they are in a page or in a form definition.

pub mod application;
pub mod dates;
pub mod definition;
pub mod diagnostics;
pub mod forms;
pub mod holidays;
pub mod kommuner;
pub mod mail;
pub mod reference;
pub mod render;
pub mod rounds;
pub mod submission;
pub mod values;
pub mod yaml;

/// The name of the hidden field that people never fill in and bots often do.
pub const HONEYPOT: &str = "website";
