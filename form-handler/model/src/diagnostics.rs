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
    /// The kind of problem, stable across versions (docs/errors.md).
    pub code: Code,
}

impl Diagnostic {
    pub fn new(
        code: Code,
        path: impl Into<PathBuf>,
        line: usize,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            path: path.into(),
            line,
            column: 0,
            end: 0,
            message: message.into(),
            hint: None,
            code,
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
        write!(
            f,
            "{}: error[{}]: {}",
            self.location(),
            self.code.as_str(),
            self.message
        )?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Declares [`Code`]: each kind of problem with its stable code and a short title.
macro_rules! codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $code:literal, $title:literal;)*) => {
        /// The kind of a [`Diagnostic`], like rustc's E-codes: stable, so that editors can
        /// look one up in docs/errors.md and tools can match on it. A code is never reused.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Code {
            /// Every code, in the order of docs/errors.md.
            pub const ALL: &[Code] = &[$(Code::$variant),*];

            /// `E0003` and so on.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)*
                }
            }

            /// A few words naming the kind of problem (GitHub shows it as the title).
            pub fn title(self) -> &'static str {
                match self {
                    $(Code::$variant => $title,)*
                }
            }
        }
    };
}

codes! {
    /// A file is not UTF-8 text.
    NotUtf8 = "E0001", "file is not UTF-8";
    /// YAML that cannot be read: a quote never closed, a bad indentation, a tab.
    YamlSyntax = "E0002", "YAML syntax error";
    /// A key that this kind of file does not have, often a misspelling.
    UnknownKey = "E0003", "unknown key";
    /// A key the file must have is not there.
    MissingKey = "E0004", "missing key";
    /// A value of the wrong kind: text where a number belongs, a list for a word.
    WrongType = "E0005", "value of the wrong kind";
    /// A value of the right kind that is not allowed here.
    InvalidValue = "E0006", "value not allowed";
    /// A date that is not a calendar date written YYYY-MM-DD.
    InvalidDate = "E0007", "not a date";
    /// A file that exists but cannot be read.
    Unreadable = "E0008", "file cannot be read";
    /// A file or folder the site needs is not there.
    MissingFile = "E0009", "missing file";
    /// A page without its `---` front matter, or with one never closed.
    NoFrontMatter = "E0101", "no front matter";
    /// A `# heading` in a page's text: the title is the page's only level-1 heading.
    HeadingLevelOne = "E0102", "level-1 heading in the text";
    /// One id (a heading's anchor) given twice on a page.
    DuplicateId = "E0103", "id used twice";
    /// A `:::` collapsible section opened and never closed, or closed and never opened.
    UnclosedSection = "E0104", "collapsible section not closed";
    /// Something in a page's text that the site's security policy would block.
    BlockedByPolicy = "E0105", "blocked by the security policy";
    /// Two pages, or a page and an alias, at one address.
    SameAddress = "E0106", "two pages at one address";
    /// A `[formular: …]` line that names a form there is no definition of.
    UnknownForm = "E0107", "no such form";
    /// A link or image to an address where there is no page and no file.
    BrokenLink = "E0201", "link to nothing";
    /// A link to a page's `#anchor` that the page does not have.
    MissingAnchor = "E0202", "missing anchor";
    /// A link to a Markdown file instead of its page's address.
    MarkdownFileLink = "E0203", "link to a Markdown file";
    /// A menu entry in site.yaml that is not a page.
    MenuEntry = "E0204", "menu entry is not a page";
    /// A template that Tera cannot read.
    TemplateSyntax = "E0301", "template syntax error";
    /// A `{% ... %}` or `{{ ... }}` that is never closed.
    UnclosedTag = "E0302", "tag not closed";
    /// A template that fails while a page is made from it: a missing value, an unknown
    /// filter or function.
    TemplateRender = "E0303", "template fails to render";
    /// A template named by a page, an `include` or an `extends` that does not exist.
    MissingTemplate = "E0304", "no such template";
    /// A form definition whose `id` is not its file name.
    FormId = "E0401", "form id is not the file name";
    /// Two fields of a form with one id.
    DuplicateField = "E0402", "field id used twice";
    /// A field's keys that do not fit its type or each other.
    FieldRule = "E0403", "field definition not allowed";
    /// A reference to a field, or to one of its options, that the form does not have.
    FieldReference = "E0404", "no such field or option";
    /// A form's privacy notice that is not a page, or whose version differs.
    PrivacyNotice = "E0405", "privacy notice does not match";
    /// A caseworkers' address that is not an e-mail address.
    MailAddress = "E0406", "not an e-mail address";
    /// A `{placeholder}` in a mail text that does not exist or is misspelled.
    Placeholder = "E0501", "unknown placeholder";
    /// A mail's subject without `{reference}`.
    SubjectReference = "E0502", "subject without the reference";
    /// A mail text that no form sends.
    UnusedMail = "E0503", "mail text no form sends";
    /// A receipt that would repeat what the applicant typed to the address they typed.
    PersonalData = "E0504", "receipt holds what the applicant typed";
    /// A mail text that cannot make a mail: no subject line, no text, a placeholder in a
    /// link's address.
    MailText = "E0505", "mail text cannot make a mail";
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
    fn codes_are_distinct_and_numbered_in_order() {
        let strings: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        for s in &strings {
            assert!(
                s.len() == 5 && s.starts_with('E') && s[1..].bytes().all(|b| b.is_ascii_digit()),
                "{s}"
            );
        }
        assert!(strings.windows(2).all(|w| w[0] < w[1]), "{strings:?}");
        assert!(Code::ALL.iter().all(|c| !c.title().is_empty()));
    }

    #[test]
    fn display_lists_every_problem_and_a_count() {
        let mut d = Diagnostics::new();
        d.push(Diagnostic::new(Code::MissingKey, "content/b.md", 3, "second").hint("fix it"));
        d.push(Diagnostic::new(Code::UnknownKey, "content/a.md", 1, "first").column(2));
        let err = d.into_result(()).unwrap_err();
        let text = err.to_string();
        assert_eq!(
            text,
            "content/a.md:1:2: error[E0003]: first\ncontent/b.md:3: error[E0004]: second\n  hint: fix it\n2 errors"
        );
    }
}
