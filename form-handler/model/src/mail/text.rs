//! The editors' words of a mail: a Markdown file with front matter,
//! `content/mail/<form>/sagsbehandlere.md` or `content/mail/<form>/kvittering.md`:
//!
//! ```markdown
//! ---
//! subject: "Vi har modtaget jeres ansøgning – {reference}"
//! title: Tak for jeres ansøgning
//! ---
//! Vi har modtaget jeres ansøgning {received}.
//!
//! ## Hvad sker der nu?
//! ...
//! ```
//!
//! The subject, the title and the text may hold the placeholders of [`Placeholder`], filled
//! in by the code from facts it made itself, never from what an applicant typed. The text is
//! rendered once, when the file is loaded, to HTML and to plain text; a mail only fills in
//! the placeholders.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diagnostics::{Code, Diagnostic};
use crate::render::escape;
use crate::yaml::{Key, Places, Table};

/// Which mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MailKind {
    /// To the programme's caseworkers: every answer.
    Caseworkers,
    /// To the applicant: the receipt.
    Receipt,
}

impl MailKind {
    pub const ALL: [MailKind; 2] = [MailKind::Caseworkers, MailKind::Receipt];

    /// The name in logs, marks and file names.
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Caseworkers => "caseworkers",
            MailKind::Receipt => "receipt",
        }
    }

    /// The file that holds its words, under `content/mail/<form>/`.
    pub fn file_name(self) -> &'static str {
        match self {
            MailKind::Caseworkers => "sagsbehandlere.md",
            MailKind::Receipt => "kvittering.md",
        }
    }

    /// The kind for a name given by [`MailKind::as_str`].
    pub fn from_name(name: &str) -> Option<MailKind> {
        MailKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// The facts an editor can put into a mail's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholder {
    /// `{reference}`: the application's reference, `ABC-DEF-GHJ`.
    Reference,
    /// `{form}`: the form's title.
    Form,
    /// `{received}`: when it arrived, `1. marts 2019 kl. 10.05`.
    Received,
    /// `{round}`: the application round, `2019-03`.
    Round,
    /// `{deadline}`: the round's deadline, `fredag den 29. marts 2019`.
    Deadline,
}

impl Placeholder {
    const ALL: [(&'static str, Placeholder); 5] = [
        ("reference", Placeholder::Reference),
        ("form", Placeholder::Form),
        ("received", Placeholder::Received),
        ("round", Placeholder::Round),
        ("deadline", Placeholder::Deadline),
    ];

    fn named(name: &str) -> Option<Placeholder> {
        Placeholder::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, p)| *p)
    }

    fn names() -> String {
        Placeholder::ALL
            .iter()
            .map(|(n, _)| format!("{{{n}}}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The values of the placeholders for one application.
#[derive(Debug, Clone)]
pub struct Values<'a> {
    pub reference: &'a str,
    pub form: &'a str,
    pub received: String,
    pub round: &'a str,
    pub deadline: String,
}

impl Values<'_> {
    fn get(&self, p: Placeholder) -> &str {
        match p {
            Placeholder::Reference => self.reference,
            Placeholder::Form => self.form,
            Placeholder::Received => &self.received,
            Placeholder::Round => self.round,
            Placeholder::Deadline => &self.deadline,
        }
    }
}

/// Text with placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Template(Vec<Piece>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Value(Placeholder),
}

/// A `{…}` meant as a placeholder that would go out as written: `{Deadline}`,
/// `{ deadline }`, `{{deadline}}`, `{deadlien}`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct BadPlaceholder {
    /// The braces and what is between them, as written.
    written: String,
    /// The placeholder it is, or is close to.
    meant: Option<&'static str>,
}

impl BadPlaceholder {
    fn diagnostic(&self, path: &Path, line: usize, column: usize) -> Diagnostic {
        let inner = &self.written[1..self.written.len() - 1];
        let named = !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        let message = match named {
            true => format!("unknown placeholder `{}`", self.written),
            false => format!(
                "`{}` is not a placeholder and would go out as written",
                self.written
            ),
        };
        let hint = match self.meant {
            Some(m) if named => format!("did you mean `{{{m}}}`?"),
            Some(m) => format!("write `{{{m}}}`"),
            None => format!("the placeholders are {}", Placeholder::names()),
        };
        Diagnostic::new(Code::Placeholder, path, line, message)
            .column(column)
            .end(column + self.written.chars().count())
            .hint(hint)
    }
}

