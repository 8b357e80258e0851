//! The shop's Stripe account: its secret key and the webhook signing secret. Both are
//! `SecretString`s from the moment they are parsed: never logged, never shown by
//! `Debug`, never sent back to a page (pages show the key's hint, "sk_test_…4242").

use secrecy::{ExposeSecret, SecretString};

/// A saved Stripe account, as `store::account` reads it.
#[derive(Clone, Debug)]
pub struct StripeAccount {
    pub secret_key: SecretString,
    pub key_hint: String,
    /// The account "Test connection" found, and its display name.
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    pub verified_at: Option<i64>,
    /// Stripe signs each webhook delivery with it; `None` until the merchant pastes it.
    pub webhook_secret: Option<SecretString>,
}

const KEY_PREFIXES: [&str; 4] = ["sk_test_", "sk_live_", "rk_test_", "rk_live_"];

/// "sk_test_…4242": the kind of key and its last four characters.
pub fn hint(key: &SecretString) -> String {
    let key = key.expose_secret();
    let prefix = KEY_PREFIXES
        .into_iter()
        .find(|p| key.starts_with(p))
        .unwrap_or("");
    let tail: Vec<char> = key.chars().rev().take(4).collect();
    format!("{prefix}…{}", tail.into_iter().rev().collect::<String>())
}

/// What was pasted is not a secret or restricted key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "Paste a secret key from the Stripe dashboard: it starts with sk_live_ or sk_test_ (or rk_ for a restricted key)."
)]
pub struct NotAKey;

/// A secret or restricted key's shape; Stripe itself is asked by "test connection".
pub fn parse_key(input: &str) -> Result<SecretString, NotAKey> {
    let key = input.trim();
    let known = KEY_PREFIXES.iter().any(|p| key.starts_with(p));
    if !known || !(20..=255).contains(&key.len()) || !plain(key) {
        return Err(NotAKey);
    }
    Ok(SecretString::from(key))
}

/// What was pasted is not a webhook endpoint's signing secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Paste the signing secret of your Stripe webhook endpoint: it starts with whsec_.")]
pub struct NotASigningSecret;

/// A signing secret's shape: `whsec_` and letters or digits.
pub fn parse_signing_secret(input: &str) -> Result<SecretString, NotASigningSecret> {
    let s = input.trim();
    if !s.starts_with("whsec_") || !(16..=200).contains(&s.len()) || !plain(s) {
        return Err(NotASigningSecret);
    }
    Ok(SecretString::from(s))
}

fn plain(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked_and_hinted() {
        let key = "sk_test_51AbCdEfGhIjKlMnOp4242";
        let parsed = parse_key(&format!(" {key} ")).unwrap();
        assert_eq!(parsed.expose_secret(), key);
        assert_eq!(hint(&parsed), "sk_test_…4242");
        assert_eq!(parse_key("pk_test_51AbCdEfGhIjKlMnOp").err(), Some(NotAKey));
        assert!(parse_key("sk_test_short").is_err());
        assert!(parse_key("sk_test_51AbCdEfGhIjKl MnOp4242").is_err());
        let account = StripeAccount {
            secret_key: parsed.clone(),
            key_hint: hint(&parsed),
            account_id: None,
            account_name: None,
            verified_at: None,
            webhook_secret: Some(SecretString::from("whsec_abcdefghijklmnop")),
        };
        let shown = format!("{account:?}");
        assert!(
            !shown.contains("51AbCd") && !shown.contains("whsec_abc"),
            "{shown}"
        );
    }

    #[test]
    fn signing_secrets_are_checked() {
        let secret = parse_signing_secret(" whsec_showfloorTestSecret123 ").unwrap();
        assert_eq!(secret.expose_secret(), "whsec_showfloorTestSecret123");
        assert_eq!(
            parse_signing_secret("whsec_short").err(),
            Some(NotASigningSecret)
        );
        assert!(parse_signing_secret("sk_test_51AbCdEfGhIjKlMnOp4242").is_err());
        assert!(parse_signing_secret("whsec_with-dash-0000000").is_err());
    }
}
