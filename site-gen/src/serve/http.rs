//! The preview's HTTP side: the site's pages from the current build (the reload script
//! injected, the errors' page when there is no build), the reload events, and the overlay's
//! routes.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::Preview;
use super::overlay::{LIVERELOAD_JS, error_page, inject_livereload, open_in_editor};

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

pub(super) fn respond(status: StatusCode, rel: &str, bytes: &[u8], version: u64) -> Response {
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
