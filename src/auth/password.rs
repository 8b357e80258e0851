//! Passwords: parsed into a newtype (length rules), hashed with argon2id on the
//! blocking pool so a sign-in never stalls the async workers.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use secrecy::{ExposeSecret, SecretString};

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 1024;

/// A password that meets the rules. Never logged: `SecretString` redacts Debug.
#[derive(Debug)]
pub struct NewPassword(SecretString);

/// Why a new password was refused; `Display` is the sentence shown beside the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("Use at least {MIN_LEN} characters.")]
    TooShort,
    #[error("Use at most {MAX_LEN} characters.")]
    TooLong,
    #[error("A password cannot be only spaces.")]
    Blank,
    #[error("The two passwords do not match.")]
    Mismatch,
}

/// Form errors take the message as text (`FormErrors::add`).
impl From<PasswordError> for String {
    fn from(err: PasswordError) -> String {
        err.to_string()
    }
}

impl NewPassword {
    pub fn parse(password: &str, confirmation: &str) -> Result<NewPassword, PasswordError> {
        let chars = password.chars().count();
        if chars < MIN_LEN {
            return Err(PasswordError::TooShort);
        }
        if chars > MAX_LEN {
            return Err(PasswordError::TooLong);
        }
        if password.trim().is_empty() {
            return Err(PasswordError::Blank);
        }
        if password != confirmation {
            return Err(PasswordError::Mismatch);
        }
        Ok(NewPassword(SecretString::from(password.to_owned())))
    }

    /// The argon2id PHC string to store.
    pub async fn hash(self) -> anyhow::Result<String> {
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
            Argon2::default()
                .hash_password(self.0.expose_secret().as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
        })
        .await?
    }
}

/// A hash that no password matches, verified when the account does not exist so that
/// the answer takes as long as for a real account.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::default()
        .hash_password(crate::token::random_token().as_bytes(), &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
});

/// Check `password` against a stored hash (or the dummy when `hash` is None).
pub async fn verify(password: &str, hash: Option<String>) -> bool {
    let password = SecretString::from(password.to_owned());
    let found = hash.is_some();
    let ok = tokio::task::spawn_blocking(move || {
        let hash = hash.unwrap_or_else(|| DUMMY_HASH.clone());
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.expose_secret().as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false);
    ok && found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_mismatched_passwords_are_refused() {
        assert!(NewPassword::parse("short", "short").is_err());
        assert!(NewPassword::parse("long enough pass", "long enough pasS").is_err());
        assert!(NewPassword::parse("          ", "          ").is_err());
        assert!(NewPassword::parse("long enough pass", "long enough pass").is_ok());
    }

    #[test]
    fn each_refusal_says_which_rule_and_how_to_meet_it() {
        assert_eq!(
            NewPassword::parse("short", "short").unwrap_err(),
            PasswordError::TooShort
        );
        let long = "x".repeat(MAX_LEN + 1);
        assert_eq!(
            NewPassword::parse(&long, &long).unwrap_err(),
            PasswordError::TooLong
        );
        assert_eq!(
            NewPassword::parse("            ", "            ").unwrap_err(),
            PasswordError::Blank
        );
        assert_eq!(
            String::from(NewPassword::parse("long enough pass", "other pass!!").unwrap_err()),
            "The two passwords do not match."
        );
        assert_eq!(
            PasswordError::TooShort.to_string(),
            format!("Use at least {MIN_LEN} characters.")
        );
    }

    #[tokio::test]
    async fn a_hash_verifies_only_its_password() {
        let hash = NewPassword::parse("correct horse battery", "correct horse battery")
            .unwrap()
            .hash()
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", Some(hash.clone())).await);
        assert!(!verify("wrong horse battery", Some(hash)).await);
        assert!(!verify("anything at all", None).await);
    }
}
