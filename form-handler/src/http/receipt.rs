//! `GET /api/applications/{form}/kvittering/{reference}`: the receipt page an HTML post is
//! redirected to (or its JSON), in the same shape as the post: steps that reject.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::answers::{Format, format_of, receipt_json};
use super::rejection::{Negotiated, Rejection, html};
use super::submit::log_store_error;
use crate::reference::Reference;
use crate::store::Receipt;

/// A stored application's receipt, with its form's title for the page.
pub(super) struct Shown {
    form: crate::definition::FormDef,
    receipt: Receipt,
}

impl IntoResponse for Negotiated<Shown> {
    fn into_response(self) -> Response {
        let Negotiated(format, shown) = self;
        let mut response = match format {
            Format::Json => receipt_json(StatusCode::OK, &shown.receipt),
            Format::Html => html(
                StatusCode::OK,
                crate::pages::receipt_page(&shown.form, &shown.receipt),
            ),
        };
        if format == Format::Html {
            response.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
        }
        response
    }
}

pub(super) async fn receipt(
    State(state): State<Arc<AppState>>,
    Path((form_id, reference)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let format = format_of(&headers);
    match show(&state, &form_id, &reference).await {
        Ok(shown) => Negotiated(format, shown).into_response(),
        Err(rejection) => Negotiated(format, rejection).into_response(),
    }
}

async fn show(state: &AppState, form_id: &str, reference: &str) -> Result<Shown, Rejection> {
    let forms = state.forms();
    let form = forms.get(form_id).ok_or_else(Rejection::unknown_form)?;
    let reference = Reference::parse(reference).map_err(|_| Rejection::unknown_reference())?;
    match state
        .store
        .receipt(reference.as_str(), state.store_deadline)
        .await
    {
        Ok(Some((stored_form, receipt))) if stored_form == form.id => Ok(Shown {
            form: form.clone(),
            receipt,
        }),
        Ok(_) => Err(Rejection::unknown_reference()),
        Err(e) => {
            log_store_error(&form.id, &e);
            Err(Rejection::unavailable(super::outcome::Outcome::StoreFailed))
        }
    }
}
