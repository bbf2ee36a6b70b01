//! Application rounds: a deadline on the last hverdag of each month, capped by a final deadline.
//!
//! A round is named by the month of its deadline ("2019-08") and closes at the end of its
//! deadline day in Europe/Copenhagen, that is at the next day's local midnight: an
//! application belongs to the first round that has not closed when it arrives.
//!
//! The deadline of a month is its last hverdag (see [`crate::holidays`]), except around the
//! final deadline: the month that contains the final deadline has the final deadline
//! itself as its deadline (its one round, even if the final deadline is not a hverdag, or
//! comes after the month's last hverdag), and the months after it have no round.
//!
//! All day arithmetic is on civil dates in Europe/Copenhagen and is turned into instants
//! only at the end, so a deadline day of 23 or 25 hours (daylight saving time) closes at
//! the real instant of local midnight.

use std::fmt::Display;
use std::sync::LazyLock;

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use serde::{Serialize, Serializer};

use crate::holidays::last_hverdag_in_month;

/// The time zone that deadlines are reckoned in.
pub const TIME_ZONE_NAME: &str = "Europe/Copenhagen";

static COPENHAGEN: LazyLock<TimeZone> = LazyLock::new(|| {
    TimeZone::get(TIME_ZONE_NAME).expect("the bundled time zone database has Europe/Copenhagen")
});

/// The Europe/Copenhagen time zone (from jiff's bundled database).
pub fn copenhagen() -> &'static TimeZone {
    &COPENHAGEN
}

/// The local date in Europe/Copenhagen at the instant `at`.
pub fn local_date(at: Timestamp) -> Date {
    COPENHAGEN.to_datetime(at).date()
}

/// The instant of local midnight at the start of `date` in Europe/Copenhagen.
///
/// Saturates at jiff's smallest or largest instant for dates at the very ends of its range.
pub fn start_of_day(date: Date) -> Timestamp {
    let midnight = date.to_datetime(Time::midnight());
    let fallback = if date.year() < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    };
    COPENHAGEN
        .to_ambiguous_timestamp(midnight)
        .compatible()
        .unwrap_or(fallback)
}

/// The instant that `date` ends in Europe/Copenhagen: the next day's local midnight.
pub fn end_of_day(date: Date) -> Timestamp {
    date.tomorrow().map_or(Timestamp::MAX, start_of_day)
}

/// When a form takes applications; the deadlines are always the last hverdag of each month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundRule {
    /// The first day (from 00:00 local time) that applications are accepted, if any.
    pub opens: Option<Date>,
    /// The last deadline; applications are accepted until the end of this day, if any.
    pub final_deadline: Option<Date>,
}

/// One application round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Round {
    /// "YYYY-MM" of the deadline's month.
    pub id: String,
    /// The deadline day.
    #[serde(serialize_with = "display")]
    pub deadline: Date,
    /// The end of the deadline day in Europe/Copenhagen; an application must arrive strictly
    /// before it.
    #[serde(serialize_with = "display")]
    pub closes_at: Timestamp,
}

/// Why an application cannot be taken at some instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Closed {
    /// The form does not take applications before `opens`.
    #[error("applications are accepted from {opens}")]
    NotYetOpen { opens: Date },
    /// The final deadline has passed.
    #[error("the final deadline {final_deadline} has passed")]
    Ended { final_deadline: Date },
}

/// Whether a form takes applications on a given day, for pages built for that day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RoundState {
    /// An application sent at any time that day is accepted; `next` is the round of one sent
    /// at the start of the day.
    Open { next: Round },
    /// Applications are accepted from `opens` on.
    NotYetOpen {
        #[serde(serialize_with = "display")]
        opens: Date,
    },
    /// The final deadline has passed.
    Ended {
        #[serde(serialize_with = "display")]
        final_deadline: Date,
    },
}

impl Round {
    /// The round whose deadline is `deadline`.
    pub fn with_deadline(deadline: Date) -> Self {
        Self {
            id: round_id(deadline),
            deadline,
            closes_at: end_of_day(deadline),
        }
    }

