//! From a posted body to a typed [`Submission`]: urlencoded or JSON bodies become a
//! [`PostedFields`] (strict percent-decoding and UTF-8), and [`Submission::from_raw`] checks every
//! field against its definition, collecting every field error at once.

use std::collections::BTreeMap;

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::definition::{ErrorKind, Field, FieldKind, FormDef, Requirement};
use crate::kommuner::Kommuner;
use crate::values::{self, Cvr, Email, Kommunekode, PhoneDk, Postcode};

/// A body that is not a well-formed form post (HTTP 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error("bad percent-encoding at byte {0}")]
    BadPercent(usize),
    #[error("the body is not valid UTF-8")]
    NotUtf8,
    #[error("the body is not a JSON object of strings: {0}")]
    BadJson(String),
    #[error("unknown field `{0}`")]
    UnknownField(String),
    #[error("the field `{0}` is sent more than once")]
    Repeated(String),
}

/// The fields of a post as sent, in order, names and values decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostedFields(pub Vec<(String, String)>);

impl PostedFields {
    /// Parses `application/x-www-form-urlencoded`: `&`-separated pairs, `+` as space,
    /// `%XX` escapes; anything malformed is an error rather than a guess.
    pub fn from_urlencoded(body: &[u8]) -> Result<PostedFields, BodyError> {
        let mut pairs = Vec::new();
        let mut offset = 0;
        for part in body.split(|b| *b == b'&') {
            if !part.is_empty() {
                let (name, value) = match part.iter().position(|b| *b == b'=') {
                    Some(i) => (&part[..i], &part[i + 1..]),
                    None => (part, &b""[..]),
                };
                let name = decode(name, offset)?;
                let value = decode(value, offset + name.len() + 1)?;
                pairs.push((name, value));
            }
            offset += part.len() + 1;
        }
        Ok(PostedFields(pairs))
    }

    /// Parses a JSON object whose values are strings, numbers, booleans or null.
    pub fn from_json(body: &[u8]) -> Result<PostedFields, BodyError> {
        let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
            if std::str::from_utf8(body).is_err() {
                BodyError::NotUtf8
            } else {
                BodyError::BadJson(e.to_string())
            }
        })?;
        let serde_json::Value::Object(map) = value else {
            return Err(BodyError::BadJson("expected an object".into()));
        };
        let mut pairs = Vec::with_capacity(map.len());
        for (k, v) in map {
            let text = match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => {
                    if b {
                        "on".into()
                    } else {
                        String::new()
                    }
                }
                serde_json::Value::Null => String::new(),
                _ => {
                    return Err(BodyError::BadJson(format!(
                        "the value of `{k}` is not a string"
                    )));
                }
            };
            pairs.push((k, text));
        }
        Ok(PostedFields(pairs))
    }
}

fn decode(bytes: &[u8], offset: usize) -> Result<String, BodyError> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = |b: u8| (b as char).to_digit(16);
                let (Some(h), Some(l)) = (
                    bytes.get(i + 1).copied().and_then(hex),
                    bytes.get(i + 2).copied().and_then(hex),
                ) else {
                    return Err(BodyError::BadPercent(offset + i));
                };
                out.push((h * 16 + l) as u8);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| BodyError::NotUtf8)
}

/// One field that is not filled in correctly, with the message the applicant sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: ErrorKind,
    pub message: String,
}

/// A checked value of one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Text(String),
    Email(Email),
    Phone(PhoneDk),
    Number(i64),
    Bool(bool),
    Cvr(Cvr),
    Postcode(Postcode),
    Kommune(Kommunekode),
}

/// A valid application: every field checked and typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Submission {
    pub form_id: String,
    /// Field id -> value; fields left empty (and not required) are absent.
    pub values: BTreeMap<String, Value>,
    /// True when the hidden honeypot field was filled in: a bot, to be answered as usual
    /// and not stored.
    #[serde(skip)]
    pub honeypot: bool,
}

/// Trimmed, NFC-normalised text of each field as sent, for checking and for showing the
/// applicant their own input again.
pub type Entered = BTreeMap<String, String>;

/// What checking a post against its form gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// Every field is valid.
    Valid(Submission),
    /// Field errors, every one, with the text as the applicant entered it.
    Invalid {
        entered: Entered,
        errors: Vec<FieldError>,
    },
    /// Not a post of this form: an unknown or repeated field.
    Malformed(BodyError),
}

impl Checked {
    /// The submission, when every field is valid.
    pub fn valid(self) -> Option<Submission> {
        match self {
            Checked::Valid(s) => Some(s),
            Checked::Invalid { .. } | Checked::Malformed(_) => None,
        }
    }
}

