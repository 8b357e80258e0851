//! The one-time tokens of invitations and password resets come from the ground floor
//! ([`crate::token`]); these names stay so the many callers of
//! `auth::tokens::random_token` need not change.

pub use crate::token::{Token, TokenHash, hash_token, random_token};
