//! Shoppers in the live room are anonymous: a random viewer id and the display name
//! they chose, plus their address (for blocks). The id and name live in the session
//! cookie, or, where no cookie reaches us (the embed in a cross-site iframe), in a
//! viewer pass: a token the page got from `…/live/state` and sends back as the
//! `X-Showfloor-Viewer` header (or the `viewer` query parameter of the event stream).
//! Either way `Viewer::id` is the same stable identity the room, presence and Buy key on.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tower_sessions::Session;

use super::store::viewer_tokens;
use crate::db::now_ms;
use crate::error::{ApiError, Error};
use crate::state::AppState;
use crate::streams::domain::Refusal;
use crate::web::ratelimit::ClientIp;

const VIEWER_KEY: &str = "viewer_id";
const NAME_KEY: &str = "viewer_name";

/// The header a page sends its viewer pass in (web::csrf lets it through: a cross-site
/// form cannot set a header, and we answer no CORS preflight).
pub const PASS_HEADER: &str = crate::web::csrf::VIEWER_HEADER;
/// The query parameter that carries the pass where a header cannot (EventSource).
pub const PASS_QUERY: &str = "viewer";
/// The origin of the page framing the embed, as the embed's script reads it.
pub const ANCESTOR_HEADER: &str = "x-showfloor-ancestor";
/// How long a pass is honoured.
pub const PASS_DAYS: i64 = 30;

/// Longest display name.
pub const NAME_MAX: usize = 40;

pub struct Viewer {
    pub id: String,
    pub name: Option<String>,
    pub ip: String,
    /// The request's session: the shopper's (and, in the studio, the staff member's) when
    /// a cookie came with the request; with a viewer pass and no cookie it is an empty
    /// session nothing is written to.
    pub session: Session,
    /// The hash of the viewer pass this request carried, if any.
    pass: Option<String>,
}

fn presented_pass(parts: &Parts) -> Option<String> {
    let header = parts
        .headers
        .get(PASS_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned);
    header.or_else(|| {
        url::form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
            .find(|(k, v)| k == PASS_QUERY && !v.is_empty())
            .map(|(_, v)| v.into_owned())
    })
}

fn pass_cutoff() -> i64 {
    now_ms() - PASS_DAYS * 24 * 3600 * 1000
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, msg)| Error::Internal(anyhow::anyhow!("session layer missing: {msg}")))?;
        let ClientIp(ip) = ClientIp::from_request_parts(parts, state).await?;
        if let Some(token) = presented_pass(parts) {
            let hash = crate::token::hash_token(&token);
            let Some(pass) = viewer_tokens::find(&state.db.pool, &hash, pass_cutoff()).await?
            else {
                return Err(ApiError(Error::Refused(
                    "Your pass for this room has expired. Reload the page to join again.".into(),
                )));
            };
            return Ok(Viewer {
                id: pass.viewer_id,
                name: pass.name,
                ip: ip.to_string(),
                session,
                pass: Some(hash),
            });
        }
        let id = match session.get::<String>(VIEWER_KEY).await.ok().flatten() {
            Some(id) => id,
            None => {
                let id = crate::auth::tokens::random_token()[..22].to_string();
                session
                    .insert(VIEWER_KEY, &id)
                    .await
                    .map_err(|e| anyhow::anyhow!("session write failed: {e}"))?;
                id
            }
        };
        let name = session.get::<String>(NAME_KEY).await.ok().flatten();
        Ok(Viewer {
            id,
            name,
            ip: ip.to_string(),
            session,
            pass: None,
        })
    }
}

impl Viewer {
    pub async fn set_name(&mut self, state: &AppState, name: String) -> crate::error::Result<()> {
        match &self.pass {
            Some(hash) => viewer_tokens::set_name(&state.db.pool, hash, &name).await?,
            None => self
                .session
                .insert(NAME_KEY, &name)
                .await
                .map_err(|e| anyhow::anyhow!("session write failed: {e}"))?,
        }
        self.name = Some(name);
        Ok(())
    }

