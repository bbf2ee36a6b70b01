//! Turning the assembled site into output files: the template context for each page, the
//! redirect pages, `sitemap.xml`, `robots.txt`, `404.html` and the static files.

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use tera::{Context, Tera, Value};

use form_model::forms::Forms;
use form_model::render::{Availability, form_section};

use crate::dates;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::links::Targets;
use crate::markdown::TocEntry;
use crate::site::{Entry, Site};
use crate::templates::{Theme, template_diagnostic};
use crate::yaml::Node;

/// One file of the built site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// A page or section, by index into `Site::entries`.
    Entry(usize),
    /// A redirect page for an alias, by index into `Site::aliases`.
    Alias(usize),
    NotFound,
    Sitemap,
    Robots,
    /// A theme file; `true` for its fingerprinted copy.
    Static(String, bool),
    /// A file from `content/`, by index into `Site::files`.
    ContentFile(usize),
}

#[derive(Serialize)]
struct Link<'a> {
    title: &'a str,
    url: &'a str,
}

#[derive(Serialize)]
struct SiteContext<'a> {
    title: &'a str,
    base_url: &'a str,
    language: &'a str,
    description: Option<&'a str>,
    nav: Vec<Link<'a>>,
    organisation: &'a Option<crate::config::Organisation>,
    contact: &'a Node,
    extra: &'a Node,
}

#[derive(Serialize)]
struct PageContext<'a> {
    title: &'a str,
    description: Option<&'a str>,
    date: Option<String>,
    updated: Option<String>,
    url: &'a str,
    permalink: String,
    content: &'a str,
    /// Ids of the forms on the page (templates load the form script when there are any).
    forms: Vec<&'a str>,
    toc: &'a [TocEntry],
    reading_time: usize,
    word_count: usize,
    extra: &'a Node,
    breadcrumbs: Vec<Link<'a>>,
}

#[derive(Serialize)]
struct PageSummary<'a> {
    url: &'a str,
    title: &'a str,
    date: Option<String>,
    updated: Option<String>,
    description: Option<&'a str>,
    extra: &'a Node,
}

#[derive(Serialize)]
struct SubsectionSummary<'a> {
    url: &'a str,
    title: &'a str,
    description: Option<&'a str>,
}

/// Renders outputs of one site with one compiled theme.
pub struct Renderer {
    pub site: Arc<Site>,
    pub theme: Arc<Theme>,
    pub forms: Arc<Forms>,
    /// What links may point at (the live preview's quick path checks edited pages' links).
    pub targets: Arc<Targets>,
    tera: Tera,
    site_value: Value,
    /// Each form as it stands on the build date, by id.
    form_html: std::collections::HashMap<String, String>,
    /// Whether pages get their breadcrumbs (a check leaves them out when the templates
    /// only print them).
    breadcrumbs: bool,
}

impl Renderer {
    pub fn new(
        site: Arc<Site>,
        theme: Arc<Theme>,
        tera: Tera,
        forms: Arc<Forms>,
        targets: Arc<Targets>,
    ) -> Renderer {
        let form_html = forms
            .forms
            .iter()
            .map(|f| {
                let availability = Availability::on(f, site.options.date);
                (
                    f.id.clone(),
                    form_section(f, &forms.kommuner, availability, &Default::default(), &[]),
                )
            })
            .collect();
        let c = &site.config;
        let nav = c
            .nav
            .iter()
            .filter_map(|url| {
                site.get(url).map(|e| Link {
                    title: &e.meta().title,
                    url: &e.url,
                })
            })
            .collect();
        let site_value = Value::from_serializable(&SiteContext {
            title: &c.title,
            base_url: &c.base_url,
            language: &c.language,
            description: c.description.as_deref(),
            nav,
            organisation: &c.organisation,
            contact: &c.contact,
            extra: &c.extra,
        });
        Renderer {
            site,
            theme,
            forms,
            targets,
            tera,
            site_value,
            form_html,
            breadcrumbs: true,
        }
    }

