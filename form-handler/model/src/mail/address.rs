//! Addresses as mail headers and Amazon SES take them: ASCII, with an internationalised
//! domain in its IDNA form (`æblehaven.dk` -> `xn--blehaven-i0a.dk`) and a display name
//! with æøå as an RFC 2047 encoded word.

use crate::values::Email;

/// An address that mail can be sent to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// `local@domain`, ASCII only.
    email: String,
    /// A display name (`Socialstyrelsen`), any text.
    name: Option<String>,
}

/// Why an address cannot be used for mail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// The part before `@` has letters outside ASCII: neither plain mail headers nor SES
    /// take it (that needs SMTPUTF8).
    #[error("the part before @ is not ASCII")]
    NotAscii,
    #[error("not an e-mail address")]
    Invalid,
}

impl Address {
    /// The address of a checked e-mail address.
    pub fn of(email: &Email) -> Result<Address, AddressError> {
        let (local, domain) = email
            .as_str()
            .rsplit_once('@')
            .ok_or(AddressError::Invalid)?;
        if !local.is_ascii() {
            return Err(AddressError::NotAscii);
        }
        let domain: Vec<String> = domain.split('.').map(idna_label).collect();
        Ok(Address {
            email: format!("{local}@{}", domain.join(".")),
            name: None,
        })
    }

    /// Parses an address as a person writes it (`navn@eksempel.dk`).
    pub fn parse(text: &str) -> Result<Address, AddressError> {
        let email = Email::parse(text.trim(), 254).map_err(|_| AddressError::Invalid)?;
        Address::of(&email)
    }

    /// The same address with a display name.
    pub fn named(mut self, name: impl Into<String>) -> Address {
        let name = name.into();
        self.name = (!name.trim().is_empty()).then(|| name.trim().to_string());
        self
    }

    /// `local@domain`.
    pub fn email(&self) -> &str {
        &self.email
    }

    /// The address as a header value: `local@domain`, or `Name <local@domain>` with the
    /// name quoted or encoded as needed.
    pub fn header(&self) -> String {
        match &self.name {
            None => self.email.clone(),
            Some(name) => format!("{} <{}>", display_name(name), self.email),
        }
    }
}

/// A display name as a header takes it: plain when it is ASCII letters, digits and spaces,
/// quoted when it has other ASCII signs, an RFC 2047 encoded word when it is not ASCII.
fn display_name(name: &str) -> String {
    if !name.is_ascii() {
        return super::mime::encoded_words(name);
    }
    if name.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ') {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// A domain label in its ASCII form: itself when ASCII, else `xn--` and its Punycode (RFC
/// 3492). The label is already lower case and NFC (as [`Email::parse`] leaves it).
fn idna_label(label: &str) -> String {
    if label.is_ascii() {
        label.to_string()
    } else {
        format!("xn--{}", punycode(label))
    }
}

/// Punycode (RFC 3492, section 6.3): the basic code points, a `-`, then the others as
/// generalised variable-length integers.
fn punycode(input: &str) -> String {
    const BASE: u32 = 36;
    const T_MIN: u32 = 1;
    const T_MAX: u32 = 26;
    let digit = |d: u32| -> char {
        char::from(if d < 26 {
            b'a' + d as u8
        } else {
            b'0' + (d - 26) as u8
        })
    };
    let code_points: Vec<u32> = input.chars().map(u32::from).collect();
    let mut out: String = input.chars().filter(char::is_ascii).collect();
    let basic = out.len() as u32;
    if basic > 0 {
        out.push('-');
    }
    let (mut n, mut delta, mut bias, mut handled) = (128u32, 0u32, 72u32, basic);
    while (handled as usize) < code_points.len() {
        let m = code_points
            .iter()
            .copied()
            .filter(|&c| c >= n)
            .min()
            .unwrap_or(n);
        delta += (m - n) * (handled + 1);
        n = m;
        for &c in &code_points {
            if c < n {
                delta += 1;
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = if k <= bias {
                        T_MIN
                    } else if k >= bias + T_MAX {
                        T_MAX
                    } else {
                        k - bias
                    };
                    if q < t {
                        break;
                    }
                    out.push(digit(t + (q - t) % (BASE - t)));
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                out.push(digit(q));
                bias = adapt(delta, handled + 1, handled == basic);
                delta = 0;
                handled += 1;
            }
        }
        delta += 1;
        n += 1;
    }
    out
}

fn adapt(mut delta: u32, points: u32, first: bool) -> u32 {
    delta /= if first { 700 } else { 2 };
    delta += delta / points;
    let mut k = 0;
    while delta > ((36 - 1) * 26) / 2 {
        delta /= 36 - 1;
        k += 36;
    }
    k + (36 * delta) / (delta + 38)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punycode_of_danish_and_other_labels() {
        // Checked against Python's "label".encode("idna").
        for (label, ascii) in [
            ("æblehaven", "xn--blehaven-i0a"),
            ("sønderborg", "xn--snderborg-l8a"),
            ("århus", "xn--rhus-poa"),
            ("ærø", "xn--r-3fa9c"),
            ("bücher", "xn--bcher-kva"),
            ("例え", "xn--r8jz45g"),
            ("kommune", "kommune"),
        ] {
            assert_eq!(idna_label(label), ascii, "{label}");
        }
    }

    #[test]
    fn addresses_for_headers() {
        let a = Address::parse("Anne@Æblehaven.DK").unwrap();
        assert_eq!(a.email(), "Anne@xn--blehaven-i0a.dk");
        assert_eq!(
            Address::parse("ø@æblehaven.dk"),
            Err(AddressError::NotAscii)
        );
        assert_eq!(
            Address::parse("ikke en adresse"),
            Err(AddressError::Invalid)
        );
        let from = Address::parse("dagtilbudsvejledning@socialstyrelsen.dk").unwrap();
        assert_eq!(
            from.clone().named("Socialstyrelsen").header(),
            "Socialstyrelsen <dagtilbudsvejledning@socialstyrelsen.dk>"
        );
        assert_eq!(
            from.clone().named("Socialstyrelsen, Dagtilbud").header(),
            "\"Socialstyrelsen, Dagtilbud\" <dagtilbudsvejledning@socialstyrelsen.dk>"
        );
        assert_eq!(
            from.named("Rådgivning på dagtilbudsområdet").header(),
            "=?UTF-8?B?UsOlZGdpdm5pbmcgcMOlIGRhZ3RpbGJ1ZHNvbXLDpWRldA==?= <dagtilbudsvejledning@socialstyrelsen.dk>"
        );
    }
}
