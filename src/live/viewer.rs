//! Shoppers in the live room are anonymous: a random viewer id and the display name
//! they chose, both kept in their session cookie, plus their address (for blocks).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tower_sessions::Session;

use crate::error::Error;
use crate::state::AppState;
use crate::streams::domain::Refusal;
use crate::web::ratelimit::ClientIp;

const VIEWER_KEY: &str = "viewer_id";
const NAME_KEY: &str = "viewer_name";

/// Longest display name.
pub const NAME_MAX: usize = 40;

pub struct Viewer {
    pub id: String,
    pub name: Option<String>,
    pub ip: String,
    pub session: Session,
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, msg)| Error::Internal(anyhow::anyhow!("session layer missing: {msg}")))?;
        let ClientIp(ip) = ClientIp::from_request_parts(parts, state).await?;
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
        })
    }
}

impl Viewer {
    pub async fn set_name(&mut self, name: String) -> crate::error::Result<()> {
        self.session
            .insert(NAME_KEY, &name)
            .await
            .map_err(|e| anyhow::anyhow!("session write failed: {e}"))?;
        self.name = Some(name);
        Ok(())
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
