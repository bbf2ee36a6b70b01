//! Form definitions (`content/forms/<id>.yaml`): read, checked and turned into a typed
//! [`FormDef`]. A broken definition is an editor error with `file:line`, like any content
//! error. The format is documented in `docs/forms.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::diagnostics::{Diagnostic, suggest};
use crate::yaml;

mod notifications;
pub use notifications::Notifications;

/// The kinds of error a field can have; each field has a Danish message for each kind
/// that applies to it. Each kind is one rule, so that its message can say exactly what is
/// wrong with what was typed (docs/forms.md lists which input gets which kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    Required,
    TooShort,
    TooLong,
    /// The wrong shape: the wrong number of digits, not a whole number, not an address.
    Format,
    Checksum,
    TooSmall,
    TooLarge,
    Unknown,
    /// A character the type does not take (a letter in a phone number, CVR or postcode).
    Characters,
    /// A phone number that is not Danish: another country's code, or 8 digits that start
    /// with 0 or 1.
    NotDanish,
    /// A CVR number of 8 digits that starts with 0 (none does).
    LeadingZero,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Required => "required",
            ErrorKind::TooShort => "too_short",
            ErrorKind::TooLong => "too_long",
            ErrorKind::Format => "format",
            ErrorKind::Checksum => "checksum",
            ErrorKind::TooSmall => "too_small",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::Unknown => "unknown",
            ErrorKind::Characters => "characters",
            ErrorKind::NotDanish => "not_danish",
            ErrorKind::LeadingZero => "leading_zero",
        }
    }
}

/// A choice in a select or radio field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// What a field holds, with its limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FieldKind {
    Text {
        min_length: Option<usize>,
        max_length: usize,
    },
    Textarea {
        min_length: Option<usize>,
        max_length: usize,
    },
    Email {
        max_length: usize,
    },
    Tel,
    Number {
        min: i64,
        max: i64,
    },
    Select {
        options: Vec<Choice>,
    },
    Radio {
        options: Vec<Choice>,
    },
    Checkbox,
    Cvr,
    Postcode,
    Kommune,
}

impl FieldKind {
    pub fn name(&self) -> &'static str {
        match self {
            FieldKind::Text { .. } => "text",
            FieldKind::Textarea { .. } => "textarea",
            FieldKind::Email { .. } => "email",
            FieldKind::Tel => "tel",
            FieldKind::Number { .. } => "number",
            FieldKind::Select { .. } => "select",
            FieldKind::Radio { .. } => "radio",
            FieldKind::Checkbox => "checkbox",
            FieldKind::Cvr => "cvr",
            FieldKind::Postcode => "postcode",
            FieldKind::Kommune => "kommune",
        }
    }

    /// The error kinds a field of this kind can have (besides `required`).
    pub fn error_kinds(&self) -> Vec<ErrorKind> {
        use ErrorKind::*;
        match self {
            FieldKind::Text { min_length, .. } | FieldKind::Textarea { min_length, .. } => {
                let mut v = vec![TooLong];
                if min_length.is_some() {
                    v.insert(0, TooShort);
                }
                v
            }
            FieldKind::Email { .. } => vec![Format, TooLong],
            FieldKind::Tel => vec![Characters, NotDanish, Format],
            FieldKind::Number { .. } => vec![Format, TooSmall, TooLarge],
            FieldKind::Select { .. } | FieldKind::Radio { .. } | FieldKind::Kommune => {
                vec![Unknown]
            }
            FieldKind::Checkbox => vec![],
            FieldKind::Cvr => vec![Characters, Format, LeadingZero, Checksum],
            FieldKind::Postcode => vec![Characters, Format, Unknown],
        }
    }

    pub fn options(&self) -> &[Choice] {
        match self {
            FieldKind::Select { options } | FieldKind::Radio { options } => options,
            _ => &[],
        }
    }

    /// The most characters a value of this kind can have, for `maxlength`.
    pub fn max_chars(&self) -> Option<usize> {
        match self {
            FieldKind::Text { max_length, .. }
            | FieldKind::Textarea { max_length, .. }
            | FieldKind::Email { max_length } => Some(*max_length),
            FieldKind::Cvr => Some(14),
            FieldKind::Tel => Some(20),
            FieldKind::Postcode => Some(4),
            FieldKind::Number { .. } => Some(12),
            _ => None,
        }
    }
}

/// When a field must be filled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "when", rename_all = "snake_case")]
pub enum Requirement {
    Optional,
    Required,
    /// Required when another field has one of these values.
    RequiredWhen {
        field: String,
        values: Vec<String>,
    },
}

