//! The shop overview (`/reports`) over a date range, against a small fixture computed by
//! hand (`reports_overview/builders.rs::overview`, Europe/Paris, EUR):
//!
//! | stream | went live (Paris) | viewers (source of first visit) | kept orders |
//! |---|---|---|---|
//! | S1 Monday morning | Mon 4 Jan 09:00 | a newsletter, b instagram.com, c embed, d direct | O1 a 2 × shirt €98 (shirt pinned), O2 b hat €25 (hat pinned); O3 c expired |
//! | S2 Friday evening | Fri 8 Jan 19:00 | e newsletter, f instagram.com | O4 f shirt €49 − €9 refunded, O5 a stranger (no visit) hat €25 |
//! | S3 Monday again | Mon 11 Jan 09:30 | g h google.com, i j k l direct | none (shirt pinned) |
//! | December | Sun 20 Dec 2026 | z newsletter | O6 €100: outside January |
//!
//! KPIs: S1 4 viewers, revenue 98 + 25 = €123, buyers {a, b}: 2 / 4 = 50.0 %;
//! S2 2 viewers, revenue (49 − 9) + 25 = €65, buyers {f} (the stranger is no viewer):
//! 1 / 2 = 50.0 %; S3 6 viewers, €0, 0.0 %.

use reqwest::StatusCode;

use crate::helpers::spawn_app;

pub mod builders;
mod exports;

use builders::{JANUARY, overview};

