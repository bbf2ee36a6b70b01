//! Editors' diagnostics for people and for tools: on the terminal as rustc shows its
//! errors (the offending line with its number and a caret span under the columns, then the
//! hint), rendered by `annotate-snippets`, the renderer rustc itself uses; as JSON lines;
//! and as GitHub workflow commands, so that a pull request shows each error on its line.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use annotate_snippets::{AnnotationKind, Level, Origin, Renderer, Snippet};
#[cfg(test)]
use form_model::diagnostics::Code;
use form_model::diagnostics::{Diagnostic, Diagnostics};

/// How `site-gen check` reports what it found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// For a person: code frames, colour on a terminal (none when piped or `NO_COLOR`).
    #[default]
    Terminal,
    /// One JSON object per diagnostic and line (file, line, column, end, severity, code,
    /// message, hint), on standard output.
    Json,
    /// GitHub Actions' `::error file=…,line=…,col=…::…` commands, on standard output.
    Github,
}

/// The files diagnostics point into, read once each, relative to the site's root.
struct Sources<'a> {
    root: &'a Path,
    texts: HashMap<PathBuf, Option<String>>,
}

impl Sources<'_> {
    /// Line `line` (1-based) of `path`, without its line break.
    fn line(&mut self, path: &Path, line: usize) -> Option<&str> {
        let root = self.root;
        let text = self
            .texts
            .entry(path.to_path_buf())
            .or_insert_with(|| std::fs::read_to_string(root.join(path)).ok());
        let text = text.as_deref()?;
        let found = text.split('\n').nth(line.checked_sub(1)?)?;
        Some(found.strip_suffix('\r').unwrap_or(found))
    }
}

/// The byte range of the span that `d` points at in its `line`: from its column to its end
/// column when it has one; else the word at the column (up to a space or a closing
/// bracket or quote; a key's `:` left out; a whole Markdown link); the whole line
/// (trimmed) without a column.
fn span(line: &str, d: &Diagnostic) -> std::ops::Range<usize> {
    let byte = |column: usize| {
        line.char_indices()
            .nth(column.saturating_sub(1))
            .map_or(line.len(), |(i, _)| i)
    };
    if d.column == 0 {
        let start = line.len() - line.trim_start().len();
        return start..line.trim_end().len().max(start);
    }
    let start = byte(d.column);
    if d.end > d.column {
        return start..byte(d.end);
    }
    let rest = &line[start..];
    // A Markdown link or image, `[text](target)` or `![text](target)`: all of it.
    if (rest.starts_with('[') || rest.starts_with("!["))
        && let Some(middle) = rest.find("](")
        && let Some(close) = rest[middle..].find(')')
    {
        return start..start + middle + close + 1;
    }
    let mut end = rest
        .find(|c: char| c.is_whitespace() || matches!(c, ')' | ']' | '"' | '\'' | ',' | '>'))
        .unwrap_or(rest.len());
    if end > 1 && rest[..end].ends_with(':') {
        end -= 1;
    }
    // At least one character, so that the caret shows (one past the end at a line's end).
    let end = if end == 0 {
        rest.chars().next().map_or(0, char::len_utf8)
    } else {
        end
    };
    start..start + end
}

/// Whether standard error takes colour: a terminal, and no `NO_COLOR` (no-color.org).
pub fn stderr_has_colour() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

/// Every diagnostic as rustc would show it, then the count.
pub fn terminal(diagnostics: &Diagnostics, root: &Path, color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut sources = Sources {
        root,
        texts: HashMap::new(),
    };
    let mut out = String::new();
    for d in diagnostics.iter() {
        let path = d.path.display().to_string();
        let title = Level::ERROR
            .primary_title(d.message.as_str())
            .id(d.code.as_str());
        let line = (d.line > 0)
            .then(|| sources.line(&d.path, d.line))
            .flatten();
        let mut group = match line {
            Some(text) => title.element(
                Snippet::source(text)
                    .line_start(d.line)
                    .path(path.as_str())
                    .annotation(AnnotationKind::Primary.span(span(text, d))),
            ),
            None => {
                let mut origin = Origin::path(path.as_str());
                if d.line > 0 {
                    origin = origin.line(d.line);
                }
                title.element(origin)
            }
        };
        if let Some(hint) = &d.hint {
            group = group.element(Level::HELP.message(hint.as_str()));
        }
        let _ = writeln!(out, "{}\n", renderer.render(&[group]));
    }
    let n = diagnostics.len();
    let _ = writeln!(out, "{n} error{}", if n == 1 { "" } else { "s" });
    out
}

