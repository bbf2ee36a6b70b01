//! One field of a form definition checked into a [`Field`], in stages: its id, its type
//! with the limits of that type ([`FieldKind`]), the keys that apply to that type only, its
//! autocomplete token, its requirement, and exactly the messages it needs.

use std::collections::BTreeMap;

use super::form::Source;
use super::raw::{AUTOCOMPLETE, RawField, TYPES};
use super::{ErrorKind, Field, FieldKind, Requirement};
use crate::diagnostics::{Code, Diagnostic, suggest};

/// The largest limit a number field may have: the browser's script compares in doubles,
/// exact up to 2^53.
pub const NUMBER_LIMIT: i64 = 999_999_999_999_999;

/// The problems found in one field, each at the key it is about.
struct Problems<'a> {
    src: &'a Source<'a>,
    /// The field's path (`fields.2`).
    field: String,
    list: Vec<Diagnostic>,
}

impl Problems<'_> {
    /// A problem with the key `key` of the field (`max_length`, `messages.too_long`).
    fn add(&mut self, key: &str, message: String, hint: Option<String>) {
        let d = self
            .src
            .at(Code::FieldRule, &format!("{}.{key}", self.field), message);
        self.push(d, hint);
    }

    /// A problem with the value of the key `key`.
    fn add_value(&mut self, key: &str, message: String, hint: Option<String>) {
        let at = format!("{}.{key}", self.field);
        let d = self.src.at_value(Code::FieldRule, &at, message);
        self.push(d, hint);
    }

    fn push(&mut self, d: Diagnostic, hint: Option<String>) {
        self.list.push(match hint {
            Some(h) => d.hint(h),
            None => d,
        });
    }
}

/// Checks the field `f`, the `index`th (from 0) of the definition `src`.
pub(super) fn check(f: &RawField, src: &Source, index: usize) -> Result<Field, Vec<Diagnostic>> {
    let mut problems = Problems {
        src,
        field: format!("fields.{index}"),
        list: Vec::new(),
    };
    check_id(f, &mut problems);
    let Some(kind) = kind(f, &mut problems) else {
        return Err(problems.list);
    };
    check_keys_apply(f, &kind, &mut problems);
    check_autocomplete(f, &kind, &mut problems);
    let requirement = requirement(f, &mut problems);
    let messages = messages(f, &kind, &requirement, &mut problems);
    if !problems.list.is_empty() {
        return Err(problems.list);
    }
    Ok(Field {
        id: f.id.clone(),
        kind,
        label: f.label.trim().to_string(),
        hint: f.hint.as_ref().map(|h| h.trim().to_string()),
        requirement,
        autocomplete: f.autocomplete.clone(),
        messages,
    })
}

fn check_id(f: &RawField, problems: &mut Problems) {
    let valid_id = f.id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && f.id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid_id {
        problems.add_value(
            "id",
            format!(
                "the field id `{}` must be lower-case letters, digits and `_`, starting with a letter",
                f.id
            ),
            None,
        );
    }
    if f.id == crate::HONEYPOT {
        problems.add_value(
            "id",
            format!("the field id `{}` is reserved", f.id),
            Some("pick another id".into()),
        );
    }
}

/// The field's type with its limits; `None` when there is no type to check the rest against.
fn kind(f: &RawField, problems: &mut Problems) -> Option<FieldKind> {
    let text_limits = |default_max: usize| (f.min_length, f.max_length.unwrap_or(default_max));
    Some(match f.kind.as_str() {
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
            Err((key, message, hint)) => {
                problems.add(key, message, Some(hint));
                return None;
            }
        },
        "select" | "radio" => choices(f, problems),
        "checkbox" => FieldKind::Checkbox,
        "cvr" => FieldKind::Cvr,
        "postcode" => FieldKind::Postcode,
        "kommune" => FieldKind::Kommune,
        other => {
            let hint = match suggest(other, TYPES.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("the types are: {}", TYPES.join(", ")),
            };
            problems.add_value(
                "type",
                format!("unknown field type `{other}` for `{}`", f.id),
                Some(hint),
            );
            return None;
        }
    })
}