impl Template {
    /// Splits `text` at its `{name}`s. A `{…}` whose content, trimmed and lower-cased (or
    /// doubled braces taken off), is a placeholder or close to one's name is the error,
    /// with its byte offset; other braces are text (`{ 3 }`, `{}`).
    fn parse(text: &str) -> Result<Template, (usize, BadPlaceholder)> {
        let mut pieces = Vec::new();
        let mut rest = text;
        let mut consumed = 0;
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let close = after
                .find(['}', '\n'])
                .filter(|&c| after[c..].starts_with('}'));
            let Some(close) = close else {
                pieces.push(Piece::Text(rest[..=open].to_string()));
                consumed += open + 1;
                rest = after;
                continue;
            };
            let inner = &after[..close];
            // `{{name}}`: both pairs of braces.
            let end = match inner.starts_with('{') && after[close + 1..].starts_with('}') {
                true => close + 2,
                false => close + 1,
            };
            if let Some(p) = Placeholder::named(inner) {
                pieces.push(Piece::Text(rest[..open].to_string()));
                pieces.push(Piece::Value(p));
                consumed += open + 1 + end;
                rest = &after[end..];
                continue;
            }
            let key = inner
                .trim_matches(|c: char| c == '{' || c == '}' || c.is_whitespace())
                .to_lowercase();
            let names = Placeholder::ALL.iter().map(|(n, _)| *n);
            let meant = Placeholder::named(&key)
                .and_then(|p| {
                    Placeholder::ALL
                        .iter()
                        .find(|(_, q)| *q == p)
                        .map(|(n, _)| *n)
                })
                .or_else(|| crate::diagnostics::suggest(&key, names));
            let name_shaped =
                !key.is_empty() && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
            if meant.is_some() || (name_shaped && key == inner) {
                let written = format!("{{{}", &after[..end]);
                return Err((consumed + open, BadPlaceholder { written, meant }));
            }
            // Not a placeholder: a brace in the text.
            pieces.push(Piece::Text(rest[..=open].to_string()));
            consumed += open + 1;
            rest = after;
        }
        pieces.push(Piece::Text(rest.to_string()));
        pieces.retain(|p| !matches!(p, Piece::Text(t) if t.is_empty()));
        Ok(Template(pieces))
    }

    fn placeholders(&self) -> Vec<Placeholder> {
        self.0
            .iter()
            .filter_map(|p| match p {
                Piece::Value(v) => Some(*v),
                Piece::Text(_) => None,
            })
            .collect()
    }

    /// The text with the values filled in, HTML-escaped when `html`.
    fn fill(&self, values: &Values, html: bool) -> String {
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Value(p) if html => out.push_str(&escape(values.get(*p))),
                Piece::Value(p) => out.push_str(values.get(*p)),
            }
        }
        out
    }
}

/// One mail's words, checked and rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailText {
    /// The file, for editors' errors.
    pub path: PathBuf,
    subject: Template,
    title: Template,
    /// The text as HTML (a fragment: paragraphs, `h2`, lists, links).
    html: Template,
    /// The same text as plain text.
    text: Template,
}

/// The keys of a mail text's front matter, for the unknown-key check and the docs.
pub static FRONT_MATTER: Table = Table {
    id: "mail",
    docs: "docs/editors-guide.md",
    keys: &[
        Key::new(
            "subject",
            "text",
            "the mail's subject, one line, with `{reference}` in it",
        )
        .required(),
        Key::new("title", "text", "the heading at the top of the mail").required(),
    ],
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    subject: String,
    title: String,
}

