//! The HTTP contract of the form handler, one axum router for AWS Lambda and the local
//! server: `POST /api/applications/{form}` and the receipt page
//! `GET /api/applications/{form}/kvittering/{reference}`. Every answer is Danish, as HTML
//! or JSON as the client asks, and no 2xx is ever given for an application not stored.

mod answers;
mod guard;
mod limiter;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::forms::Forms;
use crate::pages;
use crate::reference::Reference;
use crate::rounds::Closed;
use crate::store::{NewApplication, STORE_DEADLINE, Store, StoreError, Stored};
use crate::submission::{BodyError, RawForm, Submission};
use answers::{
    Format, format_of, method_not_allowed_get, method_not_allowed_post, problem, receipt_json,
    success, unavailable, with_retry_after,
};
pub use limiter::RateLimiter;

/// Bodies above this are refused before they are read.
pub const MAX_BODY: usize = 64 * 1024;

/// What time it is for the handler: the real time, or (local previews and tests only) a
/// fixed day with the real time of day.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    Real,
    OnDay(jiff::civil::Date),
}

impl Clock {
    /// Now, to the millisecond (HTML `<time>` and most tools take at most three decimals).
    pub fn now(self) -> Timestamp {
        let now = Timestamp::now();
        let now = now.round(jiff::Unit::Millisecond).unwrap_or(now);
        match self {
            Clock::Real => now,
            Clock::OnDay(date) => {
                let tz = crate::rounds::copenhagen();
                let time = now.to_zoned(tz.clone()).time();
                date.to_datetime(time)
                    .to_zoned(tz.clone())
                    .map(|z| z.timestamp())
                    .unwrap_or(now)
            }
        }
    }
}

/// Everything a request needs; built once at start.
pub struct AppState {
    /// The forms; replaceable, so that a preview follows edits to the definitions.
    forms: std::sync::RwLock<Arc<Forms>>,
    pub store: Store,
    pub clock: Clock,
    pub limiter: RateLimiter,
    /// The longest a request waits for the store ([`STORE_DEADLINE`]; shorter in tests).
    pub store_deadline: Duration,
    /// The site's origin (`https://example.dk`), when the API is reached under another host
    /// name (CloudFront in front of API Gateway). Without it, `Origin` must match `Host`.
    pub site_origin: Option<String>,
    /// When set, every request must carry it in [`ORIGIN_SECRET_HEADER`]: CloudFront adds
    /// it, so requests to the API's own address, around CloudFront, are refused.
    pub origin_secret: Option<String>,
}

impl AppState {
    pub fn new(
        forms: Forms,
        store: Store,
        clock: Clock,
        limiter: RateLimiter,
        site_origin: Option<String>,
    ) -> AppState {
        AppState {
            forms: std::sync::RwLock::new(Arc::new(forms)),
            store,
            clock,
            limiter,
            store_deadline: STORE_DEADLINE,
            site_origin,
            origin_secret: None,
        }
    }

    /// Waits at most `deadline` for the store.
    pub fn with_store_deadline(mut self, deadline: Duration) -> AppState {
        self.store_deadline = deadline;
        self
    }

    /// Refuses requests that do not carry `secret` in [`ORIGIN_SECRET_HEADER`].
    pub fn with_origin_secret(mut self, secret: Option<String>) -> AppState {
        self.origin_secret = secret.filter(|s| !s.is_empty());
        self
    }

