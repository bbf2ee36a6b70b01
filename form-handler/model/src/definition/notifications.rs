//! A form's `notifications` block: who is told of each application it receives.
//!
//! ```yaml
//! notifications:
//!   caseworkers: [dagtilbudsvejledning@socialstyrelsen.dk]   # the programme's inbox
//!   receipt_to: kontakt_email                                # the applicant's address field
//! ```
//!
//! Either may be left out: no caseworkers' mail, or no receipt. The words of each mail are
//! in `content/mail/<form>/` (see [`crate::mail::text`]).

use serde::Deserialize;

use super::form::Source;
use super::{Field, FieldKind};
use crate::diagnostics::{Code, Diagnostic, suggest};
use crate::mail::Address;

/// Who gets which mail about an application.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notifications {
    /// The caseworkers' addresses (none: no caseworkers' mail).
    pub caseworkers: Vec<Address>,
    /// The `email` field that holds the applicant's address: the receipt goes there, and
    /// the caseworkers' mail has it as Reply-To (none: no receipt).
    pub receipt_field: Option<String>,
    /// The line of the block, for errors about its mail texts.
    pub line: usize,
}

impl Notifications {
    pub fn any(&self) -> bool {
        !self.caseworkers.is_empty() || self.receipt_field.is_some()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNotifications {
    #[serde(default)]
    caseworkers: Vec<String>,
    #[serde(default)]
    receipt_to: Option<String>,
}

/// Checks the block of the definition `src` against the form's fields.
pub(super) fn check(
    raw: Option<&RawNotifications>,
    fields: &[Field],
    src: &Source,
) -> Result<Notifications, Vec<Diagnostic>> {
    let Some(raw) = raw else {
        return Ok(Notifications::default());
    };
    let mut errors = Vec::new();
    let mut caseworkers = Vec::new();
    for (i, text) in raw.caseworkers.iter().enumerate() {
        match Address::parse(text) {
            Ok(a) => caseworkers.push(a),
            Err(e) => errors.push(
                src.at_value(
                    Code::MailAddress,
                    &format!("notifications.caseworkers.{i}"),
                    format!("`caseworkers`: `{text}` cannot be used as an e-mail address ({e})"),
                )
                .hint("write the address as navn@eksempel.dk"),
            ),
        }
    }
    if let Some(id) = &raw.receipt_to {
        let at = "notifications.receipt_to";
        match fields.iter().find(|f| &f.id == id) {
            Some(f) if matches!(f.kind, FieldKind::Email { .. }) => {}
            Some(f) => errors.push(
                src.at_value(
                    Code::FieldReference,
                    at,
                    format!(
                        "`receipt_to` names `{id}`, a {} field; the receipt needs an email field",
                        f.kind.name()
                    ),
                )
                .hint(email_fields_hint(fields)),
            ),
            None => {
                let mut d = src.at_value(
                    Code::FieldReference,
                    at,
                    format!("`receipt_to` names the field `{id}`, which the form does not have"),
                );
                let emails: Vec<&str> = fields
                    .iter()
                    .filter(|f| matches!(f.kind, FieldKind::Email { .. }))
                    .map(|f| f.id.as_str())
                    .collect();
                d = match suggest(id, emails) {
                    Some(s) => d.hint(format!("did you mean `{s}`?")),
                    None => d.hint(email_fields_hint(fields)),
                };
                errors.push(d);
            }
        }
    }
    if errors.is_empty() {
        Ok(Notifications {
            caseworkers,
            receipt_field: raw.receipt_to.clone(),
            line: src.places.key("notifications").line,
        })
    } else {
        Err(errors)
    }
}

fn email_fields_hint(fields: &[Field]) -> String {
    let emails: Vec<String> = fields
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::Email { .. }))
        .map(|f| format!("`{}`", f.id))
        .collect();
    if emails.is_empty() {
        "the form has no email field: add one, or leave `receipt_to` out".into()
    } else {
        format!("the form's email fields: {}", emails.join(", "))
    }
}
