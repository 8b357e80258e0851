//! The live room over real SSE: pins, Q&A, chat, reactions, presence, resume, moderation,
//! authorization, bad input, persistence across a restart, and (on PostgreSQL) two nodes.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::fixtures::{self, NewProduct, NewStream};
use crate::helpers::{Browser, TestApp, email, on_postgres, spawn_app};
use crate::sse::SseClient;

const WAIT: Duration = Duration::from_secs(10);

/// A shop with a live stream featuring two active products.
pub(crate) struct Live {
    pub(crate) owner: Browser,
    pub(crate) base: String,
    pub(crate) stream_id: i64,
    pub(crate) products: [i64; 2],
}

async fn insert_product(
    app: &TestApp,
    shop_id: i64,
    slug: &str,
    title: &str,
    price: i64,
    stock: i64,
) -> i64 {
    let now = showfloor::db::now_ms();
    let made = NewProduct::new(slug, title, price).stock(stock).at(now);
    fixtures::product(app.db(), shop_id, made).await.id
}

pub(crate) async fn live_stream(app: &TestApp, slug: &str) -> Live {
    let owner = app.browser();
    owner.sign_up(slug, &email("host")).await;
    let shop_id = fixtures::shop_id(app.db(), slug).await;
    let a = insert_product(app, shop_id, "linen-shirt", "Linen shirt", 4900, 10).await;
    let b = insert_product(app, shop_id, "straw-hat", "Straw hat", 2500, 5).await;
    let now = showfloor::db::now_ms();
    let stream = NewStream::new("summer-demo", "Summer demo", &format!("pub{slug}"), now);
    let stream_id = fixtures::stream(app.db(), shop_id, stream.live_since(now)).await;
    Live {
        owner,
        base: format!("/@{slug}/summer-demo/live"),
        stream_id,
        products: [a, b],
    }
}

impl Browser {
    /// POST JSON with this session's CSRF token in the header.
    pub async fn post_json(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let token = self.csrf().await;
        let response = self
            .client
            .post(format!("{}{}", self.base, path))
            .header("x-csrf-token", token)
            .json(&body)
            .send()
            .await
            .expect("POST");
        let status = response.status();
        let body = response.json::<Value>().await.unwrap_or(Value::Null);
        (status, body)
    }

    pub async fn events(&self, room: &str, last_id: Option<i64>) -> SseClient {
        SseClient::open(
            &self.client,
            &format!("{}{room}/events", self.base),
            last_id,
        )
        .await
    }

