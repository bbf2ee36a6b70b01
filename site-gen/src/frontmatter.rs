//! Front matter: the YAML between the `---` lines at the top of a page, checked key by key
//! into a typed [`FrontMatter`]. Unknown keys and wrong types are reported with the line
//! in the file (not in the front matter) and a hint.

use std::path::Path;

use jiff::civil::Date;
use serde::Serialize;

use crate::dates;
use crate::diagnostics::{Code, Diagnostic, suggest};
use crate::yaml::{self, Key, Node, Table};

/// How a section orders its pages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SortBy {
    #[default]
    Weight,
    Date,
    Title,
}

/// The checked front matter of a page or section.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrontMatter {
    pub title: String,
    pub description: Option<String>,
    pub date: Option<Date>,
    pub updated: Option<Date>,
    pub draft: bool,
    pub weight: i64,
    pub template: Option<String>,
    pub slug: Option<String>,
    pub aliases: Vec<String>,
    pub publish_date: Option<Date>,
    pub expiry_date: Option<Date>,
    pub extra: Node,
    /// Sections only.
    pub sort_by: SortBy,
    /// Sections only: the template for the section's pages.
    pub page_template: Option<String>,
    /// Line (in the file) of each key in [`KEYS`] that was given (0: not given), for later
    /// checks. Inline: a site's worth of front matter is held at once.
    pub key_lines: [u32; KEYS.len()],
}

impl FrontMatter {
    /// The line `key` was given on; the first line of the file if it was not.
    pub fn line_of(&self, key: &str) -> usize {
        KEYS.iter()
            .position(|k| *k == key)
            .map(|i| self.key_lines[i])
            .filter(|&line| line > 0)
            .map_or(1, |line| line as usize)
    }
}

/// Every front matter key: a page's, then those only a section has (`_index.md`).
static KEY_ROWS: [Key; 14] = [
    Key::new(
        "title",
        "text",
        "the page's heading, and its name in menus and in the browser's tab",
    )
    .required(),
    Key::new(
        "description",
        "text",
        "one sentence for search engines, link previews and overviews",
    ),
    Key::new("date", "date YYYY-MM-DD", "the page's date"),
    Key::new(
        "updated",
        "date YYYY-MM-DD",
        "shown as \"Sidst opdateret DD/MM YYYY\" at the bottom of the page",
    ),
    Key::new(
        "draft",
        "true/false",
        "`true` keeps the page out of the site (the preview shows it with `--drafts`)",
    ),
    Key::new(
        "weight",
        "whole number",
        "order in lists: lower numbers first",
    ),
    Key::new(
        "template",
        "text",
        "another template for this page (for theme authors)",
    ),
    Key::new(
        "slug",
        "text",
        "another last part of the address: `slug: kurser` gives `/kurser/`",
    ),
    Key::new(
        "aliases",
        "list of addresses",
        "old addresses that should lead here, e.g. `[/gammel-side/]`",
    ),
    Key::new(
        "publish_date",
        "date YYYY-MM-DD",
        "the page appears from this day",
    ),
    Key::new(
        "expiry_date",
        "date YYYY-MM-DD",
        "the page disappears from this day",
    ),
    Key::new("extra", "map", "your own values, for templates"),
    Key::new(
        "sort_by",
        "`weight`, `date` or `title`",
        "the order of the section's pages",
    ),
    Key::new(
        "page_template",
        "text",
        "the template for the section's pages",
    ),
];

/// A page's front matter keys.
pub static PAGE: Table = Table {
    id: "page",
    docs: "docs/editors-guide.md",
    keys: KEY_ROWS.split_at(12).0,
};

/// The keys only a section's `_index.md` has, besides a page's.
pub static SECTION: Table = Table {
    id: "section",
    docs: "docs/editors-guide.md",
    keys: KEY_ROWS.split_at(12).1,
};

/// The keys' names, in [`KEY_ROWS`]' order.
const KEYS: [&str; 14] = {
    let mut names = [""; 14];
    let mut i = 0;
    while i < 14 {
        names[i] = KEY_ROWS[i].name;
        i += 1;
    }
    names
};
const PAGE_KEYS: &[&str] = KEYS.split_at(12).0;
const SECTION_KEYS: &[&str] = KEYS.split_at(12).1;

