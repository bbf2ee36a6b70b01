//! Where requests may come from: with an origin secret, only through CloudFront; and
//! posts only from the site's own pages (no cross-site posts).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use super::{AppState, ORIGIN_SECRET_HEADER, VIEWER_HOST_HEADER};

/// With an origin secret set, only requests that came through CloudFront reach the
/// handlers (the viewer address and host headers are then CloudFront's, not a client's).
pub(super) async fn through_cloudfront(
    State(state): State<Arc<AppState>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if let Some(secret) = &state.origin_secret {
        let given = request
            .headers()
            .get(ORIGIN_SECRET_HEADER)
            .map(HeaderValue::as_bytes);
        if !given.is_some_and(|g| same_bytes(g, secret.as_bytes())) {
            let mut r = Response::new(Body::from("Forbidden\n"));
            *r.status_mut() = StatusCode::FORBIDDEN;
            return r;
        }
    }
    next.run(request).await
}

/// Equality that takes as long for every difference (for comparing secrets).
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Refuses posts from other sites: `Sec-Fetch-Site` must be same-origin (or absent), and
/// `Origin`, when sent, must be the site.
pub(super) fn same_origin(headers: &HeaderMap, site_origin: Option<&str>) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    if origin == "null" {
        return false;
    }
    match site_origin {
        Some(allowed) => origin.trim_end_matches('/') == allowed.trim_end_matches('/'),
        None => {
            let host = headers
                .get(VIEWER_HOST_HEADER)
                .or_else(|| headers.get("x-forwarded-host"))
                .or_else(|| headers.get(header::HOST))
                .and_then(|v| v.to_str().ok());
            let origin_host = origin.split_once("://").map(|(_, h)| h);
            host.is_some() && origin_host == host
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::test_headers as headers;

    #[test]
    fn secrets_compare_equal_only_when_equal() {
        assert!(same_bytes(b"abc", b"abc"));
        assert!(!same_bytes(b"abc", b"abd"));
        assert!(!same_bytes(b"abc", b"abcd"));
        assert!(!same_bytes(b"", b"a"));
    }

    #[test]
    fn behind_cloudfront_the_origin_is_compared_with_the_viewer_host() {
        // The Host is the API's own; the CloudFront function passes the site's host.
        let behind = |origin: &'static str| {
            headers(&[
                ("host", "abc123.execute-api.eu-north-1.amazonaws.com"),
                (VIEWER_HOST_HEADER, "d111.cloudfront.net"),
                ("origin", origin),
                ("sec-fetch-site", "same-origin"),
            ])
        };
        assert!(same_origin(&behind("https://d111.cloudfront.net"), None));
        assert!(!same_origin(&behind("https://evil.example"), None));
        assert!(!same_origin(
            &behind("https://abc123.execute-api.eu-north-1.amazonaws.com"),
            None
        ));
        // SITE_ORIGIN, when set, decides.
        assert!(same_origin(
            &behind("https://vejledning.example.dk"),
            Some("https://vejledning.example.dk/")
        ));
        let cross = headers(&[("sec-fetch-site", "cross-site")]);
        assert!(!same_origin(&cross, None));
    }
}
