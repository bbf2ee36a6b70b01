//! The one place that knows which YAML library we use (`serde_yaml`, deprecated upstream
//! but chosen for this project). Everything else sees [`Node`], [`YamlError`] and the
//! functions here, so the library can be swapped by editing this file alone.

use serde::Serialize;
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

fn error_from(e: &serde_yaml::Error) -> YamlError {
    let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
    YamlError {
        line,
        column,
        message: strip_location(&e.to_string()),
    }
}

/// Parses `text` into `T`.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    serde_yaml::from_str(text).map_err(|e| error_from(&e))
}

/// Parses `text` as a mapping and returns its top-level entries in source order, each with
/// the line of its key. Empty text gives no entries; anything but a mapping is an error.
pub fn entries(text: &str) -> Result<Vec<Entry>, YamlError> {
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
    let mut out = Vec::with_capacity(mapping.len());
    for (key, value) in mapping {
        let key = match key {
            serde_yaml::Value::String(s) => s,
            other => serde_yaml::to_string(&other)
                .unwrap_or_default()
                .trim()
                .to_string(),
        };
        let line = key_line(text, &key).unwrap_or(1);
        out.push(Entry {
            key,
            line,
            value: Node(value),
        });
    }
    Ok(out)
}

/// The 1-based line where the top-level `key:` is written, if it can be found.
fn key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            let rest = line
                .strip_prefix(key)
                .or_else(|| {
                    line.strip_prefix('"')
                        .and_then(|l| l.strip_prefix(key))
                        .and_then(|l| l.strip_prefix('"'))
                })
                .or_else(|| {
                    line.strip_prefix('\'')
                        .and_then(|l| l.strip_prefix(key))
                        .and_then(|l| l.strip_prefix('\''))
                });
            rest.is_some_and(|r| r.trim_start().starts_with(':'))
        })
        .map(|i| i + 1)
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

    #[test]
    fn a_list_is_not_a_mapping() {
        let err = entries("- a\n- b\n").unwrap_err();
        assert!(err.message.contains("found a list"), "{}", err.message);
    }
}
