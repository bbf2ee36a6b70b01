//! Danish public holidays (helligdage) and working days (hverdage).
//!
//! The public holidays are the ones in the Danish holiday act (helligdagsloven):
//! nytårsdag (1 January), skærtorsdag, langfredag, påskedag, 2. påskedag, store
//! bededag (up to and including 2023; abolished from 2024), Kristi himmelfartsdag,
//! pinsedag, 2. pinsedag, juledag (25 December) and 2. juledag (26 December).
//!
//! Grundlovsdag (5 June), juleaftensdag (24 December) and nytårsaftensdag
//! (31 December) are deliberately *not* public holidays here: they are not
//! helligdage in law, only customary days off for many. A deadline that falls on one
//! of them on a weekday therefore stays on that day.
//!
//! A hverdag is a Monday to Friday that is not a public holiday.

use jiff::civil::{Date, Weekday};

/// The last year in which store bededag was a public holiday (abolished from 2024).
pub const LAST_STORE_BEDEDAG_YEAR: i16 = 2023;

/// The date of Easter Sunday (påskedag) in the Gregorian calendar.
///
/// Uses the anonymous Gregorian algorithm (Meeus/Jones/Butcher).
///
/// # Panics
///
/// If `year` is outside jiff's civil range, -9999..=9999.
pub fn easter_sunday(year: i16) -> Date {
    let (month, day) = easter_month_day(year);
    Date::new(year, month, day).expect("year within jiff's range -9999..=9999")
}

/// The month and day of Easter Sunday in `year`; always in March or April.
fn easter_month_day(year: i16) -> (i8, i8) {
    let y = i32::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let n = h + l - 7 * m + 114;
    // n / 31 is 3 or 4 and n % 31 + 1 is 1..=31, so both fit in an i8.
    (small(n / 31), small(n % 31 + 1))
}

/// Narrows a value known to be in 0..=31.
fn small(value: i32) -> i8 {
    i8::try_from(value).expect("Easter month and day are small")
}

/// The Danish name of the public holiday on `date`, if it is one.
pub fn holiday_name(date: Date) -> Option<&'static str> {
    match (date.month(), date.day()) {
        (1, 1) => return Some("nytårsdag"),
        (12, 25) => return Some("juledag"),
        (12, 26) => return Some("2. juledag"),
        _ => {}
    }
    easter_holiday_name(date)
}

/// The name of the movable (Easter-based) holiday on `date`, if it is one.
fn easter_holiday_name(date: Date) -> Option<&'static str> {
    let easter = easter_sunday(date.year());
    // Same year, so the difference in day of the year is the difference in days.
    let offset = date.day_of_year() - easter.day_of_year();
    match offset {
        -3 => Some("skærtorsdag"),
        -2 => Some("langfredag"),
        0 => Some("påskedag"),
        1 => Some("2. påskedag"),
        26 if date.year() <= LAST_STORE_BEDEDAG_YEAR => Some("store bededag"),
        39 => Some("Kristi himmelfartsdag"),
        49 => Some("pinsedag"),
        50 => Some("2. pinsedag"),
        _ => None,
    }
}

/// Whether `date` is a Danish public holiday (helligdag); see the module doc.
pub fn is_public_holiday(date: Date) -> bool {
    holiday_name(date).is_some()
}

/// Whether `date` is a hverdag: Monday to Friday and not a public holiday.
pub fn is_hverdag(date: Date) -> bool {
    !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) && !is_public_holiday(date)
}

/// The last hverdag of the month that `date` is in.
pub fn last_hverdag_in_month(date: Date) -> Date {
    let last = date.last_of_month();
    let days = usize::try_from(date.days_in_month()).unwrap_or(0);
    // Walk back from the last day; `series` stops by itself at jiff's minimum date.
    last.series(jiff::Span::new().days(-1))
        .take(days)
        .find(|day| is_hverdag(*day))
        .expect("every month has at least 14 hverdage")
}