    /// Whether this request came with a viewer pass (rather than the session cookie).
    pub fn has_pass(&self) -> bool {
        self.pass.is_some()
    }

    /// A new pass for this viewer (same id and name), for a page of `shop_id`. `ancestor`
    /// is the origin of the page framing the embed, when framed: it must be one the shop
    /// allows (or this site, whose `host` the request names), or no pass is issued and the
    /// embed's actions fail.
    pub async fn issue_pass(
        &self,
        state: &AppState,
        shop_id: i64,
        ancestor: Option<&str>,
        host: Option<&str>,
    ) -> crate::error::Result<String> {
        if let Some(origin) = ancestor {
            let own = origin
                .split_once("://")
                .is_some_and(|(_, rest)| Some(rest) == host);
            let allowed = own
                || crate::streams::store::embed::origins(&state.db.pool, shop_id)
                    .await?
                    .iter()
                    .any(|o| o.origin == origin);
            if !allowed {
                return Err(Error::Refused(format!(
                    "This shop does not allow its live room on {origin}. Watch it on the shop's own page instead."
                )));
            }
        }
        let pool = &state.db.pool;
        viewer_tokens::delete_before(pool, pass_cutoff()).await?;
        let token = crate::token::random_token();
        viewer_tokens::insert(
            pool,
            &crate::token::hash_token(&token),
            &self.id,
            shop_id,
            self.name.as_deref(),
            now_ms(),
        )
        .await?;
        Ok(token)
    }
}

/// A display name: trimmed, 1 to 40 characters, no control characters.
pub fn display_name(input: &str) -> Result<String, Refusal> {
    let name = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err("Choose a name to show next to your questions and messages.".into());
    }
    if name.chars().count() > NAME_MAX {
        return Err(Refusal(format!("Keep your name to {NAME_MAX} characters.")));
    }
    if name.chars().any(char::is_control) {
        return Err("Remove the control characters from your name.".into());
    }
    Ok(name)
}

/// A question or chat message: trimmed, not empty, at most `max` characters. Markup is
/// kept as typed; it is always shown as text.
pub fn message(input: &str, max: usize, what: &str) -> Result<String, Refusal> {
    let text = input.trim();
    if text.is_empty() {
        return Err(Refusal(format!("Write your {what} first.")));
    }
    let len = text.chars().count();
    if len > max {
        return Err(Refusal(format!(
            "Keep your {what} to {max} characters ({len} now)."
        )));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err("Remove the control characters.".into());
    }
    Ok(text.to_string())
}

/// Whether `text` contains one of the shop's filtered words (whole words, any case).
pub fn filtered(text: &str, words: &[String]) -> bool {
    if words.is_empty() {
        return false;
    }
    let lower = text.to_lowercase();
    lower
        .split(|c: char| !c.is_alphanumeric())
        .any(|token| !token.is_empty() && words.iter().any(|w| w == token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_tidied_and_bounded() {
        assert_eq!(display_name("  Anna   B ").unwrap(), "Anna B");
        assert!(display_name("   ").is_err());
        assert!(display_name(&"x".repeat(41)).is_err());
    }

    #[test]
    fn messages_are_bounded_and_keep_markup_as_typed() {
        assert_eq!(
            message(" <b>hi</b> ", 280, "question").unwrap(),
            "<b>hi</b>"
        );
        assert!(
            message("", 280, "question")
                .unwrap_err()
                .0
                .contains("Write your question")
        );
        assert!(
            message(&"é".repeat(281), 280, "question")
                .unwrap_err()
                .0
                .contains("281 now")
        );
        assert!(message(&"é".repeat(280), 280, "question").is_ok());
    }

    #[test]
    fn the_word_filter_matches_whole_words_in_any_case() {
        let words = vec!["scam".to_string()];
        assert!(filtered("This is a SCAM!", &words));
        assert!(!filtered("scampi is tasty", &words));
        assert!(!filtered("anything", &[]));
    }
}