/// One field of a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Field {
    pub id: String,
    #[serde(flatten)]
    pub kind: FieldKind,
    pub label: String,
    pub hint: Option<String>,
    pub requirement: Requirement,
    pub autocomplete: Option<String>,
    pub messages: BTreeMap<ErrorKind, String>,
}

impl Field {
    /// The message for `kind` (every applicable kind has one: checked when loading).
    pub fn message(&self, kind: ErrorKind) -> &str {
        self.messages.get(&kind).map_or("", String::as_str)
    }

    pub fn can_be_required(&self) -> bool {
        self.requirement != Requirement::Optional
    }
}

/// The application rounds of a form: deadlines at the end of the last hverdag of each
/// month, from `opens` up to `final_deadline`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RoundsDef {
    pub opens: Option<Date>,
    pub final_deadline: Option<Date>,
}

/// A checked form definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormDef {
    pub id: String,
    pub title: String,
    pub version: u32,
    pub privacy_notice: String,
    pub privacy_notice_version: String,
    pub retention_days: u32,
    pub rounds: RoundsDef,
    pub submit_label: String,
    pub fields: Vec<Field>,
    /// Who is told of each application (the mails' words are in `content/mail/<id>/`).
    #[serde(skip)]
    pub notifications: Notifications,
    /// Where the definition came from, for editors' errors found later (by site-gen).
    #[serde(skip)]
    pub source: FormSource,
}

/// The definition's file and the lines of the keys that site-gen checks against the site.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormSource {
    pub path: std::path::PathBuf,
    pub privacy_notice_line: usize,
    pub privacy_notice_version_line: usize,
}

impl RoundsDef {
    pub fn rule(&self) -> crate::rounds::RoundRule {
        crate::rounds::RoundRule {
            opens: self.opens,
            final_deadline: self.final_deadline,
        }
    }
}

