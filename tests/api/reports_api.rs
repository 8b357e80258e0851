//! The reports JSON API for BI tools and its per-shop read-only tokens: the owner creates
//! (shown once, stored hashed) and revokes them; a token reads `/api/reports/` and
//! nothing else; bad tokens are 401 JSON; another shop's stream is 404. The numbers are
//! the overview fixture's (see `reports_overview.rs`), the same as the HTML pages.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{Browser, TestApp, email, spawn_app};
use crate::reports_overview::builders::{self, JANUARY, overview};

/// GET `path` with `Authorization: <authorization>` (no cookies): (status, JSON body).
pub(crate) async fn api(
    app: &TestApp,
    authorization: Option<&str>,
    path: &str,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new().get(format!("{}{path}", app.base()));
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    let response = request.send().await.expect("GET");
    let status = response.status();
    let body = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
    )
}

/// The owner creates a token named `name`; it is shown once, in the flash.
pub(crate) async fn create_token(owner: &Browser, name: &str) -> String {
    let page = owner.post("/settings/api-tokens", &[("name", name)]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let token = owner
        .get("/settings/api-tokens")
        .await
        .flash_link()
        .expect("token shown once");
    assert!(
        owner
            .get("/settings/api-tokens")
            .await
            .flash_link()
            .is_none(),
        "shown only once"
    );
    token
}

#[tokio::test]
async fn reports_api_token_reads_the_same_numbers_and_stops_when_revoked() {
    let app = spawn_app().await;
    let f = overview(&app, "api-shop").await;
    let token = create_token(&f.owner, "Looker Studio").await;
    let bearer = format!("Bearer {token}");
    // Only the hash is kept.
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_one(app.db())
        .await
        .unwrap();
    assert_eq!(stored, showfloor::auth::tokens::hash_token(&token));
    assert!(!stored.contains(&token));

    let (status, body) = api(
        &app,
        Some(&bearer),
        &format!("/api/reports/streams?{JANUARY}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let streams = body["streams"].as_array().expect("streams");
    let figures: Vec<(i64, i64, i64)> = streams
        .iter()
        .map(|s| {
            (
                s["stream_id"].as_i64().unwrap(),
                s["unique_viewers"].as_i64().unwrap(),
                s["revenue_minor"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(figures, [(f.s3, 6, 0), (f.s2, 2, 6500), (f.s1, 4, 12_300)]);
    assert_eq!(streams[2]["conversion_rate"].as_f64(), Some(0.5));
    assert_eq!(
        (body["from"].as_str(), body["currency"].as_str()),
        (Some("2027-01-01"), Some("EUR"))
    );

    let (status, one) = api(
        &app,
        Some(&bearer),
        &format!("/api/reports/streams/{}", f.s1),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(one["kpis"]["unique_viewers"], 4);
    assert_eq!(one["kpis"]["orders"], 2);
    assert_eq!(one["kpis"]["revenue_minor"], 12_300);
    let products: Vec<&str> = one["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    assert_eq!(products, ["Linen shirt", "Straw hat"]);
    assert_eq!(one["funnel"]["viewers"], 4);
    assert_eq!(one["timeline"].as_array().unwrap().len(), 10);
    assert_eq!(one["timeline"][0]["starts_at"], "2027-01-04T08:00:00Z");
    assert_eq!(one["sources"][0]["source"], "newsletter");
    assert_eq!(one["sources"][0]["revenue"], 9800);
    // The HTML report says the same.
    let html = f.owner.get(&format!("/reports/streams/{}", f.s1)).await;
    assert!(
        html.texts("#kpis .stat dd")
            .contains(&"€123.00".to_string())
    );

    // The token list shows it as used; revoking stops it at once.
    let list = f.owner.get("/settings/api-tokens").await;
    assert_eq!(list.texts("#api-tokens tbody th"), ["Looker Studio"]);
    assert_ne!(list.texts("#api-tokens tbody td:nth-child(3)"), ["Never"]);
    let id: i64 = sqlx::query_scalar("SELECT id FROM api_tokens")
        .fetch_one(app.db())
        .await
        .unwrap();
    let revoked = f
        .owner
        .post(&format!("/settings/api-tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    let (status, body) = api(&app, Some(&bearer), "/api/reports/streams").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "This API token has been revoked.");
    assert!(
        f.owner
            .get("/settings/api-tokens")
            .await
            .contains("Revoked")
    );
}

#[tokio::test]
async fn reports_api_refuses_missing_malformed_and_unknown_tokens_with_401_json() {
    let app = spawn_app().await;
    let unknown = format!("Bearer sfr_{}", "a".repeat(43));
    for (authorization, says) in [
        (None, "API token is required"),
        (Some("Bearer"), "malformed"),
        (Some("Bearer not-a-token"), "malformed"),
        (Some("Basic dXNlcjpwYXNz"), "malformed"),
        (Some(unknown.as_str()), "not valid"),
    ] {
        let (status, body) = api(&app, authorization, "/api/reports/streams").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{authorization:?}");
        assert!(
            body["error"].as_str().is_some_and(|e| e.contains(says)),
            "{authorization:?}: {body}"
        );
    }
}

#[tokio::test]
async fn reports_api_token_reaches_only_its_shops_reports() {
    let app = spawn_app().await;
    let f = overview(&app, "api-scope").await;
    let (_, other_shop) = builders::shop(&app, "api-other").await;
    let theirs = builders::ended_stream(
        app.db(),
        other_shop,
        "theirs",
        "Their stream",
        builders::S1_START,
    )
    .await;
    let bearer = format!("Bearer {}", create_token(&f.owner, "BI").await);

    // Another shop's stream is 404 JSON; an unknown id too.
    for id in [theirs, 999_999] {
        let (status, body) = api(&app, Some(&bearer), &format!("/api/reports/streams/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{id}");
        assert!(body["error"].is_string());
    }
    let (_, list) = api(
        &app,
        Some(&bearer),
        &format!("/api/reports/streams?{JANUARY}"),
    )
    .await;
    assert!(
        list["streams"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["stream_id"] != theirs)
    );
    // A bad range is a 400 JSON.
    let (status, body) = api(
        &app,
        Some(&bearer),
        "/api/reports/streams?from=2027-02-01&to=2027-01-01",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("after the end date")
    );

    // The token opens no dashboard page, not even the reports: they want a session.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for path in [
        "/reports",
        "/reports/orders.csv",
        "/orders",
        "/settings/api-tokens",
        "/catalog",
        "/",
    ] {
        let response = client
            .get(format!("{}{path}", app.base()))
            .header("Authorization", &bearer)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(response.headers()["location"], "/login", "{path}");
    }
    // And it cannot create tokens (a POST without a session fails the CSRF check).
    let response = client
        .post(format!("{}/settings/api-tokens", app.base()))
        .header("Authorization", &bearer)
        .form(&[("name", "sneaky")])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error() || response.status() == StatusCode::SEE_OTHER);
    let count: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM api_tokens")
        .fetch_one(app.db())
        .await
        .unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn reports_marketers_read_the_overview_hosts_cannot_and_only_owners_manage_tokens() {
    let app = spawn_app().await;
    let f = overview(&app, "api-roles").await;
    let host = app.browser();
    host.accept_invite(&f.owner.invite(&email("host"), "host").await, "Hal")
        .await;
    let marketer = app.browser();
    marketer
        .accept_invite(&f.owner.invite(&email("mia"), "marketer").await, "Mia")
        .await;

    for path in [
        "/reports",
        "/reports/orders.csv",
        "/reports/products.csv",
        "/reports/slots.csv",
        "/reports/sources.csv",
    ] {
        let path = format!("{path}?{JANUARY}");
        assert_eq!(
            marketer.get(&path).await.status,
            StatusCode::OK,
            "marketer {path}"
        );
        assert_eq!(
            host.get(&path).await.status,
            StatusCode::FORBIDDEN,
            "host {path}"
        );
    }
    let page = marketer.get(&format!("/reports?{JANUARY}")).await;
    assert_eq!(
        page.texts("#reports tbody td:nth-child(3)"),
        ["6", "2", "4"]
    );

    for member in [&host, &marketer] {
        assert_eq!(
            member.get("/settings/api-tokens").await.status,
            StatusCode::FORBIDDEN
        );
        let page = member
            .post("/settings/api-tokens", &[("name", "mine")])
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
    }
    // The owner's form: a missing name re-renders with the message; a forged form fails.
    let empty = f
        .owner
        .post("/settings/api-tokens", &[("name", "  ")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.contains("Name the token"));
    let forged = f
        .owner
        .post_raw("/settings/api-tokens", &[("name", "x")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let token = create_token(&f.owner, "Sheets").await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM api_tokens")
        .fetch_one(app.db())
        .await
        .unwrap();
    let page = marketer
        .post(&format!("/settings/api-tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let (status, _) = api(
        &app,
        Some(&format!("Bearer {token}")),
        "/api/reports/streams",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // Another shop's owner cannot revoke it either: 404.
    let (stranger, _) = builders::shop(&app, "api-roles-other").await;
    let page = stranger
        .post(&format!("/settings/api-tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}
