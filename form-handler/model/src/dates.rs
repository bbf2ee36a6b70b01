//! Calendar dates as editors write them (`2017-04-06`) and as Danish readers read them
//! ("6. april 2017", "06/04 2017").

use jiff::civil::Date;

pub const MONTHS: [&str; 12] = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
];

/// Parses exactly `YYYY-MM-DD`.
pub fn parse_iso(text: &str) -> Result<Date, String> {
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape_ok {
        return Err(format!("`{text}` is not a date in the form YYYY-MM-DD"));
    }
    let year: i16 = text[0..4]
        .parse()
        .map_err(|_| format!("bad year in `{text}`"))?;
    let month: i8 = text[5..7]
        .parse()
        .map_err(|_| format!("bad month in `{text}`"))?;
    let day: i8 = text[8..10]
        .parse()
        .map_err(|_| format!("bad day in `{text}`"))?;
    Date::new(year, month, day).map_err(|_| format!("`{text}` is not a day in the calendar"))
}

/// The day a person in Denmark means by `text` when it is not written YYYY-MM-DD: day
/// first, as `01-11-2017`, `1.11.2017`, `1/11 2017` or `1. november 2017` (month names in
/// Danish, or their first three letters). `None` when it is no such day.
pub fn guess_danish(text: &str) -> Option<Date> {
    let parts: Vec<&str> = text
        .split(['-', '.', '/', ' '])
        .filter(|p| !p.is_empty())
        .collect();
    let [day, month, year] = parts[..] else {
        return None;
    };
    let month: i8 = match month.parse() {
        Ok(m) => m,
        Err(_) => {
            let name = month.to_lowercase();
            let i = MONTHS
                .iter()
                .position(|m| *m == name || (name.chars().count() == 3 && m.starts_with(&name)))?;
            i8::try_from(i + 1).ok()?
        }
    };
    let year: i16 = year.parse().ok().filter(|y| (1000..=9999).contains(y))?;
    Date::new(year, month, day.parse().ok()?).ok()
}

/// `2017-04-06`
pub fn iso(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

/// `1. marts 2019 kl. 10.05`: a moment as people in Denmark read it (Europe/Copenhagen).
pub fn date_time_da(at: jiff::Timestamp) -> String {
    let z = at.to_zoned(crate::rounds::copenhagen().clone());
    format!(
        "{} kl. {:02}.{:02}",
        long_da(z.date()),
        z.hour(),
        z.minute()
    )
}

/// `6. april 2017`
pub fn long_da(date: Date) -> String {
    format!(
        "{}. {} {}",
        date.day(),
        MONTHS[(date.month() - 1) as usize],
        date.year()
    )
}

/// "fredag den 30. august 2019"
pub fn weekday_long_da(date: Date) -> String {
    const WEEKDAYS: [&str; 7] = [
        "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag",
    ];
    let weekday = WEEKDAYS[date.weekday().to_monday_zero_offset() as usize];
    format!("{weekday} den {}", long_da(date))
}

/// `06/04 2017`, as "Sidst opdateret" lines on Danish public sites show it.
pub fn short_da(date: Date) -> String {
    format!("{:02}/{:02} {}", date.day(), date.month(), date.year())
}

/// Today's date in Denmark.
pub fn today_in_denmark() -> Date {
    jiff::Timestamp::now()
        .in_tz("Europe/Copenhagen")
        .map(|z| z.date())
        .unwrap_or_else(|_| jiff::Zoned::now().date())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_dates_are_guessed_day_first() {
        let g = |t| guess_danish(t).map(iso);
        assert_eq!(g("01-11-2017").as_deref(), Some("2017-11-01"));
        assert_eq!(g("1.11.2017").as_deref(), Some("2017-11-01"));
        assert_eq!(g("6/4 2017").as_deref(), Some("2017-04-06"));
        assert_eq!(g("6. april 2017").as_deref(), Some("2017-04-06"));
        assert_eq!(g("6. apr 2017").as_deref(), Some("2017-04-06"));
        assert_eq!(g("30-02-2017"), None);
        assert_eq!(g("2017-11-01"), None);
        assert_eq!(g("i morgen"), None);
    }

    #[test]
    fn formats() {
        let d = parse_iso("2017-04-06").unwrap();
        assert_eq!(long_da(d), "6. april 2017");
        assert_eq!(short_da(d), "06/04 2017");
        assert_eq!(iso(d), "2017-04-06");
        assert_eq!(long_da(parse_iso("2019-08-30").unwrap()), "30. august 2019");
    }

    #[test]
    fn rejects_other_shapes_and_impossible_days() {
        for bad in [
            "2017-4-6",
            "06-04-2017",
            "2017-02-30",
            "2017-04-06T10:00",
            "",
        ] {
            assert!(parse_iso(bad).is_err(), "{bad}");
        }
    }
}