/// A Markdown file split into its front matter and body.
#[derive(Debug, Clone, Copy)]
pub struct Split<'a> {
    pub front: &'a str,
    /// 1-based line in the file where `front` starts.
    pub front_line: usize,
    pub body: &'a str,
    /// 1-based line in the file where `body` starts.
    pub body_line: usize,
}

/// Splits `text` at its `---` lines.
pub fn split<'a>(path: &Path, text: &'a str) -> Result<Split<'a>, Diagnostic> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let missing = || {
        Diagnostic::new(Code::NoFrontMatter, path, 1, "the page has no front matter")
            .hint("start the file with a line `---`, then `title: ...`, then another line `---`")
    };
    let first_end = text.find('\n').ok_or_else(missing)?;
    if text[..first_end].trim_end() != "---" {
        return Err(missing());
    }
    let front_start = first_end + 1;
    let mut pos = front_start;
    let mut line = 2;
    while pos <= text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        if text[pos..end].trim_end() == "---" {
            let body_start = (end + 1).min(text.len());
            return Ok(Split {
                front: &text[front_start..pos],
                front_line: 2,
                body: &text[body_start..],
                body_line: line + 1,
            });
        }
        if end == text.len() {
            break;
        }
        pos = end + 1;
        line += 1;
    }
    Err(Diagnostic::new(
        Code::NoFrontMatter,
        path,
        1,
        "the front matter is not closed",
    )
    .hint("add a line `---` after the last front matter key"))
}

/// Checks the front matter of `path`; `is_section` allows the section-only keys.
pub fn parse(
    split: &Split<'_>,
    path: &Path,
    is_section: bool,
) -> Result<FrontMatter, Vec<Diagnostic>> {
    let offset = split.front_line - 1;
    let entries = yaml::entries(split.front).map_err(|e| {
        let hint = if e.message == yaml::UNCLOSED_QUOTE {
            "end the value with the same quote mark it starts with, on the same line"
        } else {
            "front matter is YAML: `key: value`, one per line; quote text that contains `: ` or starts with a special character"
        };
        vec![
            Diagnostic::new(Code::YamlSyntax, path, e.line + offset, format!("invalid YAML: {}", e.message))
                .column(e.column)
                .hint(hint),
        ]
    })?;

    let mut fm = FrontMatter::default();
    let mut errors = Vec::new();
    let mut seen_title = false;
    // The error of an unknown key that is a misspelt `title`, if any.
    let mut misspelt_title = None;
    for entry in &entries {
        let line = entry.line + offset;
        let key = entry.key.as_str();
        let known = PAGE_KEYS.contains(&key) || (is_section && SECTION_KEYS.contains(&key));
        if !known {
            let candidates = PAGE_KEYS
                .iter()
                .chain(if is_section { SECTION_KEYS } else { &[] })
                .copied();
            let mut d = Diagnostic::new(
                Code::UnknownKey,
                path,
                line,
                format!("unknown front matter key `{key}`"),
            )
            .column(1)
            .end(1 + key.chars().count());
            let suggestion = suggest(key, candidates);
            if suggestion == Some("title") {
                misspelt_title = Some(errors.len());
            }
            d = match suggestion {
                Some(s) => d.hint(format!("did you mean `{s}`?")),
                None if !is_section && SECTION_KEYS.contains(&key) => d.hint(format!(
                    "`{key}` is only allowed in a section's `_index.md`"
                )),
                None => d.hint(format!(
                    "known keys: {}; put your own values under `extra:`",
                    PAGE_KEYS.join(", ")
                )),
            };
            errors.push(d);
            continue;
        }
        let i = KEYS.iter().position(|k| *k == key).expect("known key");
        if fm.key_lines[i] == 0 {
            fm.key_lines[i] = u32::try_from(line).unwrap_or(u32::MAX);
        }
        if let Err(d) = set_key(&mut fm, KEYS[i], &entry.value, path, line) {
            errors.push(d);
        }
        seen_title |= key == "title";
    }
    if !seen_title && let Some(i) = misspelt_title {
        // One mistake, one error: the missing title is the misspelt key's consequence.
        let d: &mut Diagnostic = &mut errors[i];
        d.hint = Some("did you mean `title`? Without it the page has no title".into());
    } else if !seen_title {
        // The text's own `# heading` is the title the editor meant, if it has one.
        let heading = split.body.lines().find_map(|l| {
            let h = l.strip_prefix("# ")?.trim();
            (!h.is_empty()).then_some(h)
        });
        let hint = match heading {
            Some(h) => format!(
                "add the line `title: {h}` (and remove the `# {h}` heading: the title is the page's heading)"
            ),
            None => "add a line like `title: Minivejledningsforløb`".into(),
        };
        errors.push(
            Diagnostic::new(
                Code::MissingKey,
                path,
                split.front_line,
                "the front matter has no `title`",
            )
            .hint(hint),
        );
    }
    if errors.is_empty() {
        Ok(fm)
    } else {
        Err(errors)
    }
}

