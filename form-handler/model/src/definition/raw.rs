//! The keys of a form definition file as they are written, before any check (serde reads
//! them, refusing unknown keys); [`super::form`] and [`super::field`] check them.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::Choice;
use super::notifications::RawNotifications;
use crate::yaml::{Key, Table};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDefinition {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) version: u32,
    pub(super) privacy_notice: String,
    pub(super) privacy_notice_version: String,
    pub(super) retention_days: u32,
    pub(super) rounds: RawRounds,
    #[serde(default)]
    pub(super) submit_label: Option<String>,
    pub(super) fields: Vec<RawField>,
    #[serde(default)]
    pub(super) notifications: Option<RawNotifications>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRounds {
    pub(super) rule: String,
    #[serde(default)]
    pub(super) opens: Option<String>,
    #[serde(default)]
    pub(super) final_deadline: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawField {
    pub(super) id: String,
    #[serde(rename = "type")]
    pub(super) kind: String,
    pub(super) label: String,
    #[serde(default)]
    pub(super) hint: Option<String>,
    #[serde(default)]
    pub(super) required: bool,
    #[serde(default)]
    pub(super) required_when: Option<RawRequiredWhen>,
    #[serde(default)]
    pub(super) min_length: Option<usize>,
    #[serde(default)]
    pub(super) max_length: Option<usize>,
    #[serde(default)]
    pub(super) min: Option<i64>,
    #[serde(default)]
    pub(super) max: Option<i64>,
    #[serde(default)]
    pub(super) options: Option<Vec<Choice>>,
    #[serde(default)]
    pub(super) autocomplete: Option<String>,
    #[serde(default)]
    pub(super) messages: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRequiredWhen {
    pub(super) field: String,
    #[serde(rename = "in")]
    pub(super) values: Vec<String>,
}

pub(super) const TYPES: &[&str] = &[
    "text", "textarea", "email", "tel", "number", "select", "radio", "checkbox", "cvr", "postcode",
    "kommune",
];
pub(super) const AUTOCOMPLETE: &[&str] = &[
    "name",
    "email",
    "tel",
    "organization",
    "organization-title",
    "street-address",
    "address-line1",
    "postal-code",
    "address-level2",
    "off",
];

/// The keys of a form definition file, for the unknown-key check and docs/forms.md.
pub static FORM: Table = Table {
    id: "form",
    docs: "docs/forms.md",
    keys: &[
        Key::new("id", "text", "the file's name without `.yaml`; part of the form's address `/api/applications/<id>`").required(),
        Key::new("title", "text", "the form's name in mails and the export").required(),
        Key::new("version", "whole number", "raise it when the fields change; stored with each application").required(),
        Key::new("privacy_notice", "page address", "the privacy notice's page, like `/privatlivspolitik/`").required(),
        Key::new("privacy_notice_version", "text", "the version of that notice (its page's `extra: privacy_notice_version`); stored with each application").required(),
        Key::new("retention_days", "whole number", "how many days an application is kept").required(),
        Key::new("rounds", "map", "the application rounds (below)").required().map(&ROUNDS),
        Key::new("submit_label", "text", "the send button's words; default `Send ansøgningen`"),
        Key::new("fields", "list", "the questions, in order (below)").required().list(&FIELD),
        Key::new("notifications", "map", "who is told of each application (below)").map(&NOTIFICATIONS),
    ],
};

/// The keys of a form's `rounds`.
pub static ROUNDS: Table = Table {
    id: "rounds",
    docs: "docs/forms.md",
    keys: &[
        Key::new("rule", "`last-weekday-of-month`", "when a round's deadline is: the end of the last hverdag of each month, Europe/Copenhagen").required(),
        Key::new("opens", "date YYYY-MM-DD", "the first day applications are accepted"),
        Key::new("final_deadline", "date YYYY-MM-DD", "the last deadline"),
    ],
};

/// The keys of one field.
pub static FIELD: Table = Table {
    id: "field",
    docs: "docs/forms.md",
    keys: &[
        Key::new("id", "text", "`[a-z][a-z0-9_]*`, unique in the form; the answer's name in storage and mails").required(),
        Key::new("type", "text", "one of the types below").required(),
        Key::new("label", "text", "the question, in Danish").required(),
        Key::new("hint", "text", "help under the label"),
        Key::new("required", "true/false", "whether an answer is needed; default false"),
        Key::new("required_when", "map", "`{ field: OTHER_ID, in: [VALUE, ...] }`: needed, and shown, only when the other field has one of the values").map(&REQUIRED_WHEN),
        Key::new("min_length", "whole number", "text, textarea, email: fewest characters after trimming"),
        Key::new("max_length", "whole number", "text, textarea, email: most characters after trimming"),
        Key::new("min", "whole number", "number: the smallest allowed (with `max`)"),
        Key::new("max", "whole number", "number: the largest allowed (with `min`)"),
        Key::new("options", "list", "select, radio: the choices, each `{ value, label }`").list(&OPTION),
        Key::new("autocomplete", "text", "an HTML autocomplete token: `name`, `email`, `tel`, `organization`, `organization-title`, `street-address` (textarea), `address-line1`, `postal-code`, `address-level2`, `off`"),
        Key::new("messages", "map", "one Danish message for each error kind the type has (below); a missing one is an error"),
    ],
};

/// The keys of a field's `required_when`.
pub static REQUIRED_WHEN: Table = Table {
    id: "required_when",
    docs: "docs/forms.md",
    keys: &[
        Key::new(
            "field",
            "text",
            "the id of another field of the form; for a select or radio field, `in` must list its option values",
        )
        .required(),
        Key::new(
            "in",
            "list of texts",
            "the values of that field that make this one needed",
        )
        .required(),
    ],
};

/// The keys of one of a field's `options`.
pub static OPTION: Table = Table {
    id: "option",
    docs: "docs/forms.md",
    keys: &[
        Key::new("value", "text", "what is stored and exported").required(),
        Key::new("label", "text", "what the applicant reads").required(),
    ],
};

/// The keys of a form's `notifications`.
pub static NOTIFICATIONS: Table = Table {
    id: "notifications",
    docs: "docs/forms.md",
    keys: &[
        Key::new(
            "caseworkers",
            "list of e-mail addresses",
            "who gets each application (the words: `content/mail/<form id>/sagsbehandlere.md`)",
        ),
        Key::new(
            "receipt_to",
            "text",
            "the id of the email field the receipt goes to (the words: `content/mail/<form id>/kvittering.md`)",
        ),
    ],
};
