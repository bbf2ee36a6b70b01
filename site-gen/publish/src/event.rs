//! What the publisher Lambda is asked: by the nightly schedule (EventBridge Scheduler's
//! input, with the time the run was scheduled for) or by an editor's `infra/publish`.

use jiff::civil::Date;

/// The time zone the site's dates are in.
pub const TIME_ZONE: &str = "Europe/Copenhagen";

/// The publisher's input. Every field is optional: `{}` publishes today's site.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PublishEvent {
    /// The schedule's `<aws.scheduler.scheduled-time>`: the run builds the site for that
    /// day in Copenhagen, so a late or retried run still builds for its own day.
    pub scheduled_time: Option<jiff::Timestamp>,
    /// Who asked: `schedule` (the nightly run verifies the bucket by a listing) or
    /// `editor`.
    pub source: Option<String>,
    /// Report what would change without writing.
    pub dry_run: bool,
    /// A snapshot sent with the request (base64 of the archive), for a dry run: nothing is
    /// stored. Without it, the snapshot bucket's current one is published.
    pub snapshot: Option<String>,
}

impl PublishEvent {
    /// The day to build the site for: the scheduled time's, else `now`'s, in Copenhagen.
    pub fn date(&self, now: jiff::Timestamp) -> Date {
        let at = self.scheduled_time.unwrap_or(now);
        at.in_tz(TIME_ZONE)
            .map(|z| z.date())
            .unwrap_or_else(|_| at.to_zoned(jiff::tz::TimeZone::UTC).date())
    }

    /// Whether the run lists the bucket to catch changes made by hand: the nightly run does.
    pub fn verify(&self) -> bool {
        self.scheduled_time.is_some() || self.source.as_deref() == Some("schedule")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_run_builds_for_the_day_it_was_scheduled_in_copenhagen() {
        let event: PublishEvent = serde_json::from_str(
            r#"{"source":"schedule","scheduled_time":"2026-03-28T23:01:00Z"}"#,
        )
        .unwrap();
        // 00:01 in Copenhagen on 29 March (winter time, UTC+1), run two hours late.
        let late: jiff::Timestamp = "2026-03-29T01:01:00Z".parse().unwrap();
        assert_eq!(event.date(late).to_string(), "2026-03-29");
        assert!(event.verify());
        let summer: PublishEvent =
            serde_json::from_str(r#"{"scheduled_time":"2026-06-30T22:01:00Z"}"#).unwrap();
        assert_eq!(summer.date(late).to_string(), "2026-07-01");
    }

    #[test]
    fn an_editors_event_builds_for_today_and_an_unknown_field_is_refused() {
        let event: PublishEvent = serde_json::from_str(r#"{"dry_run":true}"#).unwrap();
        let now: jiff::Timestamp = "2026-12-07T23:30:00Z".parse().unwrap();
        assert_eq!(event.date(now).to_string(), "2026-12-08");
        assert!(!event.verify());
        assert!(serde_json::from_str::<PublishEvent>(r#"{"dryrun":true}"#).is_err());
    }
}
