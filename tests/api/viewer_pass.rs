//! Viewer passes (issue 15, item 7): a shopper with no cookie at all (the embed in a
//! cross-site iframe with third-party cookies blocked) gets a pass from the room's state
//! and acts with it; without a pass or a session token a write is refused with a JSON
//! sentence; an embed on an origin the shop did not allow gets no pass.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};
use crate::orders_support::{Sale, sale, stock_books};

/// A client without a cookie jar: what a cross-site frame is when cookies are blocked.
fn cookieless() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn state(app: &TestApp, sale: &Sale, headers: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut request = cookieless().get(format!("{}/@{}/flash/live/state", app.base(), sale.shop));
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn post(
    app: &TestApp,
    path: &str,
    pass: Option<&str>,
    body: Value,
) -> (StatusCode, String, Value) {
    let mut request = cookieless()
        .post(format!("{}{}", app.base(), path))
        .json(&body);
    if let Some(pass) = pass {
        request = request.header("x-showfloor-viewer", pass);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_shopper_with_no_cookie_joins_asks_hearts_and_buys_with_a_viewer_pass() {
    let app = spawn_app().await;
    let sale = sale(&app, "pass-shop", 5).await;
    let live = format!("/@{}/flash/live", sale.shop);

    let (status, first) = state(&app, &sale, &[]).await;
    assert_eq!(status, StatusCode::OK);
    let pass = first["me"]["viewer_token"]
        .as_str()
        .expect("a pass")
        .to_string();
    assert!(pass.len() >= 40, "256 random bits");

    let (status, _, named) = post(
        &app,
        &format!("{live}/name"),
        Some(&pass),
        json!({"name": "Ana"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{named}");
    let (status, _, asked) = post(
        &app,
        &format!("{live}/questions"),
        Some(&pass),
        json!({"body": "Does it shrink?"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{asked}");
    assert_eq!(
        asked["question"]["name"], "Ana",
        "the name came from the pass"
    );
    let (status, _, _) = post(
        &app,
        &format!("{live}/reactions"),
        Some(&pass),
        json!({"count": 3}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _, chat) = post(
        &app,
        &format!("{live}/chat"),
        Some(&pass),
        json!({"body": "hello"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{chat}");

    // The same pass, presented again, is the same viewer with the name kept; no new pass.
    let (status, again) = state(&app, &sale, &[("x-showfloor-viewer", &pass)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["me"]["name"], "Ana");
    assert!(again["me"]["viewer_token"].is_null());

    let (status, _, bought) = post(
        &app,
        &sale.buy_path,
        Some(&pass),
        json!({"variant_id": sale.variant_id, "quantity": 1}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "Buy reserves with the pass alone: {bought}"
    );
    let (_, available, held, _) = stock_books(app.db(), sale.variant_id).await;
    assert_eq!((available, held), (4, 1), "one unit held for the shopper");
}

#[tokio::test]
async fn a_write_with_neither_pass_nor_session_token_is_refused_with_a_sentence() {
    let app = spawn_app().await;
    let sale = sale(&app, "nopass-shop", 5).await;
    let live = format!("/@{}/flash/live", sale.shop);

    let (status, kind, body) =
        post(&app, &format!("{live}/name"), None, json!({"name": "Eve"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        kind.starts_with("application/json"),
        "JSON, not an HTML page: {kind}"
    );
    let sentence = body["error"].as_str().unwrap();
    assert!(
        sentence.ends_with('.') && !sentence.contains('<'),
        "{sentence}"
    );

    let (status, kind, body) = post(
        &app,
        &format!("{live}/questions"),
        Some("made-up"),
        json!({"body": "hi"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "an unknown pass is refused");
    assert!(kind.starts_with("application/json"));
    assert!(body["error"].as_str().unwrap().contains("Reload the page"));
    let (status, _, _) = post(
        &app,
        &sale.buy_path,
        Some("made-up"),
        json!({"variant_id": sale.variant_id, "quantity": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "Buy too");
}

#[tokio::test]
async fn an_embed_on_an_origin_the_shop_did_not_allow_gets_no_pass() {
    let app = spawn_app().await;
    let sale = sale(&app, "origin-shop", 5).await;

    let (status, body) = state(
        &app,
        &sale,
        &[("x-showfloor-ancestor", "https://evil.example")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("https://evil.example")
    );

    let added = sale
        .owner
        .post("/streams/embed", &[("origin", "https://shop.example.com")])
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let (status, body) = state(
        &app,
        &sale,
        &[("x-showfloor-ancestor", "https://shop.example.com")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["me"]["viewer_token"].is_string());
    // The shop's own pages may frame it too.
    let (status, _) = state(&app, &sale, &[("x-showfloor-ancestor", &app.base())]).await;
    assert_eq!(status, StatusCode::OK);
}
