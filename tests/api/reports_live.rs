//! The studio's running figures use the report's definitions: on the hand-computed
//! fixture (a fully refunded order and an expired one among four) the studio's
//! figures equal the report's KPI export, and only the shop's staff can read them.

use reqwest::StatusCode;

use crate::helpers::{parse_csv, spawn_app};
use crate::reports::fixture::fixture;

#[tokio::test]
async fn the_studio_figures_equal_the_report() {
    let app = spawn_app().await;
    let f = fixture(&app, "studio-figures").await;
    let figures = f
        .owner
        .get("/@studio-figures/spring/live/staff/figures")
        .await;
    assert_eq!(figures.status, StatusCode::OK, "{}", figures.body);
    let figures: serde_json::Value = serde_json::from_str(&figures.body).expect("JSON figures");

    let kpis = f
        .owner
        .get(&format!("/reports/streams/{}/kpis.csv", f.stream_id))
        .await;
    let kpis = parse_csv(&kpis.body).remove(0);
    let kpi = |column: &str| -> i64 {
        kpis[column]
            .parse()
            .unwrap_or_else(|_| panic!("{column}: {}", kpis[column]))
    };
    // The fixture's own hand-computed figures: 2 kept orders (the fully refunded and the
    // expired one do not count), €172.00, 4 questions asked, 3 answered.
    assert_eq!(figures["orders"], 2);
    assert_eq!(figures["revenue"], 17_200);
    assert_eq!(figures["revenue_display"], "€172.00");
    assert_eq!(figures["questions_asked"], 4);
    assert_eq!(figures["questions_answered"], 3);
    // And the report says the same, column by column.
    assert_eq!(figures["orders"], kpi("orders"));
    assert_eq!(figures["units"], kpi("units"));
    // The CSV writes money in major units with the currency's decimals ("172.00").
    assert_eq!(kpis["revenue"], "172.00");
    assert_eq!(figures["questions_asked"], kpi("questions_asked"));
    assert_eq!(figures["questions_answered"], kpi("questions_answered"));
    assert_eq!(
        figures["median_answer_ms"],
        kpi("median_answer_seconds") * 1000
    );

    // Viewers and other shops' staff cannot read a shop's figures.
    let viewer = app.browser();
    let refused = viewer
        .get("/@studio-figures/spring/live/staff/figures")
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let other = app.browser();
    other
        .sign_up("other-figures", &crate::helpers::email("other"))
        .await;
    let refused = other
        .get("/@studio-figures/spring/live/staff/figures")
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
}
