//! The HTTP contract of the form handler, one axum router for AWS Lambda and the local
//! server: `POST /api/applications/{form}` and the receipt page
//! `GET /api/applications/{form}/kvittering/{reference}`. Every answer is Danish, as HTML
//! or JSON as the client asks, and no 2xx is ever given for an application not stored.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
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
use crate::store::{NewApplication, Store, Stored};
use crate::submission::{BodyError, RawForm, Submission};

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

/// A per-client limit on posts: `per_minute` with bursts of as many.
pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// `Ok` to go ahead, or `Err(seconds to wait)`.
    fn check(&self, client: &str) -> Result<(), u64> {
        let capacity = f64::from(self.per_minute.max(1));
        let per_second = capacity / 60.0;
        let now = Instant::now();
        let mut buckets = self.buckets.lock().map_err(|_| 1u64)?;
        if buckets.len() > 10_000 {
            buckets.retain(|_, (_, t)| now.duration_since(*t) < Duration::from_secs(120));
        }
        let (tokens, last) = buckets.entry(client.to_string()).or_insert((capacity, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * per_second).min(capacity);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / per_second).ceil() as u64)
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
            site_origin,
            origin_secret: None,
        }
    }

    /// Refuses requests that do not carry `secret` in [`ORIGIN_SECRET_HEADER`].
    pub fn with_origin_secret(mut self, secret: Option<String>) -> AppState {
        self.origin_secret = secret.filter(|s| !s.is_empty());
        self
    }

    pub fn forms(&self) -> Arc<Forms> {
        self.forms.read().map(|f| f.clone()).unwrap_or_default()
    }

    /// Uses `forms` from the next request on.
    pub fn set_forms(&self, forms: Arc<Forms>) {
        if let Ok(mut f) = self.forms.write() {
            *f = forms;
        }
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
            through_cloudfront,
        ))
        .with_state(state)
}

/// With an origin secret set, only requests that came through CloudFront reach the
/// handlers (the viewer address and host headers are then CloudFront's, not a client's).
async fn through_cloudfront(
    State(state): State<Arc<AppState>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if let Some(secret) = &state.origin_secret {
        let given = request
            .headers()
            .get(ORIGIN_SECRET_HEADER)
            .map(HeaderValue::as_bytes);
        if !given.is_some_and(|g| same_bytes(g, secret.as_bytes())) {
            let mut r = Response::new(Body::from("Forbidden\n"));
            *r.status_mut() = StatusCode::FORBIDDEN;
            return r;
        }
    }
    next.run(request).await
}

/// Equality that takes as long for every difference (for comparing secrets).
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The answer's format: JSON when the body is JSON or the client asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Html,
    Json,
}