    /// Whether an application arriving at `at` is in time for this round.
    pub fn is_in_time(&self, at: Timestamp) -> bool {
        at < self.closes_at
    }
}

/// The id of the round with deadline `deadline`: "YYYY-MM" of its month.
pub fn round_id(deadline: Date) -> String {
    format!("{:04}-{:02}", deadline.year(), deadline.month())
}

impl RoundRule {
    /// The round that an application arriving at `at` belongs to: the first round that has
    /// not closed at `at`.
    pub fn round_for(&self, at: Timestamp) -> Result<Round, Closed> {
        self.round_for_date(local_date(at))
    }

    /// The round of an application arriving on `date` (local time, any time of that day):
    /// the round with the first deadline on or after `date`.
    pub fn round_for_date(&self, date: Date) -> Result<Round, Closed> {
        self.check_open_on(date)?;
        // Unreachable fallback: 9999-12-31 (jiff's last date) is a hverdag, so every date has
        // a deadline on or after it; a test checks this.
        let deadline = self.deadline_on_or_after(date).ok_or(Closed::Ended {
            final_deadline: date,
        })?;
        Ok(Round::with_deadline(deadline))
    }

    /// Whether the form takes applications on `date`, and if so in which round.
    pub fn state_on(&self, date: Date) -> RoundState {
        match self.round_for_date(date) {
            Ok(next) => RoundState::Open { next },
            Err(Closed::NotYetOpen { opens }) => RoundState::NotYetOpen { opens },
            Err(Closed::Ended { final_deadline }) => RoundState::Ended { final_deadline },
        }
    }

    /// The deadline of the month that `date` is in, or `None` if that month has no round
    /// because it is after the final deadline's month.
    pub fn deadline_in_month(&self, date: Date) -> Option<Date> {
        match self.final_deadline {
            Some(last) if same_month(last, date) => Some(last),
            Some(last) if date > last => None,
            _ => Some(last_hverdag_in_month(date)),
        }
    }

    /// The rounds in order, starting with the round of an application arriving on `date`
    /// (none if the form is closed on `date`) and ending with the final deadline's, if any.
    pub fn rounds_from(self, date: Date) -> impl Iterator<Item = Round> {
        let first = self.round_for_date(date).ok();
        std::iter::successors(first, move |round| {
            let next_day = round.deadline.tomorrow().ok()?;
            self.round_for_date(next_day).ok()
        })
    }

    /// `Err` if the form does not take applications on `date`.
    fn check_open_on(&self, date: Date) -> Result<(), Closed> {
        if let Some(final_deadline) = self.final_deadline
            && date > final_deadline
        {
            return Err(Closed::Ended { final_deadline });
        }
        if let Some(opens) = self.opens
            && date < opens
        {
            return Err(Closed::NotYetOpen { opens });
        }
        Ok(())
    }

    /// The first deadline on or after `date`, for a `date` not after the final deadline.
    fn deadline_on_or_after(&self, date: Date) -> Option<Date> {
        match self.deadline_in_month(date) {
            Some(deadline) if deadline >= date => Some(deadline),
            _ => {
                let next_month = date.last_of_month().tomorrow().ok()?;
                self.deadline_in_month(next_month)
            }
        }
    }
}

/// Whether `a` and `b` are in the same month of the same year.
fn same_month(a: Date, b: Date) -> bool {
    (a.year(), a.month()) == (b.year(), b.month())
}

