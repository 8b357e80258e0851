//! Engagement reports against a hand-computed fixture: a ten-minute stream with seven
//! viewers (one reconnect merged by the live room, one return after the grace period),
//! two pins, four orders (one fully refunded, one expired), four questions and chat.
//! Every KPI below is computed by hand in the comments; the CSV exports parse back to
//! the same numbers. Then who may read reports, and a stream that never went live.

use reqwest::StatusCode;

use crate::helpers::{email, parse_csv, spawn_app};

mod capture;
pub mod fixture;
mod rollup;

use fixture::fixture;

#[tokio::test]
async fn a_stream_report_matches_the_hand_computed_fixture() {
    let app = spawn_app().await;
    let f = fixture(&app, "report-shop").await;

    let page = f
        .owner
        .get(&format!("/reports/streams/{}", f.stream_id))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let tiles = page.texts("#kpis .stat dd");
    assert_eq!(
        tiles,
        [
            "6",
            "4",
            "25 min 00 s",
            "4 min 10 s",
            "66.7 %",
            "3 / 4",
            "2",
            "€172.00",
            "€86.00",
            "33.3 %",
            "1"
        ]
    );
    assert!(
        page.contains("at 09:03")
            && page.contains("median answer 1 min 00 s")
            && page.contains("€25.00")
    );
    assert_eq!(
        page.texts("#timeline tbody td:nth-child(2)"),
        ["1", "2", "3", "4", "3", "3", "2", "3", "3", "2"]
    );
    assert_eq!(
        page.texts("#timeline tbody th").first().map(String::as_str),
        Some("09:00")
    );
    assert_eq!(
        page.texts("#products tbody td"),
        [
            "3 min 00 s",
            "4",
            "2",
            "50.0 %",
            "1",
            "1",
            "2",
            "€98.00",
            "4 min 00 s",
            "4",
            "1",
            "25.0 %",
            "2",
            "1",
            "1",
            "€25.00"
        ]
    );
    assert_eq!(
        page.texts("#products tbody th"),
        ["Linen shirt", "Straw hat"]
    );
    assert_eq!(
        page.texts("#funnel tbody td:nth-child(2)"),
        ["6", "3", "3", "2"]
    );
    let questions = page.texts("#questions li strong");
    assert_eq!(
        questions[..2],
        ["What sizes are left?", "Is the shirt pre-washed?"]
    );
    // The chart: one band per pin, one marker per kept order, labelled, no inline style.
    assert_eq!(page.texts("#timeline-chart .pin-band").len(), 2);
    assert_eq!(page.texts("#timeline-chart .order-marker").len(), 2);
    assert!(page.contains("Linen shirt pinned 09:01–09:04") && page.contains("Order at 09:07"));
    // Reaction spikes (docs/metrics.md): the median minute has 0 reactions, so 09:03's
    // 12 (≥ 10) is a spike and 09:07's 5 is not; marked on the chart, with a legend,
    // and in the data table.
    assert_eq!(page.texts("#timeline-chart .spike-marker").len(), 1);
    assert!(page.contains("Reaction spike at 09:03: 12 reactions"));
    assert!(
        page.texts("#timeline-chart .chart-legend text")
            .contains(&"Reaction spike".to_string())
    );
    assert_eq!(
        page.texts("#timeline tbody td.spike"),
        ["", "", "", "Spike", "", "", "", "", "", ""]
    );
    assert!(!page.body.contains("style=") && !page.body.contains("<script>"));

    let list = f
        .owner
        .get("/reports?range=custom&from=2027-01-01&to=2027-01-31")
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(
        list.texts("#reports tbody td a"),
        ["Spring demo"],
        "only streams that went live"
    );
    assert_eq!(list.texts("#reports tbody td.num")[..2], ["6", "4"]);
    let sorted = f
        .owner
        .get("/reports?sort=revenue&dir=asc&range=custom&from=2027-01-01&to=2027-01-31")
        .await;
    assert!(sorted.contains("aria-sort=\"ascending\""));
}

