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

/// The filter for `spec` (the value of `RUST_LOG`; `info` when unset). An invalid `spec` is
/// an error for the operator.
pub fn filter(spec: Option<&str>) -> Result<EnvFilter, String> {
    let spec = spec
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("info");
    EnvFilter::builder()
        .parse(spec)
        .map_err(|e| format!("{} `{spec}` is not a log filter: {e}", crate::env::RUST_LOG))
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
pub fn init() -> Result<(), String> {
    let spec = std::env::var(crate::env::RUST_LOG).ok();
    let filter = filter(spec.as_deref())?;
    tracing::subscriber::set_global_default(subscriber(filter, std::io::stderr))
        .map_err(|e| format!("setting up the log: {e}"))
}
