//! An application as it is stored, read back, exported and mailed: the checked answers
//! with the facts the handler adds (reference, time received, round, versions). Pure data:
//! the form handler's stores (`form_handler::store`) keep it, the export and the e-mails ([`crate::mail`]) read it.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::definition::{Field, FieldKind};
use crate::kommuner::Kommuner;

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
    /// A hash of the form id and the normalised fields: a repeat of the idempotency key
    /// with other content is refused rather than answered with the first receipt (the
    /// applicant's changes would be lost). Empty in applications stored before it existed.
    #[serde(default)]
    pub content_hash: String,
    /// When the application is deleted (the form's retention).
    pub expires_at: Timestamp,
}

/// A stored value as a caseworker reads it, in the export and in the caseworkers' e-mail:
/// `Ja`/`Nej`, the option's label rather than its value, the kommune's name with its code, a
/// postcode with its four digits. `field` is `None` for a field only older versions of the
/// form had.
pub fn answer_text(
    field: Option<&Field>,
    kommuner: &Kommuner,
    v: Option<&serde_json::Value>,
) -> String {
    use serde_json::Value;
    let raw = match v {
        None | Some(Value::Null) => return String::new(),
        Some(Value::Bool(true)) => return "Ja".into(),
        Some(Value::Bool(false)) => return "Nej".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    match field.map(|f| &f.kind) {
        Some(FieldKind::Select { options } | FieldKind::Radio { options }) => options
            .iter()
            .find(|o| o.value == raw)
            .map_or(raw, |o| o.label.clone()),
        Some(FieldKind::Kommune) => match kommuner.by_code(&raw) {
            Some(k) => format!("{} ({})", k.name, k.code),
            None => raw,
        },
        // Stored as a number before postcodes were stored as text: 800 is 0800.
        Some(FieldKind::Postcode) => match raw.parse::<u16>() {
            Ok(n) => format!("{n:04}"),
            Err(_) => raw,
        },
        _ => raw,
    }
}

/// The answers of `app` as a caseworker reads them, in the form's order: `(label, text)` for
/// each field answered, then `(id, text)` for each answer to a field that only older versions
/// of the form had.
pub fn answers<'a>(
    form: &'a crate::definition::FormDef,
    kommuner: &Kommuner,
    app: &'a NewApplication,
) -> Vec<(&'a str, String)> {
    let mut out: Vec<(&str, String)> = form
        .fields
        .iter()
        .filter_map(|f| {
            let text = answer_text(Some(f), kommuner, app.fields.get(&f.id));
            (!text.is_empty()).then_some((f.label.as_str(), text))
        })
        .collect();
    for (id, v) in &app.fields {
        if form.field(id).is_none() {
            out.push((id.as_str(), answer_text(None, kommuner, Some(v))));
        }
    }
    out
}