    /// This renderer, giving pages no breadcrumbs: for `site-gen check` when the templates
    /// only print them (`Theme::prints_only`), which then render the same with none.
    pub fn without_breadcrumbs(self) -> Renderer {
        Renderer {
            breadcrumbs: false,
            ..self
        }
    }

    /// Every output of the site, in a stable order.
    pub fn outputs(&self) -> Vec<Output> {
        let site = &self.site;
        let mut out: Vec<Output> = (0..site.entries.len()).map(Output::Entry).collect();
        out.extend((0..site.aliases.len()).map(Output::Alias));
        out.extend([Output::NotFound, Output::Sitemap, Output::Robots]);
        for rel in self.theme.statics.keys() {
            out.push(Output::Static(rel.clone(), false));
            out.push(Output::Static(rel.clone(), true));
        }
        out.extend((0..site.files.len()).map(Output::ContentFile));
        out
    }

    /// The path of `output` under the output folder, with `/` separators.
    pub fn path_of(&self, output: &Output) -> String {
        let dir_index = |url: &str| {
            let trimmed = url.trim_start_matches('/');
            if trimmed.is_empty() || trimmed.ends_with('/') {
                format!("{trimmed}index.html")
            } else {
                trimmed.to_string()
            }
        };
        match output {
            Output::Entry(i) => dir_index(&self.site.entries[*i].url),
            Output::Alias(i) => dir_index(&self.site.aliases[*i].from),
            Output::NotFound => "404.html".into(),
            Output::Sitemap => "sitemap.xml".into(),
            Output::Robots => "robots.txt".into(),
            Output::Static(rel, hashed) => {
                let s = &self.theme.statics[rel];
                (if *hashed { &s.hashed_url } else { &s.url })
                    .trim_start_matches('/')
                    .to_string()
            }
            Output::ContentFile(i) => self.site.files[*i].url.trim_start_matches('/').to_string(),
        }
    }

    /// The output written at `path` (as [`Renderer::path_of`] gives it), if any.
    pub fn output_at(&self, path: &str) -> Option<Output> {
        let site = &self.site;
        match path {
            "404.html" => return Some(Output::NotFound),
            "sitemap.xml" => return Some(Output::Sitemap),
            "robots.txt" => return Some(Output::Robots),
            _ => {}
        }
        if let Some(dir) = path.strip_suffix("index.html")
            && (dir.is_empty() || dir.ends_with('/'))
        {
            let url = format!("/{dir}");
            if let Some(&i) = site.by_url.get(&url) {
                return Some(Output::Entry(i));
            }
        }
        let url = format!("/{path}");
        let as_alias = path.strip_suffix("index.html").map(|d| format!("/{d}"));
        if let Some(i) = site
            .aliases
            .iter()
            .position(|a| a.from == url || Some(&a.from) == as_alias.as_ref())
        {
            return Some(Output::Alias(i));
        }
        if let Some(rel) = path.strip_prefix("static/") {
            if self.theme.statics.contains_key(rel) {
                return Some(Output::Static(rel.to_string(), false));
            }
            if let Some(s) = self.theme.statics.values().find(|s| s.hashed_url == url) {
                return Some(Output::Static(s.rel.clone(), true));
            }
        }
        site.files
            .iter()
            .position(|f| f.url == url)
            .map(Output::ContentFile)
    }

