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
    #[error("not an e-mail address")]
    Invalid,
    /// A display name with a control character (a line break would start a new header).
    #[error("the name has a control character")]
    ControlInName,
}

impl Address {
    /// The address of a checked e-mail address: its domain in ASCII, as
    /// [`crate::values::ascii_domain`] gives it (the check and the conversion are one).
    pub fn of(email: &Email) -> Result<Address, AddressError> {
        Ok(Address {
            email: email.ascii(),
            name: None,
        })
    }

    /// Parses an address as a person writes it (`navn@eksempel.dk`).
    pub fn parse(text: &str) -> Result<Address, AddressError> {
        let email = Email::parse(text.trim(), 254).map_err(|_| AddressError::Invalid)?;
        Address::of(&email)
    }

    /// The same address with a display name; control characters are refused (see
    /// [`Address::checked_name`]) and, should one come anyway, written as spaces.
    pub fn named(mut self, name: impl Into<String>) -> Address {
        let name: String = name
            .into()
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        self.name = (!name.trim().is_empty()).then(|| name.trim().to_string());
        self
    }

    /// The same address with a display name, refused when the name has a control
    /// character (`MAIL_FROM_NAME` with CR LF would otherwise add a header).
    pub fn checked_name(self, name: &str) -> Result<Address, AddressError> {
        if name.chars().any(char::is_control) {
            return Err(AddressError::ControlInName);
        }
        Ok(self.named(name))
    }

    /// `local@domain`.
    pub fn email(&self) -> &str {
        &self.email
    }

    /// The display name, if any.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_by_uts46_checked_as_dns_takes_them() {
        for (typed, ascii) in [
            ("a@æblehaven.dk", Some("a@xn--blehaven-i0a.dk")),
            ("a@sønderborg.dk", Some("a@xn--snderborg-l8a.dk")),
            ("a@bücher.de", Some("a@xn--bcher-kva.de")),
            ("a@例え.jp", Some("a@xn--r8jz45g.jp")),
            // Full-width letters are the ASCII ones (as browsers map them).
            ("a@ｅｘａｍｐｌｅ.dk", Some("a@example.dk")),
            ("a@EXAMPLE.DK", Some("a@example.dk")),
            // Checked against Python's "label".encode("idna").
            (
                "a@一二三四五六七八九十一二三四五六七八九十一.dk",
                Some("a@xn--4gqaakb7ac48dd77be6gf782hgaxh335fia935pja.dk"),
            ),
            // 36 characters are 81 in ASCII: longer than a DNS label may be.
            (
                "a@日本語の長いドメイン名はとても長くなりますので気をつけてくださいね本当に.jp",
                None,
            ),
            ("a@-x.dk", None),
            ("a@x_y.dk", None),
            ("a@x.1", None),
        ] {
            let got = Address::parse(typed).ok().map(|a| a.email().to_string());
            assert_eq!(got.as_deref(), ascii, "{typed}");
        }
    }

    #[test]
    fn a_control_character_in_the_senders_name_is_refused() {
        let from = Address::parse("a@b.dk").unwrap();
        assert_eq!(
            from.clone().checked_name("Socialstyrelsen\r\nBcc: x@y.dk"),
            Err(AddressError::ControlInName)
        );
        assert_eq!(
            from.named("A\r\nBcc: x@y.dk").name(),
            Some("A  Bcc: x@y.dk")
        );
    }

    #[test]
    fn addresses_for_mail() {
        let a = Address::parse("Anne@Æblehaven.DK").unwrap();
        assert_eq!(a.email(), "Anne@xn--blehaven-i0a.dk");
        assert_eq!(Address::parse("ø@æblehaven.dk"), Err(AddressError::Invalid));
        assert_eq!(
            Address::parse("ikke en adresse"),
            Err(AddressError::Invalid)
        );
        assert_eq!(a.clone().named("  ").name(), None);
        assert_eq!(a.named(" Anne ").name(), Some("Anne"));
    }
}
