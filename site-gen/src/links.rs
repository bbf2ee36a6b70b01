//! The link check: every internal link and `#anchor` in content and templates must lead
//! somewhere in the built site.

use std::borrow::Cow;
use std::collections::HashSet;

use rayon::prelude::*;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::site::{Entry, Site};

/// Everything a link may point at, besides the pages themselves.
#[derive(Debug, Default, Clone)]
pub struct Targets {
    /// Paths of other outputs: static files, content files, sitemap.xml, 404.html ...
    pub files: HashSet<String>,
    /// Ids that every page has because the templates write them (`#indhold`).
    pub template_ids: HashSet<String>,
}

/// Why a link does not resolve: the message and a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub code: Code,
    pub message: String,
    pub hint: Option<String>,
}

impl Broken {
    fn new(code: Code, message: String, hint: Option<String>) -> Self {
        Broken {
            code,
            message,
            hint,
        }
    }
}

/// `target`, written on the page at `from`: the path it resolves to and its `#fragment`.
fn locate<'a>(from: &'a str, target: &'a str) -> (Cow<'a, str>, Option<&'a str>) {
    let without_query = target.split('?').next().unwrap_or(target);
    let (path, fragment) = match without_query.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (without_query, None),
    };
    let resolved = if path.is_empty() {
        Cow::Borrowed(from)
    } else {
        resolve(from, path)
    };
    (resolved, fragment)
}

/// The page `target` (written on the page at `from`) leads to, through an alias if need be;
/// `None` for a file or an address that leads nowhere.
pub fn page<'a>(site: &'a Site, from: &str, target: &str) -> Option<&'a Entry> {
    let (resolved, _) = locate(from, target);
    site.get(&resolved).or_else(|| {
        let alias = site.aliases.iter().find(|a| a.from == resolved)?;
        site.entries.get(alias.to)
    })
}

