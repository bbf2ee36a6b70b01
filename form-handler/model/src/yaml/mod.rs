//! The one place that knows which YAML libraries we use: `serde_yaml` (deprecated upstream
//! but chosen for this project) for values and syntax errors, `saphyr-parser` for where
//! keys and values are written ([`places`]). Everything else sees [`Node`], [`YamlError`],
//! [`Places`], [`Table`] and the functions here, so a library can be swapped by editing
//! this module alone.

mod keys;
mod places;

pub use keys::{Inner, Key, Table, UnknownKey, fill_docs};
pub use places::{Places, Pos, Spot};

use serde::Serialize;

use crate::diagnostics::Code;
use serde::de::DeserializeOwned;

/// A YAML syntax error, located relative to the start of the text that was parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based line within the parsed text.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    pub message: String,
}

impl YamlError {
    /// The kind of problem: serde's messages for a key or a value that does not fit the
    /// type read are not YAML syntax errors.
    pub fn code(&self) -> Code {
        let m = &self.message;
        if m.contains("unknown field `") || m.contains("unknown key `") {
            Code::UnknownKey
        } else if m.contains("missing field `") {
            Code::MissingKey
        } else if m.contains("invalid type: ") {
            Code::WrongType
        } else if m.contains("invalid value: ") || m.contains("unknown variant `") {
            Code::InvalidValue
        } else {
            Code::YamlSyntax
        }
    }
}

/// A parsed YAML value of unknown shape.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Node(serde_yaml::Value);

/// One top-level `key: value` pair of a mapping, with the line of its key.
#[derive(Debug, Clone)]
pub struct Entry {
    pub key: String,
    /// 1-based line within the parsed text.
    pub line: usize,
    pub value: Node,
}

impl Node {
    /// Converts to `T`, or explains what was found instead.
    pub fn to<T: DeserializeOwned>(&self) -> Result<T, String> {
        serde_yaml::from_value(self.0.clone()).map_err(|e| strip_location(&e.to_string()))
    }

    /// A short description of the kind of value, for error messages.
    pub fn kind(&self) -> &'static str {
        use serde_yaml::Value as V;
        match &self.0 {
            V::Null => "nothing",
            V::Bool(_) => "true/false",
            V::Number(n) if n.is_f64() => "a decimal number",
            V::Number(_) => "a number",
            V::String(_) => "text",
            V::Sequence(_) => "a list",
            V::Mapping(_) => "a map",
            V::Tagged(_) => "a tagged value",
        }
    }

    pub fn is_null(&self) -> bool {
        self.0.is_null()
    }

    pub fn is_mapping(&self) -> bool {
        self.0.is_mapping()
    }
}

fn strip_location(message: &str) -> String {
    // serde_yaml appends " at line L column C"; our callers give the location themselves.
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// The message of a quote opened and never closed (located where it opens).
pub const UNCLOSED_QUOTE: &str = "this quote is never closed";

fn error_from(e: &serde_yaml::Error) -> YamlError {
    let text = e.to_string();
    // The scanner names where the construct it was reading began ("…, while scanning a
    // quoted scalar at line 3 column 14"): that is the editor's mistake (a quote never
    // closed), not the place where the scanner gave up (often the closing `---`).
    if let Some((effect, cause)) = text.split_once(", while ")
        && let Some((what, line, column)) = located(cause)
    {
        let message = match what {
            "scanning a quoted scalar" => UNCLOSED_QUOTE.to_string(),
            _ => format!("{}, while {what}", strip_location(effect)),
        };
        return YamlError {
            line,
            column,
            message,
        };
    }
    let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
    YamlError {
        line,
        column,
        message: strip_location(&text),
    }
}

/// `what at line L column C` as its parts.
fn located(text: &str) -> Option<(&str, usize, usize)> {
    let (what, at) = text.split_once(" at line ")?;
    let (line, column) = at.split_once(" column ")?;
    let column = column.split(|c: char| !c.is_ascii_digit()).next()?;
    Some((what, line.parse().ok()?, column.parse().ok()?))
}

/// Parses `text` into `T`.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    serde_yaml::from_str(text).map_err(|e| error_from(&e))
}