impl MailText {
    /// Reads the words of a mail from `text` (the file `path`).
    pub fn parse(path: &Path, text: &str) -> Result<MailText, Vec<Diagnostic>> {
        let err = |line: usize, message: String| {
            vec![Diagnostic::new(Code::MailText, path, line, message)]
        };
        let (front, body, body_line) = split_front_matter(text).ok_or_else(|| {
            vec![
                Diagnostic::new(
                    Code::NoFrontMatter,
                    path,
                    1,
                    "a mail text starts with front matter",
                )
                .hint("begin the file with `---`, `subject: ...`, `title: ...` and `---`"),
            ]
        })?;
        let places = Places::of(front);
        if let Some(u) = FRONT_MATTER.unknown_keys(&places, "").first() {
            let message = format!("unknown front matter key `{}`", u.key);
            return Err(vec![u.diagnostic(path, 1, message)]);
        }
        let fm: FrontMatter = crate::yaml::from_str(front).map_err(|e| {
            vec![
                Diagnostic::new(
                    e.code(),
                    path,
                    e.line + 1,
                    format!("front matter: {}", e.message),
                )
                .column(e.column),
            ]
        })?;
        // Lines of the file: the front matter starts on line 2.
        let line_of = |key: &str| places.key(key).line + 1;
        // The column of byte `at` of `value` on its line in the file, if it is found there.
        let column = |value: &str, line: usize, at: usize| {
            let source = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
            source
                .find(value)
                .map_or(0, |start| source[..start + at].chars().count() + 1)
        };
        let template = |value: &str, line: usize| {
            Template::parse(value)
                .map_err(|(at, bad)| vec![bad.diagnostic(path, line, column(value, line, at))])
        };
        let subject_line = line_of("subject");
        let subject = template(fm.subject.trim(), subject_line)?;
        if fm.subject.contains('\n') || fm.subject.trim().is_empty() {
            return Err(err(
                subject_line,
                "the subject must be one line of text".into(),
            ));
        }
        if !subject.placeholders().contains(&Placeholder::Reference) {
            return Err(vec![
                Diagnostic::new(
                    Code::SubjectReference,
                    path,
                    subject_line,
                    "the subject must hold `{reference}`",
                )
                .hint("the reference is how applicants and caseworkers find the application again"),
            ]);
        }
        let title = template(fm.title.trim(), line_of("title"))?;
        if body.trim().is_empty() {
            return Err(err(
                body_line,
                "the mail has no text after its front matter".into(),
            ));
        }
        // Placeholders are checked in the source, where their lines are.
        for (i, line) in body.lines().enumerate() {
            template(line, body_line + i)?;
        }
        let html = template(&super::compose::markdown_html(body), body_line)?;
        let plain = template(&super::compose::markdown_text(body), body_line)?;
        if html.placeholders() != plain.placeholders() {
            return Err(err(
                body_line,
                "a placeholder stands in a link's address; placeholders belong in the text".into(),
            ));
        }
        Ok(MailText {
            path: path.to_path_buf(),
            subject,
            title,
            html,
            text: plain,
        })
    }

    pub fn subject(&self, values: &Values) -> String {
        self.subject.fill(values, false)
    }

    pub fn title(&self, values: &Values) -> String {
        self.title.fill(values, false)
    }

    /// The text as an HTML fragment.
    pub fn html(&self, values: &Values) -> String {
        self.html.fill(values, true)
    }

    /// The text as plain text.
    pub fn text(&self, values: &Values) -> String {
        self.text.fill(values, false)
    }
}

