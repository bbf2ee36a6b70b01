//! Opening an error's `file:line` in the editor from the preview's overlay, as Vite's
//! `launch-editor` does; only when one is configured. `SITE_GEN_EDITOR` names a URL
//! (`vscode://file/{file}:{line}:{column}`, opened by the browser) or a command with the same
//! placeholders; else `VISUAL` or `EDITOR`, when it names an editor with windows of its own
//! (a terminal editor cannot be started from the browser), given the place in the form that
//! program understands. Only the site's `content/` and `templates/` are opened.

use std::path::{Component, Path, PathBuf};

/// How to open a place in the editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Editor {
    /// A URL template the browser opens (an editor's URL scheme).
    Url(String),
    /// A program and its arguments, each a template.
    Command(Vec<String>),
}

/// A place in one of the site's files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// Absolute, in `content/` or `templates/`.
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
}

/// Why a place cannot be opened.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlaceError {
    #[error("`{0}` is not a file of the site")]
    Outside(String),
    #[error("`{0}` does not exist")]
    Missing(String),
}

impl Place {
    /// `file` (as the overlay shows it, relative to the site's root), checked to be a file
    /// inside `root`: the overlay opens errors, not whatever a request names.
    pub fn in_site(
        root: &Path,
        file: &str,
        line: usize,
        column: usize,
    ) -> Result<Self, PlaceError> {
        let relative = Path::new(file);
        let plain = relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
        let editable = relative.starts_with("content") || relative.starts_with("templates");
        if !plain || !editable {
            return Err(PlaceError::Outside(file.to_string()));
        }
        let file_path = root.join(relative);
        if !file_path.is_file() {
            return Err(PlaceError::Missing(file.to_string()));
        }
        Ok(Place {
            file: file_path,
            line: line.max(1),
            column: column.max(1),
        })
    }
}

/// What opening a place asks of the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opening {
    /// The browser opens this URL.
    Url(String),
    /// Run this program with these arguments.
    Run(Vec<String>),
}

impl Editor {
    /// The editor the environment configures, if any.
    pub fn from_env() -> Option<Editor> {
        let var = |name| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        match var("SITE_GEN_EDITOR") {
            Some(template) => Some(Editor::parse(&template)),
            None => var("VISUAL")
                .or_else(|| var("EDITOR"))
                .and_then(|p| Editor::program(&p)),
        }
    }

