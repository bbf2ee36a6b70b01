//! `content/site.yaml`: the site's title, address, language, navigation and contact data.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostics::{Code, Diagnostic};
use crate::yaml::{self, Key, Node, Places, Table};

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

/// The keys of `content/site.yaml`.
pub static SITE: Table = Table {
    id: "site",
    docs: "docs/editors-guide.md",
    keys: &[
        Key::new(
            "title",
            "text",
            "the site's name, in every page's title and header",
        )
        .required(),
        Key::new(
            "base_url",
            "address",
            "where the site is published, like `https://example.dk`",
        )
        .required(),
        Key::new(
            "language",
            "language code",
            "the pages' language; default `da`",
        ),
        Key::new(
            "description",
            "text",
            "the front page's sentence for search engines and link previews",
        ),
        Key::new(
            "nav",
            "list of page addresses",
            "the menu, in order, like `[/etaarige-forloeb/, /minivejledningsforloeb/]`",
        ),
        Key::new(
            "organisation",
            "map",
            "who runs the site: `name` and `url` (below)",
        )
        .map(&ORGANISATION),
        Key::new(
            "contact",
            "map",
            "the contact details in the footer, for the templates",
        ),
        Key::new("extra", "map", "your own values, for templates"),
    ],
};

/// The keys of site.yaml's `organisation`.
pub static ORGANISATION: Table = Table {
    id: "organisation",
    docs: "docs/editors-guide.md",
    keys: &[
        Key::new("name", "text", "the organisation's name, in the footer").required(),
        Key::new("url", "address", "its website"),
    ],
};

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
        let places = Places::of(text);
        for e in &entries {
            match config.set(path, &places, e) {
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
    fn set(&mut self, path: &Path, places: &Places, e: &yaml::Entry) -> Result<(), Diagnostic> {
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
                self.nav_lines = (0..self.nav.len())
                    .map(|i| places.value(&format!("nav.{i}")).line)
                    .collect();
            }
            "organisation" => {
                if let Some(u) = ORGANISATION.unknown_keys(places, "organisation").first() {
                    let message = format!("unknown key `{}` in `organisation`", u.key);
                    return Err(u.diagnostic(path, 0, message));
                }
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
    d.column(1)
        .end(1 + key.chars().count())
        .hint(SITE.hint(key))
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
    fn an_unknown_key_of_the_organisation_is_named_at_its_place() {
        let errs = SiteConfig::parse(
            Path::new("content/site.yaml"),
            "title: T\nbase_url: https://x.dk\norganisation:\n  nme: Socialstyrelsen\n",
        )
        .unwrap_err();
        let got: Vec<_> = errs
            .iter()
            .map(|d| (d.location(), d.message.as_str(), d.hint.as_deref()))
            .collect();
        assert_eq!(
            got,
            [(
                "content/site.yaml:4:3".to_string(),
                "unknown key `nme` in `organisation`",
                Some("did you mean `name`?")
            )]
        );
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
