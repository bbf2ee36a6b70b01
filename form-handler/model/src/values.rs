//! Typed values of the application forms: each type's only constructor is its `parse`,
//! so a value that exists is valid (parse, don't validate). Input is already trimmed and
//! NFC-normalised by [`crate::submission`]; errors are [`ErrorKind`]s, which the form
//! definition words in Danish.

use serde::Serialize;

use crate::definition::ErrorKind;
use crate::kommuner::Kommuner;

/// An e-mail address (`navn@eksempel.dk`). The part before `@` is a plain dot-atom of
/// ASCII letters, digits and `. _ - + '`: nothing a mail client reads specially (an
/// encoded word `=?…?=` in Reply-To, the "Mailsploit" spoof; `%`, `!` routing). The domain
/// is checked and stored as UTS 46 maps it (lower case, full-width letters as ASCII), in
/// the form [`ascii_domain`] gives to mail, so that an address accepted here can always be
/// written on a mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Email(String);

/// The signs the part before `@` may have besides ASCII letters and digits.
pub const EMAIL_LOCAL_SIGNS: &str = ".-_+'";

impl Email {
    pub fn parse(text: &str, max_length: usize) -> Result<Email, ErrorKind> {
        if text.chars().count() > max_length.min(254) {
            return Err(ErrorKind::TooLong);
        }
        let (local, domain) = text.rsplit_once('@').ok_or(ErrorKind::Format)?;
        if local.is_empty() || domain.is_empty() {
            return Err(ErrorKind::Format);
        }
        if !local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || EMAIL_LOCAL_SIGNS.contains(c))
        {
            return Err(ErrorKind::Characters);
        }
        if local.len() > 64
            || local.starts_with('.')
            || local.ends_with('.')
            || local.contains("..")
        {
            return Err(ErrorKind::Format);
        }
        let ascii = ascii_domain(domain).ok_or(ErrorKind::Format)?;
        let (unicode, _) = idna::domain_to_unicode(&ascii);
        Ok(Email(format!("{local}@{unicode}")))
    }

    /// The address with its domain in ASCII (`xn--…`), as mail headers take it.
    pub fn ascii(&self) -> String {
        let (local, domain) = self.0.rsplit_once('@').unwrap_or(("", &self.0));
        // Checked by `parse`: the conversion succeeds.
        format!("{local}@{}", ascii_domain(domain).unwrap_or_default())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A domain as mail needs it: UTS 46 (as browsers map a host name: `ｅｘａｍｐｌｅ.dk`
/// is `example.dk`, `æblehaven.dk` is `xn--blehaven-i0a.dk`), then checked as DNS takes it:
/// at most 253 characters, at least two labels of 1-63 letters, digits and hyphens, not
/// beginning or ending with a hyphen, and a top-level label of letters (or `xn--`).
/// `form.js` makes the same checks on the browser's own conversion (`new URL`).
pub fn ascii_domain(domain: &str) -> Option<String> {
    use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};
    let ascii = Uts46::new()
        .to_ascii(
            domain.as_bytes(),
            AsciiDenyList::URL,
            Hyphens::Allow,
            DnsLength::Ignore,
        )
        .ok()?;
    let labels: Vec<&str> = ascii.split('.').collect();
    let ok = ascii.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            (1..=63).contains(&l.len())
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && labels.last().is_some_and(|tld| {
            tld.starts_with("xn--")
                || (tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
        });
    ok.then(|| ascii.into_owned())
}

/// A Danish phone number, stored as `+45XXXXXXXX`. Accepts spaces, dashes, dots,
/// parentheses and a `+45`/`0045` prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct PhoneDk(String);

/// What may stand between the digits of a phone number.
fn is_phone_separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '.' | '(' | ')' | '\u{a0}')
}

