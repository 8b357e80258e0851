//! Roles and what each may do. A dashboard handler states the roles it admits in its
//! signature, `Member<EditCatalog>`, and the extractor refuses everyone else with
//! the 403 page. The matrix is documented in docs/roles.md and proved by tests.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::CurrentUser;
use crate::error::Error;
use crate::state::AppState;

/// A person's role in one shop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including settings, team and payouts.
    Owner,
    /// Runs streams: studio, scheduling, moderation. No settings or payouts.
    Host,
    /// Reads reports; sees the catalogue and streams without changing them.
    Marketer,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Owner, Role::Host, Role::Marketer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Host => "host",
            Role::Marketer => "marketer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// What the role means, for the invite form.
    pub fn description(self) -> &'static str {
        match self {
            Role::Owner => "Everything: catalogue, streams, orders, reports, settings and team.",
            Role::Host => "Studio, streams and moderation. No settings, team or refunds.",
            Role::Marketer => "Reports, read-only. Can look at the catalogue and streams.",
        }
    }
}

/// A role name the database holds but this build does not know (a migration ran
/// ahead of the code): the row is refused at the store boundary, not guessed at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}")]
pub struct UnknownRole(pub String);

/// How rows decode their `role` column (`#[sqlx(try_from = "String")]`).
impl TryFrom<String> for Role {
    type Error = UnknownRole;

    fn try_from(name: String) -> Result<Role, UnknownRole> {
        Role::parse(&name).ok_or(UnknownRole(name))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A capability, listing the roles that have it.
pub trait Permission: Send + Sync + 'static {
    const ROLES: &'static [Role];
}

macro_rules! permissions {
    ($($(#[$doc:meta])* $name:ident => [$($role:ident),+];)+) => {
        $(
            $(#[$doc])*
            pub struct $name;
            impl Permission for $name {
                const ROLES: &'static [Role] = &[$(Role::$role),+];
            }
        )+
    };
}

permissions! {
    /// Any member of the shop: the home page, their own account.
    AnyMember => [Owner, Host, Marketer];
    /// Look at products and stock.
    ViewCatalog => [Owner, Host, Marketer];
    /// Create, edit, archive products; change stock.
    EditCatalog => [Owner];
    /// Look at the stream schedule.
    ViewStreams => [Owner, Host, Marketer];
    /// Schedule, edit, start and end streams; stream keys.
    ManageStreams => [Owner, Host];
    /// The studio: broadcast, pin products, moderate.
    UseStudio => [Owner, Host];
    /// See orders.
    ViewOrders => [Owner, Host];
    /// Refund, cancel, fulfil orders.
    ManageOrders => [Owner];
    /// Engagement reports and exports.
    ViewReports => [Owner, Marketer];
    /// Shop settings, payments, team and invitations.
    ManageShop => [Owner];
}

/// The signed-in member, admitted only if their role has permission `P`.
pub struct Member<P: Permission> {
    user: CurrentUser,
    _permission: PhantomData<P>,
}

impl<P: Permission> Member<P> {
    pub fn into_inner(self) -> CurrentUser {
        self.user
    }
}

impl<P: Permission> Deref for Member<P> {
    type Target = CurrentUser;
    fn deref(&self) -> &CurrentUser {
        &self.user
    }
}

impl<P: Permission> FromRequestParts<AppState> for Member<P> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        if !P::ROLES.contains(&user.role) {
            return Err(Error::Forbidden);
        }
        Ok(Member {
            user,
            _permission: PhantomData,
        })
    }
}

impl CurrentUser {
    /// Whether this member's role has permission `P` (to show or hide a button).
    pub fn can<P: Permission>(&self) -> bool {
        P::ROLES.contains(&self.role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_role_decodes_by_its_name_and_an_unknown_one_is_refused() {
        for role in Role::ALL {
            assert_eq!(Role::try_from(role.as_str().to_string()), Ok(role));
        }
        assert_eq!(
            Role::try_from("admin".to_string()),
            Err(UnknownRole("admin".into()))
        );
    }
}
