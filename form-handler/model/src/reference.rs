//! Reference numbers that applicants read out on the phone, such as "ABC-DEF-GHR".
//!
//! A reference is 8 random symbols and 1 check symbol from a 31-symbol alphabet without the
//! easily confused 0, O, 1, I and L, grouped in threes with dashes.
//!
//! The check symbol makes the weighted sum of all 9 symbol values, with weights
//! 1, 2, …, 8 for the random symbols and 30 (that is, −1) for the check symbol, divisible
//! by 31. Since 31 is prime, every non-zero weight times every non-zero change of a symbol
//! value is non-zero mod 31, so every single-symbol substitution is detected. Swapping
//! adjacent symbols `a` and `b` at weights `w` and `w'` changes the sum by
//! `(w − w')(b − a)`, and all adjacent weights differ (by 1, or by 8 − 30 ≡ 9), so every
//! transposition of two different adjacent symbols is detected too.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The 31 symbols, in the order of their values 0..=30.
pub const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// The symbols left out of [`ALPHABET`] because they are easily confused.
const CONFUSABLE: [char; 5] = ['0', 'O', '1', 'I', 'L'];

/// The number of random symbols.
const RANDOM_SYMBOLS: usize = 8;

/// The number of symbols including the check symbol.
const SYMBOLS: usize = RANDOM_SYMBOLS + 1;

/// The size of the alphabet, a prime.
const BASE: u8 = 31;

/// Random bytes below this are used (as `byte % 31`) and the rest rejected, so that every
/// symbol is equally likely: 248 = 8 × 31.
const ACCEPT_BELOW: u8 = 248;

/// A reference number, always valid and in its canonical form "ABC-DEF-GHJ".
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference(String);

/// Why a text is not a reference number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    /// One of 0, O, 1, I and L, which references never contain.
    #[error("'{symbol}' is never used in reference numbers (they have no 0, O, 1, I or L)")]
    Confusable { symbol: char },
    /// Any other character that is not a symbol, dash or space.
    #[error("'{symbol}' is not a reference number symbol")]
    InvalidSymbol { symbol: char },
    /// Not 9 symbols (dashes and spaces not counted).
    #[error("a reference number has 9 symbols, this has {found}")]
    WrongLength { found: usize },
    /// The check symbol does not match: a symbol is mistyped or two are swapped.
    #[error("the reference number's check symbol does not match")]
    CheckFailed,
}

impl Reference {
    /// A new reference from the operating system's random number generator.
    ///
    /// # Panics
    ///
    /// If the operating system cannot provide randomness; use [`Reference::try_generate`]
    /// where that must be handled (release builds abort on panic).
    pub fn generate() -> Self {
        Self::try_generate().expect("the operating system provides randomness")
    }

    /// A new reference from the operating system's random number generator.
    pub fn try_generate() -> Result<Self, getrandom::Error> {
        let mut buffer = [0u8; 16];
        let mut used = buffer.len();
        Self::generate_from(|| {
            if used == buffer.len() {
                getrandom::fill(&mut buffer)?;
                used = 0;
            }
            used += 1;
            Ok(buffer[used - 1])
        })
    }

    /// A new reference from the random bytes that `rng` returns, for deterministic tests.
    ///
    /// Bytes of 248 and above are skipped (rejection sampling), so `rng` must not return
    /// only those.
    pub fn generate_with(rng: &mut impl FnMut() -> u8) -> Self {
        let Ok(reference) = Self::generate_from(|| Ok::<u8, Infallible>(rng()));
        reference
    }

    /// Parses a reference as an applicant may type it: any case, with dashes, spaces or
    /// neither ("abc def ghj", "ABCDEFGHJ").
    pub fn parse(text: &str) -> Result<Self, ReferenceError> {
        let values = text
            .chars()
            .filter(|c| !is_separator(*c))
            .map(symbol_value)
            .collect::<Result<Vec<u8>, ReferenceError>>()?;
        let values: [u8; SYMBOLS] =
            values
                .try_into()
                .map_err(|values: Vec<u8>| ReferenceError::WrongLength {
                    found: values.len(),
                })?;
        if !check_holds(&values) {
            return Err(ReferenceError::CheckFailed);
        }
        Ok(Self(canonical(&values)))
    }

    /// The reference in its canonical form "ABC-DEF-GHJ".
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A reference from random bytes, failing only if `next` fails.
    fn generate_from<E>(mut next: impl FnMut() -> Result<u8, E>) -> Result<Self, E> {
        let mut values = [0u8; SYMBOLS];
        for value in &mut values[..RANDOM_SYMBOLS] {
            *value = uniform_value(&mut next)?;
        }
        values[RANDOM_SYMBOLS] = check_value(&values);
        Ok(Self(canonical(&values)))
    }
}

