//! The handler's answers: Danish, as HTML or JSON as the client asks, and never cached
//! when they carry anything of an application.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::pages;
use crate::store::Receipt;

/// The answer's format: JSON when the body is JSON or the client asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    Html,
    Json,
}

pub(super) fn format_of(headers: &HeaderMap) -> Format {
    let has = |name: header::HeaderName, needle: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains(needle))
    };
    if has(header::CONTENT_TYPE, "application/json") || has(header::ACCEPT, "application/json") {
        Format::Json
    } else {
        Format::Html
    }
}

/// An answer that is not a success: status, a machine code and a Danish message.
pub(super) fn problem(format: Format, status: StatusCode, code: &str, message: &str) -> Response {
    let mut response = match format {
        Format::Json => {
            let body = serde_json::json!({ "error": code, "message": message });
            (
                status,
                [(header::CONTENT_TYPE, "application/json")],
                body.to_string(),
            )
                .into_response()
        }
        Format::Html => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            pages::message_page(status.as_u16(), message),
        )
            .into_response(),
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub(super) fn with_retry_after(mut r: Response, seconds: u64) -> Response {
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    r
}

pub(super) async fn method_not_allowed_post(headers: HeaderMap) -> Response {
    let mut r = problem(
        format_of(&headers),
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Her er ikke noget at se. Ansøgningsskemaet finder du på siden om forløbet, du vil søge.",
    );
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    r
}

pub(super) async fn method_not_allowed_get(headers: HeaderMap) -> Response {
    let mut r = problem(
        format_of(&headers),
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Kvitteringen kan kun vises, ikke ændres.",
    );
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    r
}

pub(super) fn unavailable(format: Format) -> Response {
    let r = problem(
        format,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        // Not "it was not stored": the store may have saved it and failed to say so in
        // time. A retry of the same content gets the first receipt, never a second copy.
        "Vi kunne ikke bekræfte, at ansøgningen er modtaget, fordi vi har tekniske problemer. Send den igen om lidt uden at ændre den: Så kan den ikke blive modtaget to gange. Dine oplysninger står stadig i skemaet.",
    );
    with_retry_after(r, 5)
}

pub(super) fn success(format: Format, form_id: &str, receipt: &Receipt) -> Response {
    match format {
        Format::Json => receipt_json(StatusCode::CREATED, receipt),
        Format::Html => {
            let location = format!(
                "/api/applications/{form_id}/kvittering/{}",
                receipt.reference
            );
            let mut r = StatusCode::SEE_OTHER.into_response();
            if let Ok(v) = HeaderValue::from_str(&location) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
    }
}

/// `{"reference", "received_at", "round"}`: the answer to a stored post and to a receipt
/// asked for as JSON.
pub(super) fn receipt_json(status: StatusCode, receipt: &Receipt) -> Response {
    let body = serde_json::json!({
        "reference": receipt.reference,
        "received_at": receipt.received_at.to_string(),
        "round": receipt.round,
    });
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// The answer to a post whose `Idempotency-Key` was used for an application with other
/// content: nothing is stored, and the applicant sends again from a freshly loaded form.
pub(super) fn key_reused(format: Format) -> Response {
    problem(
        format,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
        "Ansøgningen blev ikke gemt, fordi den ligner en ansøgning, vi allerede har modtaget, men med ændret indhold. Hent siden igen, og send ansøgningen derfra.",
    )
}