    /// The bytes of `output`.
    pub fn render(&self, output: &Output) -> Result<Vec<u8>, Diagnostic> {
        match output {
            Output::Entry(i) => self.render_entry(*i),
            Output::Alias(i) => Ok(self.render_alias(*i).into_bytes()),
            Output::NotFound => self.render_404().map(String::into_bytes),
            Output::Sitemap => Ok(self.sitemap().into_bytes()),
            Output::Robots => Ok(format!(
                "User-agent: *\nAllow: /\n\nSitemap: {}\n",
                self.site.config.permalink("/sitemap.xml")
            )
            .into_bytes()),
            Output::Static(rel, _) => Ok(self.theme.statics[rel].bytes.as_ref().clone()),
            Output::ContentFile(i) => {
                let f = &self.site.files[*i];
                std::fs::read(&f.path).map_err(|e| {
                    Diagnostic::new(
                        Code::Unreadable,
                        &f.path,
                        0,
                        format!("cannot read the file: {e}"),
                    )
                })
            }
        }
    }

    /// The template that renders entry `i`.
    pub fn template_for(&self, i: usize) -> String {
        template_for(&self.site, &self.theme, i)
    }

    fn base_context(&self, url: &str) -> Context {
        let mut ctx = Context::new();
        ctx.insert_value("site", self.site_value.clone());
        ctx.insert("current_url", url);
        ctx.insert("canonical_url", &self.site.config.permalink(url));
        ctx
    }

    fn breadcrumbs(&self, i: usize) -> Vec<Link<'_>> {
        self.site
            .ancestors(i)
            .into_iter()
            .map(|a| {
                let e = &self.site.entries[a];
                Link {
                    title: &e.meta().title,
                    url: &e.url,
                }
            })
            .collect()
    }

    fn render_entry(&self, i: usize) -> Result<Vec<u8>, Diagnostic> {
        let site = &self.site;
        let e = &site.entries[i];
        let m = e.meta();
        let mut ctx = self.base_context(&e.url);
        let detail = e.page.content()?;
        let mut content = std::borrow::Cow::Borrowed(detail.html.as_str());
        for (id, _) in &e.page.body.forms {
            let html = self.form_html.get(id).map_or("", String::as_str);
            content = std::borrow::Cow::Owned(
                content.replace(&crate::markdown::form_placeholder(id), html),
            );
        }
        let page = PageContext {
            title: &m.title,
            description: m.description.as_deref(),
            date: m.date.map(dates::iso),
            updated: m.updated.map(dates::iso),
            url: &e.url,
            permalink: site.config.permalink(&e.url),
            content: &content,
            forms: e
                .page
                .body
                .forms
                .iter()
                .map(|(id, _)| id.as_str())
                .collect(),
            toc: &detail.toc,
            reading_time: e.page.body.word_count.div_ceil(200).max(1),
            word_count: e.page.body.word_count,
            extra: &m.extra,
            breadcrumbs: if self.breadcrumbs {
                self.breadcrumbs(i)
            } else {
                Vec::new()
            },
        };
        if e.page.is_section {
            let mut section = Value::from_serializable(&page).into_map().expect("a map");
            let pages: Vec<PageSummary<'_>> =
                e.pages.iter().map(|&p| summary(&site.entries[p])).collect();
            let subsections: Vec<SubsectionSummary<'_>> = e
                .subsections
                .iter()
                .map(|&s| {
                    let s = &site.entries[s];
                    SubsectionSummary {
                        url: &s.url,
                        title: &s.meta().title,
                        description: s.meta().description.as_deref(),
                    }
                })
                .collect();
            section.insert("pages".into(), Value::from_serializable(&pages));
            section.insert("subsections".into(), Value::from_serializable(&subsections));
            ctx.insert_value("section", Value::from(section));
        } else {
            ctx.insert("page", &page);
        }
        // Into bytes, not a String: Tera would check the whole page's UTF-8 again.
        let mut out = Vec::with_capacity(content.len() + 8 * 1024);
        let template = self.template_for(i);
        self.tera
            .render_to(&template, &ctx, &mut out)
            .map_err(|err| template_diagnostic(&err, Some(&e.page.source)))?;
        Ok(out)
    }

    fn render_404(&self) -> Result<String, Diagnostic> {
        if self.theme.has_template("404.html") {
            let ctx = self.base_context("/404.html");
            return self
                .tera
                .render("404.html", &ctx)
                .map_err(|e| template_diagnostic(&e, Some(Path::new("404.html"))));
        }
        Ok(format!(
            "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>Siden findes ikke</title></head><body><main><h1>Siden findes ikke</h1><p><a href=\"/\">Gå til forsiden</a></p></main></body></html>\n",
            escape(&self.site.config.language)
        ))
    }

    fn render_alias(&self, i: usize) -> String {
        let alias = &self.site.aliases[i];
        let target = &self.site.entries[alias.to];
        let url = escape(&target.url);
        format!(
            "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<title>Siden er flyttet: {title}</title>\n<meta name=\"robots\" content=\"noindex\">\n<link rel=\"canonical\" href=\"{canonical}\">\n<meta http-equiv=\"refresh\" content=\"0; url={url}\">\n</head>\n<body>\n<p>Siden er flyttet til <a href=\"{url}\">{title}</a>.</p>\n</body>\n</html>\n",
            lang = escape(&self.site.config.language),
            title = escape(&target.meta().title),
            canonical = escape(&self.site.config.permalink(&target.url)),
        )
    }

    fn sitemap(&self) -> String {
        let mut xml = String::with_capacity(100 + self.site.entries.len() * 120);
        xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
        for e in &self.site.entries {
            xml.push_str("  <url><loc>");
            xml.push_str(&escape(&self.site.config.permalink(&e.url)));
            xml.push_str("</loc>");
            if let Some(d) = e.meta().updated.or(e.meta().date) {
                xml.push_str("<lastmod>");
                xml.push_str(&dates::iso(d));
                xml.push_str("</lastmod>");
            }
            xml.push_str("</url>\n");
        }
        xml.push_str("</urlset>\n");
        xml
    }
}

