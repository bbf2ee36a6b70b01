//! Every answer that is not a success, as one type: [`Rejection`] (status, the log's
//! [`Outcome`] and with it the JSON code, Danish message, optional `Retry-After`). It
//! becomes the HTML or JSON answer in one place, [`IntoResponse`] for [`Negotiated`],
//! never cached (it can hold what an applicant entered).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::answers::Format;
use super::outcome::Outcome;
use crate::forms::Forms;
use crate::pages;
use crate::render::Availability;
use crate::submission::{BodyError, FieldError};

/// An answer in the format the client asked for.
pub(super) struct Negotiated<T>(pub Format, pub T);

/// Why a request was not served as asked.
#[derive(Debug)]
pub(super) struct Rejection {
    status: StatusCode,
    /// The log's outcome; its code is the JSON answer's `error`.
    outcome: Outcome,
    message: Cow<'static, str>,
    retry_after: Option<u64>,
    /// `Allow`, for 405.
    allow: Option<&'static str>,
    /// The form again with its errors, in place of the message (422).
    invalid: Option<Box<Invalid>>,
}

/// A post with field errors: the form again, as the applicant filled it in, with its errors.
#[derive(Debug)]
struct Invalid {
    forms: Arc<Forms>,
    form_id: String,
    entered: BTreeMap<String, String>,
    errors: Vec<FieldError>,
    availability: Availability,
}

impl Rejection {
    fn new(status: StatusCode, outcome: Outcome, message: impl Into<Cow<'static, str>>) -> Self {
        Rejection {
            status,
            outcome,
            message: message.into(),
            retry_after: None,
            allow: None,
            invalid: None,
        }
    }

