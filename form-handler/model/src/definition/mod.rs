//! Form definitions (`content/forms/<id>.yaml`): read, checked and turned into a typed
//! [`FormDef`]. A broken definition is an editor error with `file:line`, like any content
//! error. The format is documented in `docs/forms.md`. This module holds the types; the
//! stages are [`raw`] (the keys as written), [`form`] (the form's keys and [`parse`]),
//! [`field`] (one field) and [`notifications`] (who is told).

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

mod field;
mod form;
mod notifications;
mod raw;

pub use field::NUMBER_LIMIT;
pub use form::parse;
pub use notifications::Notifications;
pub use raw::{FIELD, FORM, NOTIFICATIONS, OPTION, REQUIRED_WHEN, ROUNDS};

/// The key tables of a form definition, as docs/forms.md shows them.
pub static TABLES: [&crate::yaml::Table; 6] = [
    &FORM,
    &ROUNDS,
    &FIELD,
    &REQUIRED_WHEN,
    &OPTION,
    &NOTIFICATIONS,
];

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
            FieldKind::Email { .. } => vec![Characters, Format, TooLong],
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::diagnostics::Diagnostic;

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
    fn missing_and_extra_messages_are_errors_at_their_keys() {
        let text = OK.replace(
            "      too_long: Navnet må højst have 10 tegn\n",
            "      format: Forkert\n",
        );
        assert_eq!(
            messages(&text),
            [
                // At the message's own key, and at `messages:` for the one missing.
                (
                    18,
                    "`navn` has a `format` message, but a text field never has that error"
                        .to_string()
                ),
                (16, "`navn` has no `too_long` message".to_string())
            ]
        );
    }

    #[test]
    fn unknown_keys_types_and_references() {
        let errs = p(&OK.replace("    label: Navn\n", "    lable: Navn\n")).unwrap_err();
        assert_eq!((errs[0].line, errs[0].column), (13, 5));
        assert_eq!(errs[0].message, "field 1: unknown key `lable`");
        assert_eq!(errs[0].hint.as_deref(), Some("did you mean `label`?"));

        let text = OK.replace("type: text\n    label: Navn", "type: txt\n    label: Navn");
        let errs = p(&text).unwrap_err();
        assert_eq!(errs[0].message, "unknown field type `txt` for `navn`");
        assert_eq!(errs[0].hint.as_deref(), Some("did you mean `text`?"));

        let text = OK.replace("field: type, in: [b]", "field: typ, in: [c]");
        assert_eq!(
            messages(&text),
            [(
                32,
                "`required_when` names the field `typ`, which the form does not have".to_string()
            )]
        );
        let text = OK.replace("field: type, in: [b]", "field: type, in: [c]");
        assert_eq!(
            messages(&text),
            [(
                32,
                "`required_when`: `c` is not an option of `type`".to_string()
            )]
        );
    }

    #[test]
    fn unknown_keys_at_any_depth_are_errors_where_they_are_written() {
        let text = OK.replace("  rule: last", "  rul: last").replace(
            "      - { value: b, label: B }",
            "      - { value: b, lable: B }",
        );
        let errs = p(&text).unwrap_err();
        let got: Vec<_> = errs
            .iter()
            .map(|d| {
                (
                    d.line,
                    d.column,
                    d.end,
                    d.message.as_str(),
                    d.hint.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    8,
                    3,
                    6,
                    "`rounds`: unknown key `rul`",
                    Some("did you mean `rule`?")
                ),
                (
                    25,
                    21,
                    26,
                    "field 2: unknown key `lable`",
                    Some("did you mean `label`?")
                ),
            ]
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
                32,
                "the number field `antal` needs both `min` and `max`".to_string()
            )]
        );
        assert_eq!(
            messages(&number("    min: 5\n    max: 1\n")),
            [(
                32,
                "`min` (5) is larger than `max` (1) in `antal`".to_string()
            )]
        );
        assert_eq!(
            messages(&number("    min: 0\n    max: 10000000000000000\n")),
            [(33, "the limits of `antal` are too large".to_string())]
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

    /// The docs' "required" column is true: taking a key out of a valid definition is a
    /// missing-key error exactly when its table marks it required.
    #[test]
    fn the_key_tables_say_which_keys_a_definition_needs() {
        use crate::diagnostics::Code;
        let full = OK.replace(
            "fields:\n",
            "submit_label: Send\nnotifications:\n  caseworkers: [kontor@eksempel.dk]\nfields:\n",
        );
        let doc: serde_yaml::Value = serde_yaml::from_str(&full).unwrap();
        let tables: [(&crate::yaml::Table, &[&str]); 6] = [
            (&FORM, &[]),
            (&ROUNDS, &["rounds"]),
            (&FIELD, &["fields", "1"]),
            (&REQUIRED_WHEN, &["fields", "2", "required_when"]),
            (&OPTION, &["fields", "1", "options", "0"]),
            (&NOTIFICATIONS, &["notifications"]),
        ];
        let mut checked = 0;
        for (table, at) in tables {
            for key in table.keys {
                let mut changed = doc.clone();
                let mut node = &mut changed;
                for step in at {
                    node = match step.parse::<usize>() {
                        Ok(i) => &mut node[i],
                        Err(_) => &mut node[*step],
                    };
                }
                let map = node.as_mapping_mut().expect("a mapping");
                if map.remove(key.name).is_none() {
                    continue;
                }
                checked += 1;
                let text = serde_yaml::to_string(&changed).unwrap();
                let missing = p(&text)
                    .err()
                    .unwrap_or_default()
                    .iter()
                    .any(|d| d.code == Code::MissingKey);
                assert_eq!(
                    missing, key.required,
                    "{}: `{}` is marked required: {}",
                    table.id, key.name, key.required
                );
            }
        }
        assert!(checked >= 20, "only {checked} keys were tried");
    }
}