impl Submission {
    /// Checks `raw` against `form`: unknown or repeated fields make the post malformed;
    /// otherwise every field error is collected.
    pub fn from_raw(form: &FormDef, kommuner: &Kommuner, raw: &PostedFields) -> Checked {
        let entered = match entered(form, raw) {
            Ok(entered) => entered,
            Err(e) => return Checked::Malformed(e),
        };
        let honeypot = raw
            .0
            .iter()
            .any(|(k, v)| k == crate::HONEYPOT && !v.trim().is_empty());
        let mut values = BTreeMap::new();
        let mut errors = Vec::new();
        for field in &form.fields {
            let text = entered.get(&field.id).map_or("", String::as_str);
            match check(field, text, &entered, kommuner) {
                Ok(Some(v)) => {
                    values.insert(field.id.clone(), v);
                }
                Ok(None) => {}
                Err(code) => errors.push(FieldError {
                    field: field.id.clone(),
                    code,
                    message: field.message(code).to_string(),
                }),
            }
        }
        if errors.is_empty() {
            Checked::Valid(Submission {
                form_id: form.id.clone(),
                values,
                honeypot,
            })
        } else {
            Checked::Invalid { entered, errors }
        }
    }
}

/// The fields of `raw` that the form knows, trimmed and NFC-normalised.
pub fn entered(form: &FormDef, raw: &PostedFields) -> Result<Entered, BodyError> {
    let mut out = Entered::new();
    for (name, value) in &raw.0 {
        if name == crate::HONEYPOT {
            continue;
        }
        if form.field(name).is_none() {
            return Err(BodyError::UnknownField(name.clone()));
        }
        // Browsers post textarea line breaks as CRLF; count them as one character, as the
        // browser's own `maxlength` does.
        let clean: String = value.replace("\r\n", "\n").trim().nfc().collect();
        if out.insert(name.clone(), clean).is_some() {
            return Err(BodyError::Repeated(name.clone()));
        }
    }
    Ok(out)
}

/// Whether `field` must be filled in, given what else was entered.
pub fn is_required(field: &Field, entered: &Entered) -> bool {
    match &field.requirement {
        Requirement::Optional => false,
        Requirement::Required => true,
        Requirement::RequiredWhen {
            field: other,
            values,
        } => entered.get(other).is_some_and(|v| values.contains(v)),
    }
}

