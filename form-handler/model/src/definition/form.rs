//! A form definition file checked into a [`FormDef`], in stages: the YAML into its raw keys
//! ([`super::raw`]), the form's own keys (id, rounds, privacy notice), each field
//! ([`super::field`]), the references between fields (`required_when`), and who is told of
//! applications ([`super::notifications`]). Every problem is collected with its line.

use std::collections::BTreeSet;
use std::path::Path;

use jiff::civil::Date;

use super::raw::{RawForm, RawRounds};
use super::{
    Field, FormDef, FormSource, Notifications, Requirement, RoundsDef, field, notifications,
};
use crate::diagnostics::{Code, Diagnostic, suggest};
use crate::yaml;

/// Parses and checks the text of `path`, whose file name (without `.yaml`) is `file_id`.
pub fn parse(path: &Path, file_id: &str, text: &str) -> Result<FormDef, Vec<Diagnostic>> {
    let raw = read(path, text)?;
    let lines = Lines(text);
    let mut errors = Vec::new();
    check_id(&raw, file_id, path, &lines, &mut errors);
    let rounds = rounds(&raw.rounds, path, &lines, &mut errors);
    check_privacy_notice(&raw, path, &lines, &mut errors);
    let fields = fields(&raw, path, &lines, &mut errors);
    check_required_when(&fields, path, &lines, &mut errors);
    let notifications = notifications::check(raw.notifications.as_ref(), &fields, path, text)
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
            privacy_notice_line: lines.of("privacy_notice:"),
            privacy_notice_version_line: lines.of("privacy_notice_version:"),
        },
    })
}

/// The raw keys, or the YAML error at its line.
fn read(path: &Path, text: &str) -> Result<RawForm, Vec<Diagnostic>> {
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

/// Finds the line of a key in the definition's text.
struct Lines<'a>(&'a str);

impl Lines<'_> {
    /// The first line that starts with `needle` (after indentation and a list's `- `), or,
    /// in flow style (`rounds: { rule: ... }`), holds it after a `{` or `,`; else line 1.
    fn of(&self, needle: &str) -> usize {
        let at_start = self
            .0
            .lines()
            .position(|l| l.trim_start().trim_start_matches("- ").starts_with(needle));
        let in_flow = || {
            self.0.lines().position(|l| {
                l.contains(&format!("{{ {needle}")) || l.contains(&format!(", {needle}"))
            })
        };
        at_start.or_else(in_flow).map_or(1, |i| i + 1)
    }
}

fn check_id(
    raw: &RawForm,
    file_id: &str,
    path: &Path,
    lines: &Lines,
    errors: &mut Vec<Diagnostic>,
) {
    if raw.id != file_id {
        errors.push(
            Diagnostic::new(
                Code::FormId,
                path,
                lines.of("id:"),
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
fn rounds(raw: &RawRounds, path: &Path, lines: &Lines, errors: &mut Vec<Diagnostic>) -> RoundsDef {
    if raw.rule != "last-weekday-of-month" {
        errors.push(
            Diagnostic::new(
                Code::InvalidValue,
                path,
                lines.of("rule:"),
                format!("unknown round rule `{}`", raw.rule),
            )
            .hint("the only rule is `last-weekday-of-month`"),
        );
    }
    let mut date = |value: &Option<String>, key: &str| -> Option<Date> {
        let text = value.as_ref()?;
        let parsed = crate::dates::parse_iso(text).ok();
        if parsed.is_none() {
            errors.push(Diagnostic::new(
                Code::InvalidDate,
                path,
                lines.of(&format!("{key}:")),
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
        errors.push(Diagnostic::new(
            Code::InvalidValue,
            path,
            lines.of("final_deadline:"),
            "the final deadline is before the opening date",
        ));
    }
    rounds
}

fn check_privacy_notice(raw: &RawForm, path: &Path, lines: &Lines, errors: &mut Vec<Diagnostic>) {
    if !raw.privacy_notice.starts_with('/') {
        errors.push(Diagnostic::new(
            Code::PrivacyNotice,
            path,
            lines.of("privacy_notice:"),
            "`privacy_notice` must be a page of this site, like `/privatlivspolitik/`",
        ));
    }
}

/// Each field checked on its own, and each id used once.
fn fields(raw: &RawForm, path: &Path, lines: &Lines, errors: &mut Vec<Diagnostic>) -> Vec<Field> {
    let mut seen = BTreeSet::new();
    let mut fields = Vec::with_capacity(raw.fields.len());
    for f in &raw.fields {
        let line = lines.of(&format!("id: {}", f.id));
        match field::check(f, path, line) {
            Ok(field) => fields.push(field),
            Err(mut e) => errors.append(&mut e),
        }
        if !seen.insert(f.id.clone()) {
            errors.push(Diagnostic::new(
                Code::DuplicateField,
                path,
                line,
                format!("the field id `{}` is used twice", f.id),
            ));
        }
    }
    fields
}

/// A `required_when` names a field of the form, and values that are its options.
fn check_required_when(fields: &[Field], path: &Path, lines: &Lines, errors: &mut Vec<Diagnostic>) {
    for f in fields {
        let Requirement::RequiredWhen { field, values } = &f.requirement else {
            continue;
        };
        let line = lines.of(&format!("id: {}", f.id));
        match fields.iter().find(|o| &o.id == field) {
            None => {
                let ids: Vec<&str> = fields.iter().map(|f| f.id.as_str()).collect();
                let mut d = Diagnostic::new(
                    Code::FieldReference,
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
                            Code::FieldReference,
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
