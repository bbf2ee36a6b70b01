//! The notifier Lambda's events: a batch of the table's stream, or the schedule's sweep.

use std::time::{Duration, Instant};

use serde::Deserialize;

use super::Outbox;
use super::outbox::{Ledger, Notifier, SCHEDULED_MIN_AGE, sweep};

/// The schedule's input: `{"sweep": {"min_age_seconds": 300}}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepEvent {
    pub sweep: SweepInput,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepInput {
    /// Applications younger than this are left to the stream.
    #[serde(default)]
    pub min_age_seconds: Option<u64>,
}

/// Why an event was not handled (the invocation fails: the schedule's retry, the alarm).
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("the event is neither a stream batch nor a sweep: {0}")]
    Unknown(String),
    #[error("the sweep could not read the pending applications: {0}")]
    Sweep(#[from] crate::store::StoreError),
}

/// Handles one event: the answer to give Lambda, and the metric lines to print.
pub async fn handle<O: Outbox, L: Ledger>(
    notifier: &Notifier<O, L>,
    payload: serde_json::Value,
    until: Option<Instant>,
) -> Result<(serde_json::Value, Vec<String>), EventError> {
    if payload.get("Records").is_some() {
        let event: aws_lambda_events::event::dynamodb::Event =
            serde_json::from_value(payload).map_err(|e| EventError::Unknown(e.to_string()))?;
        let (response, metrics) = super::stream::handle_event(notifier, event, until).await;
        let response =
            serde_json::to_value(response).map_err(|e| EventError::Unknown(e.to_string()))?;
        return Ok((response, metrics));
    }
    let event: SweepEvent =
        serde_json::from_value(payload).map_err(|e| EventError::Unknown(e.to_string()))?;
    let min_age = event
        .sweep
        .min_age_seconds
        .map_or(SCHEDULED_MIN_AGE, Duration::from_secs);
    let report = sweep(notifier, min_age, until).await?;
    let metrics = super::metrics::for_sweep(&report);
    let delivered = report
        .handled
        .iter()
        .filter(|(_, h)| matches!(h, super::outbox::Handled::Delivered(d) if d.complete()))
        .count();
    tracing::info!(
        taken_up = report.handled.len(),
        delivered,
        waiting = report.waiting,
        oldest_waiting_seconds = report.oldest_waiting.map_or(0, |d| d.as_secs()),
        "sweep"
    );
    let response = serde_json::json!({
        "taken_up": report.handled.len(),
        "delivered": delivered,
        "waiting": report.waiting,
        "oldest_waiting_seconds": report.oldest_waiting.map_or(0, |d| d.as_secs()),
    });
    Ok((response, metrics))
}