fn summary(e: &Entry) -> PageSummary<'_> {
    let m = e.meta();
    PageSummary {
        url: &e.url,
        title: &m.title,
        date: m.date.map(dates::iso),
        updated: m.updated.map(dates::iso),
        description: m.description.as_deref(),
        extra: &m.extra,
    }
}

/// The template that renders entry `i` of `site`.
pub fn template_for(site: &Site, theme: &Theme, i: usize) -> String {
    let e = &site.entries[i];
    if let Some(t) = &e.meta().template {
        return t.clone();
    }
    if e.page.is_section {
        if i == site.root && theme.has_template("index.html") {
            return "index.html".into();
        }
        return "section.html".into();
    }
    e.parent
        .and_then(|p| site.entries[p].meta().page_template.clone())
        .unwrap_or_else(|| "page.html".into())
}

/// Every entry's template must exist.
pub fn check_templates_exist(site: &Site, theme: &Theme) -> Diagnostics {
    let mut out = Diagnostics::new();
    for (i, e) in site.entries.iter().enumerate() {
        let name = template_for(site, theme, i);
        if theme.has_template(&name) {
            continue;
        }
        let m = e.meta();
        let (path, line) = if m.template.is_some() {
            (e.page.source.clone(), m.line_of("template"))
        } else if let Some(p) = e
            .parent
            .filter(|p| site.entries[*p].meta().page_template.is_some())
        {
            let parent = &site.entries[p];
            (
                parent.page.source.clone(),
                parent.meta().line_of("page_template"),
            )
        } else {
            (e.page.source.clone(), 0)
        };
        let known: Vec<&str> = theme.templates.iter().map(|t| t.name.as_str()).collect();
        let hint = crate::diagnostics::suggest(&name, known.iter().copied())
            .map(|s| format!("did you mean `{s}`?"))
            .unwrap_or_else(|| {
                format!(
                    "create templates/{name} or pick one of: {}",
                    known.join(", ")
                )
            });
        out.push(
            Diagnostic::new(
                Code::MissingTemplate,
                path,
                line,
                format!("the template `{name}` does not exist"),
            )
            .hint(hint),
        );
    }
    out
}

pub use form_model::render::escape;