/// A uniformly distributed symbol value from random bytes, by rejection sampling.
fn uniform_value<E>(next: &mut impl FnMut() -> Result<u8, E>) -> Result<u8, E> {
    loop {
        let byte = next()?;
        if byte < ACCEPT_BELOW {
            return Ok(byte % BASE);
        }
    }
}

/// The check value of the random symbols: the sum of their values weighted 1..=8, mod 31.
fn check_value(values: &[u8; SYMBOLS]) -> u8 {
    let sum: u32 = (1..)
        .zip(&values[..RANDOM_SYMBOLS])
        .map(|(weight, value)| weight * u32::from(*value))
        .sum();
    // Below 31, so the narrowing is lossless.
    (sum % u32::from(BASE)) as u8
}

/// Whether the last value is the check value of the others.
fn check_holds(values: &[u8; SYMBOLS]) -> bool {
    values[RANDOM_SYMBOLS] == check_value(values)
}

/// The canonical text of symbol values: "ABC-DEF-GHJ".
fn canonical(values: &[u8; SYMBOLS]) -> String {
    let mut text = String::with_capacity(SYMBOLS + 2);
    for (index, value) in values.iter().enumerate() {
        if index > 0 && index % 3 == 0 {
            text.push('-');
        }
        text.push(char::from(ALPHABET[usize::from(*value)]));
    }
    text
}

/// Whether `c` may separate symbols in typed input.
fn is_separator(c: char) -> bool {
    c == '-' || c.is_whitespace()
}

