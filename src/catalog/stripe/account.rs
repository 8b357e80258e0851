//! The shop's Stripe key, as the catalogue reads it. The key lives in payments
//! (`payments::account`, saved on Settings → Payments); these names are kept so the
//! catalogue's sync and pages read it through payments without changing.

pub use crate::payments::account::{StripeAccount, hint, parse_key};
pub use crate::payments::store::account as get;
