//! Security headers on every response. Pages that must differ (the embeddable
//! viewer) set their own header first; these only fill in what is missing.

use std::sync::LazyLock;

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// Scripts and styles only from this origin, no third party; the one inline script is
/// the live page's player head start (`static/player-early.js`), admitted by the hash of
/// its exact text, so no other inline script runs.
pub static DASHBOARD_CSP: LazyLock<String> = LazyLock::new(|| {
    format!(
        "default-src 'self'; script-src 'self' {}; style-src 'self'; \
         img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; \
         font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
         frame-ancestors 'none'",
        super::assets::inline_hash("player-early.js")
    )
});
static CSP_HEADER: LazyLock<HeaderValue> =
    LazyLock::new(|| HeaderValue::from_str(&DASHBOARD_CSP).expect("a valid policy"));

pub async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert_with(|| CSP_HEADER.clone());
    let defaults: [(HeaderName, &'static str); 4] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(self), microphone=(self), geolocation=()",
        ),
    ];
    for (name, value) in defaults {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    response
}
