//! Typed values of the application forms: each type's only constructor is its `parse`,
//! so a value that exists is valid (parse, don't validate). Input is already trimmed and
//! NFC-normalised by [`crate::submission`]; errors are [`ErrorKind`]s, which the form
//! definition words in Danish.

use serde::Serialize;

use crate::definition::ErrorKind;
use crate::kommuner::Kommuner;

/// An e-mail address (`navn@eksempel.dk`); the domain is stored in lower case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(text: &str, max_length: usize) -> Result<Email, ErrorKind> {
        if text.chars().count() > max_length.min(254) {
            return Err(ErrorKind::TooLong);
        }
        let (local, domain) = text.rsplit_once('@').ok_or(ErrorKind::Format)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
            && labels.last().is_some_and(|tld| {
                tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic)
            });
        if local_ok && domain_ok {
            Ok(Email(format!("{local}@{}", domain.to_lowercase())))
        } else {
            Err(ErrorKind::Format)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A Danish phone number, stored as `+45XXXXXXXX`. Accepts spaces, dashes, dots,
/// parentheses and a `+45`/`0045` prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct PhoneDk(String);

impl PhoneDk {
    pub fn parse(text: &str) -> Result<PhoneDk, ErrorKind> {
        let compact: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '\u{a0}'))
            .collect();
        let digits = compact
            .strip_prefix("+45")
            .or_else(|| compact.strip_prefix("0045"))
            .unwrap_or(&compact);
        let ok = digits.len() == 8
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with(['0', '1']);
        if ok {
            Ok(PhoneDk(format!("+45{digits}")))
        } else {
            Err(ErrorKind::Format)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A CVR number: 8 digits, the first not 0, passing the modulus-11 check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Cvr(String);

impl Cvr {
    const WEIGHTS: [u32; 8] = [2, 7, 6, 5, 4, 3, 2, 1];

    pub fn parse(text: &str) -> Result<Cvr, ErrorKind> {
        let digits: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '\u{a0}'))
            .collect();
        let digits = digits
            .strip_prefix("DK")
            .or_else(|| digits.strip_prefix("dk"))
            .or_else(|| digits.strip_prefix("Dk"))
            .unwrap_or(&digits);
        if digits.len() != 8
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || digits.starts_with('0')
        {
            return Err(ErrorKind::Format);
        }
        let sum: u32 = digits
            .bytes()
            .zip(Self::WEIGHTS)
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        if sum.is_multiple_of(11) {
            Ok(Cvr(digits.to_string()))
        } else {
            Err(ErrorKind::Checksum)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A Danish postcode, 0800-9999; stored and serialised as its four digits (`"0800"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Postcode(u16);

impl Serialize for Postcode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl Postcode {
    pub fn parse(text: &str) -> Result<Postcode, ErrorKind> {
        if text.len() != 4 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ErrorKind::Format);
        }
        let n: u16 = text.parse().map_err(|_| ErrorKind::Format)?;
        if n < 800 {
            Err(ErrorKind::Unknown)
        } else {
            Ok(Postcode(n))
        }
    }

    pub fn get(self) -> u16 {
        self.0
    }
}

impl std::fmt::Display for Postcode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}", self.0)
    }
}

/// The official code of one of the 98 kommuner, e.g. `101`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Kommunekode(String);

impl Kommunekode {
    pub fn parse(text: &str, kommuner: &Kommuner) -> Result<Kommunekode, ErrorKind> {
        kommuner
            .by_code(text)
            .map(|k| Kommunekode(k.code.clone()))
            .ok_or(ErrorKind::Unknown)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Text with a length in characters between `min` and `max`.
pub fn bounded_text(text: &str, min: Option<usize>, max: usize) -> Result<String, ErrorKind> {
    let n = text.chars().count();
    if min.is_some_and(|m| n < m) {
        Err(ErrorKind::TooShort)
    } else if n > max {
        Err(ErrorKind::TooLong)
    } else {
        Ok(text.to_string())
    }
}

/// A whole number between `min` and `max`. Accepts Danish thousands separators (`1.000`).
pub fn whole_number(text: &str, min: Option<i64>, max: Option<i64>) -> Result<i64, ErrorKind> {
    let compact: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '\u{a0}'))
        .collect();
    let valid = !compact.is_empty()
        && compact
            .trim_start_matches('-')
            .bytes()
            .all(|b| b.is_ascii_digit())
        && compact.len() <= 12;
    let n: i64 = if valid {
        compact.parse().map_err(|_| ErrorKind::Format)?
    } else {
        return Err(ErrorKind::Format);
    };
    if min.is_some_and(|m| n < m) {
        Err(ErrorKind::TooSmall)
    } else if max.is_some_and(|m| n > m) {
        Err(ErrorKind::TooLarge)
    } else {
        Ok(n)
    }
}

/// A ticked checkbox: browsers send `on`; scripts may send `true`.
pub fn checkbox(text: &str) -> bool {
    matches!(
        text.to_ascii_lowercase().as_str(),
        "on" | "true" | "1" | "ja" | "yes"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse("Anne.Hansen@Kommune.DK", 254)
                .unwrap()
                .as_str(),
            "Anne.Hansen@kommune.dk"
        );
        assert_eq!(
            Email::parse("ø@æblehaven.dk", 254).unwrap().as_str(),
            "ø@æblehaven.dk"
        );
        for bad in [
            "",
            "a",
            "a@",
            "@b.dk",
            "a@b",
            "a@b.d",
            "a b@c.dk",
            "a@b..dk",
            "a@-b.dk",
            ".a@b.dk",
            "a..b@c.dk",
            "a@b.dk.",
            "a@b.1k",
        ] {
            assert_eq!(Email::parse(bad, 254), Err(ErrorKind::Format), "{bad}");
        }
        assert_eq!(
            Email::parse(&format!("{}@b.dk", "a".repeat(60)), 20),
            Err(ErrorKind::TooLong)
        );
    }

    #[test]
    fn phones() {
        for ok in [
            "12 34 56 78",
            "+45 22 33 44 55",
            "0045-22334455",
            "(+45) 22.33.44.55",
            "22334455",
        ] {
            let p = PhoneDk::parse(ok);
            if ok.starts_with("12") {
                assert_eq!(
                    p,
                    Err(ErrorKind::Format),
                    "{ok}: Danish numbers do not start with 1"
                );
            } else {
                assert_eq!(p.unwrap().as_str(), "+4522334455", "{ok}");
            }
        }
        for bad in [
            "",
            "2233445",
            "223344556",
            "+46 22334455",
            "tlf 22334455",
            "02233445",
        ] {
            assert_eq!(PhoneDk::parse(bad), Err(ErrorKind::Format), "{bad}");
        }
    }

    #[test]
    fn cvr_numbers() {
        // Real CVR numbers: Socialstyrelsen 26144698? not asserted; these satisfy the check.
        assert!(Cvr::parse("10103940").is_ok());
        assert_eq!(Cvr::parse("DK 1010 3940").unwrap().as_str(), "10103940");
        assert_eq!(Cvr::parse("dk1010\u{a0}3940").unwrap().as_str(), "10103940");
        assert_eq!(Cvr::parse("12345674").unwrap().as_str(), "12345674");
        assert_eq!(Cvr::parse("10103941"), Err(ErrorKind::Checksum));
        assert_eq!(Cvr::parse("1010394"), Err(ErrorKind::Format));
        assert_eq!(Cvr::parse("01010394"), Err(ErrorKind::Format));
        assert_eq!(Cvr::parse("1010394a"), Err(ErrorKind::Format));
    }

    #[test]
    fn postcodes_and_numbers() {
        assert_eq!(Postcode::parse("0800").unwrap().to_string(), "0800");
        assert_eq!(Postcode::parse("9999").unwrap().get(), 9999);
        assert_eq!(Postcode::parse("0799"), Err(ErrorKind::Unknown));
        assert_eq!(Postcode::parse("800"), Err(ErrorKind::Format));
        assert_eq!(whole_number("1.250", Some(1), Some(100_000)), Ok(1250));
        assert_eq!(whole_number("0", Some(1), None), Err(ErrorKind::TooSmall));
        assert_eq!(
            whole_number("101", Some(0), Some(100)),
            Err(ErrorKind::TooLarge)
        );
        assert_eq!(whole_number("12,5", None, None), Err(ErrorKind::Format));
        assert_eq!(bounded_text("æøå", Some(4), 10), Err(ErrorKind::TooShort));
        assert_eq!(bounded_text("æøå", None, 3), Ok("æøå".to_string()));
    }

    fn cvr_check_digit_ok(d: &[u32; 8]) -> bool {
        d.iter()
            .zip(Cvr::WEIGHTS)
            .map(|(a, w)| a * w)
            .sum::<u32>()
            .is_multiple_of(11)
    }

    proptest! {
        #[test]
        fn cvr_accepts_exactly_the_numbers_that_pass_modulus_11(n in 10_000_000u32..100_000_000) {
            let text = n.to_string();
            let digits: Vec<u32> = text.bytes().map(|b| u32::from(b - b'0')).collect();
            let digits: [u32; 8] = digits.try_into().unwrap();
            prop_assert_eq!(Cvr::parse(&text).is_ok(), cvr_check_digit_ok(&digits));
        }

        #[test]
        fn cvr_with_a_changed_digit_fails(n in 10_000_000u32..100_000_000, pos in 0usize..8, delta in 1u32..10) {
            let mut digits: Vec<u32> = n.to_string().bytes().map(|b| u32::from(b - b'0')).collect();
            // Make it valid: adjust the last digit if possible.
            let partial: u32 = digits[..7].iter().zip(Cvr::WEIGHTS).map(|(a, w)| a * w).sum();
            let last = (11 - partial % 11) % 11;
            prop_assume!(last < 10);
            digits[7] = last;
            let valid: String = digits.iter().map(|d| char::from(b'0' + *d as u8)).collect();
            prop_assert!(Cvr::parse(&valid).is_ok());
            digits[pos] = (digits[pos] + delta) % 10;
            prop_assume!(digits[0] != 0);
            let changed: String = digits.iter().map(|d| char::from(b'0' + *d as u8)).collect();
            prop_assert_eq!(Cvr::parse(&changed), Err(ErrorKind::Checksum));
        }

        #[test]
        fn phone_numbers_in_any_common_form(d in "[2-9][0-9]{7}", prefix in prop_oneof![Just(""), Just("+45"), Just("+45 "), Just("0045")], sep in prop_oneof![Just(""), Just(" "), Just("-")]) {
            let grouped: String = d.as_bytes().chunks(2).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join(sep);
            let input = format!("{prefix}{grouped}");
            let p = PhoneDk::parse(&input).unwrap();
            prop_assert_eq!(p.as_str(), format!("+45{d}"));
        }

        #[test]
        fn postcodes_in_range_only(n in 0u16..10_000) {
            let text = format!("{n:04}");
            let p = Postcode::parse(&text);
            if n >= 800 { prop_assert_eq!(p.unwrap().get(), n) } else { prop_assert_eq!(p, Err(ErrorKind::Unknown)) }
        }

        #[test]
        fn emails_never_panic_and_valid_ones_round_trip(local in "[a-z0-9._%+-]{1,20}", domain in "[a-z0-9-]{1,20}", tld in "[a-z]{2,6}", junk in "\\PC{0,40}") {
            let _ = Email::parse(&junk, 254);
            let text = format!("{local}@{domain}.{tld}");
            let expect_ok = !local.starts_with('.') && !local.ends_with('.') && !local.contains("..") && !domain.starts_with('-') && !domain.ends_with('-');
            prop_assert_eq!(Email::parse(&text, 254).is_ok(), expect_ok, "{}", text);
        }
    }
}