/// The value of a typed symbol, in either case.
fn symbol_value(symbol: char) -> Result<u8, ReferenceError> {
    let upper = symbol.to_ascii_uppercase();
    if CONFUSABLE.contains(&upper) {
        return Err(ReferenceError::Confusable { symbol });
    }
    ALPHABET
        .iter()
        .position(|c| char::from(*c) == upper)
        .and_then(|position| u8::try_from(position).ok())
        .ok_or(ReferenceError::InvalidSymbol { symbol })
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Reference {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for Reference {
    type Err = ReferenceError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl Serialize for Reference {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Reference {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    /// A deterministic byte source (xorshift64) for reproducible samples.
    fn xorshift(seed: u64) -> impl FnMut() -> u8 {
        let mut state = seed;
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        }
    }

    fn sample(count: usize) -> Vec<Reference> {
        let mut rng = xorshift(0x5eed_cafe_f00d_d00d);
        (0..count)
            .map(|_| Reference::generate_with(&mut rng))
            .collect()
    }

    /// The 9 symbols of a reference, without dashes.
    fn symbols(reference: &Reference) -> Vec<u8> {
        reference.as_str().bytes().filter(|b| *b != b'-').collect()
    }

    fn text(symbols: &[u8]) -> String {
        String::from_utf8(symbols.to_vec()).expect("ASCII")
    }

    fn has_canonical_form(text: &str) -> bool {
        let bytes = text.as_bytes();
        bytes.len() == 11
            && bytes.iter().enumerate().all(|(index, byte)| match index {
                3 | 7 => *byte == b'-',
                _ => ALPHABET.contains(byte),
            })
    }

    #[test]
    fn alphabet_has_31_distinct_unconfusable_symbols() {
        let distinct: HashSet<&u8> = ALPHABET.iter().collect();
        assert_eq!(distinct.len(), 31);
        for confusable in CONFUSABLE {
            assert!(!ALPHABET.contains(&(confusable as u8)), "{confusable}");
        }
    }

    #[test]
    fn known_reference() {
        // A..H are values 8..=15; (1*8 + 2*9 + ... + 8*15) % 31 = 456 % 31 = 22, which is R.
        let reference = Reference::parse("ABC-DEF-GHR").expect("valid");
        assert_eq!(reference.as_str(), "ABC-DEF-GHR");
        assert_eq!(
            Reference::parse("ABC-DEF-GHJ"),
            Err(ReferenceError::CheckFailed)
        );
    }

    #[test]
    fn generated_references_have_the_canonical_form_and_round_trip() {
        for reference in sample(1000).into_iter().chain([Reference::generate()]) {
            assert!(has_canonical_form(reference.as_str()), "{reference}");
            assert_eq!(reference.to_string(), reference.as_str());
            assert_eq!(
                Reference::parse(reference.as_str()).as_ref(),
                Ok(&reference)
            );
        }
    }

    #[test]
    fn parse_accepts_lower_case_spaces_and_no_dashes() {
        let reference = Reference::parse("ABC-DEF-GHR").expect("valid");
        for typed in [
            "abc def ghr",
            "ABCDEFGHR",
            " abc-def-ghr ",
            "AbCd EfGh-r",
            "abc\tdef ghr",
        ] {
            assert_eq!(Reference::parse(typed).as_ref(), Ok(&reference), "{typed}");
        }
    }

    #[test]
    fn check_detects_every_substitution_and_adjacent_transposition() {
        for reference in sample(3000) {
            let original = symbols(&reference);
            for position in 0..SYMBOLS {
                for replacement in ALPHABET.iter().filter(|c| **c != original[position]) {
                    let mut typo = original.clone();
                    typo[position] = *replacement;
                    let result = Reference::parse(&text(&typo));
                    assert_eq!(result, Err(ReferenceError::CheckFailed), "{}", text(&typo));
                }
            }
            for position in 0..SYMBOLS - 1 {
                let mut swapped = original.clone();
                swapped.swap(position, position + 1);
                if swapped != original {
                    let result = Reference::parse(&text(&swapped));
                    assert_eq!(
                        result,
                        Err(ReferenceError::CheckFailed),
                        "{}",
                        text(&swapped)
                    );
                }
            }
        }
    }

    #[test]
    fn rejects_confusable_symbols() {
        for symbol in ['0', 'O', 'o', '1', 'I', 'i', 'L', 'l'] {
            let typed = format!("ABC-DEF-GH{symbol}");
            assert_eq!(
                Reference::parse(&typed),
                Err(ReferenceError::Confusable { symbol })
            );
        }
        let message = ReferenceError::Confusable { symbol: 'O' }.to_string();
        assert!(message.contains("no 0, O, 1, I or L"), "{message}");
    }

    #[test]
    fn rejects_other_characters_and_wrong_lengths() {
        let invalid = |symbol| Err(ReferenceError::InvalidSymbol { symbol });
        assert_eq!(Reference::parse("ABC-DEF-GH!"), invalid('!'));
        assert_eq!(Reference::parse("ABC-DEF-GHÆ"), invalid('Æ'));
        assert_eq!(Reference::parse("ABC_DEF_GHR"), invalid('_'));
        let wrong = |found| Err(ReferenceError::WrongLength { found });
        assert_eq!(Reference::parse(""), wrong(0));
        assert_eq!(Reference::parse("ABC-DEF"), wrong(6));
        assert_eq!(Reference::parse("ABC-DEF-GHR-A"), wrong(10));
    }

    #[test]
    fn rejection_sampling_skips_high_bytes_and_is_uniform() {
        let mut bytes = [255u8, 248, 0, 30, 31, 247, 1, 2, 3, 4].into_iter();
        let mut rng = || bytes.next().unwrap_or(0);
        let reference = Reference::generate_with(&mut rng);
        // 0 → '2', 30 → 'Z', 31 → '2', 247 → 247 % 31 = 30 → 'Z', 1..=4 → '3'..='6'.
        assert_eq!(&reference.as_str()[..10], "2Z2-Z34-56");
        let mut counts = [0u32; 31];
        for byte in 0..ACCEPT_BELOW {
            let mut once = || Ok::<u8, Infallible>(byte);
            let Ok(value) = uniform_value(&mut once);
            counts[usize::from(value)] += 1;
        }
        assert!(counts.iter().all(|count| *count == 8), "{counts:?}");
    }

    #[test]
    fn ten_thousand_generated_references_are_distinct() {
        let references: HashSet<Reference> = (0..10_000).map(|_| Reference::generate()).collect();
        assert_eq!(references.len(), 10_000);
    }

    #[test]
    fn serde_uses_the_dashed_text() {
        let reference = Reference::parse("abcdefghr").expect("valid");
        let json = serde_json::to_string(&reference).expect("serializes");
        assert_eq!(json, r#""ABC-DEF-GHR""#);
        let back: Reference = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, reference);
        assert!(serde_json::from_str::<Reference>(r#""ABC-DEF-GHJ""#).is_err());
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_accepts_only_canonical_forms(text in "\\PC{0,20}") {
            if let Ok(reference) = Reference::parse(&text) {
                prop_assert!(has_canonical_form(reference.as_str()));
            }
        }

        #[test]
        fn every_random_reference_round_trips(seed in any::<u64>().prop_filter("xorshift needs a non-zero seed", |s| *s != 0)) {
            let reference = Reference::generate_with(&mut xorshift(seed));
            let typed = reference.as_str().to_lowercase().replace('-', " ");
            prop_assert_eq!(Reference::parse(&typed), Ok(reference));
        }
    }
}
