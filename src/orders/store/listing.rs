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
