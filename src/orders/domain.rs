//! The order's states and the moves between them, where a line's units are (held, sold,
//! released), the quantity a shopper may ask for, the order number, and the one function
//! that computes totals. The stores decode the status columns into these enums, so the
//! rest of `orders` compares enums, never strings.

use serde::Serialize;

/// Most units of one variant in one Buy.
pub const MAX_QUANTITY: i64 = 10;
/// Most units in one order (the whole cart).
pub const MAX_ORDER_UNITS: i64 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Pending,
    Paid,
    Fulfilled,
    Refunded,
    PartiallyRefunded,
    Expired,
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 7] = [
        OrderStatus::Pending,
        OrderStatus::Paid,
        OrderStatus::Fulfilled,
        OrderStatus::PartiallyRefunded,
        OrderStatus::Refunded,
        OrderStatus::Expired,
        OrderStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Paid => "paid",
            OrderStatus::Fulfilled => "fulfilled",
            OrderStatus::Refunded => "refunded",
            OrderStatus::PartiallyRefunded => "partially_refunded",
            OrderStatus::Expired => "expired",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            OrderStatus::Pending => "Awaiting payment",
            OrderStatus::Paid => "Paid",
            OrderStatus::Fulfilled => "Fulfilled",
            OrderStatus::Refunded => "Refunded",
            OrderStatus::PartiallyRefunded => "Partially refunded",
            OrderStatus::Expired => "Expired",
            OrderStatus::Cancelled => "Cancelled",
        }
    }

    /// Whether money was received (and so the order counts as revenue).
    pub fn is_paid(self) -> bool {
        matches!(
            self,
            OrderStatus::Paid
                | OrderStatus::Fulfilled
                | OrderStatus::Refunded
                | OrderStatus::PartiallyRefunded
        )
    }

    /// The lifecycle: pending → paid → fulfilled → (partially) refunded; pending →
    /// expired/cancelled. A paid order can be refunded before it is fulfilled.
    pub fn can_become(self, next: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!(
            (self, next),
            (Pending, Paid | Expired | Cancelled)
                | (Paid, Fulfilled | Refunded | PartiallyRefunded)
                | (Fulfilled, Refunded | PartiallyRefunded)
                | (PartiallyRefunded, Refunded | PartiallyRefunded | Fulfilled)
        )
    }

    /// After refunding `refunded` of `total` in all.
    pub fn after_refund(refunded: i64, total: i64) -> OrderStatus {
        if refunded >= total {
            OrderStatus::Refunded
        } else {
            OrderStatus::PartiallyRefunded
        }
    }
}

/// A status column held a word this build does not know (a newer migration, or a row
/// written by hand): the row is refused rather than read as some other state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} in the database: {value:?}")]
pub struct UnknownStatus {
    pub what: &'static str,
    pub value: String,
}

impl OrderStatus {
    /// The column's word as an `OrderStatus`, for the stores.
    pub fn decode(value: &str) -> Result<OrderStatus, UnknownStatus> {
        OrderStatus::parse(value).ok_or_else(|| UnknownStatus {
            what: "order status",
            value: value.to_string(),
        })
    }
}

/// `#[sqlx(try_from = "String")]` for the history's status columns.
impl TryFrom<String> for OrderStatus {
    type Error = UnknownStatus;

    fn try_from(value: String) -> Result<OrderStatus, UnknownStatus> {
        OrderStatus::decode(&value)
    }
}

/// Where an order line's units are: `held` from Buy until payment or release, then
/// `sold` or `released` (and a late payment can take released units again).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockState {
    Held,
    Sold,
    Released,
}

impl StockState {
    pub const ALL: [StockState; 3] = [StockState::Held, StockState::Sold, StockState::Released];

    pub fn as_str(self) -> &'static str {
        match self {
            StockState::Held => "held",
            StockState::Sold => "sold",
            StockState::Released => "released",
        }
    }

    pub fn decode(value: &str) -> Result<StockState, UnknownStatus> {
        StockState::ALL
            .into_iter()
            .find(|s| s.as_str() == value)
            .ok_or_else(|| UnknownStatus {
                what: "stock state",
                value: value.to_string(),
            })
    }
}

/// A quantity from a form or JSON: 1 to `MAX_QUANTITY`.
pub fn quantity(input: Option<i64>) -> Result<i64, String> {
    match input.unwrap_or(1) {
        q if q <= 0 => Err("Choose a quantity of at least 1.".into()),
        q if q > MAX_QUANTITY => Err(format!(
            "You can buy up to {MAX_QUANTITY} of one item per order."
        )),
        q => Ok(q),
    }
}

/// One line's amount: the one place where money is multiplied.
pub fn line_total(unit_price: i64, quantity: i64) -> i64 {
    unit_price.saturating_mul(quantity)
}

/// An order's total from its lines (unit price, quantity): the one place it is summed.
pub fn order_total(lines: impl IntoIterator<Item = (i64, i64)>) -> i64 {
    lines
        .into_iter()
        .map(|(price, qty)| line_total(price, qty))
        .fold(0, i64::saturating_add)
}

/// Eight characters from an alphabet without look-alikes (no 0/O, 1/I/L).
pub fn new_number() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    use rand::Rng;
    let mut rng = rand::rng();
    (0..8)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderStatus::*;

    #[test]
    fn the_lifecycle_allows_only_its_moves() {
        assert!(Pending.can_become(Paid));
        assert!(Pending.can_become(Expired));
        assert!(Paid.can_become(Fulfilled));
        assert!(Fulfilled.can_become(Refunded));
        assert!(!Expired.can_become(Paid));
        assert!(!Refunded.can_become(Paid));
        assert!(!Pending.can_become(Refunded));
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn quantities_are_bounded() {
        assert_eq!(quantity(None), Ok(1));
        assert_eq!(quantity(Some(3)), Ok(3));
        assert!(quantity(Some(0)).is_err());
        assert!(quantity(Some(-2)).is_err());
        assert!(quantity(Some(MAX_QUANTITY + 1)).is_err());
    }

    #[test]
    fn totals_are_summed_in_minor_units() {
        assert_eq!(order_total([(4990, 2), (1200, 1)]), 11180);
        assert_eq!(order_total([(1500, 3)]), 4500);
        assert_eq!(after_refund_label(500, 1000), PartiallyRefunded);
        assert_eq!(after_refund_label(1000, 1000), Refunded);
        assert_eq!(new_number().len(), 8);
    }

    #[test]
    fn status_columns_decode_or_refuse() {
        assert_eq!(OrderStatus::decode("paid"), Ok(Paid));
        assert_eq!(OrderStatus::try_from("expired".to_string()), Ok(Expired));
        assert!(OrderStatus::decode("Paid").is_err());
        assert!(OrderStatus::decode("").is_err());
        for s in StockState::ALL {
            assert_eq!(StockState::decode(s.as_str()), Ok(s));
        }
        assert!(StockState::decode("lost").is_err());
    }

    fn after_refund_label(r: i64, t: i64) -> OrderStatus {
        OrderStatus::after_refund(r, t)
    }
}
