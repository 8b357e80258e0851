//! The orders list's filters, shared by the page and the CSV export: status, stream,
//! a date range in the shop's time zone, and a search on e-mail or order number. The
//! form is parsed here into a `store::OrderQuery` (or the sentences shown above the
//! list); the query itself is the store's.

use jiff::civil::Date;
use serde::Deserialize;

use super::domain::OrderStatus;
use super::store::{self, Order, OrderQuery};

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct Filters {
    pub status: String,
    pub stream: String,
    pub from: String,
    pub to: String,
    pub q: String,
}

/// Most rows on one page or in one export.
pub const LIMIT: i64 = 500;

impl Filters {
    /// The filters as a query, or a message for each field that could not be read.
    pub fn parse(&self, zone: &str) -> Result<OrderQuery, Vec<String>> {
        let mut query = OrderQuery::default();
        let mut errors = Vec::new();
        if !self.status.is_empty() {
            match OrderStatus::parse(&self.status) {
                Some(s) => query.status = Some(s),
                None => errors.push("Choose a status from the list.".into()),
            }
        }
        if !self.stream.is_empty() {
            match self.stream.parse::<i64>() {
                Ok(id) => query.stream_id = Some(id),
                Err(_) => errors.push("Choose a stream from the list.".into()),
            }
        }
        // A day is read in the shop's zone; "to" includes the whole of its day.
        let tz = crate::time::zone(zone);
        let day = |s: &str, next: bool| -> Option<i64> {
            let d: Date = s.trim().parse().ok()?;
            let d = if next { d.tomorrow().ok()? } else { d };
            Some(d.to_zoned(tz.clone()).ok()?.timestamp().as_millisecond())
        };
        if !self.from.is_empty() {
            match day(&self.from, false) {
                Some(ms) => query.from = Some(ms),
                None => errors.push("Enter the start date as YYYY-MM-DD.".into()),
            }
        }
        if !self.to.is_empty() {
            match day(&self.to, true) {
                Some(ms) => query.until = Some(ms),
                None => errors.push("Enter the end date as YYYY-MM-DD.".into()),
            }
        }
        if let (Some(from), Some(until)) = (query.from, query.until)
            && from >= until
        {
            errors.push("The start date is after the end date.".into());
        }
        let q = self.q.trim();
        if !q.is_empty() {
            query.search = Some(store::Search::new(q));
        }
        if errors.is_empty() {
            Ok(query)
        } else {
            Err(errors)
        }
    }

    /// The matching orders of `shop_id`, newest first, or the filter errors.
    pub async fn orders(
        &self,
        db: &sqlx::AnyPool,
        shop_id: i64,
        zone: &str,
    ) -> Result<Vec<Order>, Vec<String>> {
        let query = self.parse(zone)?;
        store::filtered(db, shop_id, &query, LIMIT)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "orders list query failed");
                vec!["The orders could not be loaded; try again.".to_string()]
            })
    }

    /// Whether any filter is set.
    pub fn any(&self) -> bool {
        [&self.status, &self.stream, &self.from, &self.to, &self.q]
            .iter()
            .any(|f| !f.trim().is_empty())
    }

    /// The same filters as a query string (for the export link).
    pub fn query_string(&self) -> String {
        serde_urlencoded::to_string([
            ("status", &self.status),
            ("stream", &self.stream),
            ("from", &self.from),
            ("to", &self.to),
            ("q", &self.q),
        ])
        .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filters(status: &str, stream: &str, from: &str, to: &str, q: &str) -> Filters {
        Filters {
            status: status.into(),
            stream: stream.into(),
            from: from.into(),
            to: to.into(),
            q: q.into(),
        }
    }

    #[test]
    fn empty_filters_are_an_empty_query() {
        assert_eq!(Filters::default().parse("UTC"), Ok(OrderQuery::default()));
    }

    #[test]
    fn fields_parse_into_the_query() {
        let query = filters("paid", "7", "2026-01-01", "2026-01-01", " #ab 12 ")
            .parse("UTC")
            .unwrap();
        assert_eq!(query.status, Some(OrderStatus::Paid));
        assert_eq!(query.stream_id, Some(7));
        assert_eq!(query.from, Some(1_767_225_600_000));
        // "to" is the end of that day: the next midnight.
        assert_eq!(query.until, Some(1_767_225_600_000 + 86_400_000));
        let search = query.search.unwrap();
        assert_eq!(search.number, "AB12");
        assert_eq!(search.email, "#ab 12");
    }

    #[test]
    fn unreadable_fields_say_so() {
        let errors = filters("lost", "x", "yesterday", "2026-01-01", "")
            .parse("UTC")
            .unwrap_err();
        assert_eq!(errors.len(), 3);
        let errors = filters("", "", "2026-02-01", "2026-01-01", "")
            .parse("UTC")
            .unwrap_err();
        assert_eq!(
            errors,
            vec!["The start date is after the end date.".to_string()]
        );
    }
}