impl PhoneDk {
    /// In this order: `characters` (anything but digits, separators and a leading `+`),
    /// `not_danish` (another country's code), `format` (not 8 digits after the prefix),
    /// `not_danish` (8 digits starting with 0 or 1). Eight digits without a `+` are a
    /// national number even when they start with `00`: "0045 1234" gets `not_danish`, not
    /// `format`, whose "8 cifre" would contradict the eight digits typed.
    pub fn parse(text: &str) -> Result<PhoneDk, ErrorKind> {
        let compact: String = text.chars().filter(|c| !is_phone_separator(*c)).collect();
        let (plus, number) = match compact.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, compact.as_str()),
        };
        if !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ErrorKind::Characters);
        }
        let national = if plus {
            number.strip_prefix("45").ok_or(ErrorKind::NotDanish)?
        } else if let Some(international) = number.strip_prefix("00").filter(|_| number.len() != 8)
        {
            international
                .strip_prefix("45")
                .ok_or(ErrorKind::NotDanish)?
        } else {
            number
        };
        if national.len() != 8 {
            Err(ErrorKind::Format)
        } else if national.starts_with(['0', '1']) {
            Err(ErrorKind::NotDanish)
        } else {
            Ok(PhoneDk(format!("+45{national}")))
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

    /// Spaces, dashes, dots and a `DK` prefix are dropped; then in this order:
    /// `characters` (anything but digits), `format` (not 8 digits), `leading_zero`,
    /// `checksum` (modulus 11).
    pub fn parse(text: &str) -> Result<Cvr, ErrorKind> {
        let digits: String = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '\u{a0}'))
            .collect();
        let digits = match digits.get(..2) {
            Some(prefix) if prefix.eq_ignore_ascii_case("dk") => &digits[2..],
            _ => &digits,
        };
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ErrorKind::Characters);
        }
        if digits.len() != 8 {
            return Err(ErrorKind::Format);
        }
        if digits.starts_with('0') {
            return Err(ErrorKind::LeadingZero);
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
    /// In this order: `characters` (anything but digits), `format` (not 4 digits),
    /// `unknown` (below 0800).
    pub fn parse(text: &str) -> Result<Postcode, ErrorKind> {
        if !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ErrorKind::Characters);
        }
        if text.len() != 4 {
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

/// A whole number between `min` and `max`. Accepts Danish thousands separators (`1.000`,
/// `1 000`) between groups of three digits; a separator anywhere else (`2.5`) is no whole
/// number, not a silently different one. In this order: `format`, then `too_small` or
/// `too_large` (also for numbers of any length beyond the limits).
pub fn whole_number(text: &str, min: i64, max: i64) -> Result<i64, ErrorKind> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let groups: Vec<&str> = unsigned.split([' ', '.', '\u{a0}']).collect();
    let grouped = groups.len() == 1
        || (matches!(groups[0].len(), 1..=3) && groups[1..].iter().all(|g| g.len() == 3));
    let digits = groups.concat();
    if digits.is_empty() || !grouped || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ErrorKind::Format);
    }
    let n = format!("{}{digits}", if negative { "-" } else { "" })
        .parse::<i64>()
        .ok();
    match n {
        Some(n) if n < min => Err(ErrorKind::TooSmall),
        Some(n) if n > max => Err(ErrorKind::TooLarge),
        Some(n) => Ok(n),
        // Beyond i64, so beyond the limits (within NUMBER_LIMIT).
        None if negative => Err(ErrorKind::TooSmall),
        None => Err(ErrorKind::TooLarge),
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
            Email::parse("anne@Æblehaven.dk", 254).unwrap().as_str(),
            "anne@æblehaven.dk"
        );
        // As UTS 46 maps the domain (and as it is then written on the mail).
        assert_eq!(
            Email::parse("anne@ｅｘａｍｐｌｅ.dk", 254)
                .unwrap()
                .as_str(),
            "anne@example.dk"
        );
        assert_eq!(
            Email::parse("anne@x².dk", 254).unwrap().ascii(),
            "anne@x2.dk"
        );
        // What a mail client reads specially, or what is not ASCII, before the @.
        for bad in [
            "ø@æblehaven.dk",
            "=?utf-8?b?QWRtaW4=?=@c.dk",
            "a%b@c.dk",
            "a!b@c.dk",
            "\"a\"@c.dk",
            "a{b}@c.dk",
            "a b@c.dk",
        ] {
            assert_eq!(Email::parse(bad, 254), Err(ErrorKind::Characters), "{bad}");
        }
        for bad in [
            "",
            "a",
            "a@",
            "@b.dk",
            "a@b",
            "a@b.d",
            "a@b..dk",
            "a@-b.dk",
            ".a@b.dk",
            "a..b@c.dk",
            "a@b.dk.",
            "a@b.1k",
            "a@x_y.dk",
            "a@b.dk/x",
            "a@日本語の長いドメイン名はとても長くなりますので気をつけてくださいね本当に.jp",
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
            "+45 22 33 44 55",
            "0045-22334455",
            "(+45) 22.33.44.55",
            "22334455",
            "22\u{a0}33\u{a0}44\u{a0}55",
        ] {
            assert_eq!(PhoneDk::parse(ok).unwrap().as_str(), "+4522334455", "{ok}");
        }
        for (bad, kind) in [
            ("", ErrorKind::Format),
            ("2233445", ErrorKind::Format),
            ("223344556", ErrorKind::Format),
            ("+45 2233", ErrorKind::Format),
            // Eight digits, but no Danish number starts with 0 or 1.
            ("12 34 56 78", ErrorKind::NotDanish),
            ("02233445", ErrorKind::NotDanish),
            ("+45 12345678", ErrorKind::NotDanish),
            ("+46 70 123 45 67", ErrorKind::NotDanish),
            ("0046 22334455", ErrorKind::NotDanish),
            // Eight digits typed: a national number starting with 0, not "0045" and four.
            ("00450000", ErrorKind::NotDanish),
            ("0045 2233", ErrorKind::NotDanish),
            ("0046 2233", ErrorKind::NotDanish),
            ("tlf 22334455", ErrorKind::Characters),
            ("22334455x", ErrorKind::Characters),
            ("22+334455", ErrorKind::Characters),
        ] {
            assert_eq!(PhoneDk::parse(bad), Err(kind), "{bad}");
        }
    }

    #[test]
    fn cvr_numbers() {
        assert!(Cvr::parse("10103940").is_ok());
        assert_eq!(Cvr::parse("DK 1010 3940").unwrap().as_str(), "10103940");
        assert_eq!(Cvr::parse("dk1010\u{a0}3940").unwrap().as_str(), "10103940");
        assert_eq!(Cvr::parse("dK-10103940").unwrap().as_str(), "10103940");
        assert_eq!(Cvr::parse("12345674").unwrap().as_str(), "12345674");
        assert_eq!(Cvr::parse("10103941"), Err(ErrorKind::Checksum));
        assert_eq!(Cvr::parse("1010394"), Err(ErrorKind::Format));
        assert_eq!(Cvr::parse("01010394"), Err(ErrorKind::LeadingZero));
        assert_eq!(Cvr::parse("1010394a"), Err(ErrorKind::Characters));
        assert_eq!(Cvr::parse("10103940a"), Err(ErrorKind::Characters));
        assert_eq!(Cvr::parse("æ"), Err(ErrorKind::Characters));
    }

    #[test]
    fn postcodes_and_numbers() {
        assert_eq!(Postcode::parse("0800").unwrap().to_string(), "0800");
        assert_eq!(Postcode::parse("9999").unwrap().get(), 9999);
        assert_eq!(Postcode::parse("0799"), Err(ErrorKind::Unknown));
        assert_eq!(Postcode::parse("800"), Err(ErrorKind::Format));
        assert_eq!(Postcode::parse("1550a"), Err(ErrorKind::Characters));
        assert_eq!(Postcode::parse("1 550"), Err(ErrorKind::Characters));
        assert_eq!(whole_number("1.250", 1, 100_000), Ok(1250));
        assert_eq!(whole_number("1 250 000", 1, 9_999_999), Ok(1_250_000));
        assert_eq!(whole_number("-1.000", -5000, 0), Ok(-1000));
        assert_eq!(whole_number("0", 1, 10), Err(ErrorKind::TooSmall));
        assert_eq!(whole_number("101", 0, 100), Err(ErrorKind::TooLarge));
        assert_eq!(whole_number("12,5", 0, 100), Err(ErrorKind::Format));
        // A decimal point is not read as a thousands separator: 2.5 is not 25.
        assert_eq!(whole_number("2.5", 0, 100), Err(ErrorKind::Format));
        assert_eq!(whole_number("10.00", 0, 100_000), Err(ErrorKind::Format));
        // A whole number is never called "not a whole number" for its size.
        assert_eq!(
            whole_number("123456789012345678901234", 0, 100),
            Err(ErrorKind::TooLarge)
        );
        assert_eq!(
            whole_number("-123456789012345678901234", 0, 100),
            Err(ErrorKind::TooSmall)
        );
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
        fn a_sign_a_mail_client_reads_specially_is_refused_before_the_at(before in "[a-z]{0,5}", sign in "[=?%!#$&*/^`{|}~\"(),:;<>\\[\\] ]", after in "[a-z]{0,5}") {
            let text = format!("{before}{sign}{after}@example.dk");
            prop_assert_eq!(Email::parse(&text, 254), Err(ErrorKind::Characters), "{}", text);
        }

        #[test]
        fn emails_never_panic_and_valid_ones_round_trip(local in "[a-z0-9._+'-]{1,20}", domain in "[a-z0-9-]{1,20}", tld in "[a-z]{2,6}", junk in "\\PC{0,40}") {
            let _ = Email::parse(&junk, 254);
            let text = format!("{local}@{domain}.{tld}");
            let expect_ok = !local.starts_with('.') && !local.ends_with('.') && !local.contains("..") && !domain.starts_with('-') && !domain.ends_with('-');
            prop_assert_eq!(Email::parse(&text, 254).is_ok(), expect_ok, "{}", text);
        }
    }

    /// What each kind's message says about the input ("8 cifre", "kun cifre", "ikke et
    /// dansk nummer", ...), stated on the raw text as an applicant would check it, apart
    /// from the parsers. An error whose statement is false of what was typed would
    /// contradict the applicant.
    mod claims {
        use super::*;

        const PHONE_SEPARATORS: &str = " -.()\u{a0}";

        /// The phone number without separators.
        fn compact_phone(text: &str) -> String {
            text.chars()
                .filter(|c| !PHONE_SEPARATORS.contains(*c))
                .collect()
        }

        /// The digits after a `+45`/`0045` prefix.
        fn national(compact: &str) -> &str {
            compact
                .strip_prefix("+45")
                .or_else(|| compact.strip_prefix("0045"))
                .unwrap_or(compact)
        }

        pub fn phone(kind: ErrorKind, text: &str) -> bool {
            let c = compact_phone(text);
            match kind {
                // "Telefonnummeret må kun indeholde cifre, mellemrum og +45"
                ErrorKind::Characters => c
                    .char_indices()
                    .any(|(i, ch)| !(ch.is_ascii_digit() || (ch == '+' && i == 0))),
                // "Indtast et dansk telefonnummer. Danske numre har 8 cifre og starter ikke
                // med 0 eller 1"
                ErrorKind::NotDanish => {
                    let foreign = (c.starts_with('+') && !c.starts_with("+45"))
                        || (c.starts_with("00") && !c.starts_with("0045"));
                    let n = national(&c);
                    foreign
                        || (n.len() == 8 && n.starts_with(['0', '1']))
                        || (c.len() == 8 && c.starts_with(['0', '1']))
                }
                // "Telefonnummeret skal have 8 cifre": not when eight digits were typed
                // without a `+`.
                ErrorKind::Format => {
                    national(&c).chars().filter(char::is_ascii_digit).count() != 8
                        && !(c.len() == 8 && c.bytes().all(|b| b.is_ascii_digit()))
                }
                _ => false,
            }
        }

        pub fn cvr(kind: ErrorKind, text: &str) -> bool {
            let c: String = text
                .chars()
                .filter(|ch| !" -.\u{a0}".contains(*ch))
                .collect();
            let c = if c.to_ascii_lowercase().starts_with("dk") {
                &c[2..]
            } else {
                &c[..]
            };
            match kind {
                // "CVR-nummeret må kun indeholde cifre"
                ErrorKind::Characters => c.chars().any(|ch| !ch.is_ascii_digit()),
                // "CVR-nummeret skal have 8 cifre"
                ErrorKind::Format => c.chars().filter(char::is_ascii_digit).count() != 8,
                // "Et CVR-nummer starter ikke med 0"
                ErrorKind::LeadingZero => c.starts_with('0'),
                // "CVR-nummeret er ikke gyldigt": 8 digits failing modulus 11.
                ErrorKind::Checksum => {
                    c.len() == 8
                        && c.bytes()
                            .zip([2u32, 7, 6, 5, 4, 3, 2, 1])
                            .map(|(b, w)| u32::from(b - b'0') * w)
                            .sum::<u32>()
                            % 11
                            != 0
                }
                _ => false,
            }
        }

        pub fn postcode(kind: ErrorKind, text: &str) -> bool {
            match kind {
                // "Postnummeret må kun indeholde cifre"
                ErrorKind::Characters => text.chars().any(|ch| !ch.is_ascii_digit()),
                // "Postnummeret skal have 4 cifre"
                ErrorKind::Format => text.chars().filter(char::is_ascii_digit).count() != 4,
                // "Postnummeret findes ikke. Et postnummer er mellem 0800 og 9999"
                ErrorKind::Unknown => text.parse::<u32>().is_ok_and(|n| n < 800),
                _ => false,
            }
        }

        /// The value of a whole number as written (any length; separators dropped), or
        /// `None` when it is not one.
        fn value(text: &str) -> Option<i128> {
            let digits: String = text.chars().filter(|c| !" .\u{a0}".contains(*c)).collect();
            let (sign, d) = match digits.strip_prefix('-') {
                Some(d) => (-1, d),
                None => (1, digits.as_str()),
            };
            if d.is_empty() || !d.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let d = d.trim_start_matches('0');
            Some(if d.len() > 30 {
                sign * i128::MAX
            } else {
                sign * d.parse::<i128>().unwrap_or(0)
            })
        }

        pub fn number(kind: ErrorKind, text: &str, min: i64, max: i64) -> bool {
            match kind {
                // "... skal være et helt tal, fx 4": not digits, or a separator that does
                // not part groups of three (2.5, 12,5).
                ErrorKind::Format => {
                    let groups: Vec<&str> = text
                        .trim_start_matches('-')
                        .split([' ', '.', '\u{a0}'])
                        .collect();
                    value(text).is_none()
                        || (groups.len() > 1
                            && (!(1..=3).contains(&groups[0].len())
                                || groups[1..].iter().any(|g| g.len() != 3)))
                }
                // "... skal være mindst MIN"
                ErrorKind::TooSmall => value(text).is_some_and(|n| n < i128::from(min)),
                // "... må højst være MAX"
                ErrorKind::TooLarge => value(text).is_some_and(|n| n > i128::from(max)),
                _ => false,
            }
        }
    }

    /// Inserts `c` into `text` at `at` (counted in characters, clamped).
    fn insert(text: &str, at: usize, c: char) -> String {
        let mut chars: Vec<char> = text.chars().collect();
        chars.insert(at.min(chars.len()), c);
        chars.into_iter().collect()
    }

    proptest! {
        // Inputs that break one rule each get that rule's kind.

        #[test]
        fn a_phone_with_a_letter_is_characters(d in "[2-9][0-9]{7}", at in 0usize..9, c in "[a-zA-ZæøåÆØÅ,;/#*_]") {
            let text = insert(&d, at, c.chars().next().unwrap());
            prop_assert_eq!(PhoneDk::parse(&text), Err(ErrorKind::Characters), "{}", text);
        }

        #[test]
        fn a_foreign_or_0_1_phone_is_not_danish(text in prop_oneof![
            "\\+(4[0-46-9]|[1-35-9][0-9]?)[ ]?[0-9]{8}",
            "00(4[0-46-9]|[1-35-9][0-9]?)[0-9]{8}",
            "(\\+45 ?)?[01][0-9]{7}",
        ]) {
            prop_assert_eq!(PhoneDk::parse(&text), Err(ErrorKind::NotDanish), "{}", text);
        }

        #[test]
        fn a_phone_without_8_digits_is_format(text in prop_oneof![
            "(\\+45 ?)?[2-9][0-9]{0,6}",
            "(\\+45 ?)?[2-9][0-9]{8,12}",
        ]) {
            prop_assert_eq!(PhoneDk::parse(&text), Err(ErrorKind::Format), "{}", text);
        }

        #[test]
        fn cvr_rules_each_have_their_kind(
            valid in "[1-9][0-9]{7}",
            at in 1usize..9,
            c in "[a-ce-jl-zA-CE-JL-ZæøåÆØÅ,;/#*+_]",
            short in "[1-9][0-9]{0,6}",
            long in "[1-9][0-9]{8,12}",
            zero in "0[0-9]{7}",
        ) {
            prop_assert_eq!(Cvr::parse(&insert(&valid, at, c.chars().next().unwrap())), Err(ErrorKind::Characters));
            prop_assert_eq!(Cvr::parse(&short), Err(ErrorKind::Format));
            prop_assert_eq!(Cvr::parse(&long), Err(ErrorKind::Format));
            prop_assert_eq!(Cvr::parse(&zero), Err(ErrorKind::LeadingZero));
        }

        #[test]
        fn postcode_rules_each_have_their_kind(
            valid in "[1-9][0-9]{3}",
            at in 0usize..5,
            c in "[a-zA-ZæøåÆØÅ ,;/#*+_-]",
            wrong_length in prop_oneof!["[0-9]{1,3}", "[0-9]{5,8}"],
        ) {
            prop_assert_eq!(Postcode::parse(&insert(&valid, at, c.chars().next().unwrap())), Err(ErrorKind::Characters));
            prop_assert_eq!(Postcode::parse(&wrong_length), Err(ErrorKind::Format));
        }

        #[test]
        fn number_rules_each_have_their_kind(
            min in -1000i64..1000,
            span in 0i64..100_000,
            below in 1i64..1_000_000,
            above in 1i64..1_000_000,
            huge in "[1-9][0-9]{19,30}",
            not_whole in prop_oneof!["[0-9]{1,3},[0-9]{1,2}", "[0-9]{1,3}\\.[0-9]{1,2}", "[0-9]{4,6}\\.[0-9]{3}", "[a-zæøå]{1,6}", "-"],
        ) {
            let max = min + span;
            prop_assert_eq!(whole_number(&not_whole, min, max), Err(ErrorKind::Format), "{}", not_whole);
            prop_assert_eq!(whole_number(&(min - below).to_string(), min, max), Err(ErrorKind::TooSmall));
            prop_assert_eq!(whole_number(&(max + above).to_string(), min, max), Err(ErrorKind::TooLarge));
            prop_assert_eq!(whole_number(&huge, min, max), Err(ErrorKind::TooLarge));
            let negative_huge = format!("-{huge}");
            prop_assert_eq!(whole_number(&negative_huge, min, max), Err(ErrorKind::TooSmall));
        }

        // Any input: the kind returned is true of it.

        #[test]
        fn phone_errors_never_contradict_the_input(text in prop_oneof![
            "[0-9 +()\\-.a-zæ]{0,18}",
            "(\\+|00)?[0-9]{0,3}[ ]?[0-9]{0,10}",
        ]) {
            if let Err(kind) = PhoneDk::parse(&text) {
                prop_assert!(claims::phone(kind, &text), "{:?} for {:?}", kind, text);
            }
        }

        #[test]
        fn cvr_errors_never_contradict_the_input(text in "(DK|dk)?[0-9 .\\-a-z]{0,14}") {
            if let Err(kind) = Cvr::parse(&text) {
                prop_assert!(claims::cvr(kind, &text), "{:?} for {:?}", kind, text);
            }
        }

        #[test]
        fn postcode_errors_never_contradict_the_input(text in "[0-9 a-z-]{0,8}") {
            if let Err(kind) = Postcode::parse(&text) {
                prop_assert!(claims::postcode(kind, &text), "{:?} for {:?}", kind, text);
            }
        }

        #[test]
        fn number_errors_never_contradict_the_input(text in "-?[0-9 .,a]{0,24}", min in -100i64..100, span in 0i64..10_000) {
            let max = min + span;
            if let Err(kind) = whole_number(&text, min, max) {
                prop_assert!(claims::number(kind, &text, min, max), "{:?} for {:?}", kind, text);
            }
        }
    }
}
