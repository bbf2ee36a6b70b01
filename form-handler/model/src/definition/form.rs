//! A form definition file checked into a [`FormDef`], in stages: the YAML into its raw keys
//! ([`super::raw`]), the form's own keys (id, rounds, privacy notice), each field
//! ([`super::field`]), the references between fields (`required_when`), and who is told of
//! applications ([`super::notifications`]). Every problem is collected at the key it is
//! about, found through [`crate::yaml::Places`]; keys the tables in [`super::raw`] do not have
//! are reported first, each where it is written.

use std::collections::BTreeSet;
use std::path::Path;

use jiff::civil::Date;

use super::raw::{RawDefinition, RawRounds};
use super::{
    Field, FormDef, FormSource, Notifications, Requirement, RoundsDef, field, notifications,
};
use crate::diagnostics::{Code, Diagnostic, suggest};
use crate::yaml::{self, Places};

/// Parses and checks the text of `path`, whose file name (without `.yaml`) is `file_id`.
pub fn parse(path: &Path, file_id: &str, text: &str) -> Result<FormDef, Vec<Diagnostic>> {
    let src = Source {
        path,
        places: Places::of(text),
    };
    let unknown = super::raw::FORM.unknown_keys(&src.places, "");
    if !unknown.is_empty() {
        return Err(unknown.iter().map(|u| src.unknown_key(u)).collect());
    }
    let raw = read(path, text)?;
    let mut errors = Vec::new();
    check_id(&raw, file_id, &src, &mut errors);
    let rounds = rounds(&raw.rounds, &src, &mut errors);
    check_privacy_notice(&raw, &src, &mut errors);
    let (fields, written_at) = fields(&raw, &src, &mut errors);
    check_required_when(&fields, &written_at, &src, &mut errors);
    let notifications = notifications::check(raw.notifications.as_ref(), &fields, &src)
        .unwrap_or_else(|mut e| {
            errors.append(&mut e);
            Notifications::default()
        });
    if !errors.is_empty() {
        return Err(errors);
    }
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
            privacy_notice_line: src.places.key("privacy_notice").line,
            privacy_notice_version_line: src.places.key("privacy_notice_version").line,
        },
    })
}

/// The raw keys, or the YAML error at its line.
fn read(path: &Path, text: &str) -> Result<RawDefinition, Vec<Diagnostic>> {
    yaml::from_str(text).map_err(|e| {
        let (message, hint) = explain(&e.message);
        let mut d = Diagnostic::new(
            e.code(),
            path,
            e.line,
            format!("invalid form definition: {message}"),
        )
        .column(e.column);
        if let Some(hint) = hint {
            d = d.hint(hint);
        }
        vec![d]
    })
}

/// The YAML library's message as editors read it: fields counted from 1 (`fields[2]` is
/// "field 3"), and for an unknown key the known one it is closest to.
fn explain(message: &str) -> (String, Option<String>) {
    let mut out = String::new();
    let mut rest = message;
    while let Some(i) = rest.find("fields[") {
        let after = &rest[i + "fields[".len()..];
        let Some((n, tail)) = after.split_once(']') else {
            break;
        };
        let Ok(n) = n.parse::<usize>() else {
            break;
        };
        out.push_str(&rest[..i]);
        out.push_str(&format!("field {}", n + 1));
        rest = tail;
    }
    out.push_str(rest);
    let Some((before, unknown)) = out.split_once("unknown field `") else {
        return (out, None);
    };
    let Some((key, expected)) = unknown.split_once('`') else {
        return (out.clone(), None);
    };
    let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    let hint = match crate::diagnostics::suggest(key, known.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("the keys here are {} (docs/forms.md)", known.join(", ")),
    };
    (format!("{before}unknown key `{key}`"), Some(hint))
}

/// The definition's file and where its keys are written.
pub(super) struct Source<'a> {
    pub(super) path: &'a Path,
    pub(super) places: Places,
}

impl Source<'_> {
    /// A diagnostic at the key of `key_path` (`rounds.rule`, `fields.2.max_length`): its
    /// line, its column and its name underlined; at the nearest enclosing key when that key
    /// is not written.
    pub(super) fn at(&self, code: Code, key_path: &str, message: impl Into<String>) -> Diagnostic {
        let at = self.places.key(key_path);
        let mut d = Diagnostic::new(code, self.path, at.line, message).column(at.column);
        let written = self.places.get(key_path).is_some_and(|s| s.key.is_some());
        if let Some(name) = key_path.rsplit('.').next().filter(|_| written) {
            d = d.end(at.column + name.chars().count());
        }
        d
    }

    /// A diagnostic at the value of `path` (a list item, a value that is wrong).
    pub(super) fn at_value(
        &self,
        code: Code,
        path: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        let at = self.places.value(path);
        Diagnostic::new(code, self.path, at.line, message).column(at.column)
    }

    /// `unknown key `max_lenght`` at the key, with the table's suggestion; inside a field
    /// it says which ("field 2: ...").
    fn unknown_key(&self, u: &yaml::UnknownKey) -> Diagnostic {
        let mut parts = u.path.split('.');
        let within = match (
            parts.next(),
            parts.next().and_then(|n| n.parse::<usize>().ok()),
        ) {
            (Some("fields"), Some(n)) => format!("field {}: ", n + 1),
            (Some(first), _) if u.path.contains('.') => format!("`{first}`: "),
            _ => String::new(),
        };
        u.diagnostic(self.path, 0, format!("{within}unknown key `{}`", u.key))
    }
}

