//! The mails of each form composed for a made-up application, for `site-gen check`: an
//! editor's change to a form or a mail text that breaks a mail shows before it is
//! published, not when an application arrives. Also checks what the code promises: the
//! subjects hold the reference, and the receipt holds nothing the applicant typed.

use std::collections::BTreeMap;

use crate::application::NewApplication;
use crate::definition::{FieldKind, FormDef};
use crate::diagnostics::{Code, Diagnostic};
use crate::forms::Forms;
use crate::mail::{MailKind, mails_for};

/// A made-up application to `form`: every field answered, received inside its rounds.
pub fn application(form: &FormDef, forms: &Forms) -> NewApplication {
    let day = form
        .rounds
        .final_deadline
        .or(form.rounds.opens)
        .unwrap_or(jiff::civil::date(2019, 3, 1));
    let received_at = day
        .at(12, 0, 0, 0)
        .to_zoned(crate::rounds::copenhagen().clone())
        .map(|z| z.timestamp())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let round = form
        .rounds
        .rule()
        .round_for(received_at)
        .map(|r| r.id)
        .unwrap_or_default();
    let fields: BTreeMap<String, serde_json::Value> = form
        .fields
        .iter()
        .map(|f| {
            let value = match &f.kind {
                FieldKind::Text { .. } | FieldKind::Textarea { .. } => {
                    format!("Eksempelsvar til {}", f.id).into()
                }
                FieldKind::Email { .. } => "ansoeger@eksempel.dk".into(),
                FieldKind::Tel => "+4522334455".into(),
                FieldKind::Number { min, .. } => (*min).into(),
                FieldKind::Select { options } | FieldKind::Radio { options } => options
                    .first()
                    .map(|o| o.value.clone())
                    .unwrap_or_default()
                    .into(),
                FieldKind::Checkbox => true.into(),
                FieldKind::Cvr => "10103940".into(),
                FieldKind::Postcode => "8000".into(),
                FieldKind::Kommune => forms
                    .kommuner
                    .kommuner
                    .first()
                    .map(|k| k.code.clone())
                    .unwrap_or_default()
                    .into(),
            };
            (f.id.clone(), value)
        })
        .collect();
    NewApplication {
        reference: "ABC-DEF-GHJ".into(),
        form_id: form.id.clone(),
        form_version: form.version,
        round,
        received_at,
        fields,
        privacy_notice_version: form.privacy_notice_version.clone(),
        idempotency_key: "content:sample".into(),
        content_hash: String::new(),
        expires_at: received_at,
    }
}

/// Composes every form's mails for its made-up application; what does not hold is an
/// error at the mail text (or at the form's `notifications`).
pub fn check(forms: &Forms) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    for form in forms.forms.iter().filter(|f| f.notifications.any()) {
        let app = application(form, forms);
        let mails = match mails_for(forms, &app, "https://eksempel.dk") {
            Ok(m) => m,
            Err(e) => {
                errors.push(Diagnostic::new(
                    Code::MailText,
                    &form.source.path,
                    form.notifications.line,
                    e.to_string(),
                ));
                continue;
            }
        };
        let texts = forms.mail_texts(&form.id);
        for mail in &mails {
            let path = texts
                .get(mail.kind)
                .map_or(form.source.path.clone(), |t| t.path.clone());
            if !mail.subject.contains(&app.reference) || mail.subject.contains('\n') {
                errors.push(Diagnostic::new(
                    Code::SubjectReference,
                    &path,
                    2,
                    "the subject does not hold the reference on one line",
                ));
            }
            if mail.kind == MailKind::Receipt {
                // What an applicant types (not the options they pick, which the editors'
                // words may well name).
                let typed = form
                    .fields
                    .iter()
                    .filter(|f| {
                        f.kind.options().is_empty()
                            && !matches!(f.kind, FieldKind::Checkbox | FieldKind::Kommune)
                    })
                    .filter_map(|f| app.fields.get(&f.id)?.as_str());
                for value in typed {
                    if mail.text.contains(value) || mail.html.contains(value) {
                        errors.push(Diagnostic::new(
                            Code::PersonalData,
                            &path,
                            1,
                            format!("the receipt holds something the applicant typed (`{value}`)"),
                        ));
                    }
                }
            }
        }
        let wanted = (!form.notifications.caseworkers.is_empty()) as usize
            + form.notifications.receipt_field.is_some() as usize;
        if mails.len() != wanted {
            errors.push(Diagnostic::new(
                Code::MailText,
                &form.source.path,
                form.notifications.line,
                format!(
                    "{wanted} mails are asked for, {} were made for a sample application",
                    mails.len()
                ),
            ));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site_forms() -> Forms {
        crate::forms::site_forms()
    }

    #[test]
    fn the_site_forms_mails_compose_for_a_sample() {
        let forms = site_forms();
        assert_eq!(check(&forms), Vec::<Diagnostic>::new());
        for form in &forms.forms {
            let app = application(form, &forms);
            let mails = mails_for(&forms, &app, "https://eksempel.dk").unwrap();
            assert_eq!(mails.len(), 2, "{}", form.id);
            if std::env::var_os("SHOW_MAILS").is_some() {
                for m in &mails {
                    println!(
                        "=== {} {}\n{}\n{}\n{}",
                        form.id,
                        m.kind.as_str(),
                        m.subject,
                        m.text,
                        m.html
                    );
                }
            }
        }
    }
}
