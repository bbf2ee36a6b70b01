//! What became of a request, as its log line names it: one enum, so that an outcome cannot
//! be logged under a misspelt name, and its JSON error code beside it.

/// The outcome of a post or a receipt request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// A new application, stored.
    Stored,
    /// A repeat of a stored application (same key, same content): its first receipt.
    Repeat,
    /// A bot filled the hidden field: answered as if stored, nothing stored.
    Honeypot,
    UnknownForm,
    CrossSite,
    TooLarge,
    UnsupportedMediaType,
    RateLimited,
    Closed,
    NotOpen,
    BodyIncomplete,
    BadRequest,
    Invalid,
    /// The store failed or did not answer within its deadline.
    StoreFailed,
    /// No randomness for a reference number.
    NoRandomness,
    /// An idempotency key used before for other content.
    KeyReused,
    UnknownReference,
    MethodNotAllowed,
}

impl Outcome {
    /// Every outcome, for tests.
    #[cfg(test)]
    const ALL: [Outcome; 18] = [
        Outcome::Stored,
        Outcome::Repeat,
        Outcome::Honeypot,
        Outcome::UnknownForm,
        Outcome::CrossSite,
        Outcome::TooLarge,
        Outcome::UnsupportedMediaType,
        Outcome::RateLimited,
        Outcome::Closed,
        Outcome::NotOpen,
        Outcome::BodyIncomplete,
        Outcome::BadRequest,
        Outcome::Invalid,
        Outcome::StoreFailed,
        Outcome::NoRandomness,
        Outcome::KeyReused,
        Outcome::UnknownReference,
        Outcome::MethodNotAllowed,
    ];

    /// The name in the log line (`outcome=…`).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Stored => "stored",
            Outcome::Repeat => "repeat",
            Outcome::Honeypot => "honeypot",
            Outcome::UnknownForm => "unknown_form",
            Outcome::CrossSite => "cross_site",
            Outcome::TooLarge => "too_large",
            Outcome::UnsupportedMediaType => "unsupported_media_type",
            Outcome::RateLimited => "rate_limited",
            Outcome::Closed => "closed",
            Outcome::NotOpen => "not_open",
            Outcome::BodyIncomplete => "body_incomplete",
            Outcome::BadRequest => "bad_request",
            Outcome::Invalid => "invalid",
            Outcome::StoreFailed => "store_failed",
            Outcome::NoRandomness => "no_randomness",
            Outcome::KeyReused => "key_reused",
            Outcome::UnknownReference => "unknown_reference",
            Outcome::MethodNotAllowed => "method_not_allowed",
        }
    }

    /// The JSON answer's `error` for a rejection (the browser script's contract): the
    /// outcome's name, except where two outcomes share one answer.
    pub fn code(self) -> &'static str {
        match self {
            Outcome::StoreFailed | Outcome::NoRandomness => "unavailable",
            Outcome::KeyReused => "idempotency_key_reused",
            other => other.as_str(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_outcome_has_its_own_snake_case_name() {
        let names: std::collections::BTreeSet<&str> =
            Outcome::ALL.iter().map(|o| o.as_str()).collect();
        assert_eq!(names.len(), Outcome::ALL.len());
        assert!(
            names
                .iter()
                .all(|n| n.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        );
    }
}
