//! The theme: Tera templates and static files from `templates/`, and the functions and
//! filters the templates can use (`url`, `asset`, `date`).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tera::{Error as TeraError, ErrorKind, Kwargs, State, Tera};

mod printed;

use crate::content::slash_path;
use crate::dates;
use crate::diagnostics::{Code, Diagnostic, Diagnostics, line_col, suggest};
use crate::links::{self, Targets};
use crate::markdown::attributes;
use crate::site::Site;

/// A template file as read from disk.
#[derive(Debug, Clone)]
pub struct TemplateFile {
    /// The name templates use for it: `page.html`, `partials/nav.html`.
    pub name: String,
    pub text: String,
}

/// A file under `templates/static/`, published under `/static/` twice: as it is and with
/// a content hash in its name (for long caching).
#[derive(Debug, Clone)]
pub struct StaticFile {
    /// Path within `templates/static/`, with `/`: `css/site.css`.
    pub rel: String,
    pub bytes: Arc<Vec<u8>>,
    /// `/static/css/site.css`
    pub url: String,
    /// `/static/css/site.3f2a9c1d0b.css`
    pub hashed_url: String,
}

/// Everything in `templates/`.
#[derive(Debug, Clone, Default)]
pub struct Theme {
    pub templates: Vec<TemplateFile>,
    pub statics: BTreeMap<String, StaticFile>,
}