    pub fn forms(&self) -> Arc<Forms> {
        // A panic while replacing them leaves the old or the new forms: both usable.
        self.forms
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Uses `forms` from the next request on.
    pub fn set_forms(&self, forms: Arc<Forms>) {
        *self
            .forms
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = forms;
    }
}

/// Where applications are posted (`{form}` is the form's id).
pub const SUBMIT_ROUTE: &str = "/api/applications/{form}";
/// The receipt page an HTML post is redirected to.
pub const RECEIPT_ROUTE: &str = "/api/applications/{form}/kvittering/{reference}";
/// Every route the handler serves (the infrastructure routes exactly these to it, every
/// method, so that the handler itself answers 405 with `Allow`).
pub const ROUTES: &[&str] = &[SUBMIT_ROUTE, RECEIPT_ROUTE];

/// Set by the stack's CloudFront function to the viewer's address (a client cannot forge
/// it through CloudFront); the rate limit's key.
pub const VIEWER_ADDRESS_HEADER: &str = "true-client-ip";
/// Added by CloudFront to each request it sends to the API (an origin custom header).
pub const ORIGIN_SECRET_HEADER: &str = "x-origin-secret";
/// Set by the stack's CloudFront function to the site's host name: behind CloudFront the
/// `Host` the handler sees is the API's own.
pub const VIEWER_HOST_HEADER: &str = "x-viewer-host";

/// The security headers of every answer, as CloudFront's response headers policy sends
/// them in production (infra/template.yaml; a test compares the two, HSTS aside, which
/// needs HTTPS). The local servers send them too, so that what breaks under them (an
/// inline script or style in a page) breaks in the preview first.
pub const SECURITY_HEADERS: &[(&str, &str)] = &[
    (
        "content-security-policy",
        "default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    (
        "permissions-policy",
        "camera=(), microphone=(), geolocation=()",
    ),
];

/// `router` with [`SECURITY_HEADERS`] on every answer (for the local servers).
pub fn with_security_headers(router: Router) -> Router {
    router.layer(axum::middleware::map_response(
        |mut response: Response| async move {
            for (name, value) in SECURITY_HEADERS {
                response.headers_mut().insert(
                    header::HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                );
            }
            response
        },
    ))
}

/// The routes of the handler.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route(SUBMIT_ROUTE, post(submit).fallback(method_not_allowed_post))
        .route(RECEIPT_ROUTE, get(receipt).fallback(method_not_allowed_get))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::through_cloudfront,
        ))
        .with_state(state)
}

