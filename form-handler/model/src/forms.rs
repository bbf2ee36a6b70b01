//! All the site's forms: `content/forms/*.yaml`, `content/data/kommuner.yaml` and the words
//! of their mails, `content/mail/<form>/*.md`, loaded and checked together.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::definition::{self, FormDef};
use crate::diagnostics::{Code, Diagnostic, Diagnostics, display_path};
use crate::kommuner::Kommuner;
use crate::mail::{MailKind, MailText};

/// The site's forms and the data they use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Forms {
    pub forms: Vec<FormDef>,
    pub kommuner: Kommuner,
    /// The words of each form's mails, by form id.
    pub mail: BTreeMap<String, FormMailTexts>,
    /// The ids of the forms that have errors of their own (in their definition or a mail
    /// text), reported where they are: left out, yet not missing.
    pub failed: BTreeSet<String>,
}

/// The words of one form's mails: those its `notifications` ask for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormMailTexts {
    pub caseworkers: Option<MailText>,
    pub receipt: Option<MailText>,
}

impl FormMailTexts {
    pub fn get(&self, kind: MailKind) -> Option<&MailText> {
        match kind {
            MailKind::Caseworkers => self.caseworkers.as_ref(),
            MailKind::Receipt => self.receipt.as_ref(),
        }
    }
}

/// Source files: (path shown in errors, text).
pub type Sources = [(PathBuf, String)];

