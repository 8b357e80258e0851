//! The orders list's filters, shared by the page and the CSV export: status, stream,
//! a date range in the shop's time zone, and a search on e-mail or order number.

use jiff::civil::Date;
use serde::Deserialize;

use super::domain::OrderStatus;
use super::store::{ORDER_COLUMNS, Order};

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
    /// The WHERE clause and its text parameters ($2…); $1 is the shop id. Returns the
    /// messages for fields that could not be read.
    fn clause(&self, zone: &str) -> (String, Vec<Param>, Vec<String>) {
        let mut sql = String::from("o.shop_id = $1");
        let mut params = Vec::new();
        let mut errors = Vec::new();
        let mut push = |sql: &mut String, cond: &str, p: Param| {
            params.push(p);
            sql.push_str(&format!(" AND {cond}${}", params.len() + 1));
        };
        if !self.status.is_empty() {
            match OrderStatus::parse(&self.status) {
                Some(s) => push(&mut sql, "o.status = ", Param::Text(s.as_str().into())),
                None => errors.push("Choose a status from the list.".into()),
            }
        }
        if !self.stream.is_empty() {
            match self.stream.parse::<i64>() {
                Ok(id) => push(&mut sql, "o.stream_id = ", Param::Int(id)),
                Err(_) => errors.push("Choose a stream from the list.".into()),
            }
        }
        let tz = crate::time::zone(zone);
        let day = |s: &str, next: bool| -> Option<i64> {
            let d: Date = s.trim().parse().ok()?;
            let d = if next { d.tomorrow().ok()? } else { d };
            Some(d.to_zoned(tz.clone()).ok()?.timestamp().as_millisecond())
        };
        let from = (!self.from.is_empty()).then(|| day(&self.from, false));
        let to = (!self.to.is_empty()).then(|| day(&self.to, true));
        match from {
            Some(Some(ms)) => push(&mut sql, "o.created_at >= ", Param::Int(ms)),
            Some(None) => errors.push("Enter the start date as YYYY-MM-DD.".into()),
            None => {}
        }
        match to {
            Some(Some(ms)) => push(&mut sql, "o.created_at < ", Param::Int(ms)),
            Some(None) => errors.push("Enter the end date as YYYY-MM-DD.".into()),
            None => {}
        }
        if let (Some(Some(a)), Some(Some(b))) = (from, to)
            && a >= b
        {
            errors.push("The start date is after the end date.".into());
        }
        let q = self.q.trim();
        if !q.is_empty() {
            params.push(Param::Text(q.to_lowercase()));
            params.push(Param::Text(q.to_uppercase().replace(['#', ' '], "")));
            let n = params.len();
            sql.push_str(&format!(
                " AND (LOWER(o.email) = ${} OR o.number = ${})",
                n,
                n + 1
            ));
        }
        (sql, params, errors)
    }

    /// The matching orders of `shop_id`, newest first, or the filter errors.
    pub async fn orders(
        &self,
        db: &sqlx::AnyPool,
        shop_id: i64,
        zone: &str,
    ) -> Result<Vec<Order>, Vec<String>> {
        let (clause, params, errors) = self.clause(zone);
        if !errors.is_empty() {
            return Err(errors);
        }
        let sql = format!(
            "SELECT {ORDER_COLUMNS} FROM orders o WHERE {clause} ORDER BY o.created_at DESC, o.id DESC LIMIT {LIMIT}"
        );
        let mut query = sqlx::query_as::<_, Order>(&sql).bind(shop_id);
        for p in params {
            query = match p {
                Param::Text(t) => query.bind(t),
                Param::Int(i) => query.bind(i),
            };
        }
        query.fetch_all(db).await.map_err(|e| {
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

enum Param {
    Text(String),
    Int(i64),
}