/// What a `draft:` written as a word meant: (the word, `true` or `false`).
fn draft_meant(value: &Node) -> Option<(String, bool)> {
    let said = value.to::<String>().ok()?.to_lowercase();
    let meant = match said.as_str() {
        "ja" | "yes" | "j" | "y" | "on" | "sand" => true,
        "nej" | "no" | "n" | "off" | "falsk" => false,
        _ => return None,
    };
    Some((said, meant))
}

fn set_key(
    fm: &mut FrontMatter,
    key: &'static str,
    value: &Node,
    path: &Path,
    line: usize,
) -> Result<(), Diagnostic> {
    // The value's column, as `key: value` puts it.
    let column = key.len() + 3;
    let wrong = |expected: &str| {
        Diagnostic::new(
            Code::WrongType,
            path,
            line,
            format!("`{key}` must be {expected}, not {}", value.kind()),
        )
        .column(column)
    };
    let text = |v: &Node| -> Result<String, Diagnostic> {
        match v.to::<String>() {
            Ok(s) if matches!(v.kind(), "text") => Ok(s),
            _ => Err(wrong("text")),
        }
    };
    let date = |v: &Node| -> Result<Date, Diagnostic> {
        let s = v.to::<String>().map_err(|_| wrong("a date (YYYY-MM-DD)"))?;
        dates::parse_iso(&s).map_err(|m| {
            let hint = match dates::guess_danish(&s) {
                Some(d) => format!("write it as `{}`", dates::iso(d)),
                None => "write dates as 2017-04-06".into(),
            };
            Diagnostic::new(Code::InvalidDate, path, line, format!("`{key}`: {m}"))
                .column(column)
                .hint(hint)
        })
    };
    match key {
        "title" => {
            let t = text(value)?;
            if t.trim().is_empty() {
                return Err(Diagnostic::new(
                    Code::InvalidValue,
                    path,
                    line,
                    "`title` is empty",
                ));
            }
            fm.title = t.trim().to_string();
        }
        "description" => fm.description = Some(text(value)?.trim().to_string()),
        "date" => fm.date = Some(date(value)?),
        "updated" => fm.updated = Some(date(value)?),
        "publish_date" => fm.publish_date = Some(date(value)?),
        "expiry_date" => fm.expiry_date = Some(date(value)?),
        "draft" => {
            fm.draft = value.to::<bool>().map_err(|_| {
                let d = wrong("true or false");
                match draft_meant(value) {
                    Some((said, meant)) => {
                        d.hint(format!("write `draft: {meant}` (`{said}` is text to YAML)"))
                    }
                    None => d,
                }
            })?
        }
        "weight" => fm.weight = value.to::<i64>().map_err(|_| wrong("a whole number"))?,
        "template" => fm.template = Some(template_name(text(value)?, path, line)?),
        "page_template" => fm.page_template = Some(template_name(text(value)?, path, line)?),
        "slug" => {
            let s = text(value)?;
            let ok = !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !ok {
                return Err(Diagnostic::new(
                    Code::InvalidValue,
                    path,
                    line,
                    format!("`slug` `{s}` is not a valid URL part"),
                )
                .hint(format!(
                    "use lower-case letters, digits and dashes, e.g. `{}`",
                    crate::slug::slugify(&s)
                )));
            }
            fm.slug = Some(s);
        }
        "aliases" => {
            let list = value
                .to::<Vec<String>>()
                .map_err(|_| wrong("a list of old URL paths"))?;
            for a in &list {
                if !a.starts_with('/') || a.contains("..") || a.contains(['?', '#', ' ']) {
                    return Err(Diagnostic::new(
                        Code::InvalidValue,
                        path,
                        line,
                        format!("alias `{a}` is not a site path"),
                    )
                    .hint("aliases are old paths on this site, like `/gammel-side/`"));
                }
            }
            fm.aliases = list;
        }
        "extra" => {
            if !value.is_mapping() && !value.is_null() {
                return Err(wrong("a map of your own keys"));
            }
            fm.extra = value.clone();
        }
        "sort_by" => {
            fm.sort_by = match value.to::<String>().as_deref() {
                Ok("weight") => SortBy::Weight,
                Ok("date") => SortBy::Date,
                Ok("title") => SortBy::Title,
                _ => return Err(wrong("one of weight, date, title")),
            }
        }
        other => unreachable!("unhandled known key {other}"),
    }
    Ok(())
}

