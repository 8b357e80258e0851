//! What the orders list shows beside each order: its first item and how many more
//! lines it has, read for a page of orders in one query.

use std::collections::HashMap;

use sqlx::AnyExecutor;

/// The first line's title and the number of lines, per order id.
pub async fn first_items(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    order_ids: &[i64],
) -> sqlx::Result<HashMap<i64, (String, i64)>> {
    if order_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let list: Vec<String> = (0..order_ids.len())
        .map(|i| format!("${}", i + 2))
        .collect();
    let sql = format!(
        "SELECT order_id, title FROM order_lines WHERE shop_id = $1 AND order_id IN ({}) \
         ORDER BY order_id, id",
        list.join(", ")
    );
    let mut query = sqlx::query_as::<_, (i64, String)>(&sql).bind(shop_id);
    for id in order_ids {
        query = query.bind(*id);
    }
    let mut items: HashMap<i64, (String, i64)> = HashMap::new();
    for (order_id, title) in query.fetch_all(db).await? {
        items
            .entry(order_id)
            .and_modify(|(_, n)| *n += 1)
            .or_insert((title, 1));
    }
    Ok(items)
}

/// What the studio's order ticker says of an order: its lines ("Merino jumper (M) × 2,
/// Silk scarf") and the buyer's first name once checkout gave one ('' before).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TickerLine {
    pub what: String,
    pub first_name: String,
}

/// The ticker's line per order number, read for a batch of orders in one query. Units of
/// one variant bought in two steps (Buy, then "add") are summed into one item.
pub async fn ticker_lines(
    db: impl AnyExecutor<'_>,
    shop_id: i64,
    numbers: &[String],
) -> sqlx::Result<HashMap<String, TickerLine>> {
    if numbers.is_empty() {
        return Ok(HashMap::new());
    }
    let list: Vec<String> = (0..numbers.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "SELECT o.number, o.customer_name, l.title, l.variant_title, CAST(SUM(l.quantity) AS BIGINT) \
         FROM orders o JOIN order_lines l ON l.order_id = o.id \
         WHERE o.shop_id = $1 AND o.number IN ({}) \
         GROUP BY o.id, o.number, o.customer_name, l.title, l.variant_title ORDER BY o.id, MIN(l.id)",
        list.join(", ")
    );
    let mut query = sqlx::query_as::<_, (String, String, String, String, i64)>(&sql).bind(shop_id);
    for number in numbers {
        query = query.bind(number.as_str());
    }
    let mut lines: HashMap<String, TickerLine> = HashMap::new();
    for (number, customer, title, variant, units) in query.fetch_all(db).await? {
        let line = lines.entry(number).or_insert_with(|| TickerLine {
            what: String::new(),
            first_name: customer.split_whitespace().next().unwrap_or("").to_owned(),
        });
        if !line.what.is_empty() {
            line.what.push_str(", ");
        }
        line.what.push_str(&title);
        if !variant.is_empty() {
            line.what.push_str(&format!(" ({variant})"));
        }
        if units > 1 {
            line.what.push_str(&format!(" × {units}"));
        }
    }
    Ok(lines)
}
