//! What every page shares: rendering askama templates, the page layout (navigation,
//! flash messages, CSRF token), static assets, security headers, CSRF checks,
//! request metrics and rate limits.

pub mod assets;
pub mod csrf;
pub mod csv;
pub mod layout;
pub mod metrics;
pub mod ratelimit;
pub mod security;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

pub use layout::{Flash, Layout, OtherShop, Section, SignedIn, flash, flash_link};

/// Render a template to an HTML response; a template error is a logged 500.
pub fn render<T: Template>(template: &T) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "template rendering failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("<!doctype html><title>Error</title><p>Something went wrong on our side.</p>"),
            )
                .into_response()
        }
    }
}

/// Render a form page again with a status: 422 for bad input, 409 for a conflict, 429 when throttled.
pub fn render_status<T: Template>(status: StatusCode, template: &T) -> Response {
    let mut response = render(template);
    if response.status().is_success() {
        *response.status_mut() = status;
    }
    response
}
