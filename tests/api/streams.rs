//! Streams in the dashboard: scheduling and its bad input, featured products,
//! duplicating, the demo seed, roles and tenancy.

use reqwest::StatusCode;
use showfloor::streams;

use crate::helpers::{TestApp, email, spawn_app};
use crate::streams_support::{days_ahead, my_id, product, public_ids, schedule, shop};

fn state(app: &TestApp) -> &showfloor::state::AppState {
    &app.server.as_ref().expect("running").state
}

#[tokio::test]
async fn a_merchant_schedules_a_stream_and_finds_it_under_upcoming() {
    let app = spawn_app().await;
    let s = shop(&app, "sched-shop").await;

    let (id, key) = schedule(&s.owner, "Spring linen demo", &days_ahead(7, 19)).await;

    assert_eq!(key.len(), 43, "a 256-bit key, base64url");
    let again = s.owner.get(&format!("/streams/{id}")).await;
    assert!(again.flash_link().is_none(), "the key is shown only once");
    assert!(!again.contains(&key));
    let list = s.owner.get("/streams").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.contains("Spring linen demo"));
    assert!(list.contains("/@sched-shop/spring-linen-demo"));
    let stored: String =
        sqlx::query_scalar("SELECT key_hash FROM stream_keys WHERE stream_id = $1")
            .bind(id)
            .fetch_one(app.db())
            .await
            .unwrap();
    assert_ne!(stored, key, "keys are stored hashed");
}

