//! Polls in the live room over real SSE: the host opens one, viewers answer once each,
//! everyone sees the results; the countdown, closing, and every bad input.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::spawn_app;
use crate::live::live_stream;

const WAIT: Duration = Duration::from_secs(10);

fn votes(poll: &Value) -> Vec<i64> {
    poll["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["votes"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn viewers_answer_a_poll_once_each_and_everyone_sees_the_results() {
    let app = spawn_app().await;
    let live = live_stream(&app, "poll-shop").await;
    let viewer = app.browser();
    let mut feed = viewer.events(&live.base, None).await;

    let (status, opened) = live
        .owner
        .post_json(
            &format!("{}/polls", live.base),
            json!({ "question": "Which colour next?", "options": ["Red", "Blue", " ", "Sand"], "seconds": null }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{opened}");
    assert_eq!(opened["open"], true);
    let labels: Vec<&str> = opened["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        ["Red", "Blue", "Sand"],
        "the blank answer is dropped"
    );
    let id = opened["id"].as_i64().unwrap();
    let event = feed
        .next_named("poll", WAIT)
        .await
        .expect("the poll opens")
        .json();
    assert_eq!(event["question"], "Which colour next?");

    // One answer each: the second is refused, the count does not move.
    let vote = format!("{}/polls/{id}/votes", live.base);
    let (status, answered) = viewer.post_json(&vote, json!({ "option": 1 })).await;
    assert_eq!(status, StatusCode::OK, "{answered}");
    assert_eq!(answered["voted"], 1);
    assert_eq!(votes(&answered["poll"]), [0, 1, 0]);
    let (status, again) = viewer.post_json(&vote, json!({ "option": 0 })).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(again["error"], "You have already answered this poll.");

    // 40 more viewers at once: every answer counts once.
    let mut tasks = Vec::new();
    for i in 0..40 {
        let v = app.browser();
        let vote = vote.clone();
        tasks.push(tokio::spawn(async move {
            v.post_json(&vote, json!({ "option": i % 3 })).await.0
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::OK);
    }
    // The results reach the room (coalesced: the last event carries every vote).
    let last = loop {
        let event = feed.next_named("poll", WAIT).await.expect("results").json();
        if event["total"] == 41 {
            break event;
        }
    };
    assert_eq!(votes(&last), [14, 14, 13]);
    assert_eq!(last["total"], 41);

    // The viewer's state says what they answered.
    let state = viewer.state(&live.base).await;
    assert_eq!(state["poll"]["id"], id);
    assert_eq!(state["poll"]["voted"], 1);
    assert_eq!(
        app.browser().state(&live.base).await["poll"]["voted"],
        Value::Null
    );

    // Closed: no more answers, the results stay.
    let (status, closed) = live
        .owner
        .post_json(&format!("{}/polls/{id}/close", live.base), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(closed["open"], false);
    assert_eq!(closed["total"], 41);
    let late = app.browser();
    let (status, refused) = late.post_json(&vote, json!({ "option": 0 })).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(refused["error"], "This poll has closed.");

    // The OBS overlay shows it too.
    let overlay = live.owner.state(&live.base).await["me"]["overlay_url"]
        .as_str()
        .unwrap()
        .to_string();
    let path = overlay.split_once("/overlay/").unwrap().1;
    let shown = app.browser().get(&format!("/overlay/{path}/state")).await;
    let shown: Value = serde_json::from_str(&shown.body).unwrap();
    assert_eq!(shown["poll"]["total"], 41);

    // The stream's report exports it, one row per answer.
    let csv = live
        .owner
        .get(&format!("/reports/streams/{}/polls.csv", live.stream_id))
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    let rows = crate::helpers::parse_csv(&csv.body);
    let got: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["answer"].as_str(),
                r["votes"].as_str(),
                r["share"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("Red", "14", "0.3415"),
            ("Blue", "14", "0.3415"),
            ("Sand", "13", "0.3171")
        ]
    );
    assert!(
        rows.iter()
            .all(|r| r["question"] == "Which colour next?" && r["total_votes"] == "41")
    );
    assert!(!rows[0]["closed_at"].is_empty());
    // Not another shop's.
    let stranger = app.browser();
    stranger
        .sign_up("poll-stranger", &crate::helpers::email("stranger"))
        .await;
    let page = stranger
        .get(&format!("/reports/streams/{}/polls.csv", live.stream_id))
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_countdown_closes_the_poll_and_a_new_poll_replaces_the_open_one() {
    let app = spawn_app().await;
    let live = live_stream(&app, "poll-clock").await;
    let viewer = app.browser();
    let mut feed = viewer.events(&live.base, None).await;
    let open = |q: &'static str, seconds: Option<i64>| {
        let (owner, base) = (&live.owner, &live.base);
        async move {
            owner
                .post_json(
                    &format!("{base}/polls"),
                    json!({ "question": q, "options": ["Yes", "No"], "seconds": seconds }),
                )
                .await
        }
    };
    let (_, first) = open("First?", None).await;
    let (_, second) = open("Second?", Some(10)).await;
    assert!(second["closes_at"].as_i64().unwrap() >= showfloor::db::now_ms() + 9_000);
    // The first closed when the second opened.
    let (status, refused) = viewer
        .post_json(
            &format!("{}/polls/{}/votes", live.base, first["id"]),
            json!({ "option": 0 }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    // The countdown's end is announced as a closed poll.
    let id = second["id"].clone();
    let ended = loop {
        let event = feed
            .next_named("poll", Duration::from_secs(20))
            .await
            .expect("poll events")
            .json();
        if event["id"] == id && event["open"] == false {
            break event;
        }
    };
    assert_eq!(ended["question"], "Second?");
    let (status, _) = viewer
        .post_json(
            &format!("{}/polls/{id}/votes", live.base),
            json!({ "option": 0 }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "no answers after the countdown"
    );
}

#[tokio::test]
async fn bad_polls_and_bad_answers_are_refused_with_a_reason() {
    let app = spawn_app().await;
    let live = live_stream(&app, "poll-bad").await;
    let other = live_stream(&app, "poll-other").await;
    let polls = format!("{}/polls", live.base);
    for (body, field, message) in [
        (
            json!({ "question": "", "options": ["a", "b"] }),
            "question",
            "Ask a question of 1 to 140 characters.",
        ),
        (
            json!({ "question": "Q", "options": ["only one"] }),
            "options",
            "Give between 2 and 5 answers.",
        ),
        (
            json!({ "question": "Q", "options": ["a", "b", "c", "d", "e", "f"] }),
            "options",
            "Give between 2 and 5 answers.",
        ),
        (
            json!({ "question": "Q", "options": ["Red", "red"] }),
            "options",
            "Each answer must be different.",
        ),
        (
            json!({ "question": "Q", "options": ["a", "b"], "seconds": 3 }),
            "seconds",
            "A countdown runs from 10 seconds to 10 minutes.",
        ),
    ] {
        let (status, reply) = live.owner.post_json(&polls, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{reply}");
        assert_eq!(reply["fields"][field], message, "{reply}");
    }
    // Viewers cannot open polls.
    let viewer = app.browser();
    let (status, _) = viewer
        .post_json(&polls, json!({ "question": "Q", "options": ["a", "b"] }))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (_, poll) = live
        .owner
        .post_json(&polls, json!({ "question": "Q", "options": ["a", "b"] }))
        .await;
    let id = poll["id"].as_i64().unwrap();
    let (status, reply) = viewer
        .post_json(
            &format!("{}/polls/{id}/votes", live.base),
            json!({ "option": 2 }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply["fields"]["option"], "Pick one of the poll's answers.");
    // Another stream's poll is not found through this one, nor closed by its host.
    let (status, _) = viewer
        .post_json(
            &format!("{}/polls/{id}/votes", other.base),
            json!({ "option": 0 }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = other
        .owner
        .post_json(&format!("{}/polls/{id}/close", other.base), json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