/// One diagnostic as `--format json` writes it, its fields in this order.
#[derive(serde::Serialize)]
struct JsonDiagnostic<'a> {
    file: String,
    line: usize,
    column: usize,
    end: usize,
    severity: &'static str,
    code: &'static str,
    message: &'a str,
    hint: Option<&'a str>,
}

/// One JSON object per diagnostic, a line each.
pub fn json(diagnostics: &Diagnostics) -> String {
    let mut out = String::new();
    for d in diagnostics.iter() {
        let object = JsonDiagnostic {
            file: d.path.display().to_string().replace('\\', "/"),
            line: d.line,
            column: d.column,
            end: d.end,
            severity: "error",
            code: d.code.as_str(),
            message: &d.message,
            hint: d.hint.as_deref(),
        };
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string(&object).unwrap_or_default()
        );
    }
    out
}

/// GitHub's workflow commands (`::error file=…,line=…,col=…,title=…::message`), escaped as
/// its toolkit escapes them.
pub fn github(diagnostics: &Diagnostics) -> String {
    fn data(s: &str) -> String {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    }
    fn property(s: &str) -> String {
        data(s).replace(':', "%3A").replace(',', "%2C")
    }
    let mut out = String::new();
    for d in diagnostics.iter() {
        let mut properties = vec![format!(
            "file={}",
            property(&d.path.display().to_string().replace('\\', "/"))
        )];
        if d.line > 0 {
            properties.push(format!("line={}", d.line));
            if d.column > 0 {
                properties.push(format!("col={}", d.column));
                if d.end > d.column {
                    properties.push(format!("endColumn={}", d.end));
                }
            }
        }
        let title = format!("{} {}", d.code.as_str(), d.code.title());
        properties.push(format!("title={}", property(&title)));
        let mut message = d.message.clone();
        if let Some(hint) = &d.hint {
            message.push_str("\nhint: ");
            message.push_str(hint);
        }
        let _ = writeln!(out, "::error {}::{}", properties.join(","), data(&message));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: usize, column: usize) -> Diagnostic {
        Diagnostic::new(Code::BrokenLink, "content/a.md", line, "m").column(column)
    }

    #[test]
    fn the_span_is_the_word_at_the_column() {
        let line = "titel: Etårige forløb";
        assert_eq!(&line[span(line, &at(1, 1))], "titel");
        assert_eq!(&line[span(line, &at(1, 8))], "Etårige");
        let link = "Se [kontakt](/b/#kontak) nu.";
        assert_eq!(&link[span(link, &at(1, 4))], "[kontakt](/b/#kontak)");
        assert_eq!(&link[span(link, &at(1, 14))], "/b/#kontak");
        assert_eq!(&link[span(link, &at(1, 0))], link);
        assert_eq!(&link[span(link, &at(1, 4).end(13))], "[kontakt]");
    }

    #[test]
    fn github_commands_escape_what_would_end_them() {
        let mut all = Diagnostics::new();
        all.push(
            Diagnostic::new(Code::BrokenLink, "content/a,b.md", 2, "50% done\nnext")
                .column(3)
                .hint("x: y"),
        );
        assert_eq!(
            github(&all),
            "::error file=content/a%2Cb.md,line=2,col=3,title=E0201 link to nothing::50%25 done%0Anext%0Ahint: x: y\n"
        );
    }
}
