//! One error type for every handler. HTML pages get the styled error page (or the
//! sign-in redirect); JSON endpoints wrap it in `ApiError` and get `{"error": …}`.
//! Internal errors are logged with their cause and never shown.

use std::collections::BTreeMap;
use std::time::Duration;

use askama::Template;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Messages for a form, keyed by field name, shown beside each field.
#[derive(Debug, Default, Clone)]
pub struct FormErrors(pub BTreeMap<&'static str, String>);

impl FormErrors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.entry(field).or_insert_with(|| message.into());
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The message for one field, or "" (templates test `.is_empty()`).
    pub fn get(&self, field: &str) -> &str {
        self.0.get(field).map(String::as_str).unwrap_or("")
    }
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    #[error("sign in required")]
    Unauthorized,
    #[error("you do not have access to this page")]
    Forbidden,
    #[error("the form has expired or did not come from this site")]
    Csrf,
    /// Refused for a reason worth saying (403 with the sentence), e.g. an expired viewer pass.
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("some fields need attention")]
    Invalid(FormErrors),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{message}")]
    TooMany {
        message: String,
        retry_after: Duration,
    },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::Unauthorized => StatusCode::UNAUTHORIZED,
            Error::Forbidden | Error::Csrf | Error::Refused(_) => StatusCode::FORBIDDEN,
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Database(_) | Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The sentence a person sees. Internal causes stay in the log.
    pub fn public_message(&self) -> String {
        match self {
            Error::NotFound => "We could not find that page.".into(),
            Error::Unauthorized => "Please sign in to continue.".into(),
            Error::Forbidden => "Your role in this shop does not include this page. Ask the shop owner if you need it.".into(),
            Error::Csrf => "This form has expired or did not come from this site. Go back, reload the page and try again.".into(),
            Error::Invalid(errors) => errors
                .0
                .values()
                .cloned()
                .collect::<Vec<_>>()
                .join(" "),
            Error::Database(_) | Error::Internal(_) => {
                "Something went wrong on our side. It has been logged; please try again.".into()
            }
            other => other.to_string(),
        }
    }

    fn log(&self) {
        if let Error::Database(_) | Error::Internal(_) = self {
            tracing::error!(error = %self, "request failed");
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::TooMany { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub status: u16,
    pub title: String,
    pub message: String,
    pub css: &'static str,
}

impl ErrorPage {
    pub fn new(status: StatusCode, message: String) -> Self {
        let title = match status.as_u16() {
            404 => "Page not found".to_string(),
            403 => "Not allowed".to_string(),
            429 => "Slow down".to_string(),
            500 => "Something went wrong".to_string(),
            _ => status.canonical_reason().unwrap_or("Error").to_string(),
        };
        ErrorPage {
            status: status.as_u16(),
            title,
            message,
            css: crate::web::assets::url("app.css"),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        self.log();
        if let Error::Unauthorized = self {
            return Redirect::to("/login").into_response();
        }
        let status = self.status();
        let page = ErrorPage::new(status, self.public_message());
        let mut response = (status, crate::web::render(&page)).into_response();
        *response.status_mut() = status;
        with_retry_after(response, self.retry_after())
    }
}

/// The JSON face of `Error`, for API endpoints: `{"error": "…"}` and the same status.
#[derive(Debug)]
pub struct ApiError(pub Error);

/// A 422 naming one field of the form and what to fix in it.
pub fn invalid(field: &'static str, message: impl Into<String>) -> ApiError {
    let mut errors = FormErrors::default();
    errors.add(field, message);
    ApiError(Error::Invalid(errors))
}

impl<E: Into<Error>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.log();
        let mut body = serde_json::json!({ "error": self.0.public_message() });
        if let Error::Invalid(errors) = &self.0 {
            body["fields"] = serde_json::json!(errors.0);
        }
        let response = (self.0.status(), Json(body)).into_response();
        with_retry_after(response, self.0.retry_after())
    }
}

/// Add `Retry-After` (whole seconds) to a throttled response.
pub fn with_retry_after(mut response: Response, retry_after: Option<Duration>) -> Response {
    if let Some(wait) = retry_after {
        let secs = wait.as_secs().max(1).to_string();
        if let Ok(value) = HeaderValue::from_str(&secs) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
    }
    response
}