#[tokio::test]
async fn bad_schedules_are_refused_with_a_message_beside_each_field() {
    let app = spawn_app().await;
    let s = shop(&app, "bad-shop").await;
    let me = my_id(&s.owner).await;
    let future = days_ahead(3, 10);
    let cases = [
        ("", future.as_str(), "45", "Give the stream a title"),
        ("Demo", "2020-01-01T10:00", "45", "already passed"),
        ("Demo", future.as_str(), "0", "at least one minute"),
        ("Demo", future.as_str(), "-10", "at least one minute"),
        ("Demo", future.as_str(), "1441", "at most 24 hours"),
        ("Demo", "not a date", "45", "Enter a date and time"),
    ];
    for (title, start, duration, message) in cases {
        let page = s
            .owner
            .post(
                "/streams",
                &[
                    ("title", title),
                    ("starts_at", start),
                    ("duration_min", duration),
                    ("host_id", &me),
                ],
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{title:?} {start:?} {duration:?}"
        );
        assert!(
            page.contains(message),
            "{message:?} missing for {title:?} {start:?} {duration:?}"
        );
        assert_eq!(
            page.input_value("title").as_deref(),
            Some(title),
            "what was typed is kept"
        );
    }
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM streams")
        .fetch_one(app.db())
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn only_the_shops_active_products_can_be_featured_in_the_chosen_order() {
    let app = spawn_app().await;
    let s = shop(&app, "feat-shop").await;
    let other = shop(&app, "feat-other").await;
    let (id, _) = schedule(&s.owner, "Featured", &days_ahead(1, 9)).await;
    let a = product(&app, s.id, "Linen shirt", 4990, "EUR", "active").await;
    let b = product(&app, s.id, "Tea bowl", 1500, "JPY", "active").await;
    let c = product(&app, s.id, "Scale", 1500, "KWD", "active").await;
    let archived = product(&app, s.id, "Old hat", 100, "EUR", "archived").await;
    let foreign = product(&app, other.id, "Not yours", 100, "EUR", "active").await;

    for bad in [archived, foreign, 999_999] {
        let page = s
            .owner
            .post(
                &format!("/streams/{id}/products"),
                &[("product_id", &bad.to_string())],
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "product {bad}"
        );
    }
    for p in [a, b, c] {
        let page = s
            .owner
            .post(
                &format!("/streams/{id}/products"),
                &[("product_id", &p.to_string())],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
    }
    s.owner
        .post(
            &format!("/streams/{id}/products/{c}/move"),
            &[("direction", "up")],
        )
        .await;

    let (path, _) = public_ids(&app, id).await;
    let public = app.browser().get(&path).await;
    assert_eq!(
        public.texts(".v-product-title"),
        ["Linen shirt", "Scale", "Tea bowl"]
    );
    let prices = public.texts(".v-price");
    assert_eq!(prices[0], "€49.90");
    assert!(
        prices[1].contains("1.500"),
        "KWD has 3 decimals: {}",
        prices[1]
    );
    assert_eq!(prices[2], "¥1,500", "JPY has none");
}

#[tokio::test]
async fn a_marketer_sees_streams_read_only_and_another_shop_sees_nothing() {
    let app = spawn_app().await;
    let s = shop(&app, "roles-shop").await;
    let marketer = app.browser();
    marketer
        .accept_invite(&s.owner.invite(&email("m"), "marketer").await, "Mia")
        .await;
    let (id, _) = schedule(&s.owner, "Roles", &days_ahead(1, 9)).await;

    let detail = marketer.get(&format!("/streams/{id}")).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(
        detail.contains("Roles")
            && !detail.contains("New key")
            && !detail.contains("Cancel stream")
    );
    assert_eq!(
        marketer.get("/streams/calendar").await.status,
        StatusCode::OK
    );
    assert_eq!(
        marketer
            .get(&format!("/streams/{id}/reminders.csv"))
            .await
            .status,
        StatusCode::OK
    );
    for path in ["/streams/new", &format!("/streams/{id}/edit")] {
        assert_eq!(
            marketer.get(path).await.status,
            StatusCode::FORBIDDEN,
            "GET {path}"
        );
    }
    for path in ["start", "end", "cancel", "duplicate", "key", "products"] {
        let page = marketer.post(&format!("/streams/{id}/{path}"), &[]).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "POST {path}");
    }
    assert_eq!(
        marketer.post("/streams", &[("title", "x")]).await.status,
        StatusCode::FORBIDDEN
    );

    let stranger = shop(&app, "roles-other").await;
    assert_eq!(
        stranger.owner.get(&format!("/streams/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        stranger
            .owner
            .get(&format!("/streams/{id}/reminders.csv"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    for path in ["start", "cancel", "duplicate", "key"] {
        let page = stranger
            .owner
            .post(&format!("/streams/{id}/{path}"), &[])
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "POST {path}");
    }
    let status: String = sqlx::query_scalar("SELECT status FROM streams WHERE id = $1")
        .bind(id)
        .fetch_one(app.db())
        .await
        .unwrap();
    assert_eq!(status, "scheduled");
}

#[tokio::test]
async fn duplicating_runs_the_demo_again_a_week_later_at_the_same_local_time() {
    let app = spawn_app().await;
    let s = shop(&app, "dup-shop").await;
    let (id, _) = schedule(&s.owner, "Weekly", &days_ahead(2, 19)).await;
    let p = product(&app, s.id, "Mug", 900, "EUR", "active").await;
    s.owner
        .post(
            &format!("/streams/{id}/products"),
            &[("product_id", &p.to_string())],
        )
        .await;

    let page = s.owner.post(&format!("/streams/{id}/duplicate"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let new_id: i64 = page
        .location()
        .trim_start_matches("/streams/")
        .parse()
        .unwrap();
    let times: Vec<(i64, String)> =
        sqlx::query_as("SELECT scheduled_at, slug FROM streams WHERE id IN ($1, $2) ORDER BY id")
            .bind(id)
            .bind(new_id)
            .fetch_all(app.db())
            .await
            .unwrap();
    let tz = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
    let local = |ms: i64| {
        jiff::Timestamp::from_millisecond(ms)
            .unwrap()
            .to_zoned(tz.clone())
            .datetime()
    };
    assert_eq!(
        local(times[1].0),
        local(times[0].0)
            .checked_add(jiff::Span::new().days(7))
            .unwrap()
    );
    assert_eq!(times[1].1, "weekly-2");
    let featured: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM stream_products WHERE stream_id = $1")
            .bind(new_id)
            .fetch_one(app.db())
            .await
            .unwrap();
    assert_eq!(featured, 1);
}

#[tokio::test]
async fn the_demo_stream_is_seeded_once_with_its_key_and_urls() {
    let app = spawn_app().await;
    let s = shop(&app, "demo-seed").await;
    let p = product(&app, s.id, "Demo item", 1000, "EUR", "active").await;
    let db = &state(&app).db;

    let first = streams::demo::seed_demo(db, s.id, "http://example.test/")
        .await
        .unwrap();
    assert!(first.created);
    assert_eq!(
        first.public_url,
        "http://example.test/@demo-seed/first-live-demo"
    );
    assert!(first.whip_url.starts_with("http://example.test/whip/"));
    let key = first.key.clone().expect("the new key is printed");
    let public_id = first.whip_url.rsplit('/').next().unwrap();
    assert!(
        streams::verify_stream_key(app.db(), public_id, &key)
            .await
            .unwrap()
            .is_some()
    );

    let second = streams::demo::seed_demo(db, s.id, "http://example.test")
        .await
        .unwrap();
    assert!(!second.created && second.key.is_none() && second.hint.is_some());
    assert_eq!(second.whip_url, first.whip_url);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM streams WHERE shop_id = $1")
        .bind(s.id)
        .fetch_one(app.db())
        .await
        .unwrap();
    assert_eq!(n, 1);
    let featured: i64 = sqlx::query_scalar("SELECT product_id FROM stream_products")
        .fetch_one(app.db())
        .await
        .unwrap();
    assert_eq!(featured, p);
}
