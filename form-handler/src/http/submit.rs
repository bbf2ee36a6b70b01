//! `POST /api/applications/{form}`: the contract as a pipeline. Each step either passes
//! what the next needs or rejects the post ([`Rejection`]); [`handle_submit`] reads as the
//! contract, top to bottom. Nothing is stored before every check has passed, and no 2xx is
//! given for an application the store did not confirm.

use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use sha2::{Digest, Sha256};

use super::answers::{Format, format_of, receipt_json};
use super::outcome::Outcome;
use super::rejection::{Negotiated, Rejection};
use super::{AppState, MAX_BODY, guard, limiter, request_id, safe_token};
use crate::definition::FormDef;
use crate::forms::Forms;
use crate::reference::Reference;
use crate::rounds::{Closed, Round};
use crate::store::{NewApplication, Receipt, StoreError, Stored};
use crate::submission::{Checked, PostedFields, Submission};

/// A post taken: a new application, a repeat of one, or a bot's (answered as if stored).
pub(super) struct Accepted {
    outcome: Outcome,
    form_id: String,
    receipt: Receipt,
}

impl IntoResponse for Negotiated<Accepted> {
    fn into_response(self) -> Response {
        let Negotiated(format, accepted) = self;
        match format {
            Format::Json => receipt_json(StatusCode::CREATED, &accepted.receipt),
            Format::Html => {
                let location = format!(
                    "/api/applications/{}/kvittering/{}",
                    accepted.form_id, accepted.receipt.reference
                );
                let mut r = StatusCode::SEE_OTHER.into_response();
                if let Ok(v) = HeaderValue::from_str(&location) {
                    r.headers_mut().insert(header::LOCATION, v);
                }
                r
            }
        }
    }
}

pub(super) async fn submit(
    State(state): State<Arc<AppState>>,
    Path(form_id): Path<String>,
    request: axum::extract::Request,
) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let format = format_of(&parts.headers);
    let result = handle_submit(&state, &form_id, &parts.headers, body).await;
    let (outcome, reference) = match &result {
        // A bot's reference was never stored: not logged.
        Ok(a) if a.outcome == Outcome::Honeypot => (a.outcome, None),
        Ok(a) => (a.outcome, Some(a.receipt.reference.clone())),
        Err(r) => (r.outcome(), None),
    };
    let response = match result {
        Ok(accepted) => Negotiated(format, accepted).into_response(),
        Err(rejection) => Negotiated(format, rejection).into_response(),
    };
    tracing::info!(
        request_id = %request_id(&parts),
        // A path segment the client chose: logged only when it named a known form.
        form = if outcome == Outcome::UnknownForm { "(unknown)" } else { form_id.as_str() },
        method = %parts.method,
        status = response.status().as_u16(),
        outcome = outcome.as_str(),
        reference = reference.as_deref().unwrap_or(""),
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        "application"
    );
    response
}

/// The contract of a post, step by step.
async fn handle_submit(
    state: &AppState,
    form_id: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<Accepted, Rejection> {
    let forms = state.forms();
    let form = forms.get(form_id).ok_or_else(Rejection::unknown_form)?;
    same_origin(state, headers)?;
    within_size(headers)?;
    let media = media_type(headers)?;
    within_rate(state, headers)?;
    let now = state.clock.now();
    let round = open_round(form, now)?;
    let bytes = read_body(body).await?;
    let raw = parse_body(&media, &bytes)?;
    let submission = validate(&forms, form, &raw, &round)?;
    let reference = Reference::try_generate()
        .map_err(|_| Rejection::unavailable(Outcome::NoRandomness))?
        .as_str()
        .to_string();
    if submission.honeypot {
        // Answer as if stored, store nothing: bots must not learn the trick.
        return Ok(Accepted {
            outcome: Outcome::Honeypot,
            form_id: form.id.clone(),
            receipt: Receipt {
                reference,
                received_at: now,
                round: round.id,
            },
        });
    }
    let app = application(form, &submission, headers, reference, now, &round);
    store(state, &app).await
}

fn same_origin(state: &AppState, headers: &HeaderMap) -> Result<(), Rejection> {
    guard::same_origin(headers, state.site_origin.as_deref())
        .then_some(())
        .ok_or_else(Rejection::cross_site)
}

/// A `Content-Length` above [`MAX_BODY`] is refused before the body is read.
fn within_size(headers: &HeaderMap) -> Result<(), Rejection> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    match declared {
        Some(n) if n > MAX_BODY => Err(Rejection::too_large()),
        _ => Ok(()),
    }
}

