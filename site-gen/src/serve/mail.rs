//! The preview's mails. Each application stored through the preview gets its mails written
//! as `.eml` files under `.site-gen/mail/` (nothing is sent anywhere), and `/_mail/` lists
//! every stored application's mails, each shown as it looks now: HTML at
//! `/_mail/<reference>/<kind>.html`, plain text at `/_mail/<reference>/<kind>.txt`, with the
//! mail texts as last saved (the page reloads when they are edited, like any page).

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use form_handler::http::AppState;
use form_model::application::NewApplication;
use form_model::mail::{Address, Mail, MailKind, mails_for};

use super::Preview;
use super::http::respond;
use crate::render::escape;

/// What the mail pages need: the preview (for the live-reload version), the form handler
/// (forms, texts and store) and the addresses mails are written with.
#[derive(Clone)]
pub struct MailPreview {
    pub preview: Arc<Preview>,
    pub api: Arc<AppState>,
    /// The preview's own address, for the links in the mails.
    pub site_url: String,
    /// Where the `.eml` files are written.
    pub dir: PathBuf,
}

/// The sender of the preview's mails: `MAIL_FROM` when set, else a stand-in.
pub fn sender() -> Address {
    std::env::var(form_handler::env::MAIL_FROM)
        .ok()
        .and_then(|a| Address::parse(&a).ok())
        .unwrap_or_else(|| {
            Address::parse("afsender@eksempel.invalid")
                .expect("a valid address")
                .named("Forhåndsvisning")
        })
}

/// `/_mail/` and the mails under it.
pub fn router(state: MailPreview) -> Router {
    Router::new()
        .route("/_mail/", get(index))
        .route("/_mail/{reference}/{file}", get(one))
        .with_state(state)
}

/// Every stored application, newest first, with its mails.
async fn applications(state: &MailPreview) -> Vec<(NewApplication, Vec<Mail>)> {
    let forms = state.api.forms();
    let mut out = Vec::new();
    for form in &forms.forms {
        if let Ok(apps) = state.api.store.list(&form.id, None).await {
            for app in apps {
                let mails = mails_for(&forms, &app, &state.site_url).unwrap_or_default();
                out.push((app, mails));
            }
        }
    }
    out.sort_by(|a, b| (b.0.received_at, &b.0.reference).cmp(&(a.0.received_at, &a.0.reference)));
    out
}

fn version(state: &MailPreview) -> u64 {
    state.preview.status().version
}

fn kind_da(kind: MailKind) -> &'static str {
    match kind {
        MailKind::Caseworkers => "Til sagsbehandlerne",
        MailKind::Receipt => "Kvittering til ansøgeren",
    }
}

async fn index(State(state): State<MailPreview>) -> Response {
    let forms = state.api.forms();
    let mut items = String::new();
    for (app, mails) in applications(&state).await {
        let title = forms
            .get(&app.form_id)
            .map_or(app.form_id.as_str(), |f| f.title.as_str());
        items.push_str(&format!(
            "<li>\n<h2>{reference}</h2>\n<p>{title}, modtaget {received}</p>\n<ul>\n",
            reference = escape(&app.reference),
            title = escape(title),
            received = escape(&form_model::dates::date_time_da(app.received_at)),
        ));
        if mails.is_empty() {
            items.push_str("<li>Ingen e-mails: skemaet sender ingen.</li>\n");
        }
        for mail in &mails {
            let base = format!("/_mail/{}/{}", app.reference, mail.kind.as_str());
            items.push_str(&format!(
                "<li>{kind}: <a href=\"{base}.html\">{subject}</a> (<a href=\"{base}.txt\">som tekst</a>)</li>\n",
                kind = kind_da(mail.kind),
                subject = escape(&mail.subject),
            ));
        }
        items.push_str("</ul>\n</li>\n");
    }
    let list = if items.is_empty() {
        "<p>Der er ingen ansøgninger endnu. Send et ansøgningsskema fra en side, så kommer dens e-mails her.</p>\n".to_string()
    } else {
        format!("<ol class=\"mail-list\">\n{items}</ol>\n")
    };
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"da\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>E-mails fra ansøgningsskemaerne (forhåndsvisning)</title>\n</head>\n<body>\n<main>\n<h1>E-mails fra ansøgningsskemaerne</h1>\n<p>Sådan ser e-mailene om de ansøgninger, der er sendt i forhåndsvisningen, ud med teksterne i <code>content/mail/</code>. Intet bliver sendt: e-mailene gemmes som filer i <code>{dir}</code>.</p>\n{list}</main>\n</body>\n</html>\n",
        dir = escape(&state.dir.display().to_string()),
    );
    respond(
        StatusCode::OK,
        "index.html",
        html.as_bytes(),
        version(&state),
    )
}

async fn one(
    State(state): State<MailPreview>,
    Path((reference, file)): Path<(String, String)>,
) -> Response {
    let (name, extension) = file.rsplit_once('.').unwrap_or((&file, ""));
    let kind = MailKind::from_name(name);
    let mail = applications(&state)
        .await
        .into_iter()
        .filter(|(app, _)| app.reference == reference)
        .flat_map(|(_, mails)| mails)
        .find(|m| Some(m.kind) == kind);
    match (mail, extension) {
        (Some(mail), "html") => respond(
            StatusCode::OK,
            "mail.html",
            mail.html.as_bytes(),
            version(&state),
        ),
        (Some(mail), "txt") => respond(
            StatusCode::OK,
            "mail.txt",
            mail.text.as_bytes(),
            version(&state),
        ),
        _ => respond(
            StatusCode::NOT_FOUND,
            "mail.txt",
            b"Den e-mail findes ikke.\n",
            version(&state),
        ),
    }
}