fn template_name(name: String, path: &Path, line: usize) -> Result<String, Diagnostic> {
    if name.contains("..") || name.starts_with('/') {
        return Err(Diagnostic::new(
            Code::InvalidValue,
            path,
            line,
            format!("template `{name}` must be a name under templates/"),
        ));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str, section: bool) -> Result<FrontMatter, Vec<Diagnostic>> {
        let path = Path::new("content/x.md");
        let s = split(path, text).map_err(|d| vec![d])?;
        parse(&s, path, section)
    }

    #[test]
    fn splits_and_counts_lines() {
        let text = "---\ntitle: A\n---\nbody\n";
        let s = split(Path::new("x.md"), text).unwrap();
        assert_eq!(s.front, "title: A\n");
        assert_eq!(s.body, "body\n");
        assert_eq!(s.body_line, 4);
    }

    #[test]
    fn crlf_and_bom_are_accepted() {
        let fm = parse_text("\u{feff}---\r\ntitle: A\r\n---\r\nbody\r\n", false).unwrap();
        assert_eq!(fm.title, "A");
    }

    #[test]
    fn all_keys() {
        let fm = parse_text(
            "---\ntitle: Økonomi\ndescription: Kort\ndate: 2017-04-06\nupdated: 2017-11-01\ndraft: true\nweight: 3\nslug: oekonomi\naliases: [/gammel/]\nextra:\n  farve: blå\n---\n",
            false,
        )
        .unwrap();
        assert_eq!(fm.title, "Økonomi");
        assert_eq!(fm.weight, 3);
        assert!(fm.draft);
        assert_eq!(fm.aliases, ["/gammel/"]);
        assert_eq!(dates::iso(fm.updated.unwrap()), "2017-11-01");
        assert_eq!(fm.line_of("weight"), 7);
    }

    #[test]
    fn a_misspelt_title_is_one_error_naming_its_consequence() {
        let errs = parse_text("---\ntitel: Etårige forløb\n---\n", false).unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!((errs[0].line, errs[0].column, errs[0].end), (2, 1, 6));
        assert_eq!(errs[0].message, "unknown front matter key `titel`");
        assert_eq!(
            errs[0].hint.as_deref(),
            Some("did you mean `title`? Without it the page has no title")
        );
    }

    #[test]
    fn a_missing_title_offers_the_text_s_heading() {
        let errs = parse_text("---\ndescription: x\n---\n\n# Etårige forløb\n", false).unwrap_err();
        assert_eq!(
            errs[0].hint.as_deref(),
            Some(
                "add the line `title: Etårige forløb` (and remove the `# Etårige forløb` heading: the title is the page's heading)"
            )
        );
    }

    proptest::proptest! {
        /// One mistake, one error: any one-character edit of a key of a valid front matter
        /// (a letter changed, left out or added) gives exactly one error, at that key's
        /// line, naming what was typed.
        #[test]
        fn a_one_character_slip_in_a_key_is_one_error_at_its_line(
            which in 0usize..5,
            edit in 0usize..3,
            at in 0usize..16,
            letter in proptest::sample::select(
                "abcdefghijklmnopqrstuvwxyz_".chars().collect::<Vec<_>>()
            ),
        ) {
            let keys = ["title", "description", "date", "weight", "draft"];
            let values = ["Side", "Kort", "2017-04-06", "3", "false"];
            let key = keys[which];
            let mut chars: Vec<char> = key.chars().collect();
            let at = at % (chars.len() + 1);
            match edit {
                0 if at < chars.len() => chars[at] = letter,
                1 if at < chars.len() => {
                    chars.remove(at);
                }
                _ => chars.insert(at, letter),
            }
            let typed: String = chars.into_iter().collect();
            proptest::prop_assume!(!typed.is_empty() && !KEYS.contains(&typed.as_str()));
            let front: String = keys
                .iter()
                .zip(values)
                .map(|(k, v)| format!("{}: {v}\n", if *k == key { typed.as_str() } else { k }))
                .collect();
            let errs = parse_text(&format!("---\n{front}---\n\nTekst.\n"), false).unwrap_err();
            proptest::prop_assert_eq!(errs.len(), 1, "{:?}", errs);
            proptest::prop_assert_eq!(errs[0].line, which + 2);
            let named = format!("`{typed}`");
            proptest::prop_assert!(errs[0].message.contains(&named), "{:?}", errs);
        }
    }

    #[test]
    fn hints_offer_what_was_meant() {
        let errs = parse_text(
            "---\ntitle: A\nupdated: 01-11-2017\ndraft: ja\n---\n",
            false,
        )
        .unwrap_err();
        let hints: Vec<_> = errs.iter().map(|d| d.hint.as_deref()).collect();
        assert_eq!(
            hints,
            [
                Some("write it as `2017-11-01`"),
                Some("write `draft: true` (`ja` is text to YAML)")
            ]
        );
    }

    #[test]
    fn unknown_key_suggests_and_gives_file_line() {
        let errs = parse_text("---\ntitle: A\ndescripton: x\n---\n", false).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].line, 3);
        assert!(errs[0].message.contains("`descripton`"));
        assert_eq!(errs[0].hint.as_deref(), Some("did you mean `description`?"));
    }

    #[test]
    fn wrong_types_name_key_and_expected_type() {
        let errs = parse_text(
            "---\ntitle: A\nweight: tung\ndraft: måske\ndate: 6/4 2017\n---\n",
            false,
        )
        .unwrap_err();
        let msgs: Vec<_> = errs.iter().map(|d| (d.line, d.message.as_str())).collect();
        assert_eq!(
            msgs,
            [
                (3, "`weight` must be a whole number, not text"),
                (4, "`draft` must be true or false, not text"),
                (5, "`date`: `6/4 2017` is not a date in the form YYYY-MM-DD"),
            ]
        );
    }

    #[test]
    fn yaml_errors_are_located_in_the_file() {
        let errs = parse_text("---\ntitle: A\nextra:\n  a: [1\n---\n", false).unwrap_err();
        assert!(errs[0].line >= 4, "{errs:?}");
        assert!(errs[0].message.starts_with("invalid YAML"));
    }

    #[test]
    fn an_unclosed_quote_is_reported_where_it_opens() {
        let text = "---\ntitle: \"Etårige forløb\ndescription: Om forløbet\n---\n\nTekst.\n";
        let errs = parse_text(text, false).unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!((errs[0].line, errs[0].column), (2, 8), "{errs:?}");
        assert_eq!(errs[0].message, "invalid YAML: this quote is never closed");
    }

    #[test]
    fn missing_title_and_section_keys_on_pages() {
        let errs = parse_text("---\nsort_by: date\n---\n", false).unwrap_err();
        assert!(errs.iter().any(|d| d.message.contains("no `title`")));
        assert!(
            errs.iter().any(|d| d.hint.as_deref()
                == Some("`sort_by` is only allowed in a section's `_index.md`"))
        );
        let fm = parse_text("---\ntitle: S\nsort_by: date\n---\n", true).unwrap();
        assert_eq!(fm.sort_by, SortBy::Date);
    }

    #[test]
    fn missing_front_matter() {
        let errs = parse_text("# Hej\n", false).unwrap_err();
        assert_eq!(errs[0].message, "the page has no front matter");
        let errs = parse_text("---\ntitle: A\n", false).unwrap_err();
        assert_eq!(errs[0].message, "the front matter is not closed");
    }
}
