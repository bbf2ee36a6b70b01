//! `site-gen new SECTION/SLUG`: a new page with valid front matter.

use std::path::{Path, PathBuf};

use crate::build::BuildError;
use crate::dates;

/// Creates `content/<path>.md` under `root` and returns its path. Refuses to overwrite.
pub fn create(root: &Path, path: &str, today: jiff::civil::Date) -> Result<PathBuf, BuildError> {
    let clean = path.trim_matches('/').trim_end_matches(".md");
    let valid = !clean.is_empty()
        && clean.split('/').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        });
    if !valid {
        return Err(BuildError::Usage(format!(
            "`{path}` is not a page path: use lower-case letters, digits and dashes, like `kurser/efteraar-2019` (suggestion: `{}`)",
            clean
                .split('/')
                .map(crate::slug::slugify)
                .collect::<Vec<_>>()
                .join("/")
        )));
    }
    let file = root.join("content").join(format!("{clean}.md"));
    if file.exists() {
        return Err(BuildError::Usage(format!(
            "{} already exists",
            file.display()
        )));
    }
    let title = clean.rsplit('/').next().unwrap_or(clean).replace('-', " ");
    let title = capitalise(&title);
    let text = format!(
        "---\ntitle: \"{title}\"\ndescription: \"Én sætning om siden, til søgemaskiner og oversigter.\"\ndate: {date}\ndraft: true\n---\n\nSkriv sidens tekst her. Brug `##` til mellemrubrikker.\n",
        date = dates::iso(today)
    );
    if let Some(parent) = file.parent() {
        std::fs::create_dir_all(parent).map_err(|source| BuildError::Io {
            context: format!("creating {}", parent.display()),
            source,
        })?;
    }
    std::fs::write(&file, text).map_err(|source| BuildError::Io {
        context: format!("writing {}", file.display()),
        source,
    })?;
    Ok(file)
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_page_parses_and_is_a_draft() {
        let dir = tempfile::tempdir().unwrap();
        let today = dates::parse_iso("2019-03-01").unwrap();
        let file = create(dir.path(), "kurser/efteraar-2019", today).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        let page = crate::content::ParsedPage::parse(
            Path::new("content/kurser/efteraar-2019.md"),
            "kurser/efteraar-2019.md",
            &text,
            &Default::default(),
            crate::markdown::Omit::NOTHING,
        )
        .unwrap();
        assert_eq!(page.meta.title, "Efteraar 2019");
        assert!(page.meta.draft);
        assert!(
            create(dir.path(), "kurser/efteraar-2019", today).is_err(),
            "must not overwrite"
        );
        assert!(create(dir.path(), "Kurser/Efterår", today).is_err());
    }
}
