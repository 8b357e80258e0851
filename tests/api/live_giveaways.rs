//! Giveaways over real HTTP and SSE: the host opens one, viewers enter once (button or
//! chat keyword), the draw is redone here from the published seed and entrant list with
//! an implementation of the documented algorithm written for this test, the winner claims
//! the prize through a zero-amount order; the conditions keep ineligible viewers out, a
//! draw with nobody in it names nobody; and every bad form.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::fixtures::{self, NewOrder};
use crate::helpers::{Browser, TestApp, spawn_app};
use crate::live::{Live, live_stream};

const WAIT: Duration = Duration::from_secs(10);

async fn variant_of(app: &TestApp, product: i64) -> i64 {
    sqlx::query_scalar("SELECT id FROM variants WHERE product_id = $1")
        .bind(product)
        .fetch_one(app.db())
        .await
        .unwrap()
}

async fn open(app: &TestApp, live: &Live, extra: Value) -> (StatusCode, Value) {
    let mut body = json!({
        "variant_id": variant_of(app, live.products[1]).await,
        "rules": "Two winners, drawn at the end of the demo.",
        "winners": 2,
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    live.owner
        .post_json(&format!("{}/giveaways", live.base), body)
        .await
}

/// A viewer with a display name.
async fn named(app: &TestApp, live: &Live, name: &str) -> Browser {
    let v = app.browser();
    let (status, _) = v
        .post_json(&format!("{}/name", live.base), json!({"name": name}))
        .await;
    assert_eq!(status, StatusCode::OK);
    v
}

async fn enter(v: &Browser, live: &Live, id: i64) -> (StatusCode, Value) {
    v.post_json(&format!("{}/giveaways/{id}/enter", live.base), json!({}))
        .await
}

fn hex_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The draw as docs/live-selling.md states it, written again here.
fn redo(seed: &str, n: usize, k: usize) -> Vec<usize> {
    let mut list: Vec<usize> = (0..n).collect();
    for i in 0..k.min(n) {
        let m = (n - i) as u128;
        let limit = (1u128 << 64) - ((1u128 << 64) % m);
        let r = (0..)
            .map(|c| {
                let d = Sha256::digest(format!("{seed}:{i}:{c}").as_bytes());
                u64::from_be_bytes(d[..8].try_into().unwrap()) as u128
            })
            .find(|r| *r < limit)
            .unwrap();
        list.swap(i, i + (r % m) as usize);
    }
    list.truncate(k.min(n));
    list
}

#[tokio::test]
async fn viewers_enter_once_the_host_draws_and_anyone_can_redo_the_draw_from_the_seed() {
    let app = spawn_app().await;
    let live = live_stream(&app, "giveaway-shop").await;
    let watcher = app.browser();
    let mut feed = watcher.events(&live.base, None).await;
    let (status, opened) = open(&app, &live, json!({"keyword": "#Win"})).await;
    assert_eq!(status, StatusCode::OK, "{opened}");
    assert_eq!(opened["prize"], "Straw hat");
    assert_eq!(opened["keyword"], "#win");
    assert!(
        opened["seed"].is_null(),
        "the seed stays secret until the draw"
    );
    let seed_hash = opened["seed_hash"].as_str().unwrap().to_string();
    let id = opened["id"].as_i64().unwrap();
    let opened_event = feed.next_named("giveaway", WAIT).await.expect("opened");
    assert_eq!(
        opened_event.json()["rules"],
        "Two winners, drawn at the end of the demo."
    );
    // Durable: a page that reconnects with the id before it gets it again.
    let before = opened_event.id.expect("a durable event has an id") - 1;
    let mut resumed = watcher.events(&live.base, Some(before)).await;
    let again = resumed
        .next_named("giveaway", WAIT)
        .await
        .expect("replayed");
    assert_eq!(again.id, opened_event.id);

    // Without a name: told to choose one.
    let nameless = app.browser();
    let (status, body) = enter(&nameless, &live, id).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["fields"]["name"].is_string());

    let mut viewers = Vec::new();
    for name in ["Ana", "Bo", "Cy", "Di"] {
        let v = named(&app, &live, name).await;
        let (status, body) = enter(&v, &live, id).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        viewers.push(v);
    }
    // Twice counts once.
    let (status, again) = enter(&viewers[0], &live, id).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(again["error"], "You are in already: one entry each.");
    // The keyword in chat enters its author (any case); the message is posted too.
    let ed = named(&app, &live, "Ed").await;
    let (status, chat) = ed
        .post_json(&format!("{}/chat", live.base), json!({"body": " #WIN "}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{chat}");
    assert_eq!(chat["giveaway"]["entered"], true);
    let (_, chat) = ed
        .post_json(&format!("{}/chat", live.base), json!({"body": "hello"}))
        .await;
    assert!(chat["giveaway"].is_null(), "other messages enter nobody");
    viewers.push(ed);
    loop {
        let e = feed
            .next_named("giveaway", WAIT)
            .await
            .expect("count")
            .json();
        if e["entrants"] == 5 {
            break;
        }
    }

    let (status, drawn) = live
        .owner
        .post_json(&format!("{}/giveaways/{id}/draw", live.base), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{drawn}");
    assert_eq!(drawn["state"], "drawn");
    assert_eq!(drawn["entrants"], 5);
    let seed = drawn["seed"].as_str().unwrap().to_string();
    assert_eq!(
        hex_sha256(&seed),
        seed_hash,
        "the seed is the one committed to"
    );
    let winners: Vec<String> = drawn["winners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(winners.len(), 2);
    let (status, _) = live
        .owner
        .post_json(&format!("{}/giveaways/{id}/draw", live.base), json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "drawn once");

    // Anyone can redo it from the record.
    let record = watcher
        .get(&format!("{}/giveaways/{id}/draw", live.base))
        .await;
    let record: Value = serde_json::from_str(&record.body).unwrap();
    assert_eq!(record["seed"], seed);
    let refs: Vec<String> = record["entrants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["ref"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(refs.len(), 5);
    assert_eq!(record["entrants_hash"], hex_sha256(&refs.join("\n")));
    let again: Vec<String> = redo(&seed, refs.len(), 2)
        .into_iter()
        .map(|i| record["entrants"][i]["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        again, winners,
        "the published seed and list give the same winners"
    );
    // No viewer id is published, only refs.
    let body = record.to_string();
    let ids: Vec<String> = sqlx::query_scalar("SELECT viewer_id FROM live_giveaway_entries")
        .fetch_all(app.db())
        .await
        .unwrap();
    assert!(ids.iter().all(|v| !body.contains(v.as_str())), "{body}");

    // After the draw nobody enters.
    let late = named(&app, &live, "Flo").await;
    let (status, _) = enter(&late, &live, id).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The first winner claims the prize: a zero-amount order, paid, outside the stream's sales.
    let claim_path = format!("{}/giveaways/{id}/claim", live.base);
    let mut winner = None;
    for v in &viewers {
        let state: Value =
            serde_json::from_str(&v.get(&format!("{}/state", live.base)).await.body).unwrap();
        let g = &state["giveaway"];
        if g["won"]["place"] == 1 {
            winner = Some(v);
        } else if g["won"].is_null() {
            let (status, body) = v
                .post_json(
                    &claim_path,
                    json!({"name": "X", "email": "x@example.com", "address": "1 St"}),
                )
                .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        }
    }
    let winner = winner.expect("a first place");
    let (status, missing) = winner
        .post_json(
            &claim_path,
            json!({"name": "Ana", "email": "ana@example.com", "address": ""}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{missing}");
    assert!(missing["fields"]["address"].is_string());
    let form =
        json!({"name": "Ana Winner", "email": "ana@example.com", "address": "1 Loop Street, Lyon"});
    let (status, claimed) = winner.post_json(&claim_path, form.clone()).await;
    assert_eq!(status, StatusCode::OK, "{claimed}");
    let number = claimed["number"].as_str().unwrap().to_string();
    let (total, order_status, stream, provider): (i64, String, Option<i64>, Option<String>) =
        sqlx::query_as("SELECT total, status, stream_id, provider FROM orders WHERE number = $1")
            .bind(&number)
            .fetch_one(app.db())
            .await
            .unwrap();
    assert_eq!(
        (total, order_status.as_str(), stream, provider.as_deref()),
        (0, "paid", None, Some("giveaway"))
    );
    let (_, twice) = winner.post_json(&claim_path, form).await;
    assert_eq!(twice["number"], number.as_str(), "one order per place");

    // The report: entries (one by chat), the winners, one claim, the seed.
    let csv = live
        .owner
        .get(&format!(
            "/reports/streams/{}/giveaways.csv",
            live.stream_id
        ))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    let row = csv.body.lines().nth(1).expect("one giveaway row");
    let variant = variant_of(&app, live.products[1]).await;
    assert!(
        row.contains(&format!(
            ",Straw hat,{variant},drawn,2,5,1,{},1,{seed},{seed_hash},",
            winners.join("; ")
        )),
        "{row}"
    );
}

#[tokio::test]
async fn ineligible_viewers_cannot_enter_and_a_draw_with_nobody_in_it_names_no_winner() {
    let app = spawn_app().await;
    let live = live_stream(&app, "giveaway-rules").await;
    let db = app.db();
    let (status, opened) = open(
        &app,
        &live,
        json!({"min_watch_minutes": 5, "needs_question": true, "not_recent_winner": true}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{opened}");
    let id = opened["id"].as_i64().unwrap();
    assert_eq!(
        opened["conditions"],
        json!([
            "Watch this stream for at least 5 minutes.",
            "Ask the host a question in this stream.",
            "Not have won a giveaway of this shop in the last 30 days."
        ])
    );
    // Nobody in: the host is told, nobody is invented.
    let (status, none) = live
        .owner
        .post_json(&format!("{}/giveaways/{id}/draw", live.base), json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        none["error"],
        "Nobody has entered yet, so nobody can win: keep it open, or cancel it."
    );
    let winners: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM live_giveaway_winners")
        .fetch_one(db)
        .await
        .unwrap();
    assert_eq!(winners, 0);

    let v = named(&app, &live, "Gus").await;
    let (status, refused) = enter(&v, &live, id).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(
        refused["error"],
        "Keep watching: this giveaway is for viewers who watched 5 minutes (5 to go)."
    );
    // Watched long enough (a visit of six minutes), but no question yet.
    let (status, _) = v
        .post_json(&format!("{}/chat", live.base), json!({"body": "hi"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let viewer_id: String =
        sqlx::query_scalar("SELECT viewer_id FROM chat_messages WHERE body = 'hi'")
            .fetch_one(db)
            .await
            .unwrap();
    let now = showfloor::db::now_ms();
    sqlx::query(
        "INSERT INTO viewer_sessions (shop_id, stream_id, viewer_id, joined_at, left_at, referrer, \
         utm_source, utm_medium, utm_campaign, embedded) SELECT shop_id, id, $1, $2, $3, '', '', '', '', FALSE \
         FROM streams WHERE id = $4",
    )
    .bind(&viewer_id)
    .bind(now - 6 * 60_000)
    .bind(now - 60_000)
    .bind(live.stream_id)
    .execute(db)
    .await
    .unwrap();
    let (_, refused) = enter(&v, &live, id).await;
    assert_eq!(
        refused["error"],
        "Ask the host a question first: this giveaway is for viewers who asked one."
    );
    let (status, _) = v
        .post_json(
            &format!("{}/questions", live.base),
            json!({"body": "Is it linen?"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    // A win of the shop's last week keeps them out.
    let shop_id: i64 = sqlx::query_scalar("SELECT shop_id FROM streams WHERE id = $1")
        .bind(live.stream_id)
        .fetch_one(db)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO live_giveaway_winners (giveaway_id, place, viewer_id, name, shop_id, won_at) \
         VALUES ($1, 1, $2, 'Gus', $3, $4)",
    )
    .bind(id)
    .bind(&viewer_id)
    .bind(shop_id)
    .bind(now - 7 * 86_400_000)
    .execute(db)
    .await
    .unwrap();
    let (_, refused) = enter(&v, &live, id).await;
    assert_eq!(
        refused["error"],
        "You won a giveaway of this shop in the last 30 days: let someone else have a go."
    );
    sqlx::query("UPDATE live_giveaway_winners SET won_at = $1")
        .bind(now - 31 * 86_400_000)
        .execute(db)
        .await
        .unwrap();
    let (status, body) = enter(&v, &live, id).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    sqlx::query("DELETE FROM live_giveaway_winners")
        .execute(db)
        .await
        .unwrap();

    // Cancelled; the next one is for buyers only.
    let (status, _) = live
        .owner
        .post_json(&format!("{}/giveaways/{id}/cancel", live.base), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, next) = open(&app, &live, json!({"needs_order": true})).await;
    let next = next["id"].as_i64().unwrap();
    let (status, refused) = enter(&v, &live, next).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        refused["error"],
        "This giveaway is for shoppers who bought something in this stream."
    );
    let order = NewOrder::new("giveaway-buyer", "GIVE0001", "paid", 2500)
        .placed_in(&viewer_id, live.stream_id, None)
        .at(now, Some(now));
    fixtures::order(db, shop_id, order).await;
    let (status, body) = enter(&v, &live, next).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn bad_giveaways_are_refused_with_the_reason() {
    let app = spawn_app().await;
    let live = live_stream(&app, "giveaway-bad").await;
    for (extra, field) in [
        (json!({"winners": 0}), "winners"),
        (json!({"winners": 21}), "winners"),
        (json!({"rules": "  "}), "rules"),
        (json!({"keyword": "two words"}), "keyword"),
        (json!({"min_watch_minutes": 241}), "min_watch_minutes"),
        // 5 straw hats in stock: not enough for 6 winners.
        (json!({"winners": 6}), "variant_id"),
        (json!({"variant_id": 999_999}), "variant_id"),
    ] {
        let (status, body) = open(&app, &live, extra.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{extra}: {body}");
        assert!(body["fields"][field].is_string(), "{extra}: {body}");
    }
    let (status, _) = open(&app, &live, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, second) = open(&app, &live, json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        second["error"],
        "A giveaway is open: draw it or cancel it before opening the next."
    );
    let shopper = app.browser();
    let (status, _) = shopper
        .post_json(
            &format!("{}/giveaways", live.base),
            json!({"variant_id": 1, "rules": "mine", "winners": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