/// Form data or JSON, by `Content-Type` (lower case, without parameters).
fn media_type(headers: &HeaderMap) -> Result<String, Rejection> {
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
    match media.as_str() {
        "application/x-www-form-urlencoded" | "application/json" => Ok(media),
        _ => Err(Rejection::unsupported_media_type()),
    }
}

fn within_rate(state: &AppState, headers: &HeaderMap) -> Result<(), Rejection> {
    state
        .limiter
        .check(&limiter::client_key(headers))
        .map_err(Rejection::rate_limited)
}

/// The round an application sent `now` belongs to.
fn open_round(form: &FormDef, now: Timestamp) -> Result<Round, Rejection> {
    form.rounds
        .rule()
        .round_for(now)
        .map_err(|closed| match closed {
            Closed::Ended { final_deadline } => Rejection::closed(final_deadline),
            Closed::NotYetOpen { opens } => Rejection::not_open(opens),
        })
}

/// The body, at most [`MAX_BODY`] bytes.
async fn read_body(body: Body) -> Result<Bytes, Rejection> {
    use http_body_util::BodyExt;
    match http_body_util::Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(Rejection::too_large()),
        // The client stopped sending, or the connection broke.
        Err(_) => Err(Rejection::body_incomplete()),
    }
}

fn parse_body(media: &str, bytes: &[u8]) -> Result<PostedFields, Rejection> {
    let raw = if media == "application/json" {
        PostedFields::from_json(bytes)
    } else {
        PostedFields::from_urlencoded(bytes)
    };
    raw.map_err(|e| Rejection::bad_request(&e))
}

/// The typed submission, or the form again with every field error.
fn validate(
    forms: &Arc<Forms>,
    form: &FormDef,
    raw: &PostedFields,
    round: &Round,
) -> Result<Submission, Rejection> {
    match Submission::from_raw(form, &forms.kommuner, raw) {
        Checked::Valid(s) => Ok(s),
        Checked::Malformed(e) => Err(Rejection::bad_request(&e)),
        Checked::Invalid { entered, errors } => Err(Rejection::invalid(
            forms.clone(),
            &form.id,
            entered,
            errors,
            crate::render::Availability::Open {
                next_deadline: round.deadline,
                final_deadline: form.rounds.final_deadline,
            },
        )),
    }
}

/// The application to store: the typed answers with the facts the handler adds.
fn application(
    form: &FormDef,
    submission: &Submission,
    headers: &HeaderMap,
    reference: String,
    now: Timestamp,
    round: &Round,
) -> NewApplication {
    let content_hash = content_hash(&form.id, submission);
    NewApplication {
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
    }
}

/// Stores `app`: a new application, or the first receipt for a repeat of the same content.
async fn store(state: &AppState, app: &NewApplication) -> Result<Accepted, Rejection> {
    let accepted = |outcome, receipt| Accepted {
        outcome,
        form_id: app.form_id.clone(),
        receipt,
    };
    match state.store.put(app, state.store_deadline).await {
        Ok(Stored::New(receipt)) => Ok(accepted(Outcome::Stored, receipt)),
        Ok(Stored::Repeat(receipt)) => Ok(accepted(Outcome::Repeat, receipt)),
        Ok(Stored::KeyReused) => Err(Rejection::key_reused()),
        Err(e) => {
            log_store_error(&app.form_id, &e);
            Err(Rejection::unavailable(Outcome::StoreFailed))
        }
    }
}

/// Logs a store failure: the operation and error code only (see [`StoreError`]).
pub(super) fn log_store_error(form_id: &str, error: &StoreError) {
    tracing::error!(form = %form_id, error_kind = error.kind(), error = %error, "store failed");
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
