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

pub mod dates;
pub mod definition;
pub mod diagnostics;
pub mod yaml;

/// The name of the hidden field that people never fill in and bots often do.
pub const HONEYPOT: &str = "website";
#[cfg(feature = "server")]
pub mod export;
pub mod forms;
pub mod holidays;
#[cfg(feature = "server")]
pub mod http;
pub mod kommuner;
#[cfg(feature = "server")]
pub mod pages;
pub mod reference;
pub mod render;
pub mod rounds;
#[cfg(feature = "server")]
pub mod store;
pub mod submission;
pub mod values;
