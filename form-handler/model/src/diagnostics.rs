//! Editor-facing error reports: every problem found in one run, each with a place
//! (`file:line:column`) and a one-line hint.

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in the editors' files (content, templates, site configuration).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// The file, relative to the site root where possible (`content/foo.md`).
    pub path: PathBuf,
    /// 1-based line; 0 when the problem concerns the file as a whole.
    pub line: usize,
    /// 1-based column; 0 when unknown.
    pub column: usize,
    /// 1-based column just past the offending text on the same line; 0 when unknown (the
    /// renderer then marks the word at `column`).
    pub end: usize,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(path: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.into(),
            line,
            column: 0,
            end: 0,
            message: message.into(),
            hint: None,
        }
    }

    pub fn column(mut self, column: usize) -> Self {
        self.column = column;
        self
    }

    /// The column just past the offending text (see [`Diagnostic::end`]).
    pub fn end(mut self, end: usize) -> Self {
        self.end = end;
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// `path:line:column`, leaving out what is unknown.
    pub fn location(&self) -> String {
        let path = self.path.display();
        match (self.line, self.column) {
            (0, _) => format!("{path}"),
            (line, 0) => format!("{path}:{line}"),
            (line, column) => format!("{path}:{line}:{column}"),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: error: {}", self.location(), self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// All problems of one run, sorted by place so that output is stable.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(other);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    /// `Ok(value)` when nothing was reported, else the sorted, de-duplicated list.
    pub fn into_result<T>(mut self, value: T) -> Result<T, Diagnostics> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            self.0.sort();
            self.0.dedup();
            Err(self)
        }
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        let n = self.0.len();
        write!(f, "{n} error{}", if n == 1 { "" } else { "s" })
    }
}

/// Byte offset -> (line, column), both 1-based; the column counts characters.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    (line, column)
}

/// The path as editors see it: relative to `root` when it is inside it.
pub fn display_path(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

/// The closest of `candidates` to `word`, if it is close enough to be a useful suggestion.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        // Close in absolute and in relative terms: `/d/` is not a misspelling of `/a/`.
        .filter(|(d, c)| {
            *d <= 2.max(c.len() / 3) && *d * 10 <= 3 * word.chars().count().max(c.chars().count())
        })
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let text = "æøå\nab æ x";
        assert_eq!(line_col(text, 0), (1, 1));
        let x = text.find('x').unwrap();
        assert_eq!(line_col(text, x), (2, 6));
    }

    #[test]
    fn suggest_finds_near_keys_only() {
        let keys = ["title", "description", "date", "updated"];
        assert_eq!(suggest("titel", keys), Some("title"));
        assert_eq!(suggest("descripton", keys), Some("description"));
        assert_eq!(suggest("colour", keys), None);
        assert_eq!(suggest("/d/", ["/a/", "/b/"]), None);
        assert_eq!(
            suggest("/kurser/efterar/", ["/kurser/efteraar/"]),
            Some("/kurser/efteraar/")
        );
    }

    #[test]
    fn display_lists_every_problem_and_a_count() {
        let mut d = Diagnostics::new();
        d.push(Diagnostic::new("content/b.md", 3, "second").hint("fix it"));
        d.push(Diagnostic::new("content/a.md", 1, "first").column(2));
        let err = d.into_result(()).unwrap_err();
        let text = err.to_string();
        assert_eq!(
            text,
            "content/a.md:1:2: error: first\ncontent/b.md:3: error: second\n  hint: fix it\n2 errors"
        );
    }
}
