//! The handler's answers: Danish, as HTML or JSON as the client asks (its [`Format`]), and
//! never cached when they carry anything of an application. Rejections are
//! [`super::rejection`]'s.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::rejection::{Negotiated, Rejection};
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

pub(super) async fn method_not_allowed_post(headers: HeaderMap) -> Response {
    Negotiated(
        format_of(&headers),
        Rejection::method_not_allowed(
            "POST",
            "Her er ikke noget at se. Ansøgningsskemaet finder du på siden om forløbet, du vil søge.",
        ),
    )
    .into_response()
}

pub(super) async fn method_not_allowed_get(headers: HeaderMap) -> Response {
    Negotiated(
        format_of(&headers),
        Rejection::method_not_allowed("GET, HEAD", "Kvitteringen kan kun vises, ikke ændres."),
    )
    .into_response()
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