/// Serializes a value as its `Display` text (jiff's serde support is not enabled).
fn display<T: Display, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::holidays::{is_hverdag, last_hverdag_of_month};
    use jiff::SignedDuration;
    use jiff::civil::{Weekday, date};
    use proptest::prelude::*;

    fn mini_course() -> RoundRule {
        RoundRule {
            opens: Some(date(2017, 3, 1)),
            final_deadline: Some(date(2019, 8, 30)),
        }
    }

    /// The instant of a local time in Europe/Copenhagen.
    fn local(year: i16, month: i8, day: i8, hour: i8, minute: i8, second: i8) -> Timestamp {
        date(year, month, day)
            .at(hour, minute, second, 0)
            .to_zoned(copenhagen().clone())
            .expect("valid local time")
            .timestamp()
    }

    fn utc(text: &str) -> Timestamp {
        text.parse().expect("valid timestamp")
    }

    fn id_of(result: Result<Round, Closed>) -> Option<String> {
        result.ok().map(|round| round.id)
    }

    #[test]
    fn last_second_of_the_final_deadline_is_in_time() {
        let round = mini_course().round_for(local(2019, 8, 30, 23, 59, 59));
        let expected = Round {
            id: "2019-08".into(),
            deadline: date(2019, 8, 30),
            closes_at: utc("2019-08-30T22:00:00Z"),
        };
        assert_eq!(round, Ok(expected));
    }

    #[test]
    fn midnight_after_the_final_deadline_has_ended() {
        let result = mini_course().round_for(local(2019, 8, 31, 0, 0, 0));
        let ended = Closed::Ended {
            final_deadline: date(2019, 8, 30),
        };
        assert_eq!(result, Err(ended));
    }

    #[test]
    fn before_opening_is_not_yet_open() {
        let result = mini_course().round_for(local(2017, 2, 28, 23, 59, 0));
        let not_yet = Closed::NotYetOpen {
            opens: date(2017, 3, 1),
        };
        assert_eq!(result, Err(not_yet));
        let first = mini_course().round_for(local(2017, 3, 1, 0, 0, 0));
        assert_eq!(id_of(first), Some("2017-03".into()));
    }

    #[test]
    fn saturday_after_the_last_hverdag_is_next_months_round() {
        let round = mini_course().round_for(local(2019, 3, 30, 12, 0, 0));
        assert_eq!(
            round.map(|r| (r.id, r.deadline)),
            Ok(("2019-04".into(), date(2019, 4, 30)))
        );
    }

    #[test]
    fn deadline_day_at_midnight_moves_to_the_next_round() {
        let rule = mini_course();
        assert_eq!(
            id_of(rule.round_for(local(2019, 3, 29, 23, 59, 59))),
            Some("2019-03".into())
        );
        assert_eq!(
            id_of(rule.round_for(local(2019, 3, 30, 0, 0, 0))),
            Some("2019-04".into())
        );
    }

    #[test]
    fn final_deadline_that_is_not_a_last_hverdag_is_its_own_round() {
        let early = RoundRule {
            opens: None,
            final_deadline: Some(date(2019, 8, 15)),
        };
        assert_eq!(
            early.round_for_date(date(2019, 7, 31)).map(|r| r.id),
            Ok("2019-07".into())
        );
        let round = early
            .round_for_date(date(2019, 8, 1))
            .map(|r| (r.id, r.deadline));
        assert_eq!(round, Ok(("2019-08".into(), date(2019, 8, 15))));
        // A Saturday after the month's last hverdag: the month's one round waits for it.
        let late = RoundRule {
            opens: None,
            final_deadline: Some(date(2019, 8, 31)),
        };
        let round = late.round_for_date(date(2019, 8, 30)).map(|r| r.deadline);
        assert_eq!(round, Ok(date(2019, 8, 31)));
    }

    #[test]
    fn closes_at_local_midnight_across_daylight_saving_time() {
        // Winter time (UTC+1) and summer time (UTC+2) deadlines.
        assert_eq!(end_of_day(date(2019, 3, 29)), utc("2019-03-29T23:00:00Z"));
        assert_eq!(end_of_day(date(2019, 8, 30)), utc("2019-08-30T22:00:00Z"));
        assert_eq!(end_of_day(date(2019, 10, 31)), utc("2019-10-31T23:00:00Z"));
        // Final deadlines on the 23- and 25-hour days.
        for (day, closes, hours) in [
            (date(2019, 3, 31), "2019-03-31T22:00:00Z", 23),
            (date(2019, 10, 27), "2019-10-27T23:00:00Z", 25),
        ] {
            let rule = RoundRule {
                opens: None,
                final_deadline: Some(day),
            };
            let round = rule.round_for(start_of_day(day)).expect("open");
            assert_eq!(round.closes_at, utc(closes));
            let length = round.closes_at.duration_since(start_of_day(day));
            assert_eq!(length, SignedDuration::from_hours(hours));
        }
    }

    #[test]
    fn state_on_a_day() {
        let rule = mini_course();
        assert_eq!(
            rule.state_on(date(2017, 2, 28)),
            RoundState::NotYetOpen {
                opens: date(2017, 3, 1)
            }
        );
        assert_eq!(
            rule.state_on(date(2019, 8, 31)),
            RoundState::Ended {
                final_deadline: date(2019, 8, 30)
            }
        );
        let open = rule.state_on(date(2019, 8, 30));
        assert_eq!(
            open,
            RoundState::Open {
                next: Round::with_deadline(date(2019, 8, 30))
            }
        );
    }

    #[test]
    fn serializes_as_text() {
        let state = mini_course().state_on(date(2019, 8, 30));
        let json = serde_json::to_string(&state).expect("serializes");
        let expected = r#"{"state":"open","next":{"id":"2019-08","deadline":"2019-08-30","closes_at":"2019-08-30T22:00:00Z"}}"#;
        assert_eq!(json, expected);
        let ended = mini_course().state_on(date(2020, 1, 1));
        let json = serde_json::to_string(&ended).expect("serializes");
        assert_eq!(json, r#"{"state":"ended","final_deadline":"2019-08-30"}"#);
    }

    #[test]
    fn rounds_of_the_mini_course() {
        let rounds: Vec<Round> = mini_course().rounds_from(date(2017, 3, 1)).collect();
        assert_eq!(rounds.len(), 30);
        assert_eq!(rounds[0].deadline, date(2017, 3, 31));
        assert_eq!(rounds[12].deadline, date(2018, 3, 28));
        assert_eq!(rounds.last().map(|r| r.deadline), Some(date(2019, 8, 30)));
        assert_eq!(mini_course().rounds_from(date(2019, 9, 1)).count(), 0);
    }

    #[test]
    fn the_ends_of_time_do_not_panic() {
        let rule = RoundRule::default();
        assert!(is_hverdag(Date::MAX));
        let last = rule.round_for(Timestamp::MAX).expect("a round");
        assert_eq!(last.deadline, Date::MAX);
        assert_eq!(last.closes_at, Timestamp::MAX);
        assert!(rule.round_for(Timestamp::MIN).is_ok());
        assert!(rule.round_for_date(Date::MIN).is_ok());
        assert_eq!(rule.rounds_from(date(9999, 11, 1)).count(), 2);
    }

    fn instants() -> impl Strategy<Value = Timestamp> {
        let from = utc("2017-01-01T00:00:00Z").as_second();
        let to = utc("2031-01-01T00:00:00Z").as_second();
        (from..to).prop_map(|second| Timestamp::from_second(second).expect("in range"))
    }

    fn dates() -> impl Strategy<Value = Date> {
        (2017i16..=2030, 1i16..=365).prop_map(|(year, day)| {
            date(year, 1, 1)
                .with()
                .day_of_year(day)
                .build()
                .expect("in range")
        })
    }

    fn rules() -> impl Strategy<Value = RoundRule> {
        (proptest::option::of(dates()), proptest::option::of(dates())).prop_map(|(a, b)| {
            let (opens, final_deadline) = match (a, b) {
                (Some(a), Some(b)) if b < a => (Some(b), Some(a)),
                other => other,
            };
            RoundRule {
                opens,
                final_deadline,
            }
        })
    }

    proptest! {
        #[test]
        fn round_closes_after_t_and_previous_round_before(t in instants()) {
            let round = RoundRule::default().round_for(t)?;
            prop_assert!(round.closes_at > t);
            prop_assert_eq!(round.deadline, last_hverdag_of_month(round.deadline.year(), round.deadline.month()));
            let before = round.deadline.first_of_month().yesterday()?;
            let previous = RoundRule::default().deadline_in_month(before);
            prop_assert!(previous.is_some_and(|previous| end_of_day(previous) <= t));
        }

        #[test]
        fn every_instant_between_opening_and_the_end_gets_a_round(rule in rules(), t in instants()) {
            let after_opening = rule.opens.is_none_or(|opens| t >= start_of_day(opens));
            let before_end = rule.final_deadline.is_none_or(|last| t < end_of_day(last));
            let result = rule.round_for(t);
            prop_assert_eq!(result.is_ok(), after_opening && before_end, "{:?}", result);
            if let Ok(round) = result {
                prop_assert!(round.is_in_time(t));
                prop_assert!(rule.final_deadline.is_none_or(|last| round.deadline <= last));
                let previous_day = round.deadline.first_of_month().yesterday()?;
                if let Some(previous) = rule.deadline_in_month(previous_day) {
                    prop_assert!(end_of_day(previous) <= t);
                }
            }
        }

        #[test]
        fn round_ids_are_year_and_month(rule in rules(), t in instants()) {
            if let Ok(round) = rule.round_for(t) {
                let id = round.id.as_bytes();
                prop_assert_eq!(id.len(), 7);
                prop_assert_eq!(id[4], b'-');
                prop_assert!(id.iter().enumerate().all(|(i, c)| i == 4 || c.is_ascii_digit()));
                let expected = (round.deadline.year(), round.deadline.month());
                prop_assert_eq!((round.id[..4].parse::<i16>()?, round.id[5..].parse::<i8>()?), expected);
            }
        }

        #[test]
        fn round_for_is_monotonic(rule in rules(), a in instants(), b in instants()) {
            let (early, late) = if a <= b { (a, b) } else { (b, a) };
            if let (Ok(first), Ok(second)) = (rule.round_for(early), rule.round_for(late)) {
                prop_assert!(first.deadline <= second.deadline);
                prop_assert!(first.closes_at <= second.closes_at);
            }
        }

        #[test]
        fn closes_at_is_local_midnight(year in 2017i16..=2030, month in prop::sample::select(vec![3i8, 10]), day in 1i8..=31) {
            // A final deadline on any day of the DST months, Sundays included.
            let deadline = date(year, month, day);
            let rule = RoundRule { opens: None, final_deadline: Some(deadline) };
            let round = rule.round_for_date(deadline)?;
            prop_assert_eq!(round.deadline, deadline);
            let local = round.closes_at.to_zoned(copenhagen().clone());
            prop_assert_eq!((local.hour(), local.minute(), local.second()), (0, 0, 0));
            prop_assert_eq!(local.date(), deadline.tomorrow()?);
            let hours = round.closes_at.duration_since(start_of_day(deadline)).as_hours();
            let last_sunday = deadline.nth_weekday_of_month(-1, Weekday::Sunday)?;
            let expected = match (deadline == last_sunday, month) {
                (true, 3) => 23,
                (true, _) => 25,
                (false, _) => 24,
            };
            prop_assert_eq!(hours, expected);
        }

        #[test]
        fn every_round_closes_at_local_midnight(t in instants()) {
            let round = RoundRule::default().round_for(t)?;
            let local = round.closes_at.to_zoned(copenhagen().clone());
            prop_assert_eq!((local.hour(), local.minute()), (0, 0));
            prop_assert_eq!(local.date(), round.deadline.tomorrow()?);
        }

        #[test]
        fn state_on_agrees_with_round_for(rule in rules(), day in dates()) {
            let at_start = rule.round_for(start_of_day(day));
            let at_end = rule.round_for(end_of_day(day) - SignedDuration::from_secs(1));
            match rule.state_on(day) {
                RoundState::Open { next } => {
                    prop_assert_eq!(at_start, Ok(next));
                    prop_assert!(at_end.is_ok());
                }
                RoundState::NotYetOpen { opens } => prop_assert_eq!(at_start, Err(Closed::NotYetOpen { opens })),
                RoundState::Ended { final_deadline } => prop_assert_eq!(at_end, Err(Closed::Ended { final_deadline })),
            }
        }
    }
}