/// Parses `text` as a mapping and returns its top-level entries in source order, each with
/// the line of its key. Empty text gives no entries; anything but a mapping is an error.
pub fn entries(text: &str) -> Result<Vec<Entry>, YamlError> {
    match plain_entries(text) {
        Some(entries) => Ok(entries),
        None => parsed_entries(text),
    }
}

/// The entries of the plainest mappings, one `key: value` a line, where the value is
/// `"text"` (no escapes), a whole number, `true`/`false` or a date: what the YAML parser
/// gives for them, without it (the parser is a large part of a build's time). `None` for
/// anything else: the parser reads it.
fn plain_entries(text: &str) -> Option<Vec<Entry>> {
    if text.contains('\r') {
        return None;
    }
    let mut out: Vec<Entry> = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        let (key, value) = line.split_once(": ")?;
        let key_ok = !key.is_empty() && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        if !key_ok || out.iter().any(|e| e.key == key) {
            return None;
        }
        out.push(Entry {
            key: key.to_string(),
            line: i + 1,
            value: Node(plain_scalar(value)?),
        });
    }
    Some(out)
}

/// `value` as the parser reads it, if it is one of the plain kinds [`plain_entries`] knows.
fn plain_scalar(value: &str) -> Option<serde_yaml::Value> {
    use serde_yaml::Value as V;
    if let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        // No escapes, no quotes, no control characters and none of the characters YAML
        // takes for a line break or a byte order mark.
        let plain = inner.chars().all(|c| {
            !matches!(
                c,
                '"' | '\\' | '\u{7f}' | '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}'
            ) && c >= ' '
        });
        return plain.then(|| V::String(inner.to_string()));
    }
    let b = value.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    match value {
        "true" => Some(V::Bool(true)),
        "false" => Some(V::Bool(false)),
        _ if (1..=18).contains(&b.len())
            && digits(0..b.len())
            && (b[0] != b'0' || b.len() == 1) =>
        {
            value.parse::<u64>().ok().map(|n| V::Number(n.into()))
        }
        _ if b.len() == 10
            && digits(0..4)
            && b[4] == b'-'
            && digits(5..7)
            && b[7] == b'-'
            && digits(8..10) =>
        {
            Some(V::String(value.to_string()))
        }
        _ => None,
    }
}