impl Theme {
    /// Reads `templates_dir`. I/O errors only; template problems are found by [`Theme::compile`].
    pub fn load(templates_dir: &Path) -> std::io::Result<Theme> {
        let mut theme = Theme::default();
        let static_dir = templates_dir.join("static");
        let walker = walkdir::WalkDir::new(templates_dir)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0 || !crate::content::is_ignored(&e.file_name().to_string_lossy())
            });
        for entry in walker {
            let entry = entry.map_err(std::io::Error::other)?;
            if !entry.file_type().is_file() {
                continue;
            }
            let path = entry.path();
            if let Ok(rel) = path.strip_prefix(&static_dir) {
                let rel = slash_path(rel);
                let bytes = std::fs::read(path)?;
                theme
                    .statics
                    .insert(rel.clone(), StaticFile::new(rel, bytes));
            } else {
                let rel = slash_path(path.strip_prefix(templates_dir).unwrap_or(path));
                let text = std::fs::read_to_string(path).map_err(|e| {
                    std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
                })?;
                theme.templates.push(TemplateFile { name: rel, text });
            }
        }
        Ok(theme)
    }

    /// Whether every template uses each of the pages' `fields` only to print it
    /// ([`printed::prints_only`]).
    pub fn prints_only(&self, fields: &[&str]) -> bool {
        self.templates
            .iter()
            .all(|t| printed::prints_only(&t.text, fields))
    }

    pub fn has_template(&self, name: &str) -> bool {
        self.templates.iter().any(|t| t.name == name)
    }

    /// Ids that the templates write literally (`id="indhold"`): valid anchors on every page.
    pub fn literal_ids(&self) -> HashSet<String> {
        self.templates
            .iter()
            .flat_map(|t| {
                attributes(&t.text)
                    .filter(|(n, v, _)| *n == "id" && !v.contains('{'))
                    .map(|(_, v, _)| v.to_string())
            })
            .collect()
    }

    /// Compiles the templates against `site`, reporting every template that fails to parse.
    pub fn compile(&self, site: Arc<Site>, targets: Arc<Targets>) -> Result<Tera, Diagnostics> {
        let mut errors = Diagnostics::new();
        for t in &self.templates {
            let mut single = base_tera(&site, &targets, self);
            if let Err(e) = single.add_raw_template(&t.name, &t.text)
                && matches!(e.kind(), ErrorKind::SyntaxError(_))
            {
                let d = template_diagnostic(&e, None);
                errors.push(unclosed_delimiter(&t.text, &d).unwrap_or(d));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut tera = base_tera(&site, &targets, self);
        tera.add_raw_templates(
            self.templates
                .iter()
                .map(|t| (t.name.as_str(), t.text.as_str())),
        )
        .map_err(|e| {
            let mut all = Diagnostics::new();
            match parse_reports(&e.to_string()) {
                found if !found.is_empty() => {
                    all.extend(found.into_iter().map(|d| self.suggest_name(d)));
                }
                _ => all.push(template_diagnostic(&e, None)),
            }
            all
        })?;
        Ok(tera)
    }

    /// An unknown filter or template, with the closest name that exists.
    fn suggest_name(&self, d: Diagnostic) -> Diagnostic {
        let name = |prefix: &str| {
            let rest = d.message.strip_prefix(prefix)?;
            Some(rest.strip_suffix('`')?.to_string())
        };
        if let Some(filter) = name("Unknown filter `") {
            let hint = match crate::diagnostics::suggest(&filter, FILTERS.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("the filters are {}", FILTERS.join(", ")),
            };
            return d.hint(hint);
        }
        if let Some(template) = name("Unknown template `") {
            let names = self.templates.iter().map(|t| t.name.as_str());
            let hint = match crate::diagnostics::suggest(&template, names) {
                Some(s) => format!("did you mean `{s}`?"),
                None => {
                    format!("there is no templates/{template}: create it, or name one that exists")
                }
            };
            // The quoted name, quotes included.
            let end = d.column + template.chars().count() + 2;
            return d.end(end).hint(hint);
        }
        d
    }

    /// Literal `href`/`src` values in the templates that lead nowhere.
    pub fn check_links(&self, site: &Site, targets: &Targets) -> Diagnostics {
        let mut out = Diagnostics::new();
        for t in &self.templates {
            for (name, value, at) in attributes(&t.text) {
                let checkable = matches!(name, "href" | "src" | "action")
                    && !value.is_empty()
                    && !value.contains('{')
                    && (value.starts_with('/') && !value.starts_with("//")
                        || value.starts_with('#'));
                if !checkable {
                    continue;
                }
                let (line, column) = line_col(&t.text, at);
                let path = Path::new("templates").join(&t.name);
                if let Some(anchor) = value.strip_prefix('#') {
                    if !targets.template_ids.contains(anchor) {
                        out.push(
                            Diagnostic::new(
                                Code::MissingAnchor,
                                &path,
                                line,
                                format!(
                                    "link to `{value}`: no element in the templates has that id"
                                ),
                            )
                            .column(column),
                        );
                    }
                } else if let Err(b) = links::check(site, targets, "/", value) {
                    let d = Diagnostic::new(b.code, &path, line, b.message).column(column);
                    out.push(match b.hint {
                        Some(h) => d.hint(h),
                        None => d.hint("use `{{ url(path=\"/...\") }}` for links to pages"),
                    });
                }
            }
        }
        out
    }
}

impl StaticFile {
    fn new(rel: String, bytes: Vec<u8>) -> StaticFile {
        let hash = fnv1a64(&bytes);
        let hashed = match rel.rfind('.') {
            Some(dot) if !rel[dot..].contains('/') => {
                format!("{}.{hash:010x}{}", &rel[..dot], &rel[dot..])
            }
            _ => format!("{rel}.{hash:010x}"),
        };
        StaticFile {
            url: format!("/static/{rel}"),
            hashed_url: format!("/static/{hashed}"),
            rel,
            bytes: Arc::new(bytes),
        }
    }
}

/// 40 bits of FNV-1a: a stable content fingerprint for file names (not a security hash).
fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h & 0xff_ffff_ffff
}