/// A select or radio field: its options, each value once.
fn choices(f: &RawField, problems: &mut Problems) -> FieldKind {
    let options = f.options.clone().unwrap_or_default();
    if options.is_empty() {
        problems.add(
            "type",
            format!("the {} field `{}` has no `options`", f.kind, f.id),
            Some("add `options:` with `- { value: ..., label: ... }`".into()),
        );
    }
    let mut values = std::collections::BTreeSet::new();
    for (n, o) in options.iter().enumerate() {
        if !values.insert(o.value.as_str()) {
            problems.add_value(
                &format!("options.{n}.value"),
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

/// A number field's `min` and `max`: both required (every answer is checked against them
/// in the browser and in the handler), within [`NUMBER_LIMIT`], `min <= max`. The error is
/// a message and a hint.
fn number_limits(f: &RawField) -> Result<(i64, i64), (&'static str, String, String)> {
    let (Some(min), Some(max)) = (f.min, f.max) else {
        return Err((
            if f.min.is_some() { "min" } else { "type" },
            format!("the number field `{}` needs both `min` and `max`", f.id),
            "the smallest and largest answers that make sense, e.g. `min: 0` and `max: 100`".into(),
        ));
    };
    if min.abs() > NUMBER_LIMIT || max.abs() > NUMBER_LIMIT {
        return Err((
            if min.abs() > NUMBER_LIMIT {
                "min"
            } else {
                "max"
            },
            format!("the limits of `{}` are too large", f.id),
            format!("`min` and `max` must be between -{NUMBER_LIMIT} and {NUMBER_LIMIT}"),
        ));
    }
    if min > max {
        return Err((
            "min",
            format!("`min` ({min}) is larger than `max` ({max}) in `{}`", f.id),
            "swap them".into(),
        ));
    }
    Ok((min, max))
}

/// Length limits, number limits and options only where the type has them.
fn check_keys_apply(f: &RawField, kind: &FieldKind, problems: &mut Problems) {
    let limits_allowed = matches!(
        kind,
        FieldKind::Text { .. } | FieldKind::Textarea { .. } | FieldKind::Email { .. }
    );
    if !limits_allowed && (f.min_length.is_some() || f.max_length.is_some()) {
        problems.add(
            if f.min_length.is_some() {
                "min_length"
            } else {
                "max_length"
            },
            format!(
                "`min_length`/`max_length` do not apply to the {} field `{}`",
                f.kind, f.id
            ),
            None,
        );
    }
    if !matches!(kind, FieldKind::Number { .. }) && (f.min.is_some() || f.max.is_some()) {
        problems.add(
            if f.min.is_some() { "min" } else { "max" },
            format!("`min`/`max` apply only to number fields, not to `{}`", f.id),
            None,
        );
    }
    if f.options.is_some()
        && kind.options().is_empty()
        && !matches!(kind, FieldKind::Select { .. } | FieldKind::Radio { .. })
    {
        problems.add(
            "options",
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
        problems.add(
            "min_length",
            format!("`min_length` is larger than `max_length` in `{}`", f.id),
            None,
        );
    }
}

fn check_autocomplete(f: &RawField, kind: &FieldKind, problems: &mut Problems) {
    if let Some(a) = &f.autocomplete
        && !AUTOCOMPLETE.contains(&a.as_str())
    {
        problems.add_value(
            "autocomplete",
            format!("unknown autocomplete token `{a}` in `{}`", f.id),
            Some(format!("use one of: {}", AUTOCOMPLETE.join(", "))),
        );
    }
    if f.autocomplete.as_deref() == Some("street-address")
        && !matches!(kind, FieldKind::Textarea { .. })
    {
        problems.add_value(
            "autocomplete",
            format!(
                "`street-address` is only allowed on a textarea, not on the {} field `{}`",
                f.kind, f.id
            ),
            Some("use `address-line1` for a one-line address".into()),
        );
    }
}

fn requirement(f: &RawField, problems: &mut Problems) -> Requirement {
    match (&f.required_when, f.required) {
        (Some(_), true) => {
            problems.add(
                "required_when",
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
    }
}

/// Exactly the messages this field can need: none missing, none for an error it never has.
fn messages(
    f: &RawField,
    kind: &FieldKind,
    requirement: &Requirement,
    problems: &mut Problems,
) -> BTreeMap<ErrorKind, String> {
    let mut needed: Vec<ErrorKind> = kind.error_kinds();
    if *requirement != Requirement::Optional {
        needed.insert(0, ErrorKind::Required);
    }
    let mut messages = BTreeMap::new();
    for (key, message) in &f.messages {
        match needed.iter().find(|k| k.as_str() == key) {
            Some(k) if !message.trim().is_empty() => {
                messages.insert(*k, message.trim().to_string());
            }
            Some(_) => problems.add_value(
                &format!("messages.{key}"),
                format!("the `{key}` message of `{}` is empty", f.id),
                None,
            ),
            None => problems.add(
                &format!("messages.{key}"),
                format!(
                    "`{}` has a `{key}` message, but a {} field{} never has that error",
                    f.id,
                    f.kind,
                    if *requirement == Requirement::Optional && key == "required" {
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
            problems.add(
                "messages",
                format!("`{}` has no `{}` message", f.id, k.as_str()),
                Some(
                    "every error a field can have needs its own Danish message (see docs/forms.md)"
                        .into(),
                ),
            );
        }
    }
    messages
}
