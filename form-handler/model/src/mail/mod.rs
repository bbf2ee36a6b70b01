//! The e-mails about an application: one to the programme's caseworkers with every answer,
//! and a receipt to the applicant with nothing the applicant typed (so that nobody can use
//! the form to send text of their choosing to someone else's address).
//!
//! The words are the editors': `content/mail/<form>/sagsbehandlere.md` and
//! `content/mail/<form>/kvittering.md` ([`text`]); a form's `notifications` block says who
//! gets which ([`crate::definition::Notifications`]). [`compose`] adds the facts (reference,
//! time, round) and the answers, as HTML and plain text with the same content; [`address`]
//! makes addresses fit for mail headers; [`mime`] writes a mail as an `.eml` file for local
//! previews. All of it is pure: sending is the form handler's (`form_handler::notify`).

pub mod address;
pub mod compose;
pub mod mime;
pub mod sample;
pub mod text;

pub use address::Address;
pub use compose::{Mail, mails_for};
pub use text::{MailKind, MailText};