    pub async fn state(&self, room: &str) -> Value {
        self.client
            .get(format!("{}{room}/state", self.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

async fn named_viewer(app: &TestApp, live: &Live, name: &str) -> Browser {
    let viewer = app.browser();
    let (status, _) = viewer
        .post_json(&format!("{}/name", live.base), json!({ "name": name }))
        .await;
    assert_eq!(status, StatusCode::OK);
    viewer
}

#[tokio::test]
async fn both_viewers_receive_the_pin_and_a_new_pin_replaces_the_old_one() {
    let app = spawn_app().await;
    let live = live_stream(&app, "pin-shop").await;
    let (one, two) = (app.browser(), app.browser());
    let mut feed_one = one.events(&live.base, None).await;
    let mut feed_two = two.events(&live.base, None).await;
    assert_eq!(feed_one.status, StatusCode::OK);

    let (status, _) = live
        .owner
        .post_json(
            &format!("{}/pin", live.base),
            json!({ "product_id": live.products[0], "offer_price": "29", "offer_minutes": 5 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    for feed in [&mut feed_one, &mut feed_two] {
        let pin = feed
            .next_named("pin", WAIT)
            .await
            .expect("pin event")
            .json();
        assert_eq!(pin["product"]["title"], "Linen shirt");
        assert_eq!(pin["offer"]["price"], 2900);
        assert_eq!(pin["offer"]["price_display"], "€29.00");
        assert!(pin["offer"]["ends_at"].as_i64().unwrap() > showfloor::db::now_ms() + 4 * 60_000);
    }

    live.owner
        .post_json(
            &format!("{}/pin", live.base),
            json!({ "product_id": live.products[1] }),
        )
        .await;
    let unpin = feed_one
        .next_named("unpin", WAIT)
        .await
        .expect("old pin closed");
    let pin = feed_one.next_named("pin", WAIT).await.expect("new pin");
    assert!(
        unpin.id.unwrap() < pin.id.unwrap(),
        "the old pin closes before the new one shows"
    );
    let pin = pin.json();
    assert_eq!(pin["product"]["title"], "Straw hat");
    assert!(pin["offer"].is_null());
    let open: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM pins WHERE stream_id = $1 AND ended_at IS NULL")
            .bind(live.stream_id)
            .fetch_one(app.db())
            .await
            .unwrap();
    assert_eq!(open, 1, "one pinned product per stream");
}

#[tokio::test]
async fn a_question_reaches_the_host_and_its_answer_reaches_the_viewers() {
    let app = spawn_app().await;
    let live = live_stream(&app, "qa-shop").await;
    let asker = named_viewer(&app, &live, "Zoé").await;
    let other = app.browser();
    let mut other_feed = other.events(&live.base, None).await;
    let mut host_feed = live.owner.events(&live.base, None).await;

    let (status, body) = asker
        .post_json(
            &format!("{}/questions", live.base),
            json!({ "body": "Is the shirt <b>washable</b>?" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["question"]["id"].as_i64().unwrap();

    let seen = host_feed
        .next_named("question", WAIT)
        .await
        .expect("host sees the question")
        .json();
    assert_eq!(seen["name"], "Zoé");
    assert_eq!(
        seen["body"], "Is the shirt <b>washable</b>?",
        "kept as typed; pages render it as text"
    );
    other_feed
        .next_named("question", WAIT)
        .await
        .expect("viewers see it too");

    let (status, _) = live
        .owner
        .post_json(&format!("{}/questions/{id}/answer", live.base), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let answered = other_feed
        .next_named("question", WAIT)
        .await
        .expect("answer reaches viewers")
        .json();
    assert_eq!(answered["id"], id);
    assert_eq!(answered["answered"], true);
    assert!(answered["answered_at_s"].as_i64().is_some());
}

#[tokio::test]
async fn a_viewer_votes_once_per_question() {
    let app = spawn_app().await;
    let live = live_stream(&app, "vote-shop").await;
    let asker = named_viewer(&app, &live, "Ana").await;
    let (_, body) = asker
        .post_json(
            &format!("{}/questions", live.base),
            json!({ "body": "Sizes?" }),
        )
        .await;
    let id = body["question"]["id"].as_i64().unwrap();
    let voter = app.browser();

    let (status, first) = voter
        .post_json(&format!("{}/questions/{id}/vote", live.base), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["votes"], 1);
    let (_, second) = voter
        .post_json(&format!("{}/questions/{id}/vote", live.base), json!({}))
        .await;
    assert_eq!(second["counted"], false);
    assert_eq!(second["votes"], 1);
    let (_, other) = asker
        .post_json(&format!("{}/questions/{id}/vote", live.base), json!({}))
        .await;
    assert_eq!(other["votes"], 2);
}

#[tokio::test]
async fn a_resumed_connection_receives_exactly_the_missed_events() {
    let app = spawn_app().await;
    let live = live_stream(&app, "resume-shop").await;
    let talker = named_viewer(&app, &live, "Talker").await;
    let listener = app.browser();

    let mut feed = listener.events(&live.base, None).await;
    for i in 1..=3 {
        talker
            .post_json(
                &format!("{}/chat", live.base),
                json!({ "body": format!("message {i}") }),
            )
            .await;
    }
    let mut last = 0;
    for i in 1..=3 {
        let e = feed.next_named("chat", WAIT).await.expect("chat");
        assert_eq!(e.json()["body"], format!("message {i}"));
        last = e.id.unwrap();
    }
    drop(feed); // the connection drops

    for i in 4..=5 {
        talker
            .post_json(
                &format!("{}/chat", live.base),
                json!({ "body": format!("message {i}") }),
            )
            .await;
    }
    let mut resumed = listener.events(&live.base, Some(last)).await;
    let a = resumed.next_named("chat", WAIT).await.expect("missed 4");
    let b = resumed.next_named("chat", WAIT).await.expect("missed 5");
    assert_eq!(
        (a.json()["body"].clone(), b.json()["body"].clone()),
        (json!("message 4"), json!("message 5"))
    );
    assert!(
        resumed
            .next_named("chat", Duration::from_millis(700))
            .await
            .is_none(),
        "no duplicates"
    );
}

#[tokio::test]
async fn a_resume_after_a_restart_replays_from_the_database() {
    let mut app = spawn_app().await;
    let live = live_stream(&app, "restart-room").await;
    let mut talker = named_viewer(&app, &live, "Talker").await;
    talker
        .post_json(&format!("{}/chat", live.base), json!({ "body": "before" }))
        .await;
    let (_, body) = talker
        .post_json(
            &format!("{}/questions", live.base),
            json!({ "body": "Still there?" }),
        )
        .await;
    assert!(body["question"]["id"].is_i64());
    let mut owner = live.owner;
    owner
        .post_json(
            &format!("{}/pin", live.base),
            json!({ "product_id": live.products[0] }),
        )
        .await;
    let before = owner.state(&live.base).await;
    let first_id = before["last_event_id"].as_i64().unwrap() - 2;

    app.restart().await;
    talker.base = app.base();
    owner.base = app.base();

    let state = talker.state(&live.base).await;
    assert_eq!(state["pin"]["product"]["title"], "Linen shirt");
    assert_eq!(state["questions"][0]["body"], "Still there?");
    assert_eq!(state["chat"][0]["body"], "before");
    assert_eq!(state["last_event_id"], before["last_event_id"]);

    let mut replay = talker.events(&live.base, Some(first_id)).await;
    let kinds: Vec<String> = [
        replay.next(WAIT).await.unwrap(),
        replay.next(WAIT).await.unwrap(),
    ]
    .iter()
    .map(|e| e.event.clone())
    .collect();
    assert_eq!(kinds, ["question", "pin"]);
}

#[tokio::test]
async fn viewers_and_marketers_cannot_moderate_and_other_shops_get_404() {
    let app = spawn_app().await;
    let live = live_stream(&app, "auth-room").await;
    let viewer = named_viewer(&app, &live, "Mallory").await;
    let (_, body) = viewer
        .post_json(&format!("{}/questions", live.base), json!({ "body": "hi" }))
        .await;
    let qid = body["question"]["id"].as_i64().unwrap();

    let pin = json!({ "product_id": live.products[0] });
    assert_eq!(
        viewer
            .post_json(&format!("{}/pin", live.base), pin.clone())
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        viewer
            .post_json(&format!("{}/questions/{qid}/hide", live.base), json!({}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        viewer
            .post_json(
                &format!("{}/blocks", live.base),
                json!({ "kind": "question", "id": qid })
            )
            .await
            .0,
        StatusCode::FORBIDDEN
    );

    let marketer = app.browser();
    marketer
        .accept_invite(&live.owner.invite(&email("mia"), "marketer").await, "Mia")
        .await;
    assert_eq!(
        marketer
            .post_json(&format!("{}/pin", live.base), pin.clone())
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        marketer
            .post_json(&format!("{}/questions/{qid}/answer", live.base), json!({}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );

    // Another shop's owner is staff of their own shop only.
    let stranger = app.browser();
    stranger.sign_up("other-shop", &email("other")).await;
    assert_eq!(
        stranger
            .post_json(&format!("{}/pin", live.base), pin)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // A product of another shop cannot be pinned.
    let other_shop: i64 = sqlx::query_scalar("SELECT id FROM shops WHERE slug = 'other-shop'")
        .fetch_one(app.db())
        .await
        .unwrap();
    let foreign = insert_product(&app, other_shop, "foreign", "Foreign", 100, 1).await;
    let (status, body) = live
        .owner
        .post_json(
            &format!("{}/pin", live.base),
            json!({ "product_id": foreign }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        app.browser()
            .get("/@auth-room/no-such-stream/live/events")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn bad_contributions_get_clear_errors_and_change_nothing() {
    let app = spawn_app().await;
    let live = live_stream(&app, "bad-input").await;
    let nameless = app.browser();
    let (status, body) = nameless
        .post_json(
            &format!("{}/questions", live.base),
            json!({ "body": "hello" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"].as_str().unwrap().contains("Choose a name"));

    let viewer = named_viewer(&app, &live, "Val").await;
    let (status, body) = viewer
        .post_json(
            &format!("{}/questions", live.base),
            json!({ "body": "   " }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("Write your question")
    );
    let (status, _) = viewer
        .post_json(
            &format!("{}/questions", live.base),
            json!({ "body": "x".repeat(281) }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = viewer
        .post_json(
            &format!("{}/chat", live.base),
            json!({ "body": "y".repeat(201) }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = viewer
        .post_json(
            &format!("{}/reactions", live.base),
            json!({ "count": 5000 }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // A forged CSRF token is refused.
    let forged = viewer
        .client
        .post(format!("{}{}/chat", viewer.base, live.base))
        .header("x-csrf-token", "forged")
        .json(&json!({ "body": "hi" }))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    // A vote for another stream's question is 404.
    let second = live_stream(&app, "second-room").await;
    let asker = named_viewer(&app, &second, "Other").await;
    let (_, body) = asker
        .post_json(
            &format!("{}/questions", second.base),
            json!({ "body": "elsewhere" }),
        )
        .await;
    let foreign = body["question"]["id"].as_i64().unwrap();
    assert_eq!(
        viewer
            .post_json(
                &format!("{}/questions/{foreign}/vote", live.base),
                json!({})
            )
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    let messages: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM chat_messages")
        .fetch_one(app.db())
        .await
        .unwrap();
    let questions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM questions")
        .fetch_one(app.db())
        .await
        .unwrap();
    assert_eq!((messages, questions), (0, 1));
}

#[tokio::test]
async fn floods_get_429_with_a_slow_down_message() {
    let app = spawn_app().await;
    let live = live_stream(&app, "flood-room").await;
    let viewer = named_viewer(&app, &live, "Spammy").await;
    let mut statuses = Vec::new();
    for i in 0..6 {
        let (status, body) = viewer
            .post_json(
                &format!("{}/chat", live.base),
                json!({ "body": format!("spam {i}") }),
            )
            .await;
        statuses.push((status, body));
    }
    let (status, body) = statuses.last().unwrap();
    assert_eq!(*status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        body["error"].as_str().unwrap().contains("slow down"),
        "{body}"
    );
}

#[tokio::test]
async fn slow_mode_spaces_out_a_viewers_messages() {
    let app = spawn_app().await;
    let live = live_stream(&app, "slow-room").await;
    let (status, _) = live
        .owner
        .post_json(
            &format!("{}/settings", live.base),
            json!({ "slow_mode_secs": 60 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let viewer = named_viewer(&app, &live, "Patient").await;
    assert_eq!(
        viewer
            .post_json(&format!("{}/chat", live.base), json!({ "body": "one" }))
            .await
            .0,
        StatusCode::CREATED
    );
    let (status, body) = viewer
        .post_json(&format!("{}/chat", live.base), json!({ "body": "two" }))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        body["error"].as_str().unwrap().contains("Slow mode is on"),
        "{body}"
    );
    // The host is not slowed down.
    assert_eq!(
        live.owner
            .post_json(&format!("{}/name", live.base), json!({ "name": "Host" }))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        live.owner
            .post_json(&format!("{}/chat", live.base), json!({ "body": "a" }))
            .await
            .0,
        StatusCode::CREATED
    );
    assert_eq!(
        live.owner
            .post_json(&format!("{}/chat", live.base), json!({ "body": "b" }))
            .await
            .0,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_block_holds_when_the_viewer_changes_their_name() {
    let app = spawn_app().await;
    let live = live_stream(&app, "block-room").await;
    let troll = named_viewer(&app, &live, "Troll").await;
    let (_, body) = troll
        .post_json(&format!("{}/chat", live.base), json!({ "body": "rude" }))
        .await;
    let id = body["message"]["id"].as_i64().unwrap();

    let (status, _) = live
        .owner
        .post_json(&format!("{}/chat/{id}/delete", live.base), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = live
        .owner
        .post_json(
            &format!("{}/blocks", live.base),
            json!({ "kind": "chat", "id": id }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    troll
        .post_json(
            &format!("{}/name", live.base),
            json!({ "name": "Nice person" }),
        )
        .await;
    let (status, _) = troll
        .post_json(
            &format!("{}/chat", live.base),
            json!({ "body": "hello again" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = troll
        .post_json(
            &format!("{}/questions", live.base),
            json!({ "body": "and this?" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        live.owner.state(&live.base).await["chat"]
            .as_array()
            .unwrap()
            .is_empty(),
        "deleted message gone"
    );
}

#[tokio::test]
async fn pre_moderated_questions_wait_for_approval() {
    let app = spawn_app().await;
    let live = live_stream(&app, "premod-room").await;
    live.owner
        .post_json(
            &format!("{}/settings", live.base),
            json!({ "premoderation": true }),
        )
        .await;
    let viewer = named_viewer(&app, &live, "Quinn").await;
    let (status, body) = viewer
        .post_json(
            &format!("{}/questions", live.base),
            json!({ "body": "Pending?" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["pending"], true);
    let id = body["question"]["id"].as_i64().unwrap();
    assert!(
        viewer.state(&live.base).await["questions"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let queue: Value = live
        .owner
        .client
        .get(format!("{}{}/moderation/queue", live.owner.base, live.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(queue["questions"][0]["status"], "pending");
    live.owner
        .post_json(&format!("{}/questions/{id}/approve", live.base), json!({}))
        .await;
    assert_eq!(
        viewer.state(&live.base).await["questions"][0]["body"],
        "Pending?"
    );
}

#[tokio::test]
async fn reactions_are_aggregated_into_counts() {
    let app = spawn_app().await;
    let live = live_stream(&app, "hearts-room").await;
    let fan = app.browser();
    let mut feed = fan.events(&live.base, None).await;
    for _ in 0..3 {
        assert_eq!(
            fan.post_json(&format!("{}/reactions", live.base), json!({ "count": 4 }))
                .await
                .0,
            StatusCode::ACCEPTED
        );
    }
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut total = 0;
    while total < 12 && tokio::time::Instant::now() < deadline {
        if let Some(e) = feed.next_named("reactions", WAIT).await {
            total = e.json()["total"].as_i64().unwrap();
        }
    }
    assert_eq!(total, 12);
    let stored: i64 = sqlx::query_scalar("SELECT CAST(SUM(count) AS BIGINT) FROM reaction_ticks")
        .fetch_one(app.db())
        .await
        .unwrap();
    assert_eq!(stored, 12);
}

#[tokio::test]
async fn presence_counts_a_viewer_once_and_records_the_visit() {
    let app = spawn_app().await;
    let live = live_stream(&app, "presence-room").await;
    let viewer = app.browser();
    let mut tab_one = viewer.events(&live.base, None).await;
    let tab_two = viewer.events(&live.base, None).await;
    let counts = tab_one
        .next_named("viewers", WAIT)
        .await
        .expect("viewer count")
        .json();
    assert_eq!(counts["now"], 1, "two tabs of one viewer count once");

    let other = app.browser();
    let _other_feed = other.events(&live.base, None).await;
    let mut now = 0;
    while now != 2 {
        now = tab_one
            .next_named("viewers", WAIT)
            .await
            .expect("count update")
            .json()["now"]
            .as_i64()
            .unwrap();
    }
    assert_eq!(live.owner.state(&live.base).await["viewers"]["peak"], 2);

    drop(tab_two);
    drop(_other_feed);
    // After the grace period (1 s in tests) the other viewer's visit closes.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let closed: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM viewer_sessions WHERE left_at IS NOT NULL")
                .fetch_one(app.db())
                .await
                .unwrap();
        if closed == 1 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "visit closed after the grace period"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let visits: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM viewer_sessions")
        .fetch_one(app.db())
        .await
        .unwrap();
    assert_eq!(visits, 2);
}

#[tokio::test]
async fn actions_on_an_ended_stream_answer_409() {
    let app = spawn_app().await;
    let live = live_stream(&app, "ended-room").await;
    let viewer = named_viewer(&app, &live, "Late").await;
    sqlx::query("UPDATE streams SET status = 'ended', ended_at = $1 WHERE id = $2")
        .bind(showfloor::db::now_ms())
        .bind(live.stream_id)
        .execute(app.db())
        .await
        .unwrap();
    let (status, body) = viewer
        .post_json(&format!("{}/chat", live.base), json!({ "body": "hello?" }))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"], "This stream has ended.");
    let (status, _) = live
        .owner
        .post_json(
            &format!("{}/pin", live.base),
            json!({ "product_id": live.products[0] }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_obs_overlay_follows_the_pin_behind_its_secret_url() {
    let app = spawn_app().await;
    let live = live_stream(&app, "overlay-room").await;
    live.owner.state(&live.base).await; // creates the room settings
    let token: String =
        sqlx::query_scalar("SELECT overlay_token FROM live_rooms WHERE stream_id = $1")
            .bind(live.stream_id)
            .fetch_one(app.db())
            .await
            .unwrap();
    let obs = app.browser();
    let page = obs.get(&format!("/overlay/{token}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("overlay-pin"));
    assert_eq!(
        obs.get("/overlay/not-the-token").await.status,
        StatusCode::NOT_FOUND
    );

    let mut feed = SseClient::open(
        &obs.client,
        &format!("{}/overlay/{token}/events", obs.base),
        None,
    )
    .await;
    live.owner
        .post_json(
            &format!("{}/pin", live.base),
            json!({ "product_id": live.products[1] }),
        )
        .await;
    assert_eq!(
        feed.next_named("pin", WAIT)
            .await
            .expect("overlay pin")
            .json()["product"]["title"],
        "Straw hat"
    );
}

#[tokio::test]
async fn two_nodes_on_one_postgres_database_share_the_room() {
    if !on_postgres() {
        return; // LISTEN/NOTIFY exists only on PostgreSQL; on SQLite the room is single-process.
    }
    let app = spawn_app().await;
    let live = live_stream(&app, "two-nodes").await;
    let node_b = showfloor::Server::start(app.config.clone())
        .await
        .expect("second node");
    let b_base = format!("http://{}", node_b.addr);

    let mut viewer_b = Browser::new(b_base.clone());
    viewer_b.base = b_base;
    let mut feed_b = viewer_b.events(&live.base, None).await;
    let asker_a = named_viewer(&app, &live, "From A").await;
    let _feed_a = asker_a.events(&live.base, None).await;

    asker_a
        .post_json(
            &format!("{}/questions", live.base),
            json!({ "body": "Across nodes?" }),
        )
        .await;
    let q = feed_b
        .next_named("question", WAIT)
        .await
        .expect("question crosses nodes")
        .json();
    assert_eq!(q["body"], "Across nodes?");

    // One viewer on each node: both nodes report two.
    let mut total = 0;
    let deadline = tokio::time::Instant::now() + WAIT;
    while total != 2 && tokio::time::Instant::now() < deadline {
        if let Some(e) = feed_b.next_named("viewers", WAIT).await {
            total = e.json()["now"].as_i64().unwrap();
        }
    }
    assert_eq!(total, 2, "viewer counts add up across nodes");
    node_b.stop().await.unwrap();
}

#[tokio::test]
async fn viewers_hear_the_stream_go_live_and_end_and_the_pin_closes_with_it() {
    let app = spawn_app().await;
    let live = live_stream(&app, "lifecycle-room").await;
    sqlx::query("UPDATE streams SET status = 'scheduled', started_at = NULL WHERE id = $1")
        .bind(live.stream_id)
        .execute(app.db())
        .await
        .unwrap();
    let viewer = app.browser();
    let mut feed = viewer.events(&live.base, None).await;

    let started = live
        .owner
        .post(&format!("/streams/{}/start", live.stream_id), &[])
        .await;
    assert!(
        started.status.is_redirection(),
        "start: {} {}",
        started.status,
        started.body
    );
    let status = feed
        .next_named("status", WAIT)
        .await
        .expect("went live")
        .json();
    assert_eq!(status["status"], "live");

    live.owner
        .post_json(
            &format!("{}/pin", live.base),
            json!({ "product_id": live.products[0] }),
        )
        .await;
    feed.next_named("pin", WAIT).await.expect("pin");
    let ended = live
        .owner
        .post(&format!("/streams/{}/end", live.stream_id), &[])
        .await;
    assert!(
        ended.status.is_redirection(),
        "end: {} {}",
        ended.status,
        ended.body
    );
    feed.next_named("unpin", WAIT)
        .await
        .expect("the pin closes when the stream ends");
    assert_eq!(
        feed.next_named("status", WAIT).await.expect("ended").json()["status"],
        "ended"
    );
    let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pins WHERE ended_at IS NULL")
        .fetch_one(app.db())
        .await
        .unwrap();
    assert_eq!(open, 0);
}

#[tokio::test]
async fn the_studio_lists_featured_products_and_searches_the_catalogue_for_staff_only() {
    let app = spawn_app().await;
    let live = live_stream(&app, "studio-products").await;
    let shop = fixtures::shop_id(app.db(), "studio-products").await;
    fixtures::feature(app.db(), shop, live.stream_id, live.products[1], 0).await;
    let get = |b: &Browser, q: &str| {
        let url = format!("{}{}/products{q}", b.base, live.base);
        let client = b.client.clone();
        async move { client.get(url).send().await.unwrap() }
    };
    let featured: Value = get(&live.owner, "").await.json().await.unwrap();
    assert_eq!(featured["products"].as_array().unwrap().len(), 1);
    assert_eq!(featured["products"][0]["title"], "Straw hat");
    let found: Value = get(&live.owner, "?q=LINEN").await.json().await.unwrap();
    assert_eq!(found["products"][0]["title"], "Linen shirt");
    assert_eq!(
        get(&app.browser(), "").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_shops_word_filter_keeps_words_out_of_chat() {
    let app = spawn_app().await;
    let live = live_stream(&app, "filter-room").await;
    let saved = live
        .owner
        .post("/settings/chat-filter", &[("words", "Scam\nfake, scam")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert!(live.owner.get("/settings").await.contains("fake\nscam"));
    let viewer = named_viewer(&app, &live, "Vic").await;
    let (status, body) = viewer
        .post_json(
            &format!("{}/chat", live.base),
            json!({ "body": "this is a SCAM!" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"].as_str().unwrap().contains("does not allow"));
    assert_eq!(
        viewer
            .post_json(&format!("{}/chat", live.base), json!({ "body": "scampi!" }))
            .await
            .0,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn the_room_state_gives_a_shopper_on_a_cached_page_a_token_for_their_session() {
    let app = spawn_app().await;
    let live = live_stream(&app, "token-room").await;
    let shopper = app.browser();
    let state = shopper.state(&live.base).await;
    let token = state["me"]["csrf"]
        .as_str()
        .expect("token in the state")
        .to_string();
    let response = shopper
        .client
        .post(format!("{}{}/name", shopper.base, live.base))
        .header("x-csrf-token", token)
        .json(&json!({ "name": "Cached" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        state["me"]["overlay_url"].is_null(),
        "the overlay address is for staff only"
    );
}
