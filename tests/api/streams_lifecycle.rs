//! The stream lifecycle through the dashboard and the media layer's functions: recorded
//! transitions, illegal moves, one live stream per host, the grace period, stream keys.

use reqwest::StatusCode;
use showfloor::streams::{self, Actor, Status};

use crate::helpers::{TestApp, email, spawn_app};
use crate::streams_support::{days_ahead, public_ids, schedule, shop};

fn state(app: &TestApp) -> &showfloor::state::AppState {
    &app.server.as_ref().expect("running").state
}

#[tokio::test]
async fn the_lifecycle_is_recorded_and_illegal_moves_are_refused() {
    let app = spawn_app().await;
    let s = shop(&app, "life-shop").await;
    let (id, _) = schedule(&s.owner, "Lifecycle", &days_ahead(2, 12)).await;

    let started = s.owner.post(&format!("/streams/{id}/start"), &[]).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    let again = s.owner.post(&format!("/streams/{id}/start"), &[]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let cancel = s
        .owner
        .post(&format!("/streams/{id}/cancel"), &[("note", "no")])
        .await;
    assert_eq!(cancel.status, StatusCode::CONFLICT);
    assert_eq!(
        s.owner
            .post(&format!("/streams/{id}/end"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let restart = s.owner.post(&format!("/streams/{id}/start"), &[]).await;
    assert_eq!(restart.status, StatusCode::CONFLICT);
    assert!(restart.contains("ended cannot go live"));

    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT from_status, to_status, actor, at FROM stream_transitions WHERE stream_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(app.db())
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0].0.as_str(), rows[0].1.as_str(), rows[0].2.as_str()),
        ("scheduled", "live", "user")
    );
    assert_eq!((rows[1].0.as_str(), rows[1].1.as_str()), ("live", "ended"));
    assert!(rows[1].3 >= rows[0].3);
    let detail = s.owner.get(&format!("/streams/{id}")).await;
    assert!(detail.contains("scheduled → live") && detail.contains("/reports/streams/"));
}

#[tokio::test]
async fn a_host_presents_one_live_stream_at_a_time_but_a_shop_may_run_several() {
    let app = spawn_app().await;
    let s = shop(&app, "one-live").await;
    let host = app.browser();
    host.accept_invite(&s.owner.invite(&email("host"), "host").await, "Hal Host")
        .await;
    let (a, _) = schedule(&s.owner, "First", &days_ahead(1, 10)).await;
    let (b, _) = schedule(&s.owner, "Second", &days_ahead(1, 11)).await;
    let (c, _) = schedule(&host, "Third", &days_ahead(1, 12)).await;

    assert_eq!(
        s.owner
            .post(&format!("/streams/{a}/start"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let second = s.owner.post(&format!("/streams/{b}/start"), &[]).await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    assert!(second.contains("already live in another stream"));
    assert_eq!(
        host.post(&format!("/streams/{c}/start"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let live = s.owner.get("/streams?tab=live").await;
    assert!(live.contains("First") && live.contains("Third") && !live.contains("Second"));
}

#[tokio::test]
async fn the_broadcaster_goes_live_and_the_stream_ends_after_the_grace_period() {
    let mut app = spawn_app().await;
    app.config.stream_end_grace_secs = 0;
    app.restart().await;
    let s = shop(&app, "grace-shop").await;
    let (id, _) = schedule(&s.owner, "Grace", &days_ahead(1, 9)).await;
    let mut events = state(&app).streams.subscribe();

    let live = streams::go_live(state(&app), id, Actor::Publisher)
        .await
        .unwrap();
    assert_eq!(live.status, Status::Live);
    assert!(streams::publisher_gone(state(&app), id).await.unwrap());

    let mut seen = Vec::new();
    while seen.last() != Some(&Status::Ended) {
        let event = tokio::time::timeout(std::time::Duration::from_secs(10), events.recv())
            .await
            .expect("the background task ends the stream")
            .unwrap();
        assert_eq!(event.stream_id, id);
        seen.push(event.to);
    }
    assert_eq!(seen, [Status::Live, Status::Ended]);
    let actor: String = sqlx::query_scalar(
        "SELECT actor FROM stream_transitions WHERE stream_id = $1 AND to_status = 'ended'",
    )
    .bind(id)
    .fetch_one(app.db())
    .await
    .unwrap();
    assert_eq!(actor, "system");
}

#[tokio::test]
async fn a_publisher_that_returns_within_the_grace_period_keeps_the_stream_live() {
    let app = spawn_app().await; // grace: 300 s
    let s = shop(&app, "return-shop").await;
    let (id, _) = schedule(&s.owner, "Return", &days_ahead(1, 9)).await;
    let st = state(&app);
    streams::go_live(st, id, Actor::Publisher).await.unwrap();
    streams::publisher_gone(st, id).await.unwrap();
    let now = showfloor::db::now_ms();

    assert!(
        streams::end_abandoned(st, now + 299_000)
            .await
            .unwrap()
            .is_empty()
    );
    streams::go_live(st, id, Actor::Publisher).await.unwrap(); // reconnect
    assert!(
        streams::end_abandoned(st, now + 301_000)
            .await
            .unwrap()
            .is_empty()
    );
    streams::publisher_gone(st, id).await.unwrap();
    assert_eq!(
        streams::end_abandoned(st, showfloor::db::now_ms() + 301_000)
            .await
            .unwrap(),
        [id]
    );
    let transitions: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM stream_transitions WHERE stream_id = $1")
            .bind(id)
            .fetch_one(app.db())
            .await
            .unwrap();
    assert_eq!(transitions, 2, "the reconnect is not a transition");
}

#[tokio::test]
async fn rotating_a_stream_key_invalidates_the_old_one() {
    let app = spawn_app().await;
    let s = shop(&app, "key-shop").await;
    let (id, old) = schedule(&s.owner, "Keys", &days_ahead(1, 9)).await;
    let (_, public_id) = public_ids(&app, id).await;
    let db = app.db();

    let found = streams::verify_stream_key(db, &public_id, &old)
        .await
        .unwrap()
        .expect("valid key");
    assert_eq!(found.id, id);
    assert!(
        streams::verify_stream_key(db, &id.to_string(), &old)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        streams::verify_stream_key(db, &public_id, "guess")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        streams::verify_stream_key(db, "nosuchstream", &old)
            .await
            .unwrap()
            .is_none()
    );

    let rotated = s.owner.post(&format!("/streams/{id}/key"), &[]).await;
    assert_eq!(rotated.status, StatusCode::SEE_OTHER);
    let new = s
        .owner
        .get(&format!("/streams/{id}"))
        .await
        .flash_link()
        .expect("new key shown once");
    assert_ne!(new, old);
    assert!(
        streams::verify_stream_key(db, &public_id, &old)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        streams::verify_stream_key(db, &public_id, &new)
            .await
            .unwrap()
            .is_some()
    );

    // The optional shop key opens every stream of the shop, and only of this shop.
    s.owner.post("/streams/shop-key", &[]).await;
    let shop_key = s
        .owner
        .get("/streams/embed")
        .await
        .flash_link()
        .expect("shop key shown once");
    assert!(
        streams::verify_stream_key(db, &public_id, &shop_key)
            .await
            .unwrap()
            .is_some()
    );
    let other = shop(&app, "key-other").await;
    let (other_id, _) = schedule(&other.owner, "Other", &days_ahead(1, 9)).await;
    let (_, other_public) = public_ids(&app, other_id).await;
    assert!(
        streams::verify_stream_key(db, &other_public, &shop_key)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        streams::verify_stream_key(db, &other_public, &new)
            .await
            .unwrap()
            .is_none()
    );
    s.owner.post("/streams/shop-key/revoke", &[]).await;
    assert!(
        streams::verify_stream_key(db, &public_id, &shop_key)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn the_stream_page_leads_to_the_studio_and_says_what_starting_without_video_does() {
    let app = spawn_app().await;
    let s = shop(&app, "studio-shop").await;
    let (id, _) = schedule(&s.owner, "Studio", &days_ahead(1, 18)).await;

    let detail = s.owner.get(&format!("/streams/{id}")).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(
        detail.contains(&format!("href=\"/studio/{id}\"")),
        "the studio is one click away"
    );
    assert_eq!(
        detail.texts("form[action$='/start'] button"),
        ["Start without video"]
    );
    assert!(
        detail.contains("the player waits for video"),
        "{}",
        detail.body
    );
    // Before going live the studio offers no End (it appears once live).
    let studio = s.owner.get(&format!("/studio/{id}")).await;
    assert!(
        studio.contains("id=\"end-form\" data-live-only"),
        "End waits for live"
    );

    s.owner.post(&format!("/streams/{id}/start"), &[]).await;
    let studio = s.owner.get(&format!("/studio/{id}")).await;
    assert!(
        studio.contains("id=\"end-form\">"),
        "a stream already live can be ended from the studio at once"
    );
    let detail = s.owner.get(&format!("/streams/{id}")).await;
    assert!(detail.texts("form[action$='/start'] button").is_empty());
    assert_eq!(detail.texts("form[action$='/end'] button"), ["End stream"]);
}