impl FormDef {
    pub fn field(&self, id: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.id == id)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawForm {
    id: String,
    title: String,
    version: u32,
    privacy_notice: String,
    privacy_notice_version: String,
    retention_days: u32,
    rounds: RawRounds,
    #[serde(default)]
    submit_label: Option<String>,
    fields: Vec<RawField>,
    #[serde(default)]
    notifications: Option<notifications::RawNotifications>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRounds {
    rule: String,
    #[serde(default)]
    opens: Option<String>,
    #[serde(default)]
    final_deadline: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    label: String,
    #[serde(default)]
    hint: Option<String>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    required_when: Option<RawRequiredWhen>,
    #[serde(default)]
    min_length: Option<usize>,
    #[serde(default)]
    max_length: Option<usize>,
    #[serde(default)]
    min: Option<i64>,
    #[serde(default)]
    max: Option<i64>,
    #[serde(default)]
    options: Option<Vec<Choice>>,
    #[serde(default)]
    autocomplete: Option<String>,
    #[serde(default)]
    messages: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequiredWhen {
    field: String,
    #[serde(rename = "in")]
    values: Vec<String>,
}

const TYPES: &[&str] = &[
    "text", "textarea", "email", "tel", "number", "select", "radio", "checkbox", "cvr", "postcode",
    "kommune",
];
const AUTOCOMPLETE: &[&str] = &[
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

/// Parses and checks the text of `path`, whose file name (without `.yaml`) is `file_id`.
pub fn parse(path: &Path, file_id: &str, text: &str) -> Result<FormDef, Vec<Diagnostic>> {
    let raw: RawForm = yaml::from_str(text).map_err(|e| {
        let mut d = Diagnostic::new(
            path,
            e.line,
            format!("invalid form definition: {}", e.message),
        )
        .column(e.column);
        if e.message.contains("unknown field") {
            d = d.hint("see docs/forms.md for the keys a form and a field can have");
        }
        vec![d]
    })?;
    let line_of = |needle: &str| -> usize {
        let at_start = text
            .lines()
            .position(|l| l.trim_start().trim_start_matches("- ").starts_with(needle));
        // Flow style (`rounds: { rule: ... }`): anywhere after a `{` or `,`.
        let in_flow = || {
            text.lines().position(|l| {
                l.contains(&format!("{{ {needle}")) || l.contains(&format!(", {needle}"))
            })
        };
        at_start.or_else(in_flow).map_or(1, |i| i + 1)
    };
    let mut errors = Vec::new();
    if raw.id != file_id {
        errors.push(
            Diagnostic::new(
                path,
                line_of("id:"),
                format!(
                    "the form id `{}` differs from the file name `{file_id}.yaml`",
                    raw.id
                ),
            )
            .hint("the id is part of the form's address; rename the file or the id"),
        );
    }
    if raw.rounds.rule != "last-weekday-of-month" {
        errors.push(
            Diagnostic::new(
                path,
                line_of("rule:"),
                format!("unknown round rule `{}`", raw.rounds.rule),
            )
            .hint("the only rule is `last-weekday-of-month`"),
        );
    }
    let date = |value: &Option<String>, key: &str, errors: &mut Vec<Diagnostic>| -> Option<Date> {
        let text = value.as_ref()?;
        match parse_date(text) {
            Some(d) => Some(d),
            None => {
                errors.push(Diagnostic::new(
                    path,
                    line_of(&format!("{key}:")),
                    format!("`{key}`: `{text}` is not a date in the form YYYY-MM-DD"),
                ));
                None
            }
        }
    };
    let rounds = RoundsDef {
        opens: date(&raw.rounds.opens, "opens", &mut errors),
        final_deadline: date(&raw.rounds.final_deadline, "final_deadline", &mut errors),
    };
    if let (Some(o), Some(f)) = (rounds.opens, rounds.final_deadline)
        && f < o
    {
        errors.push(Diagnostic::new(
            path,
            line_of("final_deadline:"),
            "the final deadline is before the opening date",
        ));
    }
    if !raw.privacy_notice.starts_with('/') {
        errors.push(Diagnostic::new(
            path,
            line_of("privacy_notice:"),
            "`privacy_notice` must be a page of this site, like `/privatlivspolitik/`",
        ));
    }

    let mut seen = BTreeSet::new();
    let mut fields = Vec::with_capacity(raw.fields.len());
    for f in &raw.fields {
        let line = line_of(&format!("id: {}", f.id));
        match check_field(f, path, line) {
            Ok(field) => fields.push(field),
            Err(mut e) => errors.append(&mut e),
        }
        if !seen.insert(f.id.clone()) {
            errors.push(Diagnostic::new(
                path,
                line,
                format!("the field id `{}` is used twice", f.id),
            ));
        }
    }
    for f in &fields {
        if let Requirement::RequiredWhen { field, values } = &f.requirement {
            let line = line_of(&format!("id: {}", f.id));
            match fields.iter().find(|o| &o.id == field) {
                None => {
                    let ids: Vec<&str> = fields.iter().map(|f| f.id.as_str()).collect();
                    let mut d = Diagnostic::new(
                        path,
                        line,
                        format!(
                            "`required_when` names the field `{field}`, which the form does not have"
                        ),
                    );
                    if let Some(s) = suggest(field, ids) {
                        d = d.hint(format!("did you mean `{s}`?"));
                    }
                    errors.push(d);
                }
                Some(other) if !other.kind.options().is_empty() => {
                    for v in values {
                        if !other.kind.options().iter().any(|o| &o.value == v) {
                            errors.push(Diagnostic::new(
                                path,
                                line,
                                format!("`required_when`: `{v}` is not an option of `{field}`"),
                            ));
                        }
                    }
                }
                Some(_) => {}
            }
        }
    }
    let notifications = match notifications::check(raw.notifications.as_ref(), &fields, path, text)
    {
        Ok(n) => n,
        Err(mut e) => {
            errors.append(&mut e);
            Notifications::default()
        }
    };
    if errors.is_empty() {
        Ok(FormDef {
            id: raw.id,
            title: raw.title,
            version: raw.version,
            privacy_notice: raw.privacy_notice,
            privacy_notice_version: raw.privacy_notice_version,
            retention_days: raw.retention_days,
            rounds,
            submit_label: raw
                .submit_label
                .unwrap_or_else(|| "Send ansøgningen".to_string()),
            fields,
            notifications,
            source: FormSource {
                path: path.to_path_buf(),
                privacy_notice_line: line_of("privacy_notice:"),
                privacy_notice_version_line: line_of("privacy_notice_version:"),
            },
        })
    } else {
        Err(errors)
    }
}

/// The largest limit a number field may have: the browser's script compares in doubles,
/// exact up to 2^53.
pub const NUMBER_LIMIT: i64 = 999_999_999_999_999;

/// A number field's `min` and `max`: both required (every answer is checked against them
/// in the browser and in the handler), within [`NUMBER_LIMIT`], `min <= max`. The error is
/// a message and a hint.
fn number_limits(f: &RawField) -> Result<(i64, i64), (String, String)> {
    let (Some(min), Some(max)) = (f.min, f.max) else {
        return Err((
            format!("the number field `{}` needs both `min` and `max`", f.id),
            "the smallest and largest answers that make sense, e.g. `min: 0` and `max: 100`".into(),
        ));
    };
    if min.abs() > NUMBER_LIMIT || max.abs() > NUMBER_LIMIT {
        return Err((
            format!("the limits of `{}` are too large", f.id),
            format!("`min` and `max` must be between -{NUMBER_LIMIT} and {NUMBER_LIMIT}"),
        ));
    }
    if min > max {
        return Err((
            format!("`min` ({min}) is larger than `max` ({max}) in `{}`", f.id),
            "swap them".into(),
        ));
    }
    Ok((min, max))
}

fn parse_date(text: &str) -> Option<Date> {
    crate::dates::parse_iso(text).ok()
}

fn check_field(f: &RawField, path: &Path, line: usize) -> Result<Field, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut err = |message: String, hint: Option<String>| {
        let d = Diagnostic::new(path, line, message);
        errors.push(match hint {
            Some(h) => d.hint(h),
            None => d,
        });
    };
    let valid_id = f.id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && f.id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid_id {
        err(
            format!(
                "the field id `{}` must be lower-case letters, digits and `_`, starting with a letter",
                f.id
            ),
            None,
        );
    }
    if f.id == crate::HONEYPOT {
        err(
            format!("the field id `{}` is reserved", f.id),
            Some("pick another id".into()),
        );
    }
    let text_limits = |default_max: usize| (f.min_length, f.max_length.unwrap_or(default_max));
    let kind = match f.kind.as_str() {
        "text" => {
            let (min_length, max_length) = text_limits(500);
            FieldKind::Text {
                min_length,
                max_length,
            }
        }
        "textarea" => {
            let (min_length, max_length) = text_limits(5000);
            FieldKind::Textarea {
                min_length,
                max_length,
            }
        }
        "email" => FieldKind::Email {
            max_length: f.max_length.unwrap_or(254).min(254),
        },
        "tel" => FieldKind::Tel,
        "number" => match number_limits(f) {
            Ok((min, max)) => FieldKind::Number { min, max },
            Err((message, hint)) => {
                err(message, Some(hint));
                return Err(errors);
            }
        },
        "select" | "radio" => {
            let options = f.options.clone().unwrap_or_default();
            if options.is_empty() {
                err(
                    format!("the {} field `{}` has no `options`", f.kind, f.id),
                    Some("add `options:` with `- { value: ..., label: ... }`".into()),
                );
            }
            let mut values = BTreeSet::new();
            for o in &options {
                if !values.insert(o.value.as_str()) {
                    err(
                        format!("the option value `{}` is used twice in `{}`", o.value, f.id),
                        None,
                    );
                }
            }
            if f.kind == "select" {
                FieldKind::Select { options }
            } else {
                FieldKind::Radio { options }
            }
        }
        "checkbox" => FieldKind::Checkbox,
        "cvr" => FieldKind::Cvr,
        "postcode" => FieldKind::Postcode,
        "kommune" => FieldKind::Kommune,
        other => {
            let hint = match suggest(other, TYPES.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("the types are: {}", TYPES.join(", ")),
            };
            err(
                format!("unknown field type `{other}` for `{}`", f.id),
                Some(hint),
            );
            return Err(errors);
        }
    };
    let limits_allowed = matches!(
        kind,
        FieldKind::Text { .. } | FieldKind::Textarea { .. } | FieldKind::Email { .. }
    );
    if !limits_allowed && (f.min_length.is_some() || f.max_length.is_some()) {
        err(
            format!(
                "`min_length`/`max_length` do not apply to the {} field `{}`",
                f.kind, f.id
            ),
            None,
        );
    }
    if !matches!(kind, FieldKind::Number { .. }) && (f.min.is_some() || f.max.is_some()) {
        err(
            format!("`min`/`max` apply only to number fields, not to `{}`", f.id),
            None,
        );
    }
    if f.options.is_some()
        && kind.options().is_empty()
        && !matches!(kind, FieldKind::Select { .. } | FieldKind::Radio { .. })
    {
        err(
            format!(
                "`options` apply only to select and radio fields, not to `{}`",
                f.id
            ),
            None,
        );
    }
    if let (Some(min), Some(max)) = (f.min_length, f.max_length)
        && min > max
    {
        err(
            format!("`min_length` is larger than `max_length` in `{}`", f.id),
            None,
        );
    }
    if let Some(a) = &f.autocomplete
        && !AUTOCOMPLETE.contains(&a.as_str())
    {
        err(
            format!("unknown autocomplete token `{a}` in `{}`", f.id),
            Some(format!("use one of: {}", AUTOCOMPLETE.join(", "))),
        );
    }
    if f.autocomplete.as_deref() == Some("street-address")
        && !matches!(kind, FieldKind::Textarea { .. })
    {
        err(
            format!(
                "`street-address` is only allowed on a textarea, not on the {} field `{}`",
                f.kind, f.id
            ),
            Some("use `address-line1` for a one-line address".into()),
        );
    }
    let requirement = match (&f.required_when, f.required) {
        (Some(_), true) => {
            err(
                format!("`{}` has both `required` and `required_when`", f.id),
                Some("keep one of them".into()),
            );
            Requirement::Required
        }
        (Some(w), false) => Requirement::RequiredWhen {
            field: w.field.clone(),
            values: w.values.clone(),
        },
        (None, true) => Requirement::Required,
        (None, false) => Requirement::Optional,
    };

    // Exactly the messages this field can need.
    let mut needed: Vec<ErrorKind> = kind.error_kinds();
    if requirement != Requirement::Optional {
        needed.insert(0, ErrorKind::Required);
    }
    let mut messages = BTreeMap::new();
    for (key, message) in &f.messages {
        let known = needed.iter().find(|k| k.as_str() == key);
        match known {
            Some(k) if !message.trim().is_empty() => {
                messages.insert(*k, message.trim().to_string());
            }
            Some(_) => err(format!("the `{key}` message of `{}` is empty", f.id), None),
            None => err(
                format!(
                    "`{}` has a `{key}` message, but a {} field{} never has that error",
                    f.id,
                    f.kind,
                    if requirement == Requirement::Optional && key == "required" {
                        " that is not required"
                    } else {
                        ""
                    }
                ),
                Some(format!(
                    "its messages are: {}",
                    needed
                        .iter()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            ),
        }
    }
    for k in &needed {
        if !f.messages.contains_key(k.as_str()) {
            err(
                format!("`{}` has no `{}` message", f.id, k.as_str()),
                Some(
                    "every error a field can have needs its own Danish message (see docs/forms.md)"
                        .into(),
                ),
            );
        }
    }
    if errors.is_empty() {
        Ok(Field {
            id: f.id.clone(),
            kind,
            label: f.label.trim().to_string(),
            hint: f.hint.as_ref().map(|h| h.trim().to_string()),
            requirement,
            autocomplete: f.autocomplete.clone(),
            messages,
        })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = "id: f\ntitle: T\nversion: 1\nprivacy_notice: /p/\nprivacy_notice_version: \"1\"\nretention_days: 30\nrounds:\n  rule: last-weekday-of-month\n  final_deadline: 2019-08-30\nfields:\n  - id: navn\n    type: text\n    label: Navn\n    required: true\n    max_length: 10\n    messages:\n      required: Indtast dit navn\n      too_long: Navnet må højst have 10 tegn\n  - id: type\n    type: radio\n    label: Type\n    required: true\n    options:\n      - { value: a, label: A }\n      - { value: b, label: B }\n    messages:\n      required: Vælg en type\n      unknown: Vælg en af typerne\n  - id: b_navn\n    type: text\n    label: B-navn\n    required_when: { field: type, in: [b] }\n    messages:\n      required: Indtast B-navnet\n      too_long: B-navnet må højst have 500 tegn\n";

    fn p(text: &str) -> Result<FormDef, Vec<Diagnostic>> {
        parse(Path::new("content/forms/f.yaml"), "f", text)
    }

    #[test]
    fn a_valid_definition() {
        let f = p(OK).unwrap();
        assert_eq!(f.fields.len(), 3);
        assert_eq!(
            f.fields[0].kind,
            FieldKind::Text {
                min_length: None,
                max_length: 10
            }
        );
        assert_eq!(
            f.fields[2].requirement,
            Requirement::RequiredWhen {
                field: "type".into(),
                values: vec!["b".into()]
            }
        );
        assert_eq!(
            f.fields[2].message(ErrorKind::TooLong),
            "B-navnet må højst have 500 tegn"
        );
        assert_eq!(f.rounds.final_deadline, Date::new(2019, 8, 30).ok());
    }

    fn messages(text: &str) -> Vec<(usize, String)> {
        p(text)
            .unwrap_err()
            .into_iter()
            .map(|d| (d.line, d.message))
            .collect()
    }

    #[test]
    fn missing_and_extra_messages_are_errors_at_the_field() {
        let text = OK.replace(
            "      too_long: Navnet må højst have 10 tegn\n",
            "      format: Forkert\n",
        );
        assert_eq!(
            messages(&text),
            [
                (
                    11,
                    "`navn` has a `format` message, but a text field never has that error"
                        .to_string()
                ),
                (11, "`navn` has no `too_long` message".to_string())
            ]
        );
    }

    #[test]
    fn unknown_keys_types_and_references() {
        let errs = p(&OK.replace("    label: Navn\n", "    lable: Navn\n")).unwrap_err();
        assert_eq!(errs[0].line, 13);
        assert!(
            errs[0].message.contains("unknown field `lable`"),
            "{}",
            errs[0].message
        );

        let text = OK.replace("type: text\n    label: Navn", "type: txt\n    label: Navn");
        let errs = p(&text).unwrap_err();
        assert_eq!(errs[0].message, "unknown field type `txt` for `navn`");
        assert_eq!(errs[0].hint.as_deref(), Some("did you mean `text`?"));

        let text = OK.replace("field: type, in: [b]", "field: typ, in: [c]");
        assert_eq!(
            messages(&text),
            [(
                29,
                "`required_when` names the field `typ`, which the form does not have".to_string()
            )]
        );
        let text = OK.replace("field: type, in: [b]", "field: type, in: [c]");
        assert_eq!(
            messages(&text),
            [(
                29,
                "`required_when`: `c` is not an option of `type`".to_string()
            )]
        );
    }

    #[test]
    fn id_must_match_file_and_dates_must_be_dates() {
        let text = OK
            .replace("id: f\n", "id: g\n")
            .replace("2019-08-30", "30/8 2019");
        assert_eq!(
            messages(&text),
            [
                (
                    1,
                    "the form id `g` differs from the file name `f.yaml`".to_string()
                ),
                (
                    9,
                    "`final_deadline`: `30/8 2019` is not a date in the form YYYY-MM-DD"
                        .to_string()
                )
            ]
        );
    }

    #[test]
    fn number_fields_need_limits_in_range() {
        let number = |limits: &str| {
            OK.replace(
                "  - id: b_navn\n",
                &format!(
                    "  - id: antal\n    type: number\n    label: Antal\n{limits}    messages:\n      format: Skriv et helt tal\n      too_small: For lille\n      too_large: For stort\n  - id: b_navn\n"
                ),
            )
        };
        assert!(p(&number("    min: 0\n    max: 100\n")).is_ok());
        assert_eq!(
            messages(&number("    min: 0\n")),
            [(
                29,
                "the number field `antal` needs both `min` and `max`".to_string()
            )]
        );
        assert_eq!(
            messages(&number("    min: 5\n    max: 1\n")),
            [(
                29,
                "`min` (5) is larger than `max` (1) in `antal`".to_string()
            )]
        );
        assert_eq!(
            messages(&number("    min: 0\n    max: 10000000000000000\n")),
            [(29, "the limits of `antal` are too large".to_string())]
        );
    }

    #[test]
    fn notifications_name_an_email_field_and_real_addresses() {
        let with = |block: &str| OK.replace("fields:\n", &format!("{block}fields:\n"));
        assert_eq!(
            messages(&with("notifications:\n  receipt_to: navn\n")),
            [(
                11,
                "`receipt_to` names `navn`, a text field; the receipt needs an email field"
                    .to_string()
            )]
        );
        assert_eq!(
            messages(&with("notifications:\n  receipt_to: mail\n")),
            [(
                11,
                "`receipt_to` names the field `mail`, which the form does not have".to_string()
            )]
        );
        assert_eq!(
            messages(&with("notifications:\n  caseworkers: [kontoret]\n")),
            [(
                11,
                "`caseworkers`: `kontoret` cannot be used as an e-mail address (not an e-mail address)"
                    .to_string()
            )]
        );
        let ok = p(&with(
            "notifications:\n  caseworkers: [kontor@eksempel.dk]\n",
        ))
        .unwrap();
        assert_eq!(
            ok.notifications.caseworkers[0].email(),
            "kontor@eksempel.dk"
        );
        assert_eq!(ok.notifications.receipt_field, None);
    }
}