    /// `SITE_GEN_EDITOR`: a URL when it has a scheme, else a command; a command without
    /// `{file}` is a program name, as `EDITOR` gives.
    pub fn parse(template: &str) -> Editor {
        let template = template.trim();
        let scheme = template.split_once("://").is_some_and(|(s, _)| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        });
        if scheme {
            return Editor::Url(template.to_string());
        }
        if !template.contains("{file}") {
            // A program name; one without windows of its own still gets `+line file`.
            return Editor::program(template).unwrap_or_else(|| {
                let words = template.split_whitespace().map(str::to_string);
                Editor::Command(words.chain(["+{line}".into(), "{file}".into()]).collect())
            });
        }
        Editor::Command(template.split_whitespace().map(str::to_string).collect())
    }

    /// `EDITOR`'s program (with any arguments it has), given the place as that program
    /// takes it: `--goto file:line:column` for VS Code and its kin, `file:line:column` for
    /// Sublime Text and Zed, `--line` and `--column` for JetBrains' IDEs, `+line file` for
    /// gVim and `emacsclient`. `None` for any other program: a terminal editor (vi, nano,
    /// Helix) started by the server would have no terminal of its own.
    pub fn program(command: &str) -> Option<Editor> {
        let mut words: Vec<String> = command.split_whitespace().map(str::to_string).collect();
        let name = words
            .first()
            .and_then(|w| Path::new(w).file_stem())
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let place: &[&str] = match name.as_str() {
            "code" | "code-insiders" | "codium" | "vscodium" | "cursor" | "windsurf" => {
                &["--goto", "{file}:{line}:{column}"]
            }
            "subl" | "sublime_text" | "zed" | "zeditor" => &["{file}:{line}:{column}"],
            "idea" | "idea64" | "rustrover" | "webstorm" | "pycharm" | "clion" => {
                &["--line", "{line}", "--column", "{column}", "{file}"]
            }
            "gvim" | "mvim" | "emacsclient" => &["+{line}", "{file}"],
            _ => return None,
        };
        words.extend(place.iter().map(|s| s.to_string()));
        Some(Editor::Command(words))
    }

    /// What opens `place`.
    pub fn open(&self, place: &Place) -> Opening {
        let file = place.file.to_string_lossy();
        // In one pass: a file name that holds `{line}` stays as it is.
        let fill = |t: &str, file: &str| {
            let mut out = String::new();
            let mut rest = t;
            while let Some(open) = rest.find('{') {
                out.push_str(&rest[..open]);
                let after = &rest[open..];
                let (value, len) = if after.starts_with("{file}") {
                    (file.to_string(), "{file}".len())
                } else if after.starts_with("{line}") {
                    (place.line.to_string(), "{line}".len())
                } else if after.starts_with("{column}") {
                    (place.column.to_string(), "{column}".len())
                } else {
                    ("{".to_string(), 1)
                };
                out.push_str(&value);
                rest = &after[len..];
            }
            out.push_str(rest);
            out
        };
        match self {
            Editor::Url(template) => {
                use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
                // A path in a URL: what would end it or change its meaning, escaped.
                const PATH: &AsciiSet = &CONTROLS
                    .add(b' ')
                    .add(b'"')
                    .add(b'#')
                    .add(b'%')
                    .add(b'<')
                    .add(b'>')
                    .add(b'?')
                    .add(b'`')
                    .add(b'{')
                    .add(b'}');
                let file = utf8_percent_encode(&file, PATH).to_string();
                Opening::Url(fill(template, &file))
            }
            Editor::Command(words) => Opening::Run(words.iter().map(|w| fill(w, &file)).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place() -> Place {
        Place {
            file: PathBuf::from("/srv/site/content/a b.md"),
            line: 5,
            column: 3,
        }
    }

    fn run(editor: &str) -> Vec<String> {
        match Editor::parse(editor).open(&place()) {
            Opening::Run(argv) => argv,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_editor_gets_the_place_as_it_takes_it() {
        assert_eq!(
            run("code"),
            ["code", "--goto", "/srv/site/content/a b.md:5:3"]
        );
        // SITE_GEN_EDITOR may name any program; EDITOR only one with windows of its own.
        assert_eq!(
            run("/usr/bin/nvim"),
            ["/usr/bin/nvim", "+5", "/srv/site/content/a b.md"]
        );
        assert_eq!(Editor::program("vim"), None);
        assert_eq!(Editor::program("nano -w"), None);
        assert_eq!(
            run("emacsclient -n"),
            ["emacsclient", "-n", "+5", "/srv/site/content/a b.md"]
        );
        assert_eq!(run("zed"), ["zed", "/srv/site/content/a b.md:5:3"]);
        assert_eq!(
            run("rustrover"),
            [
                "rustrover",
                "--line",
                "5",
                "--column",
                "3",
                "/srv/site/content/a b.md"
            ]
        );
        assert_eq!(
            run("my-editor --at {line}:{column} {file}"),
            ["my-editor", "--at", "5:3", "/srv/site/content/a b.md"]
        );
    }

    #[test]
    fn placeholders_are_filled_once_and_a_file_name_is_taken_as_it_is() {
        let odd = Place {
            file: PathBuf::from("/srv/site/content/{line}.md"),
            line: 5,
            column: 3,
        };
        assert_eq!(
            Editor::parse("ed {file} {line}").open(&odd),
            Opening::Run(vec![
                "ed".into(),
                "/srv/site/content/{line}.md".into(),
                "5".into()
            ])
        );
    }

    #[test]
    fn a_url_scheme_is_opened_by_the_browser_with_the_path_escaped() {
        assert_eq!(
            Editor::parse("vscode://file/{file}:{line}:{column}").open(&place()),
            Opening::Url("vscode://file//srv/site/content/a%20b.md:5:3".into())
        );
    }

    #[test]
    fn only_files_of_the_site_are_opened() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("content")).unwrap();
        std::fs::write(dir.path().join("content/a.md"), "x").unwrap();
        std::fs::create_dir(dir.path().join(".site-gen")).unwrap();
        std::fs::write(dir.path().join(".site-gen/applications.jsonl"), "{}").unwrap();
        let root = dir.path();
        let place = Place::in_site(root, "content/a.md", 0, 0).unwrap();
        assert_eq!((place.line, place.column), (1, 1));
        assert_eq!(place.file, root.join("content/a.md"));
        for outside in [
            "../etc/passwd",
            "/etc/passwd",
            "content/../../x",
            "",
            "./content/a.md",
            ".site-gen/applications.jsonl",
        ] {
            assert_eq!(
                Place::in_site(root, outside, 1, 1),
                Err(PlaceError::Outside(outside.into())),
                "{outside}"
            );
        }
        assert_eq!(
            Place::in_site(root, "content/b.md", 1, 1),
            Err(PlaceError::Missing("content/b.md".into()))
        );
    }
}
