//! The form handler beside the site: its store (DynamoDB when configured, else a local
//! file), its routes under `/api/` on the preview's origin, and the mails' pages.

use std::path::Path;
use std::sync::Arc;

use axum::Router;

use super::{Preview, mail, router};
use crate::build::{self, BuildError};
use crate::site::BuildOptions;

/// Where the preview keeps applications sent from the forms: DynamoDB when
/// `AWS_ENDPOINT_URL_DYNAMODB` and `APPLICATIONS_TABLE` are set (and site-gen is built with
/// the `dynamodb` feature; the table is created if missing), else the file
/// `ROOT/.site-gen/applications.jsonl`.
async fn api_store(root: &Path) -> Result<form_handler::store::Store, BuildError> {
    #[cfg(feature = "dynamodb")]
    if let (Ok(table), Some(_)) = (
        std::env::var(form_handler::env::APPLICATIONS_TABLE),
        std::env::var_os("AWS_ENDPOINT_URL_DYNAMODB"),
    ) {
        use form_handler::store::dynamo::{Client, DynamoStore, sdk_config};
        let store = DynamoStore::new(Client::new(&sdk_config().await), table);
        store
            .create_table_if_missing()
            .await
            .map_err(|source| BuildError::Store {
                context: "creating the preview's table of applications".into(),
                source,
            })?;
        return Ok(form_handler::store::Store::Dynamo(store));
    }
    let file = root.join(".site-gen/applications.jsonl");
    form_handler::store::local::LocalStore::open(&file)
        .map(form_handler::store::Store::Local)
        .map_err(build::io(format!("opening {}", file.display())))
}

/// The preview's routes: the site, the form handler under `/api/` on the same origin, and
/// the applications' mails under `/_mail/` (written as `.eml` files when the store is local).
/// `site_url` is the preview's own address, for the links in the mails.
pub async fn preview_with_api(
    root: &Path,
    options: &BuildOptions,
    fixed_date: Option<jiff::civil::Date>,
    site_url: &str,
) -> Result<(Arc<Preview>, Router), BuildError> {
    let preview = Preview::new(root, options.clone());
    let store = api_store(&preview.root).await?;
    eprintln!(
        "Applications sent from the forms are stored in {}",
        store.describe()
    );
    let clock = fixed_date.map_or(
        form_handler::http::Clock::Real,
        form_handler::http::Clock::OnDay,
    );
    let api = Arc::new(form_handler::http::AppState::new(
        (*preview.forms()).clone(),
        store,
        clock,
        form_handler::http::RateLimiter::new(120),
        None,
    ));
    preview.attach_api(api.clone());
    let mails = mail::MailPreview {
        preview: preview.clone(),
        api: api.clone(),
        site_url: site_url.to_string(),
        dir: preview.root.join(".site-gen/mail"),
    };
    if matches!(api.store, form_handler::store::Store::Local(_)) {
        eprintln!(
            "The mails of each application are written to {} and shown at {site_url}/_mail/ (nothing is sent)",
            mails.dir.display()
        );
        tokio::spawn(form_handler::notify::local::follow(
            api.clone(),
            form_handler::notify::local::MailDir::new(mails.dir.clone(), mail::sender()),
            site_url.to_string(),
        ));
    }
    let app = form_handler::http::with_security_headers(
        router(preview.clone())
            .merge(mail::router(mails))
            .merge(form_handler::http::router(api)),
    );
    Ok((preview, app))
}