#[tokio::test]
async fn reports_overview_shows_the_streams_of_the_range_with_hand_computed_figures() {
    let app = spawn_app().await;
    let f = overview(&app, "overview-shop").await;

    let page = f.owner.get(&format!("/reports?{JANUARY}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // Latest first; December (before the range) and the scheduled stream are left out.
    assert_eq!(
        page.texts("#reports tbody td a"),
        ["Monday again", "Friday evening", "Monday morning"]
    );
    assert_eq!(
        page.texts("#reports tbody td:nth-child(3)"),
        ["6", "2", "4"]
    );
    assert_eq!(
        page.texts("#reports tbody td:nth-child(8)"),
        ["€0.00", "€65.00", "€123.00"]
    );
    assert_eq!(
        page.texts("#reports tbody td:nth-child(9)"),
        ["0.0 %", "50.0 %", "50.0 %"]
    );
    assert!(page.contains("1 Jan 2027 – 31 Jan 2027"));
    assert_eq!(page.input_value("from").as_deref(), Some("2027-01-01"));

    // Trends, oldest first, each with its data table and one point per stream.
    assert_eq!(page.texts("#trend-viewers tbody td.num"), ["4", "2", "6"]);
    assert_eq!(
        page.texts("#trend-revenue tbody td.num"),
        ["€123.00", "€65.00", "€0.00"]
    );
    assert_eq!(
        page.texts("#trend-conversion tbody td.num"),
        ["50.0 %", "50.0 %", "0.0 %"]
    );
    assert_eq!(page.texts("#trend-viewers circle").len(), 3);
    assert!(page.contains("Revenue (EUR)") && page.contains("Stream start (Europe/Paris)"));

    // Top products over kept orders of S1–S3: shirt O1 2 × €49 + O4 1 × €49 = 3 units,
    // €147, 2 orders, pinned in S1 and S3; hat O2 + O5 = 2 units, €50, 2 orders, pinned
    // in S1 only. (O3 expired, O6 is December's.)
    assert_eq!(
        page.texts("#top-products tbody th"),
        ["Linen shirt", "Straw hat"]
    );
    assert_eq!(
        page.texts("#top-products tbody td"),
        ["3", "€147.00", "2", "2", "2", "€50.00", "2", "1"]
    );

    // Time slots: Monday 09 h has S1 (4) and S3 (6): 5.0 on average; Friday 19 h has S2
    // (2). Overall 12 / 3 = 4.0 per stream: Monday +25 %, Friday −50 %.
    assert_eq!(
        page.texts("#time-slots thead th"),
        ["Weekday", "09:00", "19:00"]
    );
    assert_eq!(
        page.texts("#time-slots tbody tr:nth-child(1) td"),
        ["5.0 (+25 %)", "no stream"]
    );
    assert_eq!(
        page.texts("#time-slots tbody tr:nth-child(5) td"),
        ["no stream", "2.0 (−50 %)"]
    );

    // Sources, summed over the streams: direct d + i j k l = 5; newsletter a e = 2, buyer
    // a, O1 €98; instagram.com b f = 2, both buy, O2 €25 + O4 €40 = €65; google.com g h;
    // embed c; the stranger's O5 (€25) has no visit.
    assert_eq!(
        page.texts("#sources tbody th"),
        [
            "direct",
            "newsletter",
            "instagram.com",
            "google.com",
            "embed",
            "(no live visit)"
        ]
    );
    assert_eq!(
        page.texts("#sources tbody td"),
        [
            "5", "0", "0", "€0.00", "0.0 %", "2", "1", "1", "€98.00", "50.0 %", "2", "2", "2",
            "€65.00", "100.0 %", "2", "0", "0", "€0.00", "0.0 %", "1", "0", "0", "€0.00", "0.0 %",
            "0", "0", "1", "€25.00", "—",
        ]
    );
}

#[tokio::test]
async fn reports_overview_sorts_within_the_range_and_keeps_it_in_the_links() {
    let app = spawn_app().await;
    let f = overview(&app, "overview-sort").await;

    let page = f
        .owner
        .get(&format!("/reports?sort=viewers&dir=desc&{JANUARY}"))
        .await;
    assert_eq!(
        page.texts("#reports tbody td a"),
        ["Monday again", "Monday morning", "Friday evening"]
    );
    // The header links keep the range.
    let doc = scraper::Html::parse_document(&page.body);
    let selector = scraper::Selector::parse("#reports thead th a").unwrap();
    let hrefs: Vec<&str> = doc
        .select(&selector)
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert!(
        hrefs.contains(&format!("/reports?sort=viewers&dir=asc&{JANUARY}").as_str()),
        "{hrefs:?}"
    );
    assert!(hrefs.iter().all(|h| h.ends_with(JANUARY)), "{hrefs:?}");
    let ascending = f
        .owner
        .get(&format!("/reports?sort=revenue&dir=asc&{JANUARY}"))
        .await;
    assert_eq!(
        ascending.texts("#reports tbody td a"),
        ["Monday again", "Friday evening", "Monday morning"]
    );
    // December alone.
    let december = f.owner.get("/reports?from=2026-12-01&to=2026-12-31").await;
    assert_eq!(december.texts("#reports tbody td a"), ["December"]);
    // A range with no stream is an empty state, not a table of zeros.
    let empty = f
        .owner
        .get("/reports?range=custom&from=2025-01-01&to=2025-01-31")
        .await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(
        empty.texts("#reports").is_empty()
            && empty.contains("No stream went live from 1 Jan 2025 – 31 Jan 2025")
    );
}

#[tokio::test]
async fn reports_overview_defaults_to_the_last_30_days() {
    let app = spawn_app().await;
    let (owner, shop) = builders::shop(&app, "overview-default").await;
    let now = showfloor::db::now_ms();
    let day = 86_400_000;
    builders::ended_stream(app.db(), shop, "recent", "Yesterday", now - day).await;
    builders::ended_stream(app.db(), shop, "old", "Two months ago", now - 60 * day).await;

    let page = owner.get("/reports").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.texts("#reports tbody td a"), ["Yesterday"]);
    assert_eq!(page.texts("#range option[selected]"), ["Last 30 days"]);
    let quarter = owner.get("/reports?range=90").await;
    assert_eq!(
        quarter.texts("#reports tbody td a"),
        ["Yesterday", "Two months ago"]
    );
}

#[tokio::test]
async fn reports_overview_rejects_bad_ranges_with_the_form_as_typed() {
    let app = spawn_app().await;
    let f = overview(&app, "overview-bad").await;

    for (query, message, from) in [
        (
            "range=custom&from=2027-02-01&to=2027-01-01",
            "is after the end date",
            "2027-02-01",
        ),
        (
            "range=custom&from=2024-01-01&to=2027-01-31",
            "longer than 2 years",
            "2024-01-01",
        ),
        (
            "range=custom&from=next+tuesday&to=2027-01-31",
            "“next tuesday” is not a date",
            "next tuesday",
        ),
        (
            "range=custom&from=&to=2027-01-31",
            "both a start and an end date",
            "",
        ),
        ("range=decade", "Choose a range", ""),
    ] {
        let page = f.owner.get(&format!("/reports?{query}")).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(
            page.texts("#range-error").concat().contains(message),
            "{query}: {}",
            page.body
        );
        assert_eq!(
            page.input_value("from").unwrap_or_default(),
            from,
            "{query}"
        );
        assert!(page.texts("#reports").is_empty(), "{query}");
        // The exports refuse the same range with a 400, not a 500.
        let csv = f.owner.get(&format!("/reports/orders.csv?{query}")).await;
        assert_eq!(csv.status, StatusCode::BAD_REQUEST, "{query}");
    }
}

#[tokio::test]
async fn reports_stream_page_splits_viewers_by_source() {
    let app = spawn_app().await;
    let f = overview(&app, "overview-stream").await;

    // S1 alone: one viewer each; newsletter (a, O1 €98) and instagram.com (b, O2 €25)
    // bought; b's later visit from the "ads" link does not move b.
    let page = f.owner.get(&format!("/reports/streams/{}", f.s1)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(
        page.texts("#sources tbody th"),
        ["newsletter", "instagram.com", "direct", "embed"]
    );
    assert_eq!(
        page.texts("#sources tbody td"),
        [
            "1", "1", "1", "€98.00", "100.0 %", "1", "1", "1", "€25.00", "100.0 %", "1", "0", "0",
            "€0.00", "0.0 %", "1", "0", "0", "€0.00", "0.0 %",
        ]
    );
    let _ = (f.shop, f.outside);
}