    /// The log's outcome.
    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds.max(1));
        self
    }

    pub fn unknown_form() -> Self {
        Rejection::new(
            StatusCode::NOT_FOUND,
            Outcome::UnknownForm,
            "Ansøgningsskemaet findes ikke.",
        )
    }

    /// 400, not 403: CloudFront answers every 403 with the site's 404 page (the bucket's
    /// answer for a missing page), and this message is for the applicant.
    pub fn cross_site() -> Self {
        Rejection::new(
            StatusCode::BAD_REQUEST,
            Outcome::CrossSite,
            "Ansøgningen skal sendes fra ansøgningsskemaet på vores hjemmeside.",
        )
    }

    pub fn too_large() -> Self {
        Rejection::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            Outcome::TooLarge,
            "Ansøgningen er for stor. Forkort teksterne og prøv igen.",
        )
    }

    pub fn unsupported_media_type() -> Self {
        Rejection::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Outcome::UnsupportedMediaType,
            "Ansøgningen skal sendes fra ansøgningsskemaet (som formulardata eller JSON).",
        )
    }

    pub fn rate_limited(wait: u64) -> Self {
        Rejection::new(
            StatusCode::TOO_MANY_REQUESTS,
            Outcome::RateLimited,
            "Der er sendt mange ansøgninger på kort tid. Vent lidt, og prøv igen.",
        )
        .retry_after(wait)
    }

    pub fn closed(final_deadline: jiff::civil::Date) -> Self {
        Rejection::new(
            StatusCode::GONE,
            Outcome::Closed,
            format!(
                "Der kan ikke længere søges. Den sidste ansøgningsfrist var {}.",
                crate::dates::weekday_long_da(final_deadline)
            ),
        )
    }

    pub fn not_open(opens: jiff::civil::Date) -> Self {
        Rejection::new(
            StatusCode::GONE,
            Outcome::NotOpen,
            format!(
                "Der kan først søges fra {}.",
                crate::dates::weekday_long_da(opens)
            ),
        )
    }

    pub fn body_incomplete() -> Self {
        Rejection::new(
            StatusCode::BAD_REQUEST,
            Outcome::BodyIncomplete,
            "Ansøgningen blev ikke modtaget helt. Prøv at sende den igen.",
        )
    }

    pub fn bad_request(e: &BodyError) -> Self {
        let message = match e {
            BodyError::UnknownField(_) | BodyError::Repeated(_) => {
                "Ansøgningen indeholder felter, som skemaet ikke kender. Hent siden igen, og send ansøgningen derfra."
            }
            _ => "Ansøgningen kunne ikke læses. Hent siden igen, og send ansøgningen derfra.",
        };
        Rejection::new(StatusCode::BAD_REQUEST, Outcome::BadRequest, message)
    }

    /// 422: the form again with the applicant's entries and `errors`.
    pub fn invalid(
        forms: Arc<Forms>,
        form_id: &str,
        entered: BTreeMap<String, String>,
        errors: Vec<FieldError>,
        availability: Availability,
    ) -> Self {
        let mut r = Rejection::new(StatusCode::UNPROCESSABLE_ENTITY, Outcome::Invalid, "");
        r.invalid = Some(Box::new(Invalid {
            forms,
            form_id: form_id.to_string(),
            entered,
            errors,
            availability,
        }));
        r
    }

    /// 503: the store failed or did not answer in time (`outcome` says which step). Not "it
    /// was not stored": the store may have saved it and failed to say so in time. A retry of
    /// the same content gets the first receipt, never a second copy.
    pub fn unavailable(outcome: Outcome) -> Self {
        Rejection::new(
            StatusCode::SERVICE_UNAVAILABLE,
            outcome,
            "Vi kunne ikke bekræfte, at ansøgningen er modtaget, fordi vi har tekniske problemer. Send den igen om lidt uden at ændre den: Så kan den ikke blive modtaget to gange. Dine oplysninger står stadig i skemaet.",
        )
        .retry_after(5)
    }

    /// The post's `Idempotency-Key` was used for an application with other content: nothing
    /// is stored, and the applicant sends again from a freshly loaded form.
    pub fn key_reused() -> Self {
        Rejection::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            Outcome::KeyReused,
            "Ansøgningen blev ikke gemt, fordi den ligner en ansøgning, vi allerede har modtaget, men med ændret indhold. Hent siden igen, og send ansøgningen derfra.",
        )
    }

    pub fn unknown_reference() -> Self {
        Rejection::new(
            StatusCode::NOT_FOUND,
            Outcome::UnknownReference,
            "Vi kan ikke finde en ansøgning med det referencenummer.",
        )
    }

    /// 405 with `Allow`.
    pub fn method_not_allowed(allow: &'static str, message: &'static str) -> Self {
        let mut r = Rejection::new(
            StatusCode::METHOD_NOT_ALLOWED,
            Outcome::MethodNotAllowed,
            message,
        );
        r.allow = Some(allow);
        r
    }
}

impl IntoResponse for Negotiated<Rejection> {
    fn into_response(self) -> Response {
        let Negotiated(format, r) = self;
        let mut response = match (format, r.invalid) {
            (Format::Json, Some(invalid)) => {
                json(r.status, &serde_json::json!({ "errors": invalid.errors }))
            }
            (Format::Html, Some(invalid)) => html(r.status, invalid.page()),
            (Format::Json, None) => json(
                r.status,
                &serde_json::json!({ "error": r.outcome.code(), "message": r.message }),
            ),
            (Format::Html, None) => {
                html(r.status, pages::message_page(r.status.as_u16(), &r.message))
            }
        };
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(seconds) = r.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let Some(allow) = r.allow {
            headers.insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        response
    }
}

impl Invalid {
    /// The form page with the applicant's entries and errors.
    fn page(&self) -> String {
        match self.forms.get(&self.form_id) {
            Some(form) => pages::form_page(
                form,
                &self.forms.kommuner,
                self.availability,
                &self.entered,
                &self.errors,
            ),
            None => pages::message_page(422, "Ansøgningsskemaet findes ikke."),
        }
    }
}

pub(super) fn json(status: StatusCode, body: &serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

pub(super) fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}
