//! Health, metrics, error pages, security headers and limits.

use reqwest::StatusCode;

use crate::helpers::{email, spawn_app};

#[tokio::test]
async fn healthz_answers_ok_while_the_database_answers() {
    let app = spawn_app().await;
    let page = app.browser().get("/healthz").await;
    assert_eq!(page.status, StatusCode::OK);
    let lines: Vec<&str> = page.body.lines().collect();
    assert_eq!(lines[0], "ok", "the first line says the node is fine");
    // Then what this node serves, for whoever balances viewers over nodes.
    for (i, key) in ["node", "rooms", "viewers", "pulls", "egress_bps"]
        .iter()
        .enumerate()
    {
        let (k, v) = lines[i + 1].split_once(' ').expect("key value");
        assert_eq!(k, *key);
        assert!(!v.is_empty());
    }
    assert_eq!(lines[2], "rooms 0");
}

#[tokio::test]
async fn healthz_answers_503_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.db().close().await;
    let page = app.browser().get("/healthz").await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status_in_prometheus_format() {
    let app = spawn_app().await;
    let browser = app.browser();
    browser.get("/healthz").await;
    browser.get("/healthz").await;
    browser.get("/no/such/page").await;

    let metrics = browser.get("/metrics").await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(
        metrics.contains(
            r#"showfloor_http_requests_total{method="GET",route="/healthz",status="200"} 2"#
        ),
        "{}",
        metrics.body
    );
    assert!(
        metrics.contains(r#"route="unmatched",status="404""#),
        "{}",
        metrics.body
    );
    assert!(metrics.contains("showfloor_http_request_duration_seconds_bucket"));
    assert!(metrics.contains("showfloor_db_pool_connections"));
}

#[tokio::test]
async fn unknown_routes_get_the_404_page_in_the_site_style() {
    let app = spawn_app().await;
    let page = app.browser().get("/nothing-here").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.contains("Page not found"));
    assert!(page.contains("/static/"), "styled with the site stylesheet");
}

#[tokio::test]
async fn every_page_carries_the_security_headers_and_a_request_id() {
    let app = spawn_app().await;
    let page = app.browser().get("/login").await;
    let h = |name: &str| {
        page.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    assert!(h("content-security-policy").contains("frame-ancestors 'none'"));
    assert!(h("content-security-policy").contains("script-src 'self'"));
    assert_eq!(h("x-content-type-options"), "nosniff");
    assert_eq!(h("referrer-policy"), "strict-origin-when-cross-origin");
    assert_eq!(h("x-frame-options"), "DENY");
    assert_eq!(h("x-request-id").len(), 36);
}

#[tokio::test]
async fn static_files_are_served_with_long_cache_headers() {
    let app = spawn_app().await;
    let page = app.browser().get("/login").await;
    let css = page
        .body
        .split("href=\"")
        .find_map(|s| s.split('"').next().filter(|u| u.ends_with("app.css")))
        .expect("stylesheet link")
        .to_string();
    let response = app
        .browser()
        .client
        .get(format!("{}{css}", app.base()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
}

#[tokio::test]
async fn an_oversized_form_is_refused_with_413() {
    let app = spawn_app().await;
    let owner = app.browser();
    owner.sign_up("big-body", &email("big")).await;
    let huge = "x".repeat(2 * 1024 * 1024);
    let page = owner
        .post(
            "/settings",
            &[
                ("name", &huge),
                ("slug", "big-body"),
                ("currency", "EUR"),
                ("time_zone", "UTC"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_stopped_server_finishes_and_releases_its_port() {
    let mut app = spawn_app().await;
    let old = app.base();
    app.restart().await;
    assert_ne!(old, app.base());
    assert!(
        reqwest::get(format!("{old}/healthz")).await.is_err(),
        "old listener closed"
    );
    assert_eq!(app.browser().get("/healthz").await.status, StatusCode::OK);
}
