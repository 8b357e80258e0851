//! The studio's run of show: formats are checked by their own rules when queued, kept in
//! the host's order, removed, marked fired once; staff only, one stream's queue only.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::spawn_app;
use crate::live::live_stream;

fn labels(q: &Value) -> Vec<String> {
    q["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

fn ids(q: &Value) -> Vec<i64> {
    q["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn formats_are_checked_when_queued_kept_in_order_and_fired_once() {
    let app = spawn_app().await;
    let live = live_stream(&app, "queue-shop").await;
    let q = format!("{}/queue", live.base);
    let poll = json!({"question": "Which colour?", "options": ["Red", "Blue"], "seconds": 60});
    let (status, queued) = live
        .owner
        .post_json(
            &q,
            json!({"kind": "poll", "label": "Poll: Which colour?", "body": poll}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{queued}");
    let coupon = json!({"code": "LIVE10", "kind": "percent", "value": "10"});
    let (_, queued) = live
        .owner
        .post_json(
            &q,
            json!({"kind": "coupon", "label": "Coupon LIVE10", "body": coupon}),
        )
        .await;
    assert_eq!(labels(&queued), ["Poll: Which colour?", "Coupon LIVE10"]);
    assert_eq!(
        queued["items"][1]["body"]["code"], "LIVE10",
        "the body is kept as given"
    );

    // Checked by the format's own rules: the form says what is wrong at once.
    for (body, field) in [
        (
            json!({"kind": "coupon", "label": "x", "body": {"code": "BIG", "kind": "percent", "value": "150"}}),
            "value",
        ),
        (
            json!({"kind": "poll", "label": "x", "body": {"question": "Q", "options": ["only one"]}}),
            "options",
        ),
        (
            json!({"kind": "giveaway", "label": "x", "body": {"variant_id": 1, "rules": ""}}),
            "rules",
        ),
        (
            json!({"kind": "auction", "label": "x", "body": {"variant_id": 1}}),
            "body",
        ),
        (json!({"kind": "raffle", "label": "x", "body": {}}), "kind"),
        (json!({"kind": "poll", "label": " ", "body": poll}), "label"),
    ] {
        let (status, refused) = live.owner.post_json(&q, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {refused}"
        );
        assert!(refused["fields"][field].is_string(), "{body}: {refused}");
    }

    // Reordered, with every id once.
    let order = ids(&queued);
    let (status, moved) = live
        .owner
        .post_json(&format!("{q}/order"), json!({"ids": [order[1], order[0]]}))
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(labels(&moved), ["Coupon LIVE10", "Poll: Which colour?"]);
    let (status, _) = live
        .owner
        .post_json(&format!("{q}/order"), json!({"ids": [order[1]]}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "an id left out");

    // Fired once; removed.
    let (status, fired) = live
        .owner
        .post_json(&format!("{q}/{}/fired", order[0]), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(fired["items"][1]["fired_at"].is_i64());
    let (status, _) = live
        .owner
        .post_json(&format!("{q}/{}/fired", order[0]), json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, left) = live
        .owner
        .post_json(&format!("{q}/{}/remove", order[1]), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(labels(&left), ["Poll: Which colour?"]);

    // Staff only; another shop's host cannot touch this queue.
    let shopper = app.browser();
    let (status, _) = shopper
        .post_json(&q, json!({"kind": "poll", "label": "mine", "body": poll}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let other = live_stream(&app, "queue-other").await;
    let (status, _) = other
        .owner
        .post_json(&format!("{q}/{}/remove", order[0]), json!({}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, theirs) = other
        .owner
        .post_json(
            &format!("{}/queue/{}/remove", other.base, order[0]),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{theirs}");
}
