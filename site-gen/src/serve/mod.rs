//! `site-gen serve`: the live preview. Builds in memory, serves on a local address,
//! rebuilds when `content/` or `templates/` change, and tells open browser tabs to reload
//! (or to show the build errors in an overlay, while the last good build stays served).

mod cache;
mod editor;
mod mail;
mod quick;
mod watch;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use tokio::sync::watch as channel;

use crate::build::{self, BuildError};
use crate::render::Renderer;
use crate::site::BuildOptions;
use cache::PageCache;
pub use editor::{Editor, Opening, Place};

const LIVERELOAD_JS: &str = include_str!("livereload.js");

/// What open browser tabs are told after each rebuild.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Status {
    /// Increases with every successful rebuild.
    pub version: u64,
    /// The errors of the last rebuild, when it failed.
    pub errors: Option<String>,
    /// Whether the overlay's `file:line` open in an editor (`/__open-in-editor`).
    pub editor: bool,
}

/// One successful build, rendered on demand and cached.
pub struct Generation {
    pub version: u64,
    pub renderer: Renderer,
    rendered: Mutex<HashMap<String, Arc<Vec<u8>>>>,
}

impl Generation {
    fn new(renderer: Renderer, version: u64) -> Generation {
        Generation {
            version,
            renderer,
            rendered: Mutex::new(HashMap::new()),
        }
    }

    /// The bytes of the output at `path` (relative, e.g. `a/index.html`), rendering it if needed.
    pub fn get(&self, path: &str) -> Option<Result<Arc<Vec<u8>>, crate::Diagnostic>> {
        if let Some(bytes) = self.rendered.lock().expect("render cache").get(path) {
            return Some(Ok(bytes.clone()));
        }
        let output = self.renderer.output_at(path)?;
        Some(match self.renderer.render(&output) {
            Ok(bytes) => {
                let bytes = Arc::new(bytes);
                self.rendered
                    .lock()
                    .expect("render cache")
                    .insert(path.to_string(), bytes.clone());
                Ok(bytes)
            }
            Err(d) => Err(d),
        })
    }

    fn has(&self, path: &str) -> bool {
        self.renderer.output_at(path).is_some()
    }
}

/// The server's shared state.
pub struct Preview {
    root: PathBuf,
    options: BuildOptions,
    cache: PageCache,
    current: RwLock<Option<Arc<Generation>>>,
    status: channel::Sender<Status>,
    /// Set while a rebuild runs: the background render of the previous build gives way.
    rebuilding: std::sync::atomic::AtomicBool,
    /// How many rebuilds took the quick path (`quick`).
    quick_rebuilds: std::sync::atomic::AtomicU64,
    /// The form handler on the same origin, which follows edits to the form definitions.
    api: std::sync::OnceLock<Arc<form_handler::http::AppState>>,
    /// Where the overlay's places open, when configured.
    editor: std::sync::OnceLock<Editor>,
}

impl Preview {
    /// Builds the site once; a failed first build still gives a server that shows the errors.
    pub fn new(root: &Path, options: BuildOptions) -> Arc<Preview> {
        let (status, _) = channel::channel(Status::default());
        // Absolute, so that the paths in file system events match the ones we read.
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let preview = Arc::new(Preview {
            root,
            options,
            cache: PageCache::default(),
            current: RwLock::new(None),
            status,
            rebuilding: std::sync::atomic::AtomicBool::new(false),
            quick_rebuilds: std::sync::atomic::AtomicU64::new(0),
            api: std::sync::OnceLock::new(),
            editor: std::sync::OnceLock::new(),
        });
        preview.rebuild();
        preview
    }

    /// The forms of the last good build.
    pub fn forms(&self) -> Arc<form_model::forms::Forms> {
        self.current()
            .map(|g| g.renderer.forms.clone())
            .unwrap_or_default()
    }

    /// Connects the form handler, so that it follows edits to the form definitions.
    pub fn attach_api(&self, api: Arc<form_handler::http::AppState>) {
        let _ = self.api.set(api);
    }

    /// Lets the overlay open its places in `editor`.
    pub fn set_editor(&self, editor: Editor) {
        if self.editor.set(editor).is_ok() {
            self.status.send_modify(|s| s.editor = true);
        }
    }

    pub fn current(&self) -> Option<Arc<Generation>> {
        self.current.read().expect("generation lock").clone()
    }

    pub fn status(&self) -> Status {
        self.status.borrow().clone()
    }

    /// Tells the preview which files were edited (`None`: anything may have changed), for
    /// the next [`Preview::rebuild`].
    pub fn note_changes(&self, edited: Option<Vec<PathBuf>>) {
        self.cache.note_changes(edited);
    }

