//! The rolled-up path gives the numbers of the raw path: the hand-computed fixture read
//! through `summary::kpis_for` before and after its summary is built, and the page and
//! product CSV after it.

use showfloor::reports::{rollup, store, summary};

use super::fixture::fixture;
use crate::helpers::spawn_app;

#[tokio::test]
async fn the_rolled_up_kpis_equal_the_raw_computation_of_the_fixture() {
    let app = spawn_app().await;
    let f = fixture(&app, "rollup-shop").await;
    let db = app.db();
    let stream = store::stream(db, f.shop_id, f.stream_id)
        .await
        .unwrap()
        .expect("the fixture's stream");
    let scheduled = store::stream(db, f.shop_id, f.scheduled_id)
        .await
        .unwrap()
        .unwrap();
    let now = showfloor::db::now_ms();
    let streams = [stream.clone(), scheduled];
    let raw = summary::kpis_for(db, f.shop_id, &streams, now)
        .await
        .unwrap();
    assert_eq!(raw.len(), 1, "a stream that never went live has no KPIs");

    assert!(rollup::build(db, f.shop_id, f.stream_id).await.unwrap());
    assert!(
        rollup::build(db, f.shop_id, f.stream_id).await.unwrap(),
        "rebuilding is idempotent"
    );
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM report_stream_summaries")
        .fetch_one(db)
        .await
        .unwrap();
    assert_eq!(rows, 1);
    assert!(
        !rollup::build(db, f.shop_id, f.scheduled_id).await.unwrap(),
        "no summary before the end"
    );
    let rolled = summary::kpis_for(db, f.shop_id, &streams, now)
        .await
        .unwrap();
    assert_eq!(rolled[0].1, raw[0].1, "rolled-up = raw");
    // And both are the hand-computed figures.
    let k = &rolled[0].1;
    assert_eq!(
        (k.unique_viewers, k.peak_viewers, k.watch_time_ms / 1000),
        (6, 4, 1500)
    );
    assert_eq!(
        (k.engaged_viewers, k.questions_asked, k.questions_answered),
        (4, 4, 3)
    );
    assert_eq!(k.median_answer_ms, Some(60_000));
    assert_eq!(
        (k.orders, k.units, k.revenue, k.buying_viewers),
        (2, 4, 17_200, 2)
    );
    assert_eq!((k.refunds, k.refunded_amount), (1, 2_500));

    // A refund after the summary was built still shows: orders are read live.
    sqlx::query("UPDATE orders SET status = 'refunded', refunded_amount = total WHERE number = 'O1' AND shop_id = $1")
        .bind(f.shop_id)
        .execute(db)
        .await
        .unwrap();
    let after = summary::kpis_for(db, f.shop_id, &streams[..1], now)
        .await
        .unwrap();
    assert_eq!(
        (
            after[0].1.orders,
            after[0].1.revenue,
            after[0].1.buying_viewers
        ),
        (1, 7_400, 1)
    );
    // Another shop reads nothing of it.
    let theirs = summary::kpis_for(db, f.shop_id + 1000, &streams[..1], now)
        .await
        .unwrap();
    assert_eq!(theirs[0].1.unique_viewers, 0);
}

#[tokio::test]
async fn the_product_csv_carries_the_product_table() {
    let app = spawn_app().await;
    let f = fixture(&app, "products-csv").await;
    let csv = f
        .owner
        .get(&format!("/reports/streams/{}/products.csv", f.stream_id))
        .await;
    assert_eq!(csv.status, reqwest::StatusCode::OK);
    let rows = super::parse_csv(&csv.body);
    assert_eq!(rows.len(), 2);
    for (column, shirt, hat) in [
        ("title", "Linen shirt", "Straw hat"),
        ("pinned_seconds", "180", "240"),
        ("impressions", "4", "4"),
        ("clicks", "2", "1"),
        ("click_through_rate", "0.5000", "0.2500"),
        ("buy_taps", "1", "3"),
        ("checkouts_started", "1", "2"),
        ("orders", "1", "1"),
        ("units", "2", "1"),
        ("revenue", "98.00", "25.00"),
        ("currency", "EUR", "EUR"),
    ] {
        assert_eq!(
            (rows[0][column].as_str(), rows[1][column].as_str()),
            (shirt, hat),
            "{column}"
        );
    }
}
