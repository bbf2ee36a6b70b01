//! A mail as an Internet message (RFC 5322 with MIME), for the `.eml` files of local
//! previews: headers in ASCII (æøå as RFC 2047 encoded words), a `multipart/alternative`
//! body with the plain text first and the HTML second, both UTF-8 in base64.

use super::{Address, Mail};

/// The message for `mail` from `from`, sent at `date`.
pub fn to_eml(mail: &Mail, from: &Address, date: jiff::Timestamp) -> String {
    let boundary = format!("=_{}_{}", mail.reference, mail.kind.as_str());
    let mut out = String::new();
    let mut header = |name: &str, value: &str| {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(value);
        out.push_str("\r\n");
    };
    header("From", &from.header());
    header(
        "To",
        &mail
            .to
            .iter()
            .map(Address::header)
            .collect::<Vec<_>>()
            .join(", "),
    );
    if let Some(reply_to) = &mail.reply_to {
        header("Reply-To", &reply_to.header());
    }
    header("Subject", &encoded_words(&mail.subject));
    header("Date", &rfc5322_date(date));
    header(
        "Message-ID",
        &format!(
            "<{}.{}@preview.invalid>",
            mail.reference,
            mail.kind.as_str()
        ),
    );
    header("MIME-Version", "1.0");
    header(
        "Content-Type",
        &format!("multipart/alternative; boundary=\"{boundary}\""),
    );
    out.push_str("\r\n");
    for (kind, body) in [("plain", &mail.text), ("html", &mail.html)] {
        out.push_str(&format!(
            "--{boundary}\r\nContent-Type: text/{kind}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        ));
        let encoded = base64(body.as_bytes());
        for line in encoded.as_bytes().chunks(76) {
            out.push_str(std::str::from_utf8(line).unwrap_or_default());
            out.push_str("\r\n");
        }
    }
    out.push_str(&format!("--{boundary}--\r\n"));
    out
}

/// `text` as a header value: itself when it is printable ASCII, else RFC 2047 encoded words
/// (`=?UTF-8?B?...?=`), each at most 75 characters and never splitting a character,
/// separated by folding white space.
pub fn encoded_words(text: &str) -> String {
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return text.to_string();
    }
    // 45 bytes of UTF-8 are 60 base64 characters: 72 with `=?UTF-8?B?` and `?=`.
    let mut words = Vec::new();
    let mut start = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        if i + c.len_utf8() - start > 45 {
            words.push(&text[start..end]);
            start = i;
        }
        end = i + c.len_utf8();
    }
    words.push(&text[start..end]);
    words
        .iter()
        .map(|w| format!("=?UTF-8?B?{}?=", base64(w.as_bytes())))
        .collect::<Vec<_>>()
        .join("\r\n ")
}

/// `Fri, 01 Mar 2019 10:05:00 +0000`
fn rfc5322_date(at: jiff::Timestamp) -> String {
    at.strftime("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

/// Standard base64 with padding (RFC 4648).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_as_the_rfc_gives_it() {
        // RFC 4648, section 10.
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn long_danish_subjects_become_short_encoded_words() {
        let subject =
            "Ny ansøgning: Minivejledningsforløb til selvejende og private dagtilbud – ABC-DEF-GHJ";
        let encoded = encoded_words(subject);
        let mut decoded = Vec::new();
        for word in encoded.split("\r\n ") {
            assert!(word.len() <= 75, "{word}");
            let b64 = word
                .strip_prefix("=?UTF-8?B?")
                .and_then(|w| w.strip_suffix("?="))
                .unwrap();
            decoded.extend(decode(b64));
        }
        assert_eq!(String::from_utf8(decoded).unwrap(), subject);
        assert_eq!(encoded_words("Plain ASCII"), "Plain ASCII");
    }

    fn decode(text: &str) -> Vec<u8> {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .unwrap()
    }

    #[test]
    fn dates_as_mail_writes_them() {
        let at: jiff::Timestamp = "2019-03-01T09:05:00Z".parse().unwrap();
        assert_eq!(rfc5322_date(at), "Fri, 01 Mar 2019 09:05:00 +0000");
    }
}
