//! Status columns decoded at the store boundary: a row field is
//! `#[sqlx(try_from = "StatusText")]` and holds the stream's or order's own enum, so no
//! report compares status strings. A word the enum does not know fails the read loudly
//! rather than being counted under some status.

use crate::orders::domain::OrderStatus;
use crate::streams::Status;

/// A status column as the database holds it.
#[derive(Debug, Clone, sqlx::Type)]
#[sqlx(transparent)]
pub struct StatusText(String);

/// A status word that is not one of the enum's.
#[derive(Debug, thiserror::Error)]
#[error("unknown status {0:?}")]
pub struct UnknownStatus(String);

impl TryFrom<StatusText> for Status {
    type Error = UnknownStatus;

    fn try_from(text: StatusText) -> Result<Status, UnknownStatus> {
        Status::parse(&text.0).ok_or(UnknownStatus(text.0))
    }
}

impl TryFrom<StatusText> for OrderStatus {
    type Error = UnknownStatus;

    fn try_from(text: StatusText) -> Result<OrderStatus, UnknownStatus> {
        OrderStatus::parse(&text.0).ok_or(UnknownStatus(text.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_word_decodes_into_its_enum_or_fails() {
        let text = |s: &str| StatusText(s.to_string());
        assert_eq!(Status::try_from(text("ended")).ok(), Some(Status::Ended));
        assert_eq!(
            OrderStatus::try_from(text("partially_refunded")).ok(),
            Some(OrderStatus::PartiallyRefunded)
        );
        assert!(OrderStatus::try_from(text("lost")).is_err());
        assert!(Status::try_from(text("Live")).is_err(), "exact words only");
    }
}
