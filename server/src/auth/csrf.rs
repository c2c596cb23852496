//! Cross-site request forgery: session cookies are `SameSite=Lax`, and on top every
//! state-changing request that carries no API key must come from this site's own pages —
//! its `Origin` (or, lacking that, `Referer`) must name the host it was sent to.

use app::error::AppError;
use axum::extract::Request;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

fn same_origin(source: &str, host: &str) -> bool {
    // `https://host[:port][/path]` → `host[:port]`
    source
        .split_once("://")
        .map(|(_, rest)| rest.split('/').next().unwrap_or("") == host)
        .unwrap_or(false)
}

pub async fn require_same_origin(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    // The REST APIs take only bearer keys, which a browser never adds on its own.
    let path = request.uri().path();
    let api = path.starts_with("/api/v1/") || path.starts_with("/api/platform/v1/");
    if safe || api {
        return next.run(request).await;
    }
    let headers = request.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let source = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|h| h.to_str().ok());
    match source {
        Some(s) if !host.is_empty() && same_origin(s, host) => next.run(request).await,
        _ => crate::error::Error::from(AppError::forbidden(
            "cross-site request: the Origin header does not match this site",
        ))
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::same_origin;

    #[test]
    fn only_the_same_host_and_port_pass() {
        assert!(same_origin("http://127.0.0.1:3000", "127.0.0.1:3000"));
        assert!(same_origin(
            "https://meter.example/usage?x=1",
            "meter.example"
        ));
        assert!(!same_origin("https://evil.example", "meter.example"));
        assert!(!same_origin(
            "https://meter.example.evil.test",
            "meter.example"
        ));
        assert!(!same_origin("http://127.0.0.1:3001", "127.0.0.1:3000"));
        assert!(!same_origin("null", "meter.example"));
    }
}