/// A hash of the form id and the normalised fields: what makes two posts the same
/// application.
fn content_hash(form_id: &str, submission: &Submission) -> String {
    let mut hash = Sha256::new();
    hash.update(form_id.as_bytes());
    hash.update(b"\0");
    hash.update(serde_json::to_vec(&submission.values).unwrap_or_default());
    hash.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The idempotency key: the client's `Idempotency-Key`, else the content hash (so a
/// double click or a reload of the post is one application).
fn idempotency_key(headers: &HeaderMap, content_hash: &str) -> String {
    match headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
    {
        Some(key) if safe_token(key, 128) => format!("client:{key}"),
        _ => format!("content:{content_hash}"),
    }
}

/// A client-given token that may be stored and logged: 1 to `max` letters, digits, `-`
/// and `_` (nothing a person would type about themselves).
fn safe_token(text: &str, max: usize) -> bool {
    !text.is_empty()
        && text.len() <= max
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The request's id for the log: the Lambda request id, an `x-request-id` header, or a
/// fresh random one.
fn request_id(parts: &axum::http::request::Parts) -> String {
    #[cfg(feature = "aws")]
    {
        use lambda_http::RequestExt;
        if let Some(context) = parts.extensions.lambda_context_ref() {
            return context.request_id.clone();
        }
    }
    if let Some(id) = parts
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| safe_token(v, 100))
    {
        return id.to_string();
    }
    let mut bytes = [0u8; 8];
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn submit(
    State(state): State<Arc<AppState>>,
    Path(form_id): Path<String>,
    request: axum::extract::Request,
) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    let format = format_of(headers);
    let (response, outcome, reference) =
        handle_submit(&state, &form_id, headers, body, format).await;
    tracing::info!(
        request_id = %request_id(&parts),
        // A path segment the client chose: logged only when it named a known form.
        form = if outcome == "unknown_form" { "(unknown)" } else { form_id.as_str() },
        method = %parts.method,
        status = response.status().as_u16(),
        outcome,
        reference = reference.as_deref().unwrap_or(""),
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        "application"
    );
    response
}

/// Logs a store failure: the operation and error code only (see [`StoreError`]).
fn log_store_error(form_id: &str, error: &StoreError) {
    tracing::error!(form = %form_id, error_kind = error.kind(), error = %error, "store failed");
}

async fn handle_submit(
    state: &AppState,
    form_id: &str,
    headers: &HeaderMap,
    body: Body,
    format: Format,
) -> (Response, &'static str, Option<String>) {
    let forms = state.forms();
    let Some(form) = forms.get(form_id) else {
        return (
            problem(
                format,
                StatusCode::NOT_FOUND,
                "unknown_form",
                "Ansøgningsskemaet findes ikke.",
            ),
            "unknown_form",
            None,
        );
    };
    // 400, not 403: CloudFront answers every 403 with the site's 404 page (the bucket's
    // answer for a missing page), and this message is for the applicant. (The only 403 is
    // for requests around CloudFront, which no applicant makes.)
    if !guard::same_origin(headers, state.site_origin.as_deref()) {
        return (
            problem(
                format,
                StatusCode::BAD_REQUEST,
                "cross_site",
                "Ansøgningen skal sendes fra ansøgningsskemaet på vores hjemmeside.",
            ),
            "cross_site",
            None,
        );
    }
    let too_large = || {
        problem(
            format,
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "Ansøgningen er for stor. Forkort teksterne og prøv igen.",
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY) {
        return (too_large(), "too_large", None);
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    if media != "application/x-www-form-urlencoded" && media != "application/json" {
        return (
            problem(
                format,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Ansøgningen skal sendes fra ansøgningsskemaet (som formulardata eller JSON).",
            ),
            "unsupported_media_type",
            None,
        );
    }
    if let Err(wait) = state.limiter.check(&limiter::client_key(headers)) {
        let r = problem(
            format,
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Der er sendt mange ansøgninger på kort tid. Vent lidt, og prøv igen.",
        );
        return (with_retry_after(r, wait), "rate_limited", None);
    }
    let now = state.clock.now();
    let round = match form.rounds.rule().round_for(now) {
        Ok(round) => round,
        Err(Closed::Ended { final_deadline }) => {
            let message = format!(
                "Der kan ikke længere søges. Den sidste ansøgningsfrist var {}.",
                crate::dates::weekday_long_da(final_deadline)
            );
            return (
                problem(format, StatusCode::GONE, "closed", &message),
                "closed",
                None,
            );
        }
        Err(Closed::NotYetOpen { opens }) => {
            let message = format!(
                "Der kan først søges fra {}.",
                crate::dates::weekday_long_da(opens)
            );
            return (
                problem(format, StatusCode::GONE, "not_open", &message),
                "not_open",
                None,
            );
        }
    };
    let bytes: Bytes = match read_body(body).await {
        Ok(b) => b,
        Err(BodyRead::TooLarge) => return (too_large(), "too_large", None),
        Err(BodyRead::Broken) => {
            let r = problem(
                format,
                StatusCode::BAD_REQUEST,
                "body_incomplete",
                "Ansøgningen blev ikke modtaget helt. Prøv at sende den igen.",
            );
            return (r, "body_incomplete", None);
        }
    };
    let raw = if media == "application/json" {
        RawForm::from_json(&bytes)
    } else {
        RawForm::from_urlencoded(&bytes)
    };
    let bad_request = |e: &BodyError| {
        let message = match e {
            BodyError::UnknownField(_) | BodyError::Repeated(_) => {
                "Ansøgningen indeholder felter, som skemaet ikke kender. Hent siden igen, og send ansøgningen derfra."
            }
            _ => "Ansøgningen kunne ikke læses. Hent siden igen, og send ansøgningen derfra.",
        };
        problem(format, StatusCode::BAD_REQUEST, "bad_request", message)
    };
    let raw = match raw {
        Ok(raw) => raw,
        Err(e) => return (bad_request(&e), "bad_request", None),
    };
    let submission = match Submission::from_raw(form, &forms.kommuner, &raw) {
        Ok(s) => s,
        Err(Err(e)) => return (bad_request(&e), "bad_request", None),
        Err(Ok((entered, errors))) => {
            let response = match format {
                Format::Json => {
                    let body = serde_json::json!({ "errors": errors });
                    (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        [
                            (header::CONTENT_TYPE, "application/json"),
                            (header::CACHE_CONTROL, "no-store"),
                        ],
                        body.to_string(),
                    )
                        .into_response()
                }
                Format::Html => {
                    let availability = crate::render::Availability::Open {
                        next_deadline: round.deadline,
                        final_deadline: form.rounds.final_deadline,
                    };
                    let html =
                        pages::form_page(form, &forms.kommuner, availability, &entered, &errors);
                    // The page holds what the applicant entered: no cache may keep it.
                    (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        [
                            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                            (header::CACHE_CONTROL, "no-store"),
                        ],
                        html,
                    )
                        .into_response()
                }
            };
            return (response, "invalid", None);
        }
    };
    let reference = match Reference::try_generate() {
        Ok(r) => r.as_str().to_string(),
        Err(_) => return (unavailable(format), "no_randomness", None),
    };
    if submission.honeypot {
        // Answer as if stored, store nothing.
        let receipt = crate::store::Receipt {
            reference: reference.clone(),
            received_at: now,
            round: round.id.clone(),
        };
        return (success(format, form_id, &receipt), "honeypot", None);
    }
    let content_hash = content_hash(form_id, &submission);
    let app = NewApplication {
        reference,
        form_id: form.id.clone(),
        form_version: form.version,
        round: round.id.clone(),
        received_at: now,
        fields: submission
            .values
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or_default()))
            .collect(),
        privacy_notice_version: form.privacy_notice_version.clone(),
        idempotency_key: idempotency_key(headers, &content_hash),
        content_hash,
        expires_at: now + jiff::SignedDuration::from_hours(24 * i64::from(form.retention_days)),
    };
    match state.store.put(&app, state.store_deadline).await {
        Ok(Stored::New(receipt)) => (
            success(format, form_id, &receipt),
            "stored",
            Some(receipt.reference),
        ),
        Ok(Stored::Repeat(receipt)) => (
            success(format, form_id, &receipt),
            "repeat",
            Some(receipt.reference),
        ),
        Ok(Stored::KeyReused) => (answers::key_reused(format), "key_reused", None),
        Err(e) => {
            log_store_error(form_id, &e);
            (unavailable(format), "store_failed", None)
        }
    }
}

async fn receipt(
    State(state): State<Arc<AppState>>,
    Path((form_id, reference)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let format = format_of(&headers);
    let forms = state.forms();
    let Some(form) = forms.get(&form_id) else {
        return problem(
            format,
            StatusCode::NOT_FOUND,
            "unknown_form",
            "Ansøgningsskemaet findes ikke.",
        );
    };
    let not_found = || {
        problem(
            format,
            StatusCode::NOT_FOUND,
            "unknown_reference",
            "Vi kan ikke finde en ansøgning med det referencenummer.",
        )
    };
    let Ok(reference) = Reference::parse(&reference) else {
        return not_found();
    };
    match state
        .store
        .receipt(reference.as_str(), state.store_deadline)
        .await
    {
        Ok(Some((stored_form, receipt))) if stored_form == form.id => match format {
            Format::Json => receipt_json(StatusCode::OK, &receipt),
            Format::Html => {
                let mut r = (
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    pages::receipt_page(form, &receipt),
                )
                    .into_response();
                r.headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                r
            }
        },
        Ok(_) => not_found(),
        Err(e) => {
            log_store_error(&form.id, &e);
            unavailable(format)
        }
    }
}

/// Why a body could not be read.
enum BodyRead {
    TooLarge,
    /// The client stopped sending, or the connection broke.
    Broken,
}

/// The body, at most [`MAX_BODY`] bytes (a `Content-Length` above it is refused earlier).
async fn read_body(body: Body) -> Result<Bytes, BodyRead> {
    use http_body_util::BodyExt;
    match http_body_util::Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(BodyRead::TooLarge),
        Err(_) => Err(BodyRead::Broken),
    }
}

/// A header map from `(name, value)` pairs, for the tests of this module's parts.
#[cfg(test)]
pub(crate) fn test_headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (name, value) in pairs {
        h.insert(*name, HeaderValue::from_static(value));
    }
    h
}
