//! A mail as an Internet message (RFC 5322 with MIME): what SES is given raw, and the
//! `.eml` files of local previews. Built by `mail-builder`, not by hand: headers in ASCII
//! (æøå as RFC 2047 encoded words, folded within 76 characters a line), a
//! `multipart/alternative` body with the plain text first and the HTML second, in UTF-8.

use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address as Header;

use super::{Address, Mail};

/// An address as a header value.
fn header(address: &Address) -> Header<'_> {
    Header::new_address(address.name(), address.email())
}

/// The message for `mail` from `from`, sent at `date`.
pub fn to_eml(mail: &Mail, from: &Address, date: jiff::Timestamp) -> String {
    let mut message = MessageBuilder::new()
        .from(header(from))
        .to(Header::new_list(mail.to.iter().map(header).collect()))
        .subject(mail.subject.as_str())
        .date(date.as_second())
        .message_id(format!(
            "{}.{}@preview.invalid",
            mail.reference,
            mail.kind.as_str()
        ))
        .text_body(mail.text.as_str())
        .html_body(mail.html.as_str());
    if let Some(reply_to) = &mail.reply_to {
        message = message.reply_to(header(reply_to));
    }
    // Writing into a String cannot fail.
    message.write_to_string().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::MailKind;

    fn mail(subject: &str) -> Mail {
        Mail {
            kind: MailKind::Receipt,
            reference: "ABC-DEF-GHJ".into(),
            to: vec![
                Address::parse("anne@æblehaven.dk")
                    .unwrap()
                    .named("Anne Sørensen"),
            ],
            reply_to: None,
            subject: subject.into(),
            html: "<p>Tak for ansøgningen</p>".into(),
            text: "Tak for ansøgningen".into(),
        }
    }

    fn from() -> Address {
        Address::parse("dagtilbud@socialstyrelsen.dk")
            .unwrap()
            .named("Rådgivning på dagtilbudsområdet, Socialstyrelsen")
    }

    #[test]
    fn every_line_stays_within_the_rfcs_limits() {
        let subject =
            "Ny ansøgning: Minivejledningsforløb til selvejende og private dagtilbud – ABC-DEF-GHJ";
        let eml = to_eml(&mail(subject), &from(), jiff::Timestamp::UNIX_EPOCH);
        for line in eml.split("\r\n") {
            assert!(line.len() <= 76, "{} characters: {line}", line.len());
            assert!(line.is_ascii(), "{line}");
        }
        let parsed = mail_parser::MessageParser::default()
            .parse(eml.as_bytes())
            .unwrap();
        assert_eq!(parsed.subject(), Some(subject));
        assert_eq!(parsed.body_text(0).as_deref(), Some("Tak for ansøgningen"));
        let to = parsed.to().and_then(|t| t.first()).unwrap();
        assert_eq!(to.address(), Some("anne@xn--blehaven-i0a.dk"));
        assert_eq!(to.name(), Some("Anne Sørensen"));
        let from = parsed.from().and_then(|t| t.first()).unwrap();
        assert_eq!(
            from.name(),
            Some("Rådgivning på dagtilbudsområdet, Socialstyrelsen")
        );
    }

    #[test]
    fn a_name_cannot_add_a_header() {
        let from = Address::parse("a@b.dk")
            .unwrap()
            .named("Socialstyrelsen\r\nBcc: x@y.dk");
        let eml = to_eml(&mail("Kvittering"), &from, jiff::Timestamp::UNIX_EPOCH);
        assert!(!eml.lines().any(|l| l.starts_with("Bcc:")), "{eml}");
    }
}
