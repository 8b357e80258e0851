//! The overview's CSV exports for the fixture's January: they parse back to the numbers
//! computed by hand in `reports_overview.rs`.

use crate::helpers::{parse_csv, spawn_app};

use super::builders::{JANUARY, overview};

#[tokio::test]
async fn reports_overview_csvs_parse_back_to_the_same_numbers() {
    let app = spawn_app().await;
    let f = overview(&app, "overview-csv").await;

    let streams = parse_csv(
        &f.owner
            .get(&format!("/reports/streams.csv?{JANUARY}"))
            .await
            .body,
    );
    let ids: Vec<&str> = streams.iter().map(|r| r["stream_id"].as_str()).collect();
    assert_eq!(ids, [f.s3.to_string(), f.s2.to_string(), f.s1.to_string()]);
    assert_eq!(streams[2]["revenue"], "123.00");

    let products = parse_csv(
        &f.owner
            .get(&format!("/reports/products.csv?{JANUARY}"))
            .await
            .body,
    );
    assert_eq!(
        products
            .iter()
            .map(|r| (
                r["title"].as_str(),
                r["units"].as_str(),
                r["revenue_minor"].as_str(),
                r["orders"].as_str(),
                r["streams_pinned"].as_str()
            ))
            .collect::<Vec<_>>(),
        [
            ("Linen shirt", "3", "14700", "2", "2"),
            ("Straw hat", "2", "5000", "2", "1")
        ]
    );

    let slots = parse_csv(
        &f.owner
            .get(&format!("/reports/slots.csv?{JANUARY}"))
            .await
            .body,
    );
    assert_eq!(
        slots
            .iter()
            .map(|r| (
                r["weekday"].as_str(),
                r["hour"].as_str(),
                r["streams"].as_str(),
                r["average_unique_viewers"].as_str(),
                r["versus_average_percent"].as_str()
            ))
            .collect::<Vec<_>>(),
        [
            ("Monday", "9", "2", "5.0", "25"),
            ("Friday", "19", "1", "2.0", "-50")
        ]
    );

    let sources = parse_csv(
        &f.owner
            .get(&format!("/reports/sources.csv?{JANUARY}"))
            .await
            .body,
    );
    let instagram = sources
        .iter()
        .find(|r| r["source"] == "instagram.com")
        .expect("instagram row");
    assert_eq!(
        (
            instagram["unique_viewers"].as_str(),
            instagram["buying_viewers"].as_str(),
            instagram["revenue_minor"].as_str(),
            instagram["conversion_rate"].as_str()
        ),
        ("2", "2", "6500", "1.0000")
    );
    let viewers: i64 = sources
        .iter()
        .map(|r| r["unique_viewers"].parse::<i64>().unwrap())
        .sum();
    assert_eq!(viewers, 4 + 2 + 6);

    // Orders with attribution: every order of S1–S3 whatever its status, oldest first.
    let body = f
        .owner
        .get(&format!("/reports/orders.csv?{JANUARY}"))
        .await
        .body;
    let orders = parse_csv(&body);
    assert_eq!(
        orders
            .iter()
            .map(|r| r["order_number"].as_str())
            .collect::<Vec<_>>(),
        ["O1", "O2", "O3", "O4", "O5"]
    );
    let o1 = &orders[0];
    assert_eq!(o1["created_at_utc"], "2027-01-04T08:02:00Z");
    assert_eq!(o1["created_at_local"], "2027-01-04T09:02:00+01:00");
    assert_eq!(
        (
            o1["pinned_product"].as_str(),
            o1["seconds_since_live"].as_str(),
            o1["traffic_source"].as_str()
        ),
        ("Linen shirt", "120", "newsletter")
    );
    assert_eq!(
        (
            orders[3]["total_minor"].as_str(),
            orders[3]["refunded_minor"].as_str(),
            orders[3]["status"].as_str()
        ),
        ("4900", "900", "partially_refunded")
    );
    assert_eq!(orders[4]["traffic_source"], "(no live visit)");
    assert_eq!(orders[2]["traffic_source"], "embed");
    // Paid totals less refunds add up to the KPI revenue of the three streams: €188.
    let revenue: i64 = orders
        .iter()
        .filter(|r| r["status"] != "expired")
        .map(|r| {
            r["total_minor"].parse::<i64>().unwrap() - r["refunded_minor"].parse::<i64>().unwrap()
        })
        .sum();
    assert_eq!(revenue, 12_300 + 6_500);
}
