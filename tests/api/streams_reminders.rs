//! "Remind me": shoppers leave an address (consent time stored), the merchant sees and
//! exports the list, bad input and floods are refused, and unsubscribing works.

use reqwest::StatusCode;

use crate::helpers::{TestApp, spawn_app};
use crate::streams_support::{days_ahead, public_ids, schedule, shop};

/// POST the reminder form as the page's script does.
async fn remind(
    app: &TestApp,
    public_id: &str,
    email: &str,
    forwarded_for: Option<&str>,
) -> (StatusCode, serde_json::Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}/api/streams/{public_id}/reminders", app.base()))
        .header("accept", "application/json")
        .form(&[("email", email)]);
    if let Some(ip) = forwarded_for {
        request = request.header("x-forwarded-for", ip);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or_default())
}

#[tokio::test]
async fn a_shopper_asks_for_a_reminder_and_the_merchant_exports_the_list() {
    let app = spawn_app().await;
    let s = shop(&app, "remind-shop").await;
    let (id, _) = schedule(&s.owner, "Remind demo", &days_ahead(6, 19)).await;
    let (path, public_id) = public_ids(&app, id).await;
    let page = app.browser().get(&path).await;
    assert!(page.contains(&format!("action=\"/api/streams/{public_id}/reminders\"")));

    let before = showfloor::db::now_ms();
    let (status, body) = remind(&app, &public_id, " Shopper@Example.com ", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("shopper@example.com")
    );
    let (status, _) = remind(&app, &public_id, "shopper@example.com", None).await;
    assert_eq!(status, StatusCode::OK, "asking twice is harmless");

    let consent: i64 = sqlx::query_scalar("SELECT consent_at FROM reminders WHERE stream_id = $1")
        .bind(id)
        .fetch_one(app.db())
        .await
        .unwrap();
    assert!(consent >= before);
    let detail = s.owner.get(&format!("/streams/{id}")).await;
    assert!(detail.contains("shopper@example.com"));
    assert!(detail.contains("SMTP is not configured, so Showfloor sends no reminder mails"));

    let csv = s.owner.get(&format!("/streams/{id}/reminders.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    assert!(
        csv.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("reminders-remind-demo.csv")
    );
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines.len(), 2, "{}", csv.body);
    assert!(lines[0].starts_with("email,consent_at_utc"));
    assert!(lines[1].starts_with("shopper@example.com,20"));
    assert!(lines[1].contains(",subscribed,"));
}

#[tokio::test]
async fn a_plain_form_without_script_gets_a_confirmation_page() {
    let app = spawn_app().await;
    let s = shop(&app, "plain-shop").await;
    let (id, _) = schedule(&s.owner, "Plain", &days_ahead(6, 19)).await;
    let (path, public_id) = public_ids(&app, id).await;
    let page = app
        .browser()
        .post_raw(
            &format!("/api/streams/{public_id}/reminders"),
            &[("email", "a@example.com")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("on the list") && page.contains(&format!("href=\"{path}\"")));
}

#[tokio::test]
async fn malformed_addresses_cross_site_posts_and_finished_streams_are_refused() {
    let mut app = spawn_app().await;
    app.config.trust_proxy = true; // a new client address per request: no throttling here
    app.restart().await;
    let s = shop(&app, "refuse-shop").await;
    let (id, _) = schedule(&s.owner, "Refuse", &days_ahead(6, 19)).await;
    let (_, public_id) = public_ids(&app, id).await;

    for (i, bad) in ["", "not-an-email", "a@b", "two words@example.com"]
        .iter()
        .enumerate()
    {
        let (status, body) = remind(&app, &public_id, bad, Some(&format!("192.0.2.{i}"))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        assert!(
            body["fields"]["email"]
                .as_str()
                .unwrap()
                .contains("e-mail address")
        );
    }
    let cross = reqwest::Client::new()
        .post(format!("{}/api/streams/{public_id}/reminders", app.base()))
        .header("origin", "https://evil.example")
        .form(&[("email", "victim@example.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    let (status, _) = remind(
        &app,
        "unknownstream123",
        "a@example.com",
        Some("192.0.2.10"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    s.owner.post(&format!("/streams/{id}/cancel"), &[]).await;
    let (status, _) = remind(&app, &public_id, "late@example.com", Some("192.0.2.11")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reminders")
        .fetch_one(app.db())
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn reminder_floods_are_throttled_per_address_and_per_stream() {
    let mut app = spawn_app().await;
    app.config.trust_proxy = true;
    app.restart().await;
    let s = shop(&app, "flood-shop").await;
    let (id, _) = schedule(&s.owner, "Flood", &days_ahead(6, 19)).await;
    let (_, public_id) = public_ids(&app, id).await;

    // One client address: 5, then refused.
    for i in 0..5 {
        let (status, _) = remind(
            &app,
            &public_id,
            &format!("p{i}@example.com"),
            Some("203.0.113.7"),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, body) = remind(&app, &public_id, "p6@example.com", Some("203.0.113.7")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(body["error"].as_str().unwrap().contains("Too many"));

    // Many addresses on one stream: the stream's own limit holds.
    let mut throttled = 0;
    for i in 0..80 {
        let ip = format!("198.51.100.{}", i + 1);
        let (status, _) = remind(&app, &public_id, &format!("s{i}@example.com"), Some(&ip)).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            throttled += 1;
        }
    }
    assert!(
        throttled > 0,
        "the per-stream limit refused some of 80 sign-ups in a burst"
    );
}

#[tokio::test]
async fn an_unsubscribe_link_needs_a_confirming_post() {
    let app = spawn_app().await;
    let s = shop(&app, "unsub-shop").await;
    let (id, _) = schedule(&s.owner, "Unsub", &days_ahead(6, 19)).await;
    let (_, public_id) = public_ids(&app, id).await;
    remind(&app, &public_id, "leave@example.com", None).await;
    let token: String = sqlx::query_scalar("SELECT unsubscribe_token FROM reminders")
        .fetch_one(app.db())
        .await
        .unwrap();

    let page = app
        .browser()
        .get(&format!("/reminders/unsubscribe/{token}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.contains("leave@example.com")
            && page.contains(&format!("/api/reminders/unsubscribe/{token}"))
    );
    let gone: Option<i64> = sqlx::query_scalar("SELECT unsubscribed_at FROM reminders")
        .fetch_one(app.db())
        .await
        .unwrap();
    assert!(gone.is_none(), "opening the link changes nothing");

    let done = app
        .browser()
        .post_raw(
            &format!("/api/reminders/unsubscribe/{token}"),
            &[("List-Unsubscribe", "One-Click")],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK);
    let gone: Option<i64> = sqlx::query_scalar("SELECT unsubscribed_at FROM reminders")
        .fetch_one(app.db())
        .await
        .unwrap();
    assert!(gone.is_some());
    assert_eq!(
        app.browser()
            .get("/reminders/unsubscribe/nope")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let csv = s.owner.get(&format!("/streams/{id}/reminders.csv")).await;
    assert!(csv.body.contains(",unsubscribed,"));
}