    /// How many rebuilds so far took the quick path (edits that leave the site's shape).
    pub fn quick_rebuilds(&self) -> u64 {
        self.quick_rebuilds
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn subscribe(&self) -> channel::Receiver<Status> {
        self.status.subscribe()
    }

    /// Loads the site again (parsing only the files that changed; only those when the
    /// edits allow it, see `quick`) and tells the browsers.
    pub fn rebuild(self: &Arc<Self>) {
        use std::sync::atomic::Ordering;
        let started = Instant::now();
        self.rebuilding.store(true, Ordering::SeqCst);
        let good = self.status.borrow().errors.is_none();
        let quick = self
            .current()
            .filter(|_| good)
            .and_then(|g| quick::body_edits(&self.root, &g.renderer, &self.cache));
        let loaded = match quick {
            Some(renderer) => {
                self.quick_rebuilds.fetch_add(1, Ordering::Relaxed);
                Ok(renderer)
            }
            None => build::load_with(&self.root, &self.options, &self.cache.next_load()),
        };
        self.rebuilding.store(false, Ordering::SeqCst);
        match loaded {
            Ok(renderer) => {
                if let Some(api) = self.api.get() {
                    api.set_forms(renderer.forms.clone());
                }
                let version = self.status.borrow().version + 1;
                let pages = renderer.site.entries.len();
                let generation = Arc::new(Generation::new(renderer, version));
                let previous = self
                    .current
                    .write()
                    .expect("generation lock")
                    .replace(generation.clone());
                // Freeing the last build's rendered pages takes a while on a large site.
                std::thread::spawn(move || drop(previous));
                self.status.send_modify(|s| {
                    s.version = version;
                    s.errors = None;
                });
                eprintln!(
                    "Rebuilt {pages} pages in {} ms",
                    started.elapsed().as_millis()
                );
                let me = self.clone();
                std::thread::spawn(move || {
                    // Let the browsers fetch the page they show first.
                    std::thread::sleep(std::time::Duration::from_millis(300));
                    me.render_everything(&generation)
                });
            }
            Err(e) => {
                let text = match &e {
                    BuildError::Content(d) => self.report(d),
                    other => format!("error: {other}"),
                };
                self.status.send_modify(|s| s.errors = Some(text));
                eprintln!("(the last good build is still served)");
            }
        }
    }

    /// Prints `diagnostics` on the terminal as `site-gen check` does, and returns them as the
    /// overlay shows them: the same code frames, without colour.
    fn report(&self, diagnostics: &crate::Diagnostics) -> String {
        let colour = crate::report::stderr_has_colour();
        let plain = crate::report::terminal(diagnostics, &self.root, false);
        match colour {
            true => eprint!("{}", crate::report::terminal(diagnostics, &self.root, true)),
            false => eprint!("{plain}"),
        }
        plain
    }

    /// Renders every output of `generation` in the background, so that template errors
    /// that only show when a page is rendered are reported at once (and the cache is warm).
    fn render_everything(&self, generation: &Generation) {
        use rayon::prelude::*;
        let paths: Vec<String> = generation
            .renderer
            .outputs()
            .iter()
            .map(|o| generation.renderer.path_of(o))
            .collect();
        let failures: Vec<crate::Diagnostic> = paths
            .par_iter()
            .filter_map(|p| {
                let still_current = self
                    .current()
                    .is_some_and(|g| g.version == generation.version);
                if !still_current || self.rebuilding.load(std::sync::atomic::Ordering::Relaxed) {
                    return None;
                }
                generation.get(p).and_then(Result::err)
            })
            .collect();
        if failures.is_empty() || self.status.borrow().version != generation.version {
            return;
        }
        let mut errors = crate::Diagnostics::new();
        errors.extend(crate::build::merge_repeats(failures));
        let text = self.report(&errors.into_result(()).unwrap_err());
        self.status.send_if_modified(|s| {
            let changed = s.version == generation.version && s.errors.is_none();
            if changed {
                s.errors = Some(text);
            }
            changed
        });
    }
}

/// The preview's HTTP routes: the site, `/__livereload` (server-sent events) and its script.
pub fn router(preview: Arc<Preview>) -> Router {
    Router::new()
        .route("/__livereload", get(events))
        .route(
            "/__livereload.js",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                    LIVERELOAD_JS,
                )
            }),
        )
        .route("/__open-in-editor", post(open_in_editor))
        .fallback(get(page))
        .with_state(preview)
}

/// The place the overlay asks to open.
#[derive(serde::Deserialize)]
struct OpenRequest {
    file: String,
    #[serde(default)]
    line: usize,
    #[serde(default)]
    column: usize,
}

