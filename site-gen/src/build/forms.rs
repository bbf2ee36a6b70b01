//! The checks between the site and its forms: every `[formular: ID]` names a form, every
//! form's privacy notice is a page stating the version the form records, and every form's
//! mails can be composed.

use form_model::forms::Forms;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::links::{self, Targets};
use crate::site::Site;

/// Every `[formular: ID]` names a form, and every form's privacy notice is a page.
pub(super) fn check_forms(site: &Site, targets: &Targets, forms: &Forms) -> Diagnostics {
    let mut out = Diagnostics::new();
    for e in &site.entries {
        for (id, line) in &e.page.body.forms {
            // A form with errors of its own has them reported at its files: not missing.
            if forms.get(id).is_none() && !forms.failed.contains(id) {
                let ids: Vec<&str> = forms
                    .forms
                    .iter()
                    .map(|f| f.id.as_str())
                    .chain(forms.failed.iter().map(String::as_str))
                    .collect();
                let hint = match crate::diagnostics::suggest(id, ids.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if ids.is_empty() => format!(
                        "this site has no forms yet: add content/forms/{id}.yaml (see docs/forms.md)"
                    ),
                    None => format!("the forms are: {} (in content/forms/)", ids.join(", ")),
                };
                out.push(
                    Diagnostic::new(
                        Code::UnknownForm,
                        &e.page.source,
                        *line,
                        format!("there is no form `{id}`"),
                    )
                    .hint(hint),
                );
            }
        }
    }
    for form in &forms.forms {
        let source = &form.source;
        if let Err(b) = links::check(site, targets, "/", &form.privacy_notice) {
            out.push(Diagnostic::new(
                Code::PrivacyNotice,
                &source.path,
                source.privacy_notice_line,
                format!("privacy_notice: {}", b.message),
            ));
            continue;
        }
        // Each application records the version of the notice the applicant saw: the form
        // must name the version the notice page states.
        let Some(page) = links::page(site, "/", &form.privacy_notice) else {
            // A file rather than a page (a PDF): it cannot state a version.
            continue;
        };
        let Some(version) = notice_version(&page.meta().extra) else {
            out.push(
                Diagnostic::new(
                    Code::PrivacyNotice,
                    &source.path,
                    source.privacy_notice_version_line,
                    format!(
                        "the privacy notice {} states no version to compare privacy_notice_version with",
                        page.page.source.display()
                    ),
                )
                .hint(format!(
                    "add to its front matter: extra: {{ privacy_notice_version: \"{}\" }}",
                    form.privacy_notice_version
                )),
            );
            continue;
        };
        if version != form.privacy_notice_version {
            out.push(
                Diagnostic::new(
                    Code::PrivacyNotice,
                    &source.path,
                    source.privacy_notice_version_line,
                    format!(
                        "privacy_notice_version is \"{}\", but {} says its version is \"{version}\"",
                        form.privacy_notice_version,
                        page.page.source.display()
                    ),
                )
                .hint(format!(
                    "each application records the notice's version: when the notice changes, set privacy_notice_version: \"{version}\" here"
                )),
            );
        }
    }
    // The mails, composed for a made-up application to each form.
    out.extend(form_model::mail::sample::check(forms));
    out
}

/// `extra.privacy_notice_version` of a privacy notice page, when it states one.
fn notice_version(extra: &crate::yaml::Node) -> Option<String> {
    let map: std::collections::BTreeMap<String, serde_json::Value> = extra.to().ok()?;
    match map.get("privacy_notice_version")? {
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}
