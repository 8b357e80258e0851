//! The rolled-up path gives the numbers of the raw path: the hand-computed fixture read
//! through `summary::kpis_for` before and after its summary is built, its whole report
//! (minutes, products, funnel, sources) raw and rolled up, the product CSV, and the
//! worker building the rollups of streams that ended before they existed.

use showfloor::reports::figures::metrics::live_window;
use showfloor::reports::figures::{store, viewer_side};
use showfloor::reports::overview::summary;
use showfloor::reports::rollup;
use showfloor::reports::sources::{self, Scope};
use showfloor::reports::stream::report as stream_report;

use super::fixture::fixture;
use crate::helpers::{parse_csv, spawn_app};

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
    let rows = parse_csv(&csv.body);
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

#[tokio::test]
async fn the_rolled_up_report_equals_the_raw_report_of_the_fixture() {
    let app = spawn_app().await;
    let f = fixture(&app, "rollup-report").await;
    let db = app.db();
    let stream = store::stream(db, f.shop_id, f.stream_id)
        .await
        .unwrap()
        .expect("the fixture's stream");
    let now = showfloor::db::now_ms();
    let window = live_window(&stream, now).expect("went live");
    let raw_side = viewer_side::compute(db, f.shop_id, f.stream_id, window)
        .await
        .unwrap();
    let range = Scope::Range {
        start: window.start - 86_400_000,
        end: window.end + 86_400_000,
    };
    let raw_sources = sources::split(db, f.shop_id, Scope::Stream(f.stream_id), now)
        .await
        .unwrap();
    let raw_range_sources = sources::split(db, f.shop_id, range, now).await.unwrap();
    // The worker may build it meanwhile: drop any rollup to read the raw path.
    sqlx::query("UPDATE report_stream_summaries SET stale = 1")
        .execute(db)
        .await
        .unwrap();
    let raw = stream_report::load(db, f.shop_id, &stream, now)
        .await
        .unwrap()
        .expect("a report");

    assert!(rollup::build(db, f.shop_id, f.stream_id).await.unwrap());
    let stored = rollup::store::load(db, f.shop_id, f.stream_id, window)
        .await
        .unwrap()
        .expect("a fresh rollup");
    assert_eq!(stored, raw_side, "stored viewer side = computed");
    let rolled = stream_report::load(db, f.shop_id, &stream, now)
        .await
        .unwrap()
        .expect("a report");
    assert!(rolled.rolled);
    assert_eq!(rolled.kpis, raw.kpis);
    assert_eq!(rolled.minutes, raw.minutes);
    assert_eq!(rolled.products, raw.products);
    assert_eq!(rolled.funnel, raw.funnel);
    let stream_sources = sources::split(db, f.shop_id, Scope::Stream(f.stream_id), now)
        .await
        .unwrap();
    assert_eq!(stream_sources, raw_sources);
    assert_eq!(
        sources::split(db, f.shop_id, range, now).await.unwrap(),
        raw_range_sources
    );

    // And they are the hand-computed figures (fixture.rs).
    let column = |f: fn(&showfloor::reports::figures::timeline::Minute) -> i64| {
        rolled.minutes.iter().map(f).collect::<Vec<_>>()
    };
    assert_eq!(column(|m| m.viewers), [1, 2, 3, 4, 3, 3, 2, 3, 3, 2]);
    assert_eq!(column(|m| m.orders), [0, 0, 1, 0, 0, 0, 0, 1, 0, 0]);
    assert_eq!(column(|m| m.reactions), [0, 0, 0, 12, 0, 0, 0, 5, 0, 0]);
    // Reactions per minute: median 0, so a spike is any minute with 10 or more: 09:03.
    assert_eq!(
        column(|m| i64::from(m.spike)),
        [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    );
    let reach: Vec<(usize, usize, usize, usize)> = rolled
        .products
        .iter()
        .map(|p| (p.impressions, p.clicks, p.buy_taps, p.checkouts))
        .collect();
    assert_eq!(reach, [(4, 2, 1, 1), (4, 1, 3, 2)]);
    let fu = &rolled.funnel;
    assert_eq!((fu.viewers, fu.clicked, fu.checkout, fu.paid), (6, 3, 3, 2));
    let total: i64 = stream_sources.iter().map(|s| s.unique_viewers).sum();
    assert_eq!(total, 6, "every unique viewer in one source");
}

#[tokio::test]
async fn streams_that_ended_before_rollups_existed_are_built_by_the_worker() {
    let app = spawn_app().await;
    let f = fixture(&app, "rollup-backfill").await;
    let db = app.db();
    // As after migration 0008: no rollup for the ended stream, or a stale one.
    for sql in [
        "DELETE FROM report_stream_summaries",
        "DELETE FROM report_minutes",
    ] {
        sqlx::query(sql).execute(db).await.unwrap();
    }
    rollup::catch_up(db).await.unwrap();
    let built: Vec<(i64, i64)> =
        sqlx::query_as("SELECT stream_id, stale FROM report_stream_summaries")
            .fetch_all(db)
            .await
            .unwrap();
    assert_eq!(
        built,
        [(f.stream_id, 0)],
        "built, the scheduled one left alone"
    );
    let minutes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM report_minutes")
        .fetch_one(db)
        .await
        .unwrap();
    assert_eq!(minutes, 10);

    sqlx::query("UPDATE report_stream_summaries SET stale = 1")
        .execute(db)
        .await
        .unwrap();
    rollup::catch_up(db).await.unwrap();
    let stale: i64 = sqlx::query_scalar("SELECT stale FROM report_stream_summaries")
        .fetch_one(db)
        .await
        .unwrap();
    assert_eq!(stale, 0, "a stale rollup is rebuilt");
    let stream = store::stream(db, f.shop_id, f.stream_id)
        .await
        .unwrap()
        .unwrap();
    let report = stream_report::load(db, f.shop_id, &stream, showfloor::db::now_ms())
        .await
        .unwrap()
        .unwrap();
    assert!(report.rolled);
    assert_eq!(report.kpis.unique_viewers, 6);
}