/// Opens a place of an error in the configured editor, or tells the overlay the URL that
/// does. Only for the overlay's own requests: they carry `X-Site-Gen: open`, which another
/// site's page cannot send without the CORS permission this server never gives.
async fn open_in_editor(
    State(preview): State<Arc<Preview>>,
    headers: axum::http::HeaderMap,
    axum::extract::Query(request): axum::extract::Query<OpenRequest>,
) -> Response {
    let text = |status: StatusCode, message: String| (status, message).into_response();
    if headers.get("x-site-gen").is_none_or(|v| v != "open") {
        return text(StatusCode::FORBIDDEN, "only the overlay opens files".into());
    }
    let Some(editor) = preview.editor.get() else {
        return text(
            StatusCode::NOT_FOUND,
            "no editor is configured: set SITE_GEN_EDITOR or EDITOR".into(),
        );
    };
    let place = match Place::in_site(&preview.root, &request.file, request.line, request.column) {
        Ok(p) => p,
        Err(e) => return text(StatusCode::BAD_REQUEST, e.to_string()),
    };
    match editor.open(&place) {
        Opening::Url(url) => (
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::json!({ "url": url }).to_string(),
        )
            .into_response(),
        Opening::Run(argv) => {
            let started = std::process::Command::new(&argv[0])
                .args(&argv[1..])
                .stdin(std::process::Stdio::null())
                .spawn();
            match started {
                Ok(mut child) => {
                    // Reaped when it exits, without holding the request.
                    std::thread::spawn(move || child.wait());
                    StatusCode::NO_CONTENT.into_response()
                }
                Err(e) => text(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("cannot start `{}`: {e}", argv[0]),
                ),
            }
        }
    }
}

async fn events(State(preview): State<Arc<Preview>>) -> impl IntoResponse {
    let rx = preview.subscribe();
    let stream = futures_util::stream::unfold((rx, true), |(mut rx, first)| async move {
        if !first && rx.changed().await.is_err() {
            return None;
        }
        let status = rx.borrow_and_update().clone();
        let data = serde_json::to_string(&status).unwrap_or_default();
        Some((
            Ok::<_, std::convert::Infallible>(Event::default().data(data)),
            (rx, false),
        ))
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

async fn page(State(preview): State<Arc<Preview>>, uri: Uri) -> Response {
    let Some(generation) = preview.current() else {
        let errors = preview.status().errors.unwrap_or_default();
        return error_page(StatusCode::INTERNAL_SERVER_ERROR, &errors, 0);
    };
    let path = uri.path();
    let rel = output_path(path);
    match generation.get(&rel) {
        Some(Ok(bytes)) => respond(StatusCode::OK, &rel, &bytes, generation.version),
        Some(Err(error)) => error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            &error.to_string(),
            generation.version,
        ),
        None if !path.ends_with('/') && generation.has(&format!("{rel}/index.html")) => {
            let mut r = StatusCode::MOVED_PERMANENTLY.into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("{path}/")) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
        None => match generation.get("404.html") {
            Some(Ok(bytes)) => respond(
                StatusCode::NOT_FOUND,
                "404.html",
                &bytes,
                generation.version,
            ),
            _ => StatusCode::NOT_FOUND.into_response(),
        },
    }
}

/// `/a/` -> `a/index.html`, `/` -> `index.html`, `/static/x.css` -> `static/x.css`.
fn output_path(url_path: &str) -> String {
    let trimmed = url_path.trim_start_matches('/');
    if trimmed.is_empty() || trimmed.ends_with('/') {
        format!("{trimmed}index.html")
    } else {
        trimmed.to_string()
    }
}

fn respond(status: StatusCode, rel: &str, bytes: &[u8], version: u64) -> Response {
    let content_type = content_type(rel);
    let body = if content_type.starts_with("text/html") {
        Body::from(inject_livereload(bytes, version))
    } else {
        Body::from(bytes.to_vec())
    };
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CACHE_CONTROL, "no-store")
        .body(body)
        .expect("a valid response")
}

fn error_page(status: StatusCode, errors: &str, version: u64) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Build error</title></head><body><h1>The site could not be built</h1><pre>{}</pre></body></html>",
        crate::render::escape(errors)
    );
    respond(status, "error.html", html.as_bytes(), version)
}

