//! The notifier's metrics, as CloudWatch's embedded metric format: JSON lines that, printed
//! on standard output, Lambda's log turns into metrics (no permission needed). The alarms
//! in infra/template.yaml watch them (a test compares the names).

use super::outbox::SweepReport;
use super::{Delivery, Outcome};

/// The namespace of the notifier's metrics.
pub const METRIC_NAMESPACE: &str = "DagtilbudVejledning/Mail";
/// Mails refused for good (a rejected address), by kind of mail.
pub const REJECTED_METRIC: &str = "MailRejected";
/// Sends whose outcome is unknown (each may be a duplicate), by kind of mail.
pub const UNKNOWN_METRIC: &str = "MailUnknownOutcome";
/// Applications at least the sweep's minimum age whose mails are still not all done.
pub const WAITING_METRIC: &str = "ApplicationsWaiting";
/// How long the oldest of them has waited since it was stored, in seconds.
pub const OLDEST_WAITING_METRIC: &str = "OldestWaitingSeconds";

fn line(name: &str, unit: &str, value: u64, kind: Option<&str>) -> String {
    let dimensions: Vec<Vec<&str>> = match kind {
        Some(_) => vec![vec!["kind"]],
        None => vec![vec![]],
    };
    let mut json = serde_json::json!({
        "_aws": {
            "Timestamp": jiff::Timestamp::now().as_millisecond(),
            "CloudWatchMetrics": [{
                "Namespace": METRIC_NAMESPACE,
                "Dimensions": dimensions,
                "Metrics": [{"Name": name, "Unit": unit}],
            }],
        },
        name: value,
    });
    if let Some(kind) = kind {
        json["kind"] = kind.into();
    }
    json.to_string()
}

/// One line per mail refused for good or sent with an unknown outcome.
/// An earlier sender's unsettled mails count as unknown outcomes too.
pub fn for_deliveries<'a>(deliveries: impl IntoIterator<Item = &'a Delivery>) -> Vec<String> {
    deliveries
        .into_iter()
        .flat_map(|d| {
            let inherited = d.inherited.iter().map(|kind| (*kind, true));
            let outcomes = d
                .outcomes
                .iter()
                .filter_map(|(kind, outcome)| match outcome {
                    Outcome::Rejected(_) => Some((*kind, false)),
                    Outcome::Unknown(_) => Some((*kind, true)),
                    _ => None,
                });
            inherited.chain(outcomes)
        })
        .map(|(kind, unknown)| {
            let name = if unknown {
                UNKNOWN_METRIC
            } else {
                REJECTED_METRIC
            };
            line(name, "Count", 1, Some(kind.as_str()))
        })
        .collect()
}

/// The sweep's deliveries, and what still waits (both always, zero included, so that the
/// alarm sees a value at every sweep).
pub fn for_sweep(report: &SweepReport) -> Vec<String> {
    let mut out = for_deliveries(report.handled.iter().filter_map(|(_, h)| match h {
        super::outbox::Handled::Delivered(d) => Some(d),
        _ => None,
    }));
    out.push(line(WAITING_METRIC, "Count", report.waiting as u64, None));
    out.push(line(
        OLDEST_WAITING_METRIC,
        "Seconds",
        report.oldest_waiting.map_or(0, |d| d.as_secs()),
        None,
    ));
    out
}
