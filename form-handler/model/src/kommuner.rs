//! The 98 Danish kommuner with their official kommunekode and region
//! (`content/data/kommuner.yaml`).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostics::{Code, Diagnostic};
use crate::yaml;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub code: u16,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kommune {
    /// The official three-digit kommunekode, e.g. `101` (København).
    pub code: String,
    pub name: String,
    pub region: u16,
}

/// The regions and kommuner, in the order of the data file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kommuner {
    pub regions: Vec<Region>,
    pub kommuner: Vec<Kommune>,
}

impl Kommuner {
    /// Parses and checks the text of `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Kommuner, Vec<Diagnostic>> {
        let data: Kommuner = yaml::from_str(text).map_err(|e| {
            vec![
                Diagnostic::new(
                    e.code(),
                    path,
                    e.line,
                    format!("invalid kommune data: {}", e.message),
                )
                .column(e.column),
            ]
        })?;
        let mut errors = Vec::new();
        let line_of = |needle: &str| {
            text.lines()
                .position(|l| l.contains(needle))
                .map_or(1, |i| i + 1)
        };
        let mut codes = std::collections::BTreeSet::new();
        for k in &data.kommuner {
            let at = line_of(&format!("\"{}\"", k.code));
            if k.code.len() != 3 || !k.code.bytes().all(|b| b.is_ascii_digit()) {
                errors.push(Diagnostic::new(
                    Code::InvalidValue,
                    path,
                    at,
                    format!("kommunekode `{}` must be three digits", k.code),
                ));
            }
            if !codes.insert(k.code.as_str()) {
                errors.push(Diagnostic::new(
                    Code::InvalidValue,
                    path,
                    at,
                    format!("kommunekode `{}` is used twice", k.code),
                ));
            }
            if !data.regions.iter().any(|r| r.code == k.region) {
                errors.push(Diagnostic::new(
                    Code::InvalidValue,
                    path,
                    at,
                    format!(
                        "{} names the region {}, which is not in `regions`",
                        k.name, k.region
                    ),
                ));
            }
        }
        if errors.is_empty() {
            Ok(data)
        } else {
            Err(errors)
        }
    }

    /// The code of the first kommune in the list (for examples and tests).
    pub fn kommuners_first_code(&self) -> String {
        self.kommuner
            .first()
            .map(|k| k.code.clone())
            .unwrap_or_default()
    }

    pub fn by_code(&self, code: &str) -> Option<&Kommune> {
        self.kommuner.iter().find(|k| k.code == code)
    }
}
