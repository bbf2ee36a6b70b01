//! What the browser gets besides the site: the script that reloads a tab or shows the
//! build's errors over it, the page of errors when there is no build yet, and opening an
//! error's place in the editor (see [`super::editor`]).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::http::respond;
use super::{Opening, Place, Preview};

pub(super) const LIVERELOAD_JS: &str = include_str!("livereload.js");

/// The place the overlay asks to open.
#[derive(serde::Deserialize)]
pub(super) struct OpenRequest {
    file: String,
    #[serde(default)]
    line: usize,
    #[serde(default)]
    column: usize,
}

/// Opens a place of an error in the configured editor, or tells the overlay the URL that
/// does. Only for the overlay's own requests: they carry `X-Site-Gen: open`, which another
/// site's page cannot send without the CORS permission this server never gives.
pub(super) async fn open_in_editor(
    State(preview): State<Arc<Preview>>,
    headers: axum::http::HeaderMap,
    axum::extract::Query(request): axum::extract::Query<OpenRequest>,
) -> Response {
    let text = |status: StatusCode, message: String| (status, message).into_response();
    if headers.get("x-site-gen").is_none_or(|v| v != "open") {
        return text(StatusCode::FORBIDDEN, "only the overlay opens files".into());
    }
    // A name that another site's page could have made point here (DNS rebinding) is not
    // this machine's.
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    if !host.is_some_and(is_loopback_host) {
        return text(
            StatusCode::FORBIDDEN,
            "only pages from this machine open files".into(),
        );
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

/// `localhost`, `127.0.0.1` or `[::1]`, with or without a port.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().map(|h| format!("[{h}]")),
        None => host.split(':').next().map(str::to_string),
    };
    matches!(name.as_deref(), Some("localhost" | "127.0.0.1" | "[::1]"))
}

pub(super) fn error_page(status: StatusCode, errors: &str, version: u64) -> Response {
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

#[cfg(test)]
mod tests {
    #[test]
    fn only_loopback_names_are_this_machine() {
        for host in [
            "localhost",
            "localhost:1111",
            "127.0.0.1:1111",
            "[::1]:1111",
            "[::1]",
        ] {
            assert!(super::is_loopback_host(host), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:1111",
            "127.0.0.2",
            "localhost.evil.example",
            "",
        ] {
            assert!(!super::is_loopback_host(host), "{host}");
        }
    }
}