/// A Tera with our functions and filters, and no templates yet.
fn base_tera(site: &Arc<Site>, targets: &Arc<Targets>, theme: &Theme) -> Tera {
    let mut tera = Tera::new();
    tera.autoescape_on([".html", ".htm", ".xml"]);

    let (s, t) = (site.clone(), targets.clone());
    tera.register_function(
        "url",
        move |kwargs: Kwargs, _: &State| -> Result<String, TeraError> {
            let path: &str = kwargs.must_get("path")?;
            if !path.starts_with('/') {
                return Err(TeraError::message(format!(
                    "url(path=\"{path}\"): the path must start with `/`"
                )));
            }
            links::check(&s, &t, "/", path).map_err(|b| {
                TeraError::message(match b.hint {
                    Some(h) => format!("url(path=\"{path}\"): {} ({h})", b.message),
                    None => format!("url(path=\"{path}\"): {}", b.message),
                })
            })?;
            Ok(path.to_string())
        },
    );

    let statics: BTreeMap<String, String> = theme
        .statics
        .iter()
        .map(|(k, v)| (k.clone(), v.hashed_url.clone()))
        .collect();
    tera.register_function(
        "asset",
        move |kwargs: Kwargs, _: &State| -> Result<String, TeraError> {
            let path: &str = kwargs.must_get("path")?;
            let key = path.trim_start_matches('/').trim_start_matches("static/");
            statics.get(key).cloned().ok_or_else(|| {
                let hint = suggest(key, statics.keys().map(String::as_str))
                    .map_or(String::new(), |s| format!(" (did you mean `{s}`?)"));
                TeraError::message(format!(
                    "asset(path=\"{path}\"): there is no file templates/static/{key}{hint}"
                ))
            })
        },
    );

    tera.register_filter(
        "date",
        |value: &tera::Value, kwargs: Kwargs, _: &State| -> Result<String, TeraError> {
            let text = value.as_str().ok_or_else(|| {
                TeraError::message(format!(
                    "the date filter got {} instead of a date: guard it with `{{% if ... %}}` when the date is optional",
                    if value.is_none() || value.is_undefined() { "nothing".to_string() } else { value.name().to_string() }
                ))
            })?;
            let date = dates::parse_iso(text).map_err(TeraError::message)?;
            match kwargs.get::<&str>("format")?.unwrap_or("long") {
                "long" => Ok(dates::long_da(date)),
                "short" => Ok(dates::short_da(date)),
                "iso" => Ok(dates::iso(date)),
                other => Err(TeraError::message(format!(
                    "date filter: unknown format `{other}` (use long, short or iso)"
                ))),
            }
        },
    );
    tera
}

/// The filters templates can use: Tera's own (those `Tera::new` registers in 2.4) and
/// ours (a test applies each one).
pub const FILTERS: &[&str] = &[
    "abs",
    "capitalize",
    "date",
    "default",
    "escape",
    "escape_html",
    "escape_xml",
    "first",
    "float",
    "get",
    "group_by",
    "indent",
    "int",
    "join",
    "keys",
    "last",
    "length",
    "lower",
    "newlines_to_br",
    "nth",
    "pairs",
    "pluralize",
    "replace",
    "reverse",
    "round",
    "safe",
    "sort",
    "split",
    "str",
    "title",
    "trim",
    "trim_end",
    "trim_start",
    "truncate",
    "unique",
    "upper",
    "values",
    "wordcount",
];