/// Why the forms could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    Invalid(Diagnostics),
    #[error("reading {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Forms {
    /// Reads the forms under `root/content` (paths in errors are relative to `root`), each
    /// on its own: the forms without errors, and the errors of the others (see
    /// [`Forms::failed`]). A site without `content/forms/` has no forms.
    pub fn load_each(root: &Path) -> Result<(Forms, Diagnostics), LoadError> {
        let dir = root.join("content/forms");
        let data = root.join("content/data/kommuner.yaml");
        let read = |p: &Path| {
            std::fs::read_to_string(p).map_err(|source| LoadError::Io {
                path: p.to_path_buf(),
                source,
            })
        };
        let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
            Ok(entries) => entries
                .map(|e| {
                    e.map(|e| e.path()).map_err(|source| LoadError::Io {
                        path: dir.clone(),
                        source,
                    })
                })
                .filter(|p| {
                    p.as_ref().map_or(true, |p| {
                        p.extension().is_some_and(|e| e == "yaml" || e == "yml")
                    })
                })
                .collect::<Result<_, _>>()?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => return Err(LoadError::Io { path: dir, source }),
        };
        files.sort();
        let mut sources = Vec::with_capacity(files.len());
        for f in &files {
            sources.push((display_path(root, f), read(f)?));
        }
        let kommuner = if data.exists() {
            Some((display_path(root, &data), read(&data)?))
        } else {
            None
        };
        let mut mail = Vec::new();
        for f in mail_files(&root.join("content/mail"))? {
            mail.push((display_path(root, &f), read(&f)?));
        }
        Ok(Forms::parse_each(
            &sources,
            kommuner.as_ref().map(|(p, t)| (p.as_path(), t.as_str())),
            &mail,
        ))
    }

    /// [`Forms::load_each`], with any error failing the whole.
    pub fn load(root: &Path) -> Result<Forms, LoadError> {
        let (forms, errors) = Forms::load_each(root)?;
        errors.into_result(forms).map_err(LoadError::Invalid)
    }

    /// Parses form definitions `(path, text)`, the kommune data and the mail texts
    /// (`content/mail/<form>/<file>.md`); any error fails the whole.
    pub fn parse(
        forms: &Sources,
        kommuner: Option<(&Path, &str)>,
        mail: &Sources,
    ) -> Result<Forms, Diagnostics> {
        let (out, errors) = Forms::parse_each(forms, kommuner, mail);
        errors.into_result(out)
    }

    /// [`Forms::parse`], each form on its own: a form with an error in its definition or a
    /// mail text is left out and named in [`Forms::failed`], the others are kept, so that
    /// one typo gives one error, not also "no such form" wherever the others are used.
    pub fn parse_each(
        forms: &Sources,
        kommuner: Option<(&Path, &str)>,
        mail: &Sources,
    ) -> (Forms, Diagnostics) {
        let mut errors = Diagnostics::new();
        let mut out = Forms::default();
        for (path, text) in forms {
            let id = path
                .file_stem()
                .map_or(String::new(), |s| s.to_string_lossy().into_owned());
            match definition::parse(path, &id, text) {
                Ok(f) => out.forms.push(f),
                Err(e) => {
                    errors.extend(e);
                    out.failed.insert(id);
                }
            }
        }
        let uses_kommuner = out
            .forms
            .iter()
            .flat_map(|f| &f.fields)
            .any(|f| matches!(f.kind, definition::FieldKind::Kommune));
        match kommuner {
            Some((path, text)) => match Kommuner::parse(path, text) {
                Ok(k) => out.kommuner = k,
                Err(e) => errors.extend(e),
            },
            None if uses_kommuner => errors.push(
                Diagnostic::new(
                    Code::MissingFile,
                    "content/data/kommuner.yaml",
                    0,
                    "a form has a kommune field, but the kommune list is missing",
                )
                .hint("restore content/data/kommuner.yaml"),
            ),
            None => {}
        }
        let (texts, failed_texts) = mail_texts(&out.forms, &out.failed, mail, &mut errors);
        out.mail = texts;
        out.forms.retain(|f| !failed_texts.contains(&f.id));
        out.failed.extend(failed_texts);
        (out, errors)
    }

    /// The words of the mails of the form `id` (none when it sends none).
    pub fn mail_texts(&self, id: &str) -> &FormMailTexts {
        static NONE: FormMailTexts = FormMailTexts {
            caseworkers: None,
            receipt: None,
        };
        self.mail.get(id).unwrap_or(&NONE)
    }

    /// The forms built into this binary (from `content/` when it was compiled).
    pub fn embedded() -> Result<Forms, Diagnostics> {
        mod embedded {
            include!(concat!(env!("OUT_DIR"), "/embedded_forms.rs"));
        }
        let sources: Vec<(PathBuf, String)> = embedded::FORMS
            .iter()
            .map(|(p, t)| (PathBuf::from(p), t.to_string()))
            .collect();
        let mail: Vec<(PathBuf, String)> = embedded::MAIL
            .iter()
            .map(|(p, t)| (PathBuf::from(p), t.to_string()))
            .collect();
        Forms::parse(
            &sources,
            embedded::KOMMUNER.map(|t| (Path::new("content/data/kommuner.yaml"), t)),
            &mail,
        )
    }

    /// (path below the site's root, text) of every file embedded in this binary: the form
    /// definitions, the kommune data and the mail texts. A publisher compares the editors'
    /// files with these: the Lambdas check applications with what they were built with.
    pub fn embedded_sources() -> Vec<(&'static str, &'static str)> {
        mod embedded {
            include!(concat!(env!("OUT_DIR"), "/embedded_forms.rs"));
        }
        let mut out: Vec<_> = embedded::FORMS.to_vec();
        out.extend(embedded::KOMMUNER.map(|t| ("content/data/kommuner.yaml", t)));
        out.extend_from_slice(embedded::MAIL);
        out
    }

    pub fn get(&self, id: &str) -> Option<&FormDef> {
        self.forms.iter().find(|f| f.id == id)
    }
}