/// [`entries`] through the YAML parser.
fn parsed_entries(text: &str) -> Result<Vec<Entry>, YamlError> {
    let value: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| error_from(&e))?;
    let mapping = match value {
        serde_yaml::Value::Null => return Ok(Vec::new()),
        serde_yaml::Value::Mapping(m) => m,
        other => {
            return Err(YamlError {
                line: 1,
                column: 1,
                message: format!("expected `key: value` lines, found {}", Node(other).kind()),
            });
        }
    };
    let places = Places::of(text);
    let mut out = Vec::with_capacity(mapping.len());
    for (key, value) in mapping {
        let key = match key {
            serde_yaml::Value::String(s) => s,
            other => serde_yaml::to_string(&other)
                .unwrap_or_default()
                .trim()
                .to_string(),
        };
        let line = places.key(&key).line;
        out.push(Entry {
            key,
            line,
            value: Node(value),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_keep_order_and_lines() {
        let text = "title: Hej\n\n# a comment\ndate: 2017-04-06\nextra:\n  a: 1\n";
        let e = entries(text).unwrap();
        let got: Vec<_> = e.iter().map(|e| (e.key.as_str(), e.line)).collect();
        assert_eq!(got, [("title", 1), ("date", 4), ("extra", 5)]);
        assert_eq!(e[1].value.to::<String>().unwrap(), "2017-04-06");
    }

    #[test]
    fn syntax_errors_have_a_line() {
        let err = entries("title: Hej\ndate: [2017\n").unwrap_err();
        assert!(err.line >= 2, "{err:?}");
        assert!(!err.message.contains(" at line "), "{}", err.message);
    }

    /// Lines of the kinds [`plain_entries`] reads and of kinds next to them that it must
    /// leave to the parser.
    fn front_line() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let key = prop_oneof![
            4 => "[a-z_]{1,8}",
            1 => "[a-zA-Z _\"-]{1,6}",
        ];
        let value = prop_oneof![
            4 => "\"[a-zA-Z0-9æøåÆØÅ ,.:#?!'-]{0,20}\"",
            2 => "\"[ -~\u{85}\u{a0}\u{2028}\u{feff}\t\\\\\"]{0,8}\"",
            2 => "[0-9]{1,20}",
            1 => "-?[0-9]{1,3}(\\.[0-9])?",
            2 => "[0-9]{4}-[0-9]{2}-[0-9]{2}[ T]?",
            3 => prop_oneof![
                Just("true"), Just("false"), Just("True"), Just("yes"), Just("null"), Just("~"),
                Just(""), Just("0x1F"), Just("0o17"), Just(".inf"), Just("[a, b]"), Just("{a: 1}"),
            ]
            .prop_map(str::to_string),
            1 => "[a-zA-Z0-9 :#'\"-]{0,10}",
        ];
        prop_oneof![
            12 => (key, prop_oneof![12 => Just(": "), 1 => Just(":"), 1 => Just(" : "), 1 => Just(":  ")], value)
                .prop_map(|(k, sep, v)| format!("{k}{sep}{v}")),
            1 => prop_oneof![Just(""), Just("  a: 1"), Just("# c"), Just("---"), Just("- a")]
                .prop_map(str::to_string),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(2000))]
        /// Where the plain reading answers, it answers what the parser does.
        #[test]
        fn plain_entries_agree_with_the_parser(
            lines in proptest::collection::vec(front_line(), 1..4),
            crlf in proptest::bool::weighted(0.1),
        ) {
            let text = lines.join(if crlf { "\r\n" } else { "\n" }) + "\n";
            if let Some(plain) = plain_entries(&text) {
                let parsed = parsed_entries(&text).map_err(|e| format!("{e:?}"));
                let parsed = parsed.map_err(|e| proptest::test_runner::TestCaseError::fail(format!("plain read {text:?}, the parser refused it: {e}")))?;
                let as_tuples = |v: &[Entry]| v.iter().map(|e| (e.key.clone(), e.line, e.value.clone())).collect::<Vec<_>>();
                proptest::prop_assert_eq!(as_tuples(&plain), as_tuples(&parsed), "{:?}", text);
            }
        }
    }

    #[test]
    fn the_plain_reading_covers_the_usual_front_matter() {
        let text = "title: \"Åbningstider: nu\"\ndescription: \"Hvad?\"\ndate: 2023-07-03\nweight: 19\ndraft: false\n";
        let plain = plain_entries(text).expect("read without the parser");
        assert_eq!(plain.len(), 5);
        assert_eq!(plain[0].value.to::<String>().unwrap(), "Åbningstider: nu");
        assert_eq!(plain[3].value.to::<u32>().unwrap(), 19);
        for text in [
            "a: \"\"\n",
            "a: 0\nb: 7\n",
            "a: true\nb: false\n",
            "a: 123456789012345678\n",
            "a: 2024-02-30\n",
            "a: \"x: y # z\"\n\nb: 1\n",
        ] {
            let plain = plain_entries(text).expect(text);
            let parsed = parsed_entries(text).unwrap();
            let as_tuples = |v: &[Entry]| {
                v.iter()
                    .map(|e| (e.key.clone(), e.line, e.value.clone()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(as_tuples(&plain), as_tuples(&parsed), "{text:?}");
        }
        for text in [
            "title: 'x'\n",
            "a: 01\n",
            "a: 1234567890123456789\n",
            "a: True\n",
            "a: 1\na: 2\n",
            "a: 1 \n",
            " a: 1\n",
            "a: 1\r\n",
        ] {
            assert!(plain_entries(text).is_none(), "{text:?}");
        }
        assert!(plain_entries("title: \"a\\\"b\"\n").is_none());
    }

    #[test]
    fn a_list_is_not_a_mapping() {
        let err = entries("- a\n- b\n").unwrap_err();
        assert!(err.message.contains("found a list"), "{}", err.message);
    }
}
