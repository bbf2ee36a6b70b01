//! `site-gen serve`: the live preview. Builds in memory, serves on a local address,
//! rebuilds when `content/` or `templates/` change, and tells open browser tabs to reload
//! (or to show the build errors in an overlay, while the last good build stays served).
//!
//! Four jobs, a module each: [`Preview`] (here) holds the last good build and its status;
//! `rebuild` makes the next one; `http` serves it; `overlay` is what the browser is given
//! besides the site (the reload script, the errors, opening them in an editor); `forms`
//! wires the form handler and its store in beside the site.

mod cache;
mod editor;
mod forms;
mod http;
mod mail;
mod overlay;
mod quick;
mod rebuild;
mod watch;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use serde::Serialize;
use tokio::sync::watch as channel;

use crate::build::{self, BuildError};
use crate::site::BuildOptions;
use cache::PageCache;
pub use editor::{Editor, Opening, Place};
pub use forms::preview_with_api;
pub use http::{content_type, router};
pub use overlay::inject_livereload;
pub use rebuild::Generation;

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
        .map_err(build::io("starting the server"))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(build::io(format!("listening on {addr}")))?;
        let site_url = format!("http://{addr}");
        let (preview, app) = preview_with_api(root, &options, fixed_date, &site_url).await?;
        if let Some(editor) = Editor::from_env() {
            preview.set_editor(editor);
        }
        let _watcher = watch::start(preview.clone())
            .map_err(|e| build::io("watching content/ and templates/")(std::io::Error::other(e)))?;
        eprintln!("Serving the site at http://{addr}/ (live reload on; Ctrl-C to stop)");
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(build::io("serving"))
    })
}
