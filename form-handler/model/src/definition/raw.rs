//! The keys of a form definition file as they are written, before any check (serde reads
//! them, refusing unknown keys); [`super::form`] and [`super::field`] check them.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::Choice;
use super::notifications::RawNotifications;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawForm {
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