fn check_id(raw: &RawDefinition, file_id: &str, src: &Source, errors: &mut Vec<Diagnostic>) {
    if raw.id != file_id {
        errors.push(
            src.at(
                Code::FormId,
                "id",
                format!(
                    "the form id `{}` differs from the file name `{file_id}.yaml`",
                    raw.id
                ),
            )
            .hint("the id is part of the form's address; rename the file or the id"),
        );
    }
}

/// The rule and the dates of the application rounds.
fn rounds(raw: &RawRounds, src: &Source, errors: &mut Vec<Diagnostic>) -> RoundsDef {
    if raw.rule != "last-weekday-of-month" {
        errors.push(
            src.at_value(
                Code::InvalidValue,
                "rounds.rule",
                format!("unknown round rule `{}`", raw.rule),
            )
            .hint("the only rule is `last-weekday-of-month`"),
        );
    }
    let mut date = |value: &Option<String>, key: &str| -> Option<Date> {
        let text = value.as_ref()?;
        let parsed = crate::dates::parse_iso(text).ok();
        if parsed.is_none() {
            errors.push(src.at_value(
                Code::InvalidDate,
                &format!("rounds.{key}"),
                format!("`{key}`: `{text}` is not a date in the form YYYY-MM-DD"),
            ));
        }
        parsed
    };
    let rounds = RoundsDef {
        opens: date(&raw.opens, "opens"),
        final_deadline: date(&raw.final_deadline, "final_deadline"),
    };
    if let (Some(o), Some(f)) = (rounds.opens, rounds.final_deadline)
        && f < o
    {
        errors.push(src.at_value(
            Code::InvalidValue,
            "rounds.final_deadline",
            "the final deadline is before the opening date",
        ));
    }
    rounds
}

fn check_privacy_notice(raw: &RawDefinition, src: &Source, errors: &mut Vec<Diagnostic>) {
    if !raw.privacy_notice.starts_with('/') {
        errors.push(src.at_value(
            Code::PrivacyNotice,
            "privacy_notice",
            "`privacy_notice` must be a page of this site, like `/privatlivspolitik/`",
        ));
    }
}

/// Each field checked on its own, and each id used once: the fields that passed, and the
/// index of each in the file's `fields` list.
fn fields(
    raw: &RawDefinition,
    src: &Source,
    errors: &mut Vec<Diagnostic>,
) -> (Vec<Field>, Vec<usize>) {
    let mut seen = BTreeSet::new();
    let mut fields = Vec::with_capacity(raw.fields.len());
    let mut written_at = Vec::with_capacity(raw.fields.len());
    for (i, f) in raw.fields.iter().enumerate() {
        match field::check(f, src, i) {
            Ok(field) => {
                fields.push(field);
                written_at.push(i);
            }
            Err(mut e) => errors.append(&mut e),
        }
        if !seen.insert(f.id.clone()) {
            errors.push(src.at_value(
                Code::DuplicateField,
                &format!("fields.{i}.id"),
                format!("the field id `{}` is used twice", f.id),
            ));
        }
    }
    (fields, written_at)
}

/// A `required_when` names a field of the form, and values that are its options.
fn check_required_when(
    fields: &[Field],
    written_at: &[usize],
    src: &Source,
    errors: &mut Vec<Diagnostic>,
) {
    for (f, i) in fields.iter().zip(written_at) {
        let Requirement::RequiredWhen { field, values } = &f.requirement else {
            continue;
        };
        let at = format!("fields.{i}.required_when");
        match fields.iter().find(|o| &o.id == field) {
            None => {
                let ids: Vec<&str> = fields.iter().map(|f| f.id.as_str()).collect();
                let mut d = src.at_value(
                    Code::FieldReference,
                    &format!("{at}.field"),
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
                for (n, v) in values.iter().enumerate() {
                    if !other.kind.options().iter().any(|o| &o.value == v) {
                        errors.push(src.at_value(
                            Code::FieldReference,
                            &format!("{at}.in.{n}"),
                            format!("`required_when`: `{v}` is not an option of `{field}`"),
                        ));
                    }
                }
            }
            Some(_) => {}
        }
    }
}