/// (front matter, body, the body's first line) of a file that starts with `---`.
fn split_front_matter(text: &str) -> Option<(&str, &str, usize)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            let front = &rest[..offset];
            let body = &rest[offset + line.len()..];
            let body_line = 2 + front.lines().count() + 1;
            return Some((front, body, body_line));
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = "---\nsubject: \"Ansøgning modtaget – {reference}\"\ntitle: Tak for jeres ansøgning\n---\nVi modtog ansøgningen {received}.\n\n## Hvad sker der nu?\n\nFristen er {deadline}.\n";

    fn values() -> Values<'static> {
        Values {
            reference: "ABC-DEF-GHJ",
            form: "Skema <for> dagtilbud",
            received: "1. marts 2019 kl. 10.05".into(),
            round: "2019-03",
            deadline: "fredag den 29. marts 2019".into(),
        }
    }

    fn parse(text: &str) -> Result<MailText, Vec<(usize, String)>> {
        MailText::parse(Path::new("content/mail/f/kvittering.md"), text)
            .map_err(|e| e.into_iter().map(|d| (d.line, d.message)).collect())
    }

    #[test]
    fn placeholders_are_filled_in_and_escaped_in_html() {
        let t = parse(OK).unwrap();
        let v = values();
        assert_eq!(t.subject(&v), "Ansøgning modtaget – ABC-DEF-GHJ");
        assert_eq!(t.title(&v), "Tak for jeres ansøgning");
        assert_eq!(
            t.html(&v),
            "<p>Vi modtog ansøgningen 1. marts 2019 kl. 10.05.</p>\n<h2>Hvad sker der nu?</h2>\n<p>Fristen er fredag den 29. marts 2019.</p>\n"
        );
        assert_eq!(
            t.text(&v),
            "Vi modtog ansøgningen 1. marts 2019 kl. 10.05.\n\nHvad sker der nu?\n\nFristen er fredag den 29. marts 2019.\n"
        );
        let form = parse(&OK.replace("{deadline}", "{form}")).unwrap();
        assert!(form.html(&v).contains("Skema &lt;for&gt; dagtilbud"));
        assert!(form.text(&v).contains("Skema <for> dagtilbud"));
    }

    #[test]
    fn editors_errors_name_the_line() {
        assert_eq!(
            parse(&OK.replace("{deadline}", "{frist}")).unwrap_err(),
            [(9, "unknown placeholder `{frist}`".to_string())]
        );
        assert_eq!(
            parse(&OK.replace(" – {reference}", "")).unwrap_err(),
            [(2, "the subject must hold `{reference}`".to_string())]
        );
        assert_eq!(parse(&OK.replace("title:", "titel:")).unwrap_err()[0].0, 3);
        assert_eq!(
            parse("Vi modtog den.\n").unwrap_err(),
            [(1, "a mail text starts with front matter".to_string())]
        );
        let no_text = OK.split("---\n").take(2).collect::<Vec<_>>().join("---\n") + "---\n\n";
        assert_eq!(
            parse(&no_text).unwrap_err(),
            [(5, "the mail has no text after its front matter".to_string())]
        );
        assert_eq!(
            parse(&OK.replace(
                "Fristen er {deadline}.",
                "[Se runden](https://x.dk/{round})"
            ))
            .unwrap_err(),
            [(
                5,
                "a placeholder stands in a link's address; placeholders belong in the text"
                    .to_string()
            )]
        );
    }

    #[test]
    fn a_placeholder_written_wrongly_is_an_error_with_its_fix() {
        let bad = |written: &str| {
            let text = OK.replace("{deadline}", written);
            let d = MailText::parse(Path::new("content/mail/f/kvittering.md"), &text)
                .unwrap_err()
                .remove(0);
            (d.line, d.column, d.end, d.message, d.hint.unwrap())
        };
        // "Fristen er " is 11 characters: the braces start in column 12.
        let wrongly = |w: &str| {
            (
                9,
                12,
                12 + w.chars().count(),
                format!("`{w}` is not a placeholder and would go out as written"),
                "write `{deadline}`".to_string(),
            )
        };
        for written in ["{Deadline}", "{ deadline }", "{{deadline}}", "{DEADLINE }"] {
            assert_eq!(bad(written), wrongly(written), "{written}");
        }
        assert_eq!(
            bad("{deadlien}"),
            (
                9,
                12,
                22,
                "unknown placeholder `{deadlien}`".to_string(),
                "did you mean `{deadline}`?".to_string()
            )
        );
    }

    #[test]
    fn braces_that_are_no_placeholder_stay() {
        let t = parse(&OK.replace("Fristen er {deadline}.", "Mængden { 3 } og {}.")).unwrap();
        assert!(t.text(&values()).contains("Mængden { 3 } og {}."));
    }
}