/// Checks `target`, written on the page at `from` (a URL path).
pub fn check(site: &Site, targets: &Targets, from: &str, target: &str) -> Result<(), Broken> {
    let (resolved, fragment) = locate(from, target);
    if resolved.ends_with(".md") {
        // The page made from that file (by its path within content/, or by its name).
        let file = resolved.trim_start_matches('/');
        let name = file.rsplit('/').next().unwrap_or(file);
        let page = site
            .entries
            .iter()
            .find(|e| e.page.rel == file)
            .or_else(|| {
                let mut named = site
                    .entries
                    .iter()
                    .filter(|e| e.page.rel.rsplit('/').next() == Some(name));
                named.next().filter(|_| named.next().is_none())
            });
        let hint = match page {
            Some(e) => format!("link to its page's address: `{}`", e.url),
            None => "link to the page's address, not its file: no file in content/ has that name"
                .to_string(),
        };
        return Err(Broken::new(
            Code::MarkdownFileLink,
            format!("link to the Markdown file `{target}`"),
            Some(hint),
        ));
    }
    if let Some(entry) = site.get(&resolved) {
        return match fragment {
            Some(f)
                if !f.is_empty()
                    && !entry.page.body.ids.contains(f)
                    && !targets.template_ids.contains(f) =>
            {
                // Closest first.
                let mut known: Vec<&str> = entry.page.body.ids.iter().collect();
                known.sort_by_key(|k| (strsim::damerau_levenshtein(f, k), *k));
                let hint = match crate::diagnostics::suggest(f, known.iter().copied()) {
                    Some(s) => format!("did you mean `#{s}`?"),
                    None if known.is_empty() => "that page has no headings to link to".to_string(),
                    None => format!(
                        "anchors on that page: {}",
                        known
                            .iter()
                            .map(|k| format!("#{k}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                Err(Broken::new(
                    Code::MissingAnchor,
                    format!("link to `{target}`: `{resolved}` has no anchor `#{f}`"),
                    Some(hint),
                ))
            }
            _ => Ok(()),
        };
    }
    if targets.files.contains(resolved.as_ref())
        || site.failed.contains(resolved.as_ref())
        || site.aliases.iter().any(|a| a.from == resolved)
    {
        return Ok(());
    }
    let hint = if let Some(reason) = site.hidden.get(resolved.as_ref()) {
        Some(format!("that page is {reason}"))
    } else if site.by_url.contains_key(&format!("{resolved}/")) {
        Some(format!("add the trailing slash: `{resolved}/`"))
    } else if let Some((stem, _)) = resolved.rsplit_once('.')
        && !stem.ends_with('/')
        && !resolved[stem.len()..].contains('/')
    {
        // A file: another of the same name with another extension, else a near name.
        let same_stem = targets
            .files
            .iter()
            .filter(|f| f.rsplit_once('.').is_some_and(|(s, _)| s == stem))
            .min();
        same_stem
            .map(String::as_str)
            .or_else(|| {
                crate::diagnostics::suggest(&resolved, targets.files.iter().map(String::as_str))
            })
            .map(|s| format!("did you mean `{s}`?"))
    } else {
        let urls = site.by_url.keys().map(String::as_str);
        crate::diagnostics::suggest(&resolved, urls).map(|s| format!("did you mean `{s}`?"))
    };
    Err(Broken::new(
        Code::BrokenLink,
        format!("link to `{target}`: no page or file has the address `{resolved}`"),
        hint,
    ))
}

/// Resolves `path` against the page URL `from` (which ends in `/`), removing `.` and `..`;
/// most links are already an absolute path without them, and are returned as they are.
pub fn resolve<'p>(from: &str, path: &'p str) -> Cow<'p, str> {
    let dot_or_double = |w: &[u8]| w[0] == b'/' && matches!(w[1], b'.' | b'/');
    if path.starts_with('/') && !path.as_bytes().windows(2).any(dot_or_double) {
        return Cow::Borrowed(path);
    }
    let joined = if path.starts_with('/') {
        path.to_string()
    } else {
        let base = &from[..from.rfind('/').map_or(0, |i| i + 1)];
        format!("{base}{path}")
    };
    let trailing = joined.ends_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let mut out = String::with_capacity(joined.len());
    for p in &parts {
        out.push('/');
        out.push_str(p);
    }
    if trailing || out.is_empty() {
        out.push('/');
    }
    Cow::Owned(out)
}

/// Checks the links written in every page's Markdown.
pub fn check_content(site: &Site, targets: &Targets) -> Diagnostics {
    let found: Vec<Diagnostic> = site
        .entries
        .par_iter()
        .flat_map_iter(|entry| {
            let links = match entry.page.links() {
                Ok(links) => links,
                Err(unreadable) => return vec![unreadable],
            };
            let broken = links.iter().filter_map(|link| {
                let b = check(site, targets, &entry.url, &link.target).err()?;
                let d = Diagnostic::new(b.code, &entry.page.source, link.line, b.message)
                    .column(link.column);
                Some(match b.hint {
                    Some(h) => d.hint(h),
                    None => d,
                })
            });
            broken.collect::<Vec<_>>()
        })
        .collect();
    let mut out = Diagnostics::new();
    out.extend(found);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_paths() {
        assert_eq!(resolve("/a/b/", "c/"), "/a/b/c/");
        assert_eq!(resolve("/a/b/", "../c/"), "/a/c/");
        assert_eq!(resolve("/a/b/", "/x/./y/../z/"), "/x/z/");
        assert_eq!(resolve("/", "../../x.pdf"), "/x.pdf");
        assert_eq!(resolve("/a/", ".."), "/");
        assert_eq!(resolve("/a/", "/x/y.pdf"), "/x/y.pdf");
        assert_eq!(resolve("/a/", "/x//y/"), "/x/y/");
        assert_eq!(resolve("/a/", "/x/.."), "/");
    }
}
