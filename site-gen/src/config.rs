//! `content/site.yaml`: the site's title, address, language, navigation and contact data.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostics::{Code, Diagnostic, suggest};
use crate::yaml::{self, Node};

/// The checked site configuration.
#[derive(Debug, Clone, Serialize)]
pub struct SiteConfig {
    pub title: String,
    /// Absolute URL without a trailing slash, e.g. `https://example.dk`.
    pub base_url: String,
    pub language: String,
    pub description: Option<String>,
    /// Content paths (`/etaarige-forloeb/`) in menu order.
    pub nav: Vec<String>,
    pub organisation: Option<Organisation>,
    pub contact: Node,
    pub extra: Node,
    /// Line of each `nav` entry (same order as `nav`), for errors about them.
    #[serde(skip)]
    pub nav_lines: Vec<usize>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    pub name: String,
    #[serde(default)]
    pub url: Option<String>,
}

const KEYS: &[&str] = &[
    "title",
    "base_url",
    "language",
    "description",
    "nav",
    "organisation",
    "contact",
    "extra",
];

impl SiteConfig {
    /// Parses the text of `path` (`content/site.yaml`).
    pub fn parse(path: &Path, text: &str) -> Result<SiteConfig, Vec<Diagnostic>> {
        let entries = yaml::entries(text).map_err(|e| {
            vec![
                Diagnostic::new(
                    Code::YamlSyntax,
                    path,
                    e.line,
                    format!("invalid YAML: {}", e.message),
                )
                .column(e.column),
            ]
        })?;
        let mut errors = Vec::new();
        let mut config = SiteConfig {
            base_url: String::new(),
            ..SiteConfig::fallback()
        };
        let mut have_title = false;
        for e in &entries {
            match config.set(path, text, e) {
                Ok(()) => have_title |= e.key == "title",
                Err(d) => errors.push(d),
            }
        }
        if !have_title {
            errors.push(
                Diagnostic::new(Code::MissingKey, path, 1, "site.yaml has no `title`")
                    .hint("add `title: Name of the site`"),
            );
        }
        if !entries.iter().any(|e| e.key == "base_url") {
            errors.push(
                Diagnostic::new(Code::MissingKey, path, 1, "site.yaml has no `base_url`")
                    .hint("add `base_url: https://example.dk`"),
            );
        }
        if errors.is_empty() {
            Ok(config)
        } else {
            Err(errors)
        }
    }

    /// Takes the value of one key of the file `path`, whose text is `text`.
    fn set(&mut self, path: &Path, text: &str, e: &yaml::Entry) -> Result<(), Diagnostic> {
        let wrong = |expected: &str| {
            Diagnostic::new(
                Code::WrongType,
                path,
                e.line,
                format!("`{}` must be {expected}, not {}", e.key, e.value.kind()),
            )
        };
        let string = || e.value.to::<String>();
        match e.key.as_str() {
            "title" => self.title = string().map_err(|_| wrong("text"))?,
            "base_url" => {
                self.base_url = base_url(string().map_err(|_| wrong("text"))?, path, e.line)?
            }
            "language" => {
                self.language = string().map_err(|_| wrong("a language code such as `da`"))?
            }
            "description" => self.description = Some(string().map_err(|_| wrong("text"))?),
            "nav" => {
                self.nav = e
                    .value
                    .to::<Vec<String>>()
                    .map_err(|_| wrong("a list of page paths such as `/etaarige-forloeb/`"))?;
                self.nav_lines = entry_lines(text, e.line, &self.nav);
            }
            "organisation" => {
                let o = e.value.to::<Organisation>();
                self.organisation =
                    Some(o.map_err(|m| wrong("a map with `name` and `url`").hint(m))?)
            }
            "contact" => self.contact = e.value.clone(),
            "extra" => self.extra = e.value.clone(),
            other => return Err(unknown_key(path, e.line, other)),
        }
        Ok(())
    }

    /// A stand-in used when site.yaml itself is broken, so that the other checks still run.
    pub fn fallback() -> SiteConfig {
        SiteConfig {
            title: String::new(),
            base_url: "http://localhost".to_string(),
            language: "da".to_string(),
            description: None,
            nav: Vec::new(),
            organisation: None,
            contact: Node::default(),
            extra: Node::default(),
            nav_lines: Vec::new(),
        }
    }

    /// The line of `nav` entry `i`.
    pub fn nav_line(&self, i: usize) -> usize {
        self.nav_lines.get(i).copied().unwrap_or(1)
    }

    /// The absolute URL of a site path (`/a/` -> `https://example.dk/a/`).
    pub fn permalink(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }
}

/// `base_url`'s value, which must be an absolute http(s) URL, without its trailing slash.
fn base_url(url: String, path: &Path, line: usize) -> Result<String, Diagnostic> {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(Diagnostic::new(
            Code::InvalidValue,
            path,
            line,
            format!("`base_url` `{url}` is not an absolute http(s) URL"),
        )
        .hint("write it like `https://example.dk`"));
    }
    Ok(url.trim_end_matches('/').to_string())
}

fn unknown_key(path: &Path, line: usize, key: &str) -> Diagnostic {
    let d = Diagnostic::new(
        Code::UnknownKey,
        path,
        line,
        format!("unknown key `{key}` in site.yaml"),
    );
    match suggest(key, KEYS.iter().copied()) {
        Some(s) => d.hint(format!("did you mean `{s}`?")),
        None => d.hint(format!("known keys: {}", KEYS.join(", "))),
    }
}

/// The lines of the list `items` written below the key on line `key_line`.
fn entry_lines(text: &str, key_line: usize, items: &[String]) -> Vec<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let mut from = key_line - 1;
    items
        .iter()
        .map(|item| {
            match lines
                .iter()
                .skip(from)
                .position(|l| l.contains(item.as_str()))
            {
                Some(k) => {
                    from += k;
                    from + 1
                }
                None => key_line,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_keys() {
        let c = SiteConfig::parse(
            Path::new("content/site.yaml"),
            "title: T\nbase_url: https://x.dk/\nlanguage: da\nnav:\n  - /a/\norganisation:\n  name: Socialstyrelsen\n  url: https://www.socialstyrelsen.dk/\ncontact:\n  email: a@b.dk\n",
        )
        .unwrap();
        assert_eq!(c.base_url, "https://x.dk");
        assert_eq!(c.nav, ["/a/"]);
        assert_eq!(c.nav_lines, [5]);
        assert_eq!(c.permalink("/a/"), "https://x.dk/a/");
    }

    #[test]
    fn reports_every_problem() {
        let errs = SiteConfig::parse(
            Path::new("content/site.yaml"),
            "titel: T\nbase_url: x.dk\nnav: 3\n",
        )
        .unwrap_err();
        let got: Vec<_> = errs.iter().map(|d| (d.line, d.message.as_str())).collect();
        assert_eq!(
            got,
            [
                (1, "unknown key `titel` in site.yaml"),
                (2, "`base_url` `x.dk` is not an absolute http(s) URL"),
                (
                    3,
                    "`nav` must be a list of page paths such as `/etaarige-forloeb/`, not a number"
                ),
                (1, "site.yaml has no `title`"),
            ]
        );
    }
}