fn format_of(headers: &HeaderMap) -> Format {
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
fn problem(format: Format, status: StatusCode, code: &str, message: &str) -> Response {
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

fn with_retry_after(mut r: Response, seconds: u64) -> Response {
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    r
}

async fn method_not_allowed_post(headers: HeaderMap) -> Response {
    let mut r = problem(
        format_of(&headers),
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Ansøgninger sendes med POST fra ansøgningsskemaet.",
    );
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    r
}

async fn method_not_allowed_get(headers: HeaderMap) -> Response {
    let mut r = problem(
        format_of(&headers),
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Kvitteringen kan kun vises.",
    );
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    r
}

/// The client for rate limiting: [`VIEWER_ADDRESS_HEADER`], else the first
/// `X-Forwarded-For` address, else one shared bucket.
fn client_key(headers: &HeaderMap) -> String {
    let first = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    first(VIEWER_ADDRESS_HEADER)
        .or_else(|| first("x-forwarded-for"))
        .unwrap_or("local")
        .to_string()
}

/// Refuses posts from other sites: `Sec-Fetch-Site` must be same-origin (or absent), and
/// `Origin`, when sent, must be the site.
fn same_origin(headers: &HeaderMap, site_origin: Option<&str>) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    if origin == "null" {
        return false;
    }
    match site_origin {
        Some(allowed) => origin.trim_end_matches('/') == allowed.trim_end_matches('/'),
        None => {
            let host = headers
                .get(VIEWER_HOST_HEADER)
                .or_else(|| headers.get("x-forwarded-host"))
                .or_else(|| headers.get(header::HOST))
                .and_then(|v| v.to_str().ok());
            let origin_host = origin.split_once("://").map(|(_, h)| h);
            host.is_some() && origin_host == host
        }
    }
}

/// The idempotency key: the client's `Idempotency-Key`, else a hash of the form id and
/// the normalised fields (so a double click or a reload of the post is one application).
fn idempotency_key(headers: &HeaderMap, form_id: &str, submission: &Submission) -> String {
    if let Some(key) = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        && !key.is_empty()
        && key.len() <= 128
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return format!("client:{key}");
    }
    let mut hash = Sha256::new();
    hash.update(form_id.as_bytes());
    hash.update(b"\0");
    hash.update(serde_json::to_vec(&submission.values).unwrap_or_default());
    let digest = hash.finalize();
    format!(
        "content:{}",
        digest
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
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
        .filter(|v| v.len() <= 100)
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
        form = %form_id,
        method = %parts.method,
        status = response.status().as_u16(),
        outcome,
        reference = reference.as_deref().unwrap_or(""),
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        "application"
    );
    response
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
    if !same_origin(headers, state.site_origin.as_deref()) {
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
    if let Err(wait) = state.limiter.check(&client_key(headers)) {
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
    let bytes: Bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return (too_large(), "too_large", None),
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
                        [(header::CONTENT_TYPE, "application/json")],
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
                    (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
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
        idempotency_key: idempotency_key(headers, form_id, &submission),
        expires_at: now + jiff::SignedDuration::from_hours(24 * i64::from(form.retention_days)),
    };
    match state.store.put(&app).await {
        Ok(stored) => {
            let outcome = if matches!(stored, Stored::New(_)) {
                "stored"
            } else {
                "repeat"
            };
            let receipt = stored.receipt();
            (
                success(format, form_id, receipt),
                outcome,
                Some(receipt.reference.clone()),
            )
        }
        Err(e) => {
            tracing::error!(form = %form_id, error = %e, "store failed");
            (unavailable(format), "store_failed", None)
        }
    }
}

fn unavailable(format: Format) -> Response {
    let r = problem(
        format,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "Ansøgningen blev ikke gemt, fordi vi har tekniske problemer. Prøv igen om lidt. Dine oplysninger er ikke gået tabt: de står stadig i skemaet.",
    );
    with_retry_after(r, 5)
}

fn success(format: Format, form_id: &str, receipt: &crate::store::Receipt) -> Response {
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
fn receipt_json(status: StatusCode, receipt: &crate::store::Receipt) -> Response {
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
    match state.store.receipt(reference.as_str()).await {
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
            tracing::error!(form = %form_id, error = %e, "store failed");
            unavailable(format)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.insert(*name, HeaderValue::from_static(value));
        }
        h
    }

    #[test]
    fn the_viewer_address_from_cloudfront_beats_a_forged_forwarded_for() {
        let h = headers(&[
            (VIEWER_ADDRESS_HEADER, "198.51.100.7"),
            ("x-forwarded-for", "10.9.9.9, 198.51.100.7, 130.176.0.1"),
        ]);
        assert_eq!(client_key(&h), "198.51.100.7");
        let h = headers(&[("x-forwarded-for", " 203.0.113.5 , 130.176.0.1")]);
        assert_eq!(client_key(&h), "203.0.113.5");
        assert_eq!(client_key(&headers(&[])), "local");
    }

    #[test]
    fn behind_cloudfront_the_origin_is_compared_with_the_viewer_host() {
        // The Host is the API's own; the CloudFront function passes the site's host.
        let behind = |origin: &'static str| {
            headers(&[
                ("host", "abc123.execute-api.eu-north-1.amazonaws.com"),
                (VIEWER_HOST_HEADER, "d111.cloudfront.net"),
                ("origin", origin),
                ("sec-fetch-site", "same-origin"),
            ])
        };
        assert!(same_origin(&behind("https://d111.cloudfront.net"), None));
        assert!(!same_origin(&behind("https://evil.example"), None));
        assert!(!same_origin(
            &behind("https://abc123.execute-api.eu-north-1.amazonaws.com"),
            None
        ));
        // SITE_ORIGIN, when set, decides.
        assert!(same_origin(
            &behind("https://vejledning.example.dk"),
            Some("https://vejledning.example.dk/")
        ));
        let cross = headers(&[("sec-fetch-site", "cross-site")]);
        assert!(!same_origin(&cross, None));
    }
}