/// Adds the live-reload script before `</body>`.
pub fn inject_livereload(html: &[u8], version: u64) -> Vec<u8> {
    let tag = format!("<script src=\"/__livereload.js\" data-version=\"{version}\"></script>");
    let at = memchr::memmem::rfind(html, b"</body>").unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + tag.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

/// The Content-Type for a file name.
pub fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// Where the preview keeps applications sent from the forms: DynamoDB when
/// `AWS_ENDPOINT_URL_DYNAMODB` and `APPLICATIONS_TABLE` are set (and site-gen is built with
/// the `dynamodb` feature; the table is created if missing), else the file
/// `ROOT/.site-gen/applications.jsonl`.
async fn api_store(root: &Path) -> Result<form_handler::store::Store, BuildError> {
    #[cfg(feature = "dynamodb")]
    if let (Ok(table), Some(_)) = (
        std::env::var(form_handler::env::APPLICATIONS_TABLE),
        std::env::var_os("AWS_ENDPOINT_URL_DYNAMODB"),
    ) {
        use form_handler::store::dynamo::{Client, DynamoStore, sdk_config};
        let store = DynamoStore::new(Client::new(&sdk_config().await), table);
        store
            .create_table_if_missing()
            .await
            .map_err(|e| BuildError::Usage(e.to_string()))?;
        return Ok(form_handler::store::Store::Dynamo(store));
    }
    let file = root.join(".site-gen/applications.jsonl");
    form_handler::store::local::LocalStore::open(&file)
        .map(form_handler::store::Store::Local)
        .map_err(|source| BuildError::Io {
            context: format!("opening {}", file.display()),
            source,
        })
}

/// The preview's routes: the site, the form handler under `/api/` on the same origin, and
/// the applications' mails under `/_mail/` (written as `.eml` files when the store is local).
/// `site_url` is the preview's own address, for the links in the mails.
pub async fn preview_with_api(
    root: &Path,
    options: &BuildOptions,
    fixed_date: Option<jiff::civil::Date>,
    site_url: &str,
) -> Result<(Arc<Preview>, Router), BuildError> {
    let preview = Preview::new(root, options.clone());
    let store = api_store(&preview.root).await?;
    eprintln!(
        "Applications sent from the forms are stored in {}",
        store.describe()
    );
    let clock = fixed_date.map_or(
        form_handler::http::Clock::Real,
        form_handler::http::Clock::OnDay,
    );
    let api = Arc::new(form_handler::http::AppState::new(
        (*preview.forms()).clone(),
        store,
        clock,
        form_handler::http::RateLimiter::new(120),
        None,
    ));
    preview.attach_api(api.clone());
    let mails = mail::MailPreview {
        preview: preview.clone(),
        api: api.clone(),
        site_url: site_url.to_string(),
        dir: preview.root.join(".site-gen/mail"),
    };
    if matches!(api.store, form_handler::store::Store::Local(_)) {
        eprintln!(
            "The mails of each application are written to {} and shown at {site_url}/_mail/ (nothing is sent)",
            mails.dir.display()
        );
        tokio::spawn(form_handler::notify::local::follow(
            api.clone(),
            form_handler::notify::local::MailDir::new(mails.dir.clone(), mail::sender()),
            site_url.to_string(),
        ));
    }
    let app = form_handler::http::with_security_headers(
        router(preview.clone())
            .merge(mail::router(mails))
            .merge(form_handler::http::router(api)),
    );
    Ok((preview, app))
}

/// Runs the preview until Ctrl-C. `fixed_date` is the `--date` given, if any.
pub fn run(
    root: &Path,
    options: BuildOptions,
    addr: SocketAddr,
    fixed_date: Option<jiff::civil::Date>,
) -> Result<(), BuildError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|source| BuildError::Io {
            context: "starting the server".into(),
            source,
        })?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| BuildError::Io {
                context: format!("listening on {addr}"),
                source,
            })?;
        let site_url = format!("http://{addr}");
        let (preview, app) = preview_with_api(root, &options, fixed_date, &site_url).await?;
        if let Some(editor) = Editor::from_env() {
            preview.set_editor(editor);
        }
        let _watcher = watch::start(preview.clone()).map_err(|e| BuildError::Io {
            context: "watching content/ and templates/".into(),
            source: std::io::Error::other(e),
        })?;
        eprintln!("Serving the site at http://{addr}/ (live reload on; Ctrl-C to stop)");
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|source| BuildError::Io {
                context: "serving".into(),
                source,
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_injection() {
        assert_eq!(output_path("/"), "index.html");
        assert_eq!(output_path("/a/b/"), "a/b/index.html");
        assert_eq!(output_path("/static/x.css"), "static/x.css");
        let html = inject_livereload(b"<html><body><p>x</p></body></html>", 7);
        assert_eq!(
            String::from_utf8(html).unwrap(),
            "<html><body><p>x</p><script src=\"/__livereload.js\" data-version=\"7\"></script></body></html>"
        );
    }
}