fn check(
    field: &Field,
    text: &str,
    entered: &Entered,
    kommuner: &Kommuner,
) -> Result<Option<Value>, ErrorKind> {
    if let FieldKind::Checkbox = field.kind {
        let ticked = values::checkbox(text);
        let required = is_required(field, entered);
        if !ticked && required {
            return Err(ErrorKind::Required);
        }
        // A conditional box the answers did not ask for is not a "no" (a kommune or a
        // kommunalt dagtilbud is not asked whether a board backs the application): absent,
        // like an empty field.
        let not_asked = matches!(field.requirement, Requirement::RequiredWhen { .. }) && !required;
        return Ok((ticked || !not_asked).then_some(Value::Bool(ticked)));
    }
    if text.is_empty() {
        return if is_required(field, entered) {
            Err(ErrorKind::Required)
        } else {
            Ok(None)
        };
    }
    let value = match &field.kind {
        FieldKind::Text {
            min_length,
            max_length,
        }
        | FieldKind::Textarea {
            min_length,
            max_length,
        } => Value::Text(values::bounded_text(text, *min_length, *max_length)?),
        FieldKind::Email { max_length } => Value::Email(Email::parse(text, *max_length)?),
        FieldKind::Tel => Value::Phone(PhoneDk::parse(text)?),
        FieldKind::Number { min, max } => Value::Number(values::whole_number(text, *min, *max)?),
        FieldKind::Select { options } | FieldKind::Radio { options } => {
            if !options.iter().any(|o| o.value == text) {
                return Err(ErrorKind::Unknown);
            }
            Value::Text(text.to_string())
        }
        FieldKind::Checkbox => unreachable!("handled above"),
        FieldKind::Cvr => Value::Cvr(Cvr::parse(text)?),
        FieldKind::Postcode => Value::Postcode(Postcode::parse(text)?),
        FieldKind::Kommune => Value::Kommune(Kommunekode::parse(text, kommuner)?),
    };
    Ok(Some(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn urlencoded_decoding_is_strict() {
        let raw = PostedFields::from_urlencoded(b"navn=Anne+S%C3%B8rensen&tom=&flag&x=a%2Bb%26c")
            .unwrap();
        assert_eq!(
            raw.0,
            [
                ("navn".into(), "Anne Sørensen".into()),
                ("tom".into(), String::new()),
                ("flag".into(), String::new()),
                ("x".into(), "a+b&c".into())
            ]
        );
        assert_eq!(
            PostedFields::from_urlencoded(b"a=%4"),
            Err(BodyError::BadPercent(2))
        );
        assert_eq!(
            PostedFields::from_urlencoded(b"a=%zz"),
            Err(BodyError::BadPercent(2))
        );
        assert_eq!(
            PostedFields::from_urlencoded(b"a=%C3%28"),
            Err(BodyError::NotUtf8)
        );
        assert_eq!(
            PostedFields::from_urlencoded(b"a=\xff"),
            Err(BodyError::NotUtf8)
        );
        assert_eq!(
            PostedFields::from_urlencoded(b"a=1&a=2").unwrap().0.len(),
            2,
            "repeats are kept; the form decides"
        );
    }

    #[test]
    fn json_bodies() {
        let raw =
            PostedFields::from_json(br#"{"navn":"Anne","antal":3,"ok":true,"tom":null}"#).unwrap();
        assert_eq!(raw.0.len(), 4);
        assert!(matches!(
            PostedFields::from_json(b"[1]"),
            Err(BodyError::BadJson(_))
        ));
        assert!(matches!(
            PostedFields::from_json(br#"{"a":[1]}"#),
            Err(BodyError::BadJson(_))
        ));
        assert!(matches!(
            PostedFields::from_json(b"{\"a\":"),
            Err(BodyError::BadJson(_))
        ));
    }

    #[test]
    fn a_conditional_box_not_asked_for_is_absent_not_false() {
        let forms = crate::forms::Forms::embedded().unwrap();
        let form = forms.get("minivejledning").unwrap();
        let post = |kind: &str, board: &str| {
            let body = format!(
                "ansoegertype={kind}&institution=Myretuen&deltagende_dagtilbud=Myretuen&cvr=10103940&kommune=101&adresse=Vej+1&postnummer=1550&by=K%C3%B8benhavn&kontakt_navn=A&kontakt_stilling=B&kontakt_email=a%40example.dk&kontakt_telefon=22334455&udfordring={}&ledelsesopbakning=on&bestyrelsesopbakning={board}&privatliv=on",
                "x".repeat(60)
            );
            let raw = PostedFields::from_urlencoded(body.as_bytes()).unwrap();
            Submission::from_raw(form, &forms.kommuner, &raw)
                .valid()
                .unwrap()
                .values
                .get("bestyrelsesopbakning")
                .cloned()
        };
        assert_eq!(post("kommune", ""), None, "not asked of a kommune");
        assert_eq!(post("kommunalt", ""), None, "nor of a kommunalt dagtilbud");
        assert_eq!(
            post("kommune", "on"),
            Some(Value::Bool(true)),
            "but kept when given"
        );
        assert_eq!(post("selvejende", "on"), Some(Value::Bool(true)));
        assert_eq!(post("privat", "on"), Some(Value::Bool(true)));
    }

    #[test]
    fn a_conditional_box_that_is_asked_for_must_be_ticked() {
        let forms = crate::forms::Forms::embedded().unwrap();
        let form = forms.get("minivejledning").unwrap();
        let body = format!(
            "ansoegertype=selvejende&institution=Myretuen&cvr=10103940&kommune=101&adresse=Vej+1&postnummer=1550&by=K%C3%B8benhavn&kontakt_navn=A&kontakt_stilling=B&kontakt_email=a%40example.dk&kontakt_telefon=22334455&udfordring={}&ledelsesopbakning=on&privatliv=on",
            "x".repeat(60)
        );
        let raw = PostedFields::from_urlencoded(body.as_bytes()).unwrap();
        let Checked::Invalid { errors, .. } = Submission::from_raw(form, &forms.kommuner, &raw)
        else {
            panic!("an unticked board box is an error for a selvejende dagtilbud");
        };
        let found: Vec<_> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(found, [("bestyrelsesopbakning", ErrorKind::Required)]);
    }

    proptest! {
        #[test]
        fn any_bytes_parse_or_fail_cleanly(body in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = PostedFields::from_urlencoded(&body);
            let _ = PostedFields::from_json(&body);
        }

        #[test]
        fn encoding_then_decoding_gives_the_text_back(name in "[a-z_]{1,10}", value in "\\PC{0,40}") {
            let mut body = format!("{name}=");
            for b in value.bytes() {
                if b.is_ascii_alphanumeric() { body.push(b as char) } else if b == b' ' { body.push('+') } else { body.push_str(&format!("%{b:02X}")) }
            }
            let raw = PostedFields::from_urlencoded(body.as_bytes()).unwrap();
            prop_assert_eq!(&raw.0[0].1, &value);
        }
    }
}
