//! The HTTP contract of the form handler, one axum router for AWS Lambda and the local
//! server: `POST /api/applications/{form}` and the receipt page
//! `GET /api/applications/{form}/kvittering/{reference}`. Every answer is Danish, as HTML
//! or JSON as the client asks, and no 2xx is ever given for an application not stored.

mod answers;
mod guard;
mod limiter;
mod outcome;
mod receipt;
mod rejection;
mod submit;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::{get, post};
use jiff::Timestamp;

use crate::forms::Forms;
use crate::store::{STORE_DEADLINE, Store};
use answers::{method_not_allowed_get, method_not_allowed_post};
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
        .route(
            SUBMIT_ROUTE,
            post(submit::submit).fallback(method_not_allowed_post),
        )
        .route(
            RECEIPT_ROUTE,
            get(receipt::receipt).fallback(method_not_allowed_get),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::through_cloudfront,
        ))
        .with_state(state)
}

/// A client-given token that may be stored and logged: 1 to `max` letters, digits, `-`
/// and `_` (nothing a person would type about themselves).
pub(super) fn safe_token(text: &str, max: usize) -> bool {
    !text.is_empty()
        && text.len() <= max
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The request's id for the log: the Lambda request id, an `x-request-id` header, or a
/// fresh random one.
pub(super) fn request_id(parts: &axum::http::request::Parts) -> String {
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

/// A header map from `(name, value)` pairs, for the tests of this module's parts.
#[cfg(test)]
pub(crate) fn test_headers(pairs: &[(&'static str, &'static str)]) -> axum::http::HeaderMap {
    let mut h = axum::http::HeaderMap::new();
    for (name, value) in pairs {
        h.insert(*name, HeaderValue::from_static(value));
    }
    h
}