/// A Tera error as an editor-facing diagnostic. `rendering` names the page being rendered.
pub fn template_diagnostic(e: &TeraError, rendering: Option<&Path>) -> Diagnostic {
    let while_rendering = rendering.map(|p| format!("while rendering {}", p.display()));
    let report = match e.kind() {
        ErrorKind::SyntaxError(r) => Some((Code::TemplateSyntax, r)),
        ErrorKind::RenderingError(r) => Some((Code::TemplateRender, r)),
        _ => None,
    };
    let mut d = match report {
        Some((code, r)) => {
            let mut message = r.message().to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                message.push_str(": ");
                message.push_str(&s.to_string());
                source = s.source();
            }
            Diagnostic::new(
                code,
                Path::new("templates").join(r.filename()),
                r.span().start_line,
                message,
            )
            .column(r.span().start_col + 1)
        }
        None => {
            let message = e.to_string();
            if let Some(first) = parse_reports(&message).into_iter().next() {
                first
            } else {
                let (code, file) = match e.kind() {
                    ErrorKind::MissingParent { current, .. } => (
                        Code::MissingTemplate,
                        PathBuf::from("templates").join(current),
                    ),
                    ErrorKind::CircularExtend { tpl, .. }
                    | ErrorKind::CircularInclude { tpl, .. } => {
                        (Code::TemplateSyntax, PathBuf::from("templates").join(tpl))
                    }
                    _ => (Code::TemplateSyntax, PathBuf::from("templates")),
                };
                Diagnostic::new(code, file, 0, message)
            }
        }
    };
    if let Some(w) = while_rendering {
        d = d.hint(w);
    } else if d.message.contains("Unexpected end of input") {
        d = d.hint("a tag is not closed: check that every `{% if %}`, `{% for %}` and `{% block %}` has its `{% endif %}`, `{% endfor %}` or `{% endblock %}`, and every `{{` its `}}`");
    }
    d
}

/// The cause of a syntax error `d` in `text` when it is a tag or expression opened and not
/// closed before the error's place (`{%- if x %` without its `}`): the parser only notices
/// at the next tag, often a line later, with a message about something else.
fn unclosed_delimiter(text: &str, d: &Diagnostic) -> Option<Diagnostic> {
    let error_at: usize = text
        .split_inclusive('\n')
        .take(d.line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>()
        + d.column.saturating_sub(1);
    let mut unclosed = None;
    let mut at = 0;
    while let Some(i) = text[at..].find('{').map(|i| at + i) {
        let close = match text.as_bytes().get(i + 1) {
            Some(b'%') => "%}",
            Some(b'{') => "}}",
            Some(b'#') => "#}",
            _ => {
                at = i + 1;
                continue;
            }
        };
        if i >= error_at {
            break;
        }
        let rest = &text[i + 2..];
        // Closed when its closing pair comes before the next opening one.
        let next_open = ["{%", "{{", "{#"]
            .iter()
            .filter_map(|o| rest.find(o))
            .min()
            .unwrap_or(rest.len());
        match rest.find(close) {
            Some(c) if c < next_open => at = i + 2 + c + 2,
            _ => {
                unclosed = Some((i, close));
                at = i + 2;
            }
        }
    }
    let (i, close) = unclosed?;
    let (line, column) = crate::diagnostics::line_col(text, i);
    let opened: String = text[i..]
        .lines()
        .next()
        .unwrap_or("")
        .trim_end()
        .to_string();
    Some(
        Diagnostic::new(
            Code::UnclosedTag,
            &d.path,
            line,
            format!("`{opened}` is not closed"),
        )
        .column(column)
        .end(column + opened.chars().count())
        .hint(format!("end it with `{close}`")),
    )
}

/// Tera reports some problems found across templates (an unknown include, filter or
/// function) as text: `error: MESSAGE` then ` --> NAME:LINE:COL` and a code frame.
fn parse_reports(text: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut message: Option<&str> = None;
    for line in text.lines() {
        if let Some(m) = line.strip_prefix("error: ") {
            message = Some(m.trim());
        } else if let (Some(m), Some(place)) = (message, line.trim_start().strip_prefix("--> ")) {
            let mut parts = place.rsplitn(3, ':');
            let (col, line_no, name) = (parts.next(), parts.next(), parts.next());
            if let (Some(col), Some(line_no), Some(name)) = (col, line_no, name)
                && let (Ok(line_no), Ok(col)) = (line_no.parse::<usize>(), col.parse::<usize>())
            {
                out.push(
                    Diagnostic::new(
                        Code::TemplateSyntax,
                        Path::new("templates").join(name),
                        line_no,
                        m,
                    )
                    .column(col),
                );
                message = None;
            }
        }
    }
    out
}