/// The `.md` files in the folders of `dir` (`content/mail/<form>/<file>.md`), sorted.
fn mail_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| LoadError::Io { path, source }
    };
    let mut out = Vec::new();
    let forms = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(io(dir)(e)),
    };
    for form in forms {
        let form = form.map_err(io(dir))?.path();
        if !form.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&form).map_err(io(&form))? {
            let file = file.map_err(io(&form))?.path();
            if file.extension().is_some_and(|e| e == "md") {
                out.push(file);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The mail texts of each form, as its `notifications` ask for them: a missing text is an
/// error at the block, a text no form asks for is an error at the text.
/// Returns the texts and the ids of the forms with an error in one of theirs; the texts in
/// the folder of a form that `failed` are not checked (nor said to be unused).
fn mail_texts(
    forms: &[FormDef],
    failed: &BTreeSet<String>,
    sources: &Sources,
    errors: &mut Diagnostics,
) -> (BTreeMap<String, FormMailTexts>, BTreeSet<String>) {
    let mut out = BTreeMap::new();
    let mut failed_texts = BTreeSet::new();
    let folder_of = |p: &Path| {
        let p = p.to_string_lossy().replace('\\', "/");
        let rest = p.split("content/mail/").nth(1)?.to_string();
        Some(rest.split('/').next()?.to_string())
    };
    let mut used: Vec<bool> = sources
        .iter()
        .map(|(p, _)| folder_of(p).is_some_and(|f| failed.contains(&f)))
        .collect();
    for form in forms {
        let mut texts = FormMailTexts::default();
        let n = &form.notifications;
        let wanted = [
            (MailKind::Caseworkers, !n.caseworkers.is_empty()),
            (MailKind::Receipt, n.receipt_field.is_some()),
        ];
        for kind in wanted.into_iter().filter(|(_, w)| *w).map(|(k, _)| k) {
            let rel = format!("content/mail/{}/{}", form.id, kind.file_name());
            let found = sources
                .iter()
                .position(|(p, _)| p.to_string_lossy().replace('\\', "/").ends_with(&rel));
            let Some(i) = found else {
                errors.push(
                    Diagnostic::new(
                        Code::MissingFile,
                        &form.source.path,
                        n.line,
                        format!("the {} mail has no text: {rel} is missing", kind.as_str()),
                    )
                    .hint("write its subject, title and text there (see docs/editors-guide.md)"),
                );
                failed_texts.insert(form.id.clone());
                continue;
            };
            used[i] = true;
            let (path, text) = &sources[i];
            match MailText::parse(path, text) {
                Ok(t) if kind == MailKind::Caseworkers => texts.caseworkers = Some(t),
                Ok(t) => texts.receipt = Some(t),
                Err(e) => {
                    errors.extend(e);
                    failed_texts.insert(form.id.clone());
                }
            }
        }
        out.insert(form.id.clone(), texts);
    }
    for (path, _) in sources
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(s, _)| s)
    {
        errors.push(
            Diagnostic::new(Code::UnusedMail, path, 1, "no form sends this mail")
                .hint("a form's `notifications` block names who gets its mails: `caseworkers` (sagsbehandlere.md) and `receipt_to` (kvittering.md); check the folder's name against the form ids"),
        );
    }
    (out, failed_texts)
}

/// The site's forms as the editors wrote them (the repository's `content/forms/`), for tests.
#[cfg(test)]
pub(crate) fn site_forms() -> Forms {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    Forms::load(&root).unwrap_or_else(|e| panic!("{e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::{ErrorKind, Field, FieldKind, Requirement};
    use crate::submission::{Checked, PostedFields, Submission};

    #[test]
    fn the_embedded_forms_are_the_site_forms() {
        assert_eq!(Forms::embedded().unwrap(), site_forms());
    }

    #[test]
    fn the_site_has_both_forms_and_all_kommuner() {
        let forms = site_forms();
        let ids: Vec<&str> = forms.forms.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["etaarigt-forloeb", "minivejledning"]);
        assert_eq!(forms.kommuner.kommuner.len(), 98);
        assert_eq!(forms.kommuner.regions.len(), 5);
        let per_region = |code| {
            forms
                .kommuner
                .kommuner
                .iter()
                .filter(|k| k.region == code)
                .count()
        };
        assert_eq!(
            [1081, 1082, 1083, 1084, 1085].map(per_region),
            [11, 19, 22, 29, 17]
        );
        assert_eq!(forms.kommuner.by_code("101").unwrap().name, "København");
        assert_eq!(forms.kommuner.by_code("851").unwrap().name, "Aalborg");
        let mini = forms.get("minivejledning").unwrap();
        assert_eq!(
            mini.rounds.final_deadline.map(|d| d.to_string()),
            Some("2019-08-30".into())
        );
    }

    /// A value that passes `field`'s checks.
    fn valid(field: &Field, forms: &Forms) -> String {
        match &field.kind {
            FieldKind::Text { min_length, .. } | FieldKind::Textarea { min_length, .. } => "Tekst "
                .repeat(min_length.unwrap_or(1) / 6 + 1)
                .trim()
                .to_string(),
            FieldKind::Email { .. } => "anne@example.dk".into(),
            FieldKind::Tel => "22 33 44 55".into(),
            FieldKind::Number { min, .. } => (*min).max(1).to_string(),
            FieldKind::Select { options } | FieldKind::Radio { options } => {
                options[0].value.clone()
            }
            FieldKind::Checkbox => "on".into(),
            FieldKind::Cvr => "10103940".into(),
            FieldKind::Postcode => "8000".into(),
            FieldKind::Kommune => forms.kommuner.kommuners_first_code(),
        }
    }

    /// A value that gives `field` the error `kind`.
    fn invalid(field: &Field, kind: ErrorKind) -> String {
        match (kind, &field.kind) {
            (ErrorKind::Required, _) => String::new(),
            (ErrorKind::TooShort, _) => "a".into(),
            (ErrorKind::TooLong, k) => "a".repeat(k.max_chars().unwrap() + 1),
            (ErrorKind::Format, FieldKind::Email { .. }) => "anne.example.dk".into(),
            (ErrorKind::Characters, FieldKind::Email { .. }) => {
                "=?utf-8?q?Admin?=@example.dk".into()
            }
            (ErrorKind::Format, FieldKind::Tel) => "2233 44".into(),
            (ErrorKind::NotDanish, FieldKind::Tel) => "12 34 56 78".into(),
            (ErrorKind::Characters, FieldKind::Tel) => "22 33 44 5x".into(),
            (ErrorKind::Format, FieldKind::Number { .. }) => "tre".into(),
            (ErrorKind::Format, FieldKind::Cvr) => "1234".into(),
            (ErrorKind::Characters, FieldKind::Cvr) => "1010394O".into(),
            (ErrorKind::LeadingZero, FieldKind::Cvr) => "01010394".into(),
            (ErrorKind::Format, FieldKind::Postcode) => "80000".into(),
            (ErrorKind::Characters, FieldKind::Postcode) => "DK-8000".into(),
            (ErrorKind::Checksum, _) => "10103941".into(),
            (ErrorKind::TooSmall, FieldKind::Number { min, .. }) => (min - 1).to_string(),
            (ErrorKind::TooLarge, FieldKind::Number { max, .. }) => (max + 1).to_string(),
            (ErrorKind::Unknown, FieldKind::Postcode) => "0100".into(),
            (ErrorKind::Unknown, _) => "findes-ikke".into(),
            (k, f) => panic!("no invalid input for {k:?} on {f:?}"),
        }
    }

    /// A post of every field of `form` with a valid value.
    fn valid_post(form: &FormDef, forms: &Forms) -> Vec<(String, String)> {
        form.fields
            .iter()
            .map(|f| (f.id.clone(), valid(f, forms)))
            .collect()
    }

    /// `post` with `field` set to `value`.
    fn with_value(post: &[(String, String)], field: &str, value: &str) -> Vec<(String, String)> {
        let mut post = post.to_vec();
        post.iter_mut().find(|(k, _)| k == field).unwrap().1 = value.to_string();
        post
    }

    /// `base` made wrong in `field` only, with error `kind` (and the field made required,
    /// when it is required only for some answers).
    fn wrong_in(
        base: &[(String, String)],
        field: &Field,
        kind: ErrorKind,
    ) -> Vec<(String, String)> {
        let mut post = base.to_vec();
        if let Requirement::RequiredWhen {
            field: other,
            values,
        } = &field.requirement
        {
            post = with_value(&post, other, &values[0]);
        }
        with_value(&post, &field.id, &invalid(field, kind))
    }

    /// `text` must equal the file `rel` (under form-handler/model/); `UPDATE_MESSAGES=1` rewrites it.
    fn assert_pinned(rel: &str, text: &str) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
        if std::env::var_os("UPDATE_MESSAGES").is_some() {
            std::fs::write(&path, text).unwrap();
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            text == expected,
            "{rel} changed: review it and run with UPDATE_MESSAGES=1 to accept"
        );
    }

    /// Every message of every field, produced by the validator from a post that is valid
    /// except for that one field; and the whole table, kept in `tests/messages.txt`.
    #[test]
    fn every_message_of_every_field_is_what_the_validator_says() {
        let forms = site_forms();
        let mut table = String::new();
        for form in &forms.forms {
            let base = valid_post(form, &forms);
            let ok = Submission::from_raw(form, &forms.kommuner, &PostedFields(base.clone()));
            assert!(
                matches!(ok, Checked::Valid(_)),
                "{}: the valid post fails: {ok:?}",
                form.id
            );
            for field in &form.fields {
                for (&kind, message) in &field.messages {
                    assert!(
                        !message.to_lowercase().contains("påkrævet"),
                        "{}.{}: generic message",
                        form.id,
                        field.id
                    );
                    let post = wrong_in(&base, field, kind);
                    let errors =
                        match Submission::from_raw(form, &forms.kommuner, &PostedFields(post)) {
                            Checked::Invalid { errors, .. } => errors,
                            other => panic!(
                                "{}.{} {kind:?}: expected a field error, got {other:?}",
                                form.id, field.id
                            ),
                        };
                    assert_eq!(
                        errors.len(),
                        1,
                        "{}.{} {kind:?}: {errors:?}",
                        form.id,
                        field.id
                    );
                    assert_eq!(
                        (
                            errors[0].field.as_str(),
                            errors[0].code,
                            errors[0].message.as_str()
                        ),
                        (field.id.as_str(), kind, message.as_str())
                    );
                    table.push_str(&format!(
                        "{}\t{}\t{}\t{}\n",
                        form.id,
                        field.id,
                        kind.as_str(),
                        message
                    ));
                }
            }
        }
        assert_pinned("tests/messages.txt", &table);
    }

    /// Posts and the errors the validator gives for them, kept in
    /// `tests/validation-cases.json`: the browser script is tested against the same file, so
    /// the two validators agree on every case.
    #[test]
    fn validation_cases_are_what_the_validator_says() {
        let forms = site_forms();
        let mut cases = Vec::new();
        for form in &forms.forms {
            let base = valid_post(form, &forms);
            let mut posts: Vec<(String, Vec<(String, String)>)> =
                vec![("valid".into(), base.clone())];
            posts.push((
                "empty".into(),
                form.fields
                    .iter()
                    .map(|f| (f.id.clone(), String::new()))
                    .collect(),
            ));
            for field in &form.fields {
                for &kind in field.messages.keys() {
                    let post = wrong_in(&base, field, kind);
                    posts.push((format!("{} {}", field.id, kind.as_str()), post));
                }
                let odd: &[&str] = match field.kind {
                    FieldKind::Tel => &[
                        "+45 22 33 44 55",
                        "0045-22334455",
                        "12345678",
                        "02 33 44 55",
                        "+46 70 123 45 67",
                        "0046 22334455",
                        "0045 2233",
                        "22334455x",
                        "2233445",
                        " 22334455 ",
                    ],
                    FieldKind::Email { .. } => &[
                        "Anne@Kommune.DK",
                        "ø@æblehaven.dk",
                        "anne@æblehaven.dk",
                        "a@b",
                        "a b@c.dk",
                        "a..b@c.dk",
                        "=?utf-8?b?QWRtaW4=?=@c.dk",
                        "a%b@c.dk",
                        "anne@ｅｘａｍｐｌｅ.dk",
                        "anne@x².dk",
                        "anne@İstanbul.tr",
                        "anne@一二三四五六七八九十一二三四五六七八九十一.dk",
                        "anne@日本語の長いドメイン名はとても長くなりますので気をつけてくださいね本当に.jp",
                        "anne@x_y.dk",
                        "anne@-x.dk",
                        "anne@example.dk.",
                    ],
                    FieldKind::Cvr => &[
                        "1010 3940",
                        "DK10103940",
                        "dk 1010\u{a0}3940",
                        "01010394",
                        "DK-10103940",
                        "10103940a",
                        "10103941",
                        "12345674",
                        "12345675",
                    ],
                    FieldKind::Number { .. } => &[
                        "1.200",
                        "1 200",
                        "2.5",
                        "10.00",
                        "-1",
                        "12,5",
                        " 7 ",
                        "0",
                        "123456789012345678901234",
                    ],
                    FieldKind::Postcode => &["0800", "0799", "9999", "800", "1550a", "1 550"],
                    FieldKind::Text { .. } | FieldKind::Textarea { .. } => &["   ", "Cafe\u{301}"],
                    _ => &[],
                };
                // NFC decides the length: `max_length` decomposed é's fit only once composed;
                // CRLF counts as one character.
                let composed: Vec<String> = match &field.kind {
                    FieldKind::Text { max_length, .. } | FieldKind::Textarea { max_length, .. } => {
                        vec![
                            "e\u{301}".repeat(*max_length),
                            format!(
                                "{}\r\n{}",
                                "a".repeat(max_length / 2),
                                "b".repeat(max_length - max_length / 2 - 1)
                            ),
                        ]
                    }
                    _ => vec![],
                };
                let odd: Vec<String> = odd.iter().map(|s| s.to_string()).chain(composed).collect();
                for v in &odd {
                    let post = with_value(&base, &field.id, v);
                    let shown: String = if v.chars().count() > 40 {
                        format!(
                            "{}… ({} chars)",
                            v.chars().take(12).collect::<String>(),
                            v.chars().count()
                        )
                    } else {
                        v.clone()
                    };
                    posts.push((format!("{} = {shown:?}", field.id), post));
                }
            }
            for (name, post) in posts {
                let errors: Vec<serde_json::Value> = match Submission::from_raw(form, &forms.kommuner, &PostedFields(post.clone())) {
                    Checked::Valid(_) => vec![],
                    Checked::Invalid { errors, .. } => errors.iter().map(|e| serde_json::json!({"field": e.field, "code": e.code, "message": e.message})).collect(),
                    Checked::Malformed(e) => panic!("{name}: {e}"),
                };
                let post: serde_json::Map<String, serde_json::Value> =
                    post.into_iter().map(|(k, v)| (k, v.into())).collect();
                cases.push(serde_json::json!({"form": form.id, "name": name, "post": post, "errors": errors}));
            }
        }
        let text = serde_json::to_string_pretty(&cases).unwrap() + "\n";
        assert_pinned("tests/validation-cases.json", &text);
    }

    #[test]
    fn a_broken_form_file_is_reported_with_its_line() {
        let forms = vec![(PathBuf::from("content/forms/x.yaml"), "id: x\ntitle: X\nversion: 1\nprivacy_notice: /p/\nprivacy_notice_version: \"1\"\nretention_days: 1\nrounds: { rule: every-tuesday }\nfields: []\n".to_string())];
        let errs = Forms::parse(&forms, None, &[]).unwrap_err();
        let got: Vec<String> = errs
            .iter()
            .map(|d| format!("{}: {}", d.location(), d.message))
            .collect();
        assert_eq!(
            got,
            ["content/forms/x.yaml:7:17: unknown round rule `every-tuesday`"]
        );
    }

    #[test]
    fn a_mail_text_no_form_asks_for_is_an_error_at_the_text() {
        let form = "id: x\ntitle: X\nversion: 1\nprivacy_notice: /p/\nprivacy_notice_version: \"1\"\nretention_days: 1\nrounds: { rule: last-weekday-of-month }\nfields: []\n";
        let mail = "---\nsubject: \"S {reference}\"\ntitle: T\n---\nTekst.\n";
        let errs = Forms::parse(
            &[(PathBuf::from("content/forms/x.yaml"), form.to_string())],
            None,
            &[(
                PathBuf::from("content/mail/y/kvittering.md"),
                mail.to_string(),
            )],
        )
        .unwrap_err();
        let got: Vec<String> = errs
            .iter()
            .map(|d| format!("{}: {}", d.location(), d.message))
            .collect();
        assert_eq!(
            got,
            ["content/mail/y/kvittering.md:1: no form sends this mail"]
        );
    }
}
