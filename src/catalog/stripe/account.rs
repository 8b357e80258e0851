//! The shop's Stripe secret key. Stored for the server's own use; pages only ever
//! show its hint ("sk_test_…4242").

use sqlx::{AnyExecutor, FromRow};

use crate::db::now_ms;

#[derive(Clone, FromRow)]
pub struct StripeAccount {
    pub secret_key: String,
    pub key_hint: String,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    pub verified_at: Option<i64>,
}

impl std::fmt::Debug for StripeAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeAccount")
            .field("key_hint", &self.key_hint)
            .field("account_id", &self.account_id)
            .finish_non_exhaustive()
    }
}

/// "sk_test_…4242": the kind of key and its last four characters.
pub fn hint(key: &str) -> String {
    let prefix = ["sk_test_", "sk_live_", "rk_test_", "rk_live_"]
        .into_iter()
        .find(|p| key.starts_with(p))
        .unwrap_or("");
    let tail: String = key
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{prefix}…{tail}")
}

/// A secret or restricted key's shape; Stripe itself is asked by "test connection".
pub fn parse_key(input: &str) -> Result<String, String> {
    let key = input.trim();
    let known = ["sk_test_", "sk_live_", "rk_test_", "rk_live_"]
        .iter()
        .any(|p| key.starts_with(p));
    if !known
        || key.len() < 20
        || key.len() > 255
        || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err("Paste a secret key from the Stripe dashboard: it starts with sk_live_ or sk_test_ (or rk_ for a restricted key).".into());
    }
    Ok(key.to_string())
}

pub async fn get(db: impl AnyExecutor<'_>, shop_id: i64) -> sqlx::Result<Option<StripeAccount>> {
    sqlx::query_as(
        "SELECT secret_key, key_hint, account_id, account_name, verified_at \
         FROM stripe_accounts WHERE shop_id = $1",
    )
    .bind(shop_id)
    .fetch_optional(db)
    .await
}

pub async fn save_key(db: impl AnyExecutor<'_>, shop_id: i64, key: &str) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO stripe_accounts (shop_id, secret_key, key_hint, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (shop_id) DO UPDATE SET secret_key = excluded.secret_key, \
         key_hint = excluded.key_hint, account_id = NULL, account_name = NULL, verified_at = NULL, \
         updated_at = excluded.updated_at",
    )
    .bind(shop_id)
    .bind(key)
    .bind(hint(key))
    .bind(now_ms())
    .execute(db)
    .await?;
    Ok(())
}

pub async fn mark_verified(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    account_id: &str,
    account_name: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE stripe_accounts SET account_id = $1, account_name = $2, verified_at = $3 WHERE shop_id = $4",
    )
    .bind(account_id)
    .bind(account_name)
    .bind(now_ms())
    .bind(shop_id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn remove(db: impl AnyExecutor<'_>, shop_id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM stripe_accounts WHERE shop_id = $1")
        .bind(shop_id)
        .execute(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked_and_hinted() {
        let key = "sk_test_51AbCdEfGhIjKlMnOp4242";
        assert_eq!(parse_key(&format!(" {key} ")).unwrap(), key);
        assert_eq!(hint(key), "sk_test_…4242");
        assert!(parse_key("pk_test_51AbCdEfGhIjKlMnOp").is_err());
        assert!(parse_key("sk_test_short").is_err());
        assert!(
            !format!(
                "{:?}",
                StripeAccount {
                    secret_key: key.into(),
                    key_hint: hint(key),
                    account_id: None,
                    account_name: None,
                    verified_at: None,
                }
            )
            .contains("51AbCd")
        );
    }
}
