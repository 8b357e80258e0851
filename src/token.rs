//! Random secrets handed out as links, keys and form fields (invitations, password
//! resets, CSRF, stream keys, API tokens) and what the database keeps of them. A
//! ground-floor module: every feature draws its tokens here, so there is one generator
//! and one hash, and the web layer's CSRF check needs nothing from `auth`.

use std::fmt;

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// 256 random bits, URL-safe base64 without padding (43 characters), so a token can sit
/// in a path or a query string as it is.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a token: its SHA-256, hex. A slow hash is not needed:
/// the token has 256 bits of entropy, so nobody guesses it back from the hash.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A one-time secret as it travels: made here or taken from a link a person opened.
/// Its `Debug` hides the value, so logging a struct that holds one leaks nothing.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// A fresh token for a new link.
    pub fn random() -> Token {
        Token(random_token())
    }

    /// A token as presented (a path segment). Not checked: an unknown token is simply
    /// not found by its hash.
    pub fn presented(value: impl Into<String>) -> Token {
        Token(value.into())
    }

    /// The value to put in the link. Only the holder of the link should see it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The form the database stores and looks up.
    pub fn hash(&self) -> TokenHash {
        TokenHash(hash_token(&self.0))
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(…)")
    }
}

/// The stored form of a [`Token`]; only a store binds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenHash(String);

impl TokenHash {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_unique_and_url_safe() {
        let a = random_token();
        let b = random_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }

    #[test]
    fn the_hash_is_stable_and_not_the_token() {
        let t = random_token();
        assert_eq!(hash_token(&t), hash_token(&t));
        assert_ne!(hash_token(&t), t);
        assert_eq!(hash_token(&t).len(), 64);
    }

    #[test]
    fn a_token_hashes_like_its_text_and_never_shows_in_debug() {
        let token = Token::random();
        let again = Token::presented(token.expose().to_string());
        assert_eq!(token.hash(), again.hash());
        assert_eq!(token.hash().as_str(), hash_token(token.expose()));
        assert_eq!(format!("{token:?}"), "Token(…)");
    }
}
