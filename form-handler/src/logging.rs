//! The handler's logs: JSON lines through `tracing`, one per request (request id, form,
//! status, outcome, reference, latency) and one per store failure (operation and error
//! code). Nothing an applicant wrote is ever logged: our own events carry no field values,
//! and the libraries that could log a whole request (the Lambda runtime logs the raw event
//! at `trace`, the AWS SDK's signer the request body at `trace` when asked to) are held at
//! `info` whatever `RUST_LOG` says.

use tracing::Level;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Our own crate's target: only its events may be more detailed than `info`.
const OWN_TARGET: &str = "form_handler";

/// Why the log could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// `RUST_LOG` is not a filter.
    #[error("{} `{spec}` is not a log filter: {reason}", crate::env::RUST_LOG)]
    Filter {
        spec: String,
        reason: tracing_subscriber::filter::ParseError,
    },
    /// Another logger was set up first.
    #[error("setting up the log: {0}")]
    Install(#[from] tracing::subscriber::SetGlobalDefaultError),
}

/// The filter for `spec` (the value of `RUST_LOG`; `info` when unset). An invalid `spec` is
/// an error for the operator.
pub fn filter(spec: Option<&str>) -> Result<EnvFilter, LogError> {
    let spec = spec
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("info");
    EnvFilter::builder()
        .parse(spec)
        .map_err(|reason| LogError::Filter {
            spec: spec.to_string(),
            reason,
        })
}

/// The subscriber: JSON lines to `writer`, filtered by `filter`, and nothing more detailed
/// than `info` from any library, whatever `filter` allows.
pub fn subscriber<W>(filter: EnvFilter, writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let libraries_at_info = tracing_subscriber::filter::filter_fn(|meta| {
        *meta.level() <= Level::INFO || meta.target().starts_with(OWN_TARGET)
    });
    let json = tracing_subscriber::fmt::layer()
        .json()
        .with_current_span(false)
        .with_target(false)
        .with_writer(writer)
        .with_filter(filter)
        .with_filter(libraries_at_info);
    tracing_subscriber::registry().with(json)
}

/// Logs to standard error from here on (the Lambda runtime sends it to CloudWatch), with
/// the filter from `RUST_LOG`.
pub fn init() -> Result<(), LogError> {
    let spec = std::env::var(crate::env::RUST_LOG).ok();
    let filter = filter(spec.as_deref())?;
    tracing::subscriber::set_global_default(subscriber(filter, std::io::stderr))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_that_is_not_one_names_the_variable_and_what_was_given() {
        let e = filter(Some("form_handler=loud")).unwrap_err();
        assert!(matches!(e, LogError::Filter { ref spec, .. } if spec == "form_handler=loud"));
        let text = e.to_string();
        assert!(
            text.starts_with("RUST_LOG `form_handler=loud` is not a log filter: "),
            "{text}"
        );
        assert!(filter(None).is_ok() && filter(Some("  ")).is_ok());
    }

    #[test]
    fn an_environment_error_says_which_variable_and_what_it_must_hold() {
        use crate::env::EnvError;
        let missing = EnvError::Missing {
            name: crate::env::MAIL_FROM,
            what: ": the sender's address, navn@eksempel.dk",
        };
        assert_eq!(
            missing.to_string(),
            "MAIL_FROM is not set: the sender's address, navn@eksempel.dk"
        );
        let invalid = EnvError::Invalid {
            name: crate::env::SITE_URL,
            value: "ftp://x".into(),
            problem: "must start with https://".into(),
        };
        assert_eq!(
            invalid.to_string(),
            "SITE_URL `ftp://x` must start with https://"
        );
    }
}