/// The last hverdag of `month` (1..=12) in `year`.
///
/// # Panics
///
/// If `month` is not in 1..=12 or `year` is outside -9999..=9999.
pub fn last_hverdag_of_month(year: i16, month: i8) -> Date {
    let first = Date::new(year, month, 1).expect("month in 1..=12 and year in -9999..=9999");
    last_hverdag_in_month(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    #[test]
    fn easter_sunday_2017_to_2030() {
        let table = [
            date(2017, 4, 16),
            date(2018, 4, 1),
            date(2019, 4, 21),
            date(2020, 4, 12),
            date(2021, 4, 4),
            date(2022, 4, 17),
            date(2023, 4, 9),
            date(2024, 3, 31),
            date(2025, 4, 20),
            date(2026, 4, 5),
            date(2027, 3, 28),
            date(2028, 4, 16),
            date(2029, 4, 1),
            date(2030, 4, 21),
        ];
        for expected in table {
            assert_eq!(easter_sunday(expected.year()), expected);
        }
    }

    #[test]
    fn easter_is_always_a_sunday_in_march_or_april() {
        for year in 1583..=2500 {
            let easter = easter_sunday(year);
            assert_eq!(easter.weekday(), Weekday::Sunday, "{easter}");
            assert!(
                easter >= date(year, 3, 22) && easter <= date(year, 4, 25),
                "{easter}"
            );
        }
    }

    #[test]
    fn easter_is_defined_at_the_ends_of_the_range() {
        assert_eq!(easter_sunday(9999).year(), 9999);
        assert_eq!(easter_sunday(-9999).year(), -9999);
    }

    #[test]
    fn holidays_of_2019() {
        let holidays = [
            (date(2019, 1, 1), "nytårsdag"),
            (date(2019, 4, 18), "skærtorsdag"),
            (date(2019, 4, 19), "langfredag"),
            (date(2019, 4, 21), "påskedag"),
            (date(2019, 4, 22), "2. påskedag"),
            (date(2019, 5, 17), "store bededag"),
            (date(2019, 5, 30), "Kristi himmelfartsdag"),
            (date(2019, 6, 9), "pinsedag"),
            (date(2019, 6, 10), "2. pinsedag"),
            (date(2019, 12, 25), "juledag"),
            (date(2019, 12, 26), "2. juledag"),
        ];
        for (day, name) in holidays {
            assert_eq!(holiday_name(day), Some(name), "{day}");
        }
        let count = date(2019, 1, 1)
            .series(jiff::Span::new().days(1))
            .take(365)
            .filter(|day| is_public_holiday(*day))
            .count();
        assert_eq!(count, holidays.len());
    }

    #[test]
    fn store_bededag_until_2023_only() {
        assert_eq!(holiday_name(date(2023, 5, 5)), Some("store bededag"));
        assert!(!is_hverdag(date(2023, 5, 5)));
        assert_eq!(holiday_name(date(2024, 4, 26)), None);
        assert!(is_hverdag(date(2024, 4, 26)));
    }

    #[test]
    fn customary_days_off_are_not_public_holidays() {
        // Grundlovsdag 2019 was a Wednesday; 24 and 31 December 2019 were Tuesdays.
        for day in [date(2019, 6, 5), date(2019, 12, 24), date(2019, 12, 31)] {
            assert!(!is_public_holiday(day), "{day}");
            assert!(is_hverdag(day), "{day}");
        }
    }

    #[test]
    fn weekends_are_not_hverdage() {
        assert!(!is_hverdag(date(2019, 8, 31)));
        assert!(!is_hverdag(date(2019, 9, 1)));
        assert!(is_hverdag(date(2019, 9, 2)));
    }

    #[test]
    fn known_last_hverdage() {
        let known = [
            ((2019, 8), date(2019, 8, 30)),
            ((2019, 3), date(2019, 3, 29)),
            ((2018, 3), date(2018, 3, 28)),
            ((2024, 3), date(2024, 3, 27)),
            ((2021, 12), date(2021, 12, 31)),
            ((2022, 12), date(2022, 12, 30)),
            ((2023, 12), date(2023, 12, 29)),
            ((2017, 12), date(2017, 12, 29)),
        ];
        for ((year, month), expected) in known {
            assert_eq!(last_hverdag_of_month(year, month), expected);
        }
    }

    #[test]
    fn last_hverdag_at_the_ends_of_the_range() {
        assert_eq!(last_hverdag_of_month(9999, 12), date(9999, 12, 31));
        assert_eq!(last_hverdag_of_month(-9999, 1).month(), 1);
    }

    proptest! {
        #[test]
        fn last_hverdag_is_the_last_hverdag(year in 2017i16..=2030, month in 1i8..=12) {
            let last = last_hverdag_of_month(year, month);
            prop_assert!(is_hverdag(last));
            prop_assert_eq!((last.year(), last.month()), (year, month));
            let later = last
                .series(jiff::Span::new().days(1))
                .skip(1)
                .take_while(|day| day.month() == month);
            for day in later {
                prop_assert!(!is_hverdag(day), "{} is a later hverdag", day);
            }
        }

        #[test]
        fn any_day_gives_its_months_last_hverdag(year in 2017i16..=2030, day_of_year in 1i16..=365) {
            let day = date(year, 1, 1).with().day_of_year(day_of_year).build()?;
            let last = last_hverdag_in_month(day);
            prop_assert_eq!(last, last_hverdag_of_month(day.year(), day.month()));
        }
    }
}