#[tokio::test]
async fn csv_exports_parse_back_to_the_same_numbers() {
    let app = spawn_app().await;
    let f = fixture(&app, "csv-report").await;

    let kpis = f
        .owner
        .get(&format!("/reports/streams/{}/kpis.csv", f.stream_id))
        .await;
    assert_eq!(kpis.status, StatusCode::OK);
    assert!(
        kpis.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let rows = parse_csv(&kpis.body);
    assert_eq!(rows.len(), 1);
    let k = &rows[0];
    for (column, expected) in [
        ("stream_id", f.stream_id.to_string().as_str()),
        ("live_seconds", "600"),
        ("unique_viewers", "6"),
        ("peak_concurrent_viewers", "4"),
        ("peak_at", "2027-01-15T08:03:00Z"),
        ("watch_time_seconds", "1500"),
        ("average_watch_time_seconds", "250"),
        ("engaged_viewers", "4"),
        ("engagement_rate", "0.6667"),
        ("questions_asked", "4"),
        ("questions_answered", "3"),
        ("median_answer_seconds", "60"),
        ("orders", "2"),
        ("units", "4"),
        ("revenue", "172.00"),
        ("average_order_value", "86.00"),
        ("currency", "EUR"),
        ("buying_viewers", "2"),
        ("conversion_rate", "0.3333"),
        ("refunds", "1"),
        ("refunded_amount", "25.00"),
    ] {
        assert_eq!(k[column], expected, "{column}");
    }
    let all = parse_csv(
        &f.owner
            .get("/reports/streams.csv?range=custom&from=2027-01-01&to=2027-01-31")
            .await
            .body,
    );
    assert_eq!(all, rows, "the shop-wide export carries the same row");

    let timeline = f
        .owner
        .get(&format!("/reports/streams/{}/timeline.csv", f.stream_id))
        .await;
    let minutes = parse_csv(&timeline.body);
    let column = |name: &str| {
        minutes
            .iter()
            .map(|m| m[name].parse::<i64>().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(column("minute"), (0..10).collect::<Vec<_>>());
    assert_eq!(column("concurrent_viewers"), [1, 2, 3, 4, 3, 3, 2, 3, 3, 2]);
    assert_eq!(column("orders"), [0, 0, 1, 0, 0, 0, 0, 1, 0, 0]);
    assert_eq!(column("reactions"), [0, 0, 0, 12, 0, 0, 0, 5, 0, 0]);
    assert_eq!(column("reaction_spike"), [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    assert_eq!(minutes[3]["starts_at"], "2027-01-15T08:03:00Z");
    assert_eq!(
        column("concurrent_viewers").into_iter().max(),
        Some(4),
        "the peak tile"
    );
}

#[tokio::test]
async fn marketers_read_reports_hosts_get_403_and_other_shops_404() {
    let app = spawn_app().await;
    let f = fixture(&app, "report-roles").await;
    let host = app.browser();
    host.accept_invite(&f.owner.invite(&email("host"), "host").await, "Hal")
        .await;
    let marketer = app.browser();
    marketer
        .accept_invite(&f.owner.invite(&email("mia"), "marketer").await, "Mia")
        .await;
    let stranger = app.browser();
    stranger.sign_up("report-other", &email("other")).await;

    let report = format!("/reports/streams/{}", f.stream_id);
    let paths = [
        report.clone(),
        format!("{report}/kpis.csv"),
        format!("{report}/timeline.csv"),
        "/reports".into(),
        "/reports/streams.csv".into(),
    ];
    for path in &paths {
        assert_eq!(
            marketer.get(path).await.status,
            StatusCode::OK,
            "marketer {path}"
        );
        let denied = host.get(path).await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN, "host {path}");
        assert!(
            denied.contains("Not allowed"),
            "host {path} sees the 403 page"
        );
    }
    for path in &paths[..3] {
        assert_eq!(
            stranger.get(path).await.status,
            StatusCode::NOT_FOUND,
            "other shop {path}"
        );
    }
    assert_eq!(
        f.owner.get("/reports/streams/999999").await.status,
        StatusCode::NOT_FOUND
    );
    let theirs = stranger
        .get("/reports?range=custom&from=2027-01-01&to=2027-01-31")
        .await;
    assert!(theirs.texts("#reports-empty").len() == 1 && !theirs.contains("Spring demo"));
}

#[tokio::test]
async fn a_scheduled_stream_shows_an_empty_state_not_a_chart_of_zeros() {
    let app = spawn_app().await;
    let f = fixture(&app, "report-soon").await;

    let page = f
        .owner
        .get(&format!("/reports/streams/{}", f.scheduled_id))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("This stream has not gone live yet."));
    assert!(page.texts("#report-empty").len() == 1 && page.texts("#kpis").is_empty());
    assert!(!page.contains("<svg") && !page.contains("id=\"timeline\""));
    let kpis = f
        .owner
        .get(&format!("/reports/streams/{}/kpis.csv", f.scheduled_id))
        .await;
    assert_eq!(kpis.status, StatusCode::OK);
    assert!(parse_csv(&kpis.body).is_empty(), "header only");
}

#[tokio::test]
async fn the_timeline_marks_the_polls_auctions_and_coupons_that_ran() {
    let app = spawn_app().await;
    let f = fixture(&app, "format-shop").await;
    let db = app.db();
    let (t0, min): (i64, i64) = (1_800_000_000_000, 60_000);
    sqlx::query(
        "INSERT INTO live_polls (shop_id, stream_id, question, options, opened_at, closed_at) \
         VALUES ($1, $2, 'Which colour?', '[\"Red\",\"Blue\"]', $3, $4)",
    )
    .bind(f.shop_id)
    .bind(f.stream_id)
    .bind(t0 + 2 * min)
    .bind(t0 + 3 * min)
    .execute(db)
    .await
    .unwrap();
    let (product, variant): (i64, i64) = sqlx::query_as(
        "SELECT product_id, id FROM variants WHERE shop_id = $1 ORDER BY id LIMIT 1",
    )
    .bind(f.shop_id)
    .fetch_one(db)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO live_auctions (shop_id, stream_id, product_id, variant_id, title, currency, \
         start_price, increment, extend_ms, state, started_at, ends_at, price, leader, bids, closed_at, \
         winner, winner_price) VALUES ($1, $2, $3, $4, 'Straw hat', 'EUR', 1000, 100, 0, 'sold', $5, $6, \
         3000, 'v', 3, $6, 'v', 3000)",
    )
    .bind(f.shop_id)
    .bind(f.stream_id)
    .bind(product)
    .bind(variant)
    .bind(t0 + 5 * min)
    .bind(t0 + 6 * min)
    .execute(db)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO live_coupons (shop_id, stream_id, code, kind, value, currency, dropped_at, \
         ended_at) VALUES ($1, $2, 'LIVE10', 'percent', 10, 'EUR', $3, $4)",
    )
    .bind(f.shop_id)
    .bind(f.stream_id)
    .bind(t0 + 7 * min)
    .bind(t0 + 9 * min)
    .execute(db)
    .await
    .unwrap();
    let page = f
        .owner
        .get(&format!("/reports/streams/{}", f.stream_id))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.texts("#timeline-chart .format-band").len(), 3);
    assert!(
        page.contains("Coupon LIVE10: 10 % off, 0 paid orders, 09:07–09:09"),
        "{}",
        page.body
    );
    assert!(
        page.contains("Poll: Which colour?, 09:02–09:03")
            && page.contains("Auction: Straw hat, sold for €30.00, 09:05–09:06"),
        "{}",
        page.body
    );
    assert!(page.contains("1 poll, 1 auction, 1 coupon and 0 giveaways"));
}
