//! The public pages follow their stream (issue 15, item 1): a transition empties every
//! cached copy at once, so the answer right after Go live or End shows the new state;
//! browsers must revalidate every load (`no-cache` + ETag); the room's feed answers for
//! a stream in any state and carries its `status` changes.

use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::spawn_app;
use crate::sse::SseClient;
use crate::streams_support::{attr, days_ahead, public_ids, schedule, shop};

#[tokio::test]
async fn every_page_of_a_stream_shows_go_live_and_end_at_once_and_is_revalidated() {
    let app = spawn_app().await;
    let s = shop(&app, "follow-shop").await;
    let (id, _) = schedule(&s.owner, "Follow me", &days_ahead(1, 18)).await;
    let (path, _) = public_ids(&app, id).await;
    let shopper = app.browser();
    let pages = [
        path.clone(),
        format!("{path}/embed"),
        "/@follow-shop".to_string(),
    ];

    let first = shopper.get(&path).await;
    assert_eq!(first.headers["cache-control"], "public, no-cache");
    let etag = first.headers["etag"].to_str().unwrap().to_string();
    assert_eq!(
        attr(&first, "main", "data-state").as_deref(),
        Some("scheduled")
    );
    assert_eq!(
        attr(&first, "main", "data-room"),
        Some(format!("{path}/live")),
        "the countdown page listens to its room"
    );
    assert!(
        first.contains("/live."),
        "the live script is loaded before it starts"
    );
    for page in &pages {
        let answer = shopper.get(page).await; // fills the cache
        assert_eq!(
            answer.headers["cache-control"], "public, no-cache",
            "{page}"
        );
        assert!(answer.headers.contains_key("etag"), "{page}");
    }
    let unchanged = shopper
        .client
        .get(format!("{}{path}", app.base()))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);

    s.owner.post(&format!("/streams/{id}/start"), &[]).await;
    let live = shopper
        .client
        .get(format!("{}{path}", app.base()))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(
        live.status(),
        StatusCode::OK,
        "the old copy is no longer valid"
    );
    assert_ne!(live.headers()["etag"].to_str().unwrap(), etag);
    assert!(live.text().await.unwrap().contains("data-state=\"live\""));
    assert!(shopper.get(&pages[1]).await.contains("data-state=\"live\""));
    let shop_page = shopper.get(&pages[2]).await;
    assert!(shop_page.contains("Live now"));
    assert_eq!(
        attr(&shop_page, "main", "data-room"),
        Some(format!("{path}/live"))
    );

    s.owner.post(&format!("/streams/{id}/end"), &[]).await;
    for page in &pages[..2] {
        let ended = shopper.get(page).await;
        assert!(ended.contains("data-state=\"ended\""), "{page}");
        assert!(ended.contains("This stream has ended."));
        assert!(
            !ended.contains("data-live-room"),
            "no chat box on the ended page"
        );
    }
    assert!(!shopper.get(&pages[2]).await.contains("Live now"));
}

#[tokio::test]
async fn the_room_feed_of_a_scheduled_stream_carries_its_go_live_and_end() {
    let app = spawn_app().await;
    let s = shop(&app, "feed-shop").await;
    let (id, _) = schedule(&s.owner, "Feed", &days_ahead(1, 18)).await;
    let (path, _) = public_ids(&app, id).await;
    let shopper = app.browser();
    let mut feed = SseClient::open(
        &shopper.client,
        &format!("{}{path}/live/events", app.base()),
        None,
    )
    .await;
    assert_eq!(feed.status, StatusCode::OK);

    s.owner.post(&format!("/streams/{id}/start"), &[]).await;
    let mut statuses = Vec::new();
    while statuses.is_empty() {
        let event = feed
            .next(Duration::from_secs(10))
            .await
            .expect("the go-live event");
        if event.event == "status" {
            statuses.push(event.json()["status"].as_str().unwrap().to_string());
        }
    }
    s.owner.post(&format!("/streams/{id}/end"), &[]).await;
    while statuses.len() < 2 {
        let event = feed
            .next(Duration::from_secs(10))
            .await
            .expect("the end event");
        if event.event == "status" {
            statuses.push(event.json()["status"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(statuses, ["live", "ended"]);

    // An ended stream's feed still opens (an open page keeps its one connection).
    let ended = SseClient::open(
        &shopper.client,
        &format!("{}{path}/live/events", app.base()),
        None,
    )
    .await;
    assert_eq!(ended.status, StatusCode::OK);
}

#[tokio::test]
async fn a_transition_on_one_node_empties_the_page_cache_of_the_other() {
    if !crate::helpers::on_postgres() {
        return; // one process on SQLite: nothing to tell
    }
    let app = spawn_app().await;
    let s = shop(&app, "nodes-shop").await;
    let (id, _) = schedule(&s.owner, "Two nodes", &days_ahead(1, 18)).await;
    let (path, _) = public_ids(&app, id).await;
    let node_b = showfloor::Server::start(app.config.clone())
        .await
        .expect("second node");
    let b = crate::helpers::Browser::new(format!("http://{}", node_b.addr));
    assert!(
        b.get(&path).await.contains("data-state=\"scheduled\""),
        "cached on B"
    );
    let mut feed_b =
        SseClient::open(&b.client, &format!("{}{path}/live/events", b.base), None).await;

    s.owner.post(&format!("/streams/{id}/start"), &[]).await;
    // B hears the cache NOTIFY before the room's `status` (sent after it, same LISTEN
    // connection): once the page hears the status, a fresh load on B shows it.
    loop {
        let event = feed_b
            .next(Duration::from_secs(10))
            .await
            .expect("status on B");
        if event.event == "status" {
            break;
        }
    }
    assert!(b.get(&path).await.contains("data-state=\"live\""));
    node_b.stop().await.unwrap();
}

/// The body of `response` as sent, decoded from what `Content-Encoding` says.
async fn decoded(response: reqwest::Response) -> (Option<String>, usize, String) {
    use std::io::Read;
    let encoding = response
        .headers()
        .get("content-encoding")
        .map(|v| v.to_str().unwrap().to_string());
    let sent = response.bytes().await.unwrap();
    let mut text = String::new();
    match encoding.as_deref() {
        Some("gzip") => {
            flate2::read::GzDecoder::new(&sent[..])
                .read_to_string(&mut text)
                .unwrap();
        }
        Some("br") => {
            brotli_decompressor::Decompressor::new(&sent[..], 4096)
                .read_to_string(&mut text)
                .unwrap();
        }
        _ => text = String::from_utf8(sent.to_vec()).unwrap(),
    }
    (encoding, sent.len(), text)
}

#[tokio::test]
async fn pages_and_assets_go_compressed_and_the_room_feed_does_not() {
    let app = spawn_app().await;
    let s = shop(&app, "squeeze-shop").await;
    let (id, _) = schedule(&s.owner, "Squeeze", &days_ahead(1, 18)).await;
    let (path, _) = public_ids(&app, id).await;
    s.owner.post(&format!("/streams/{id}/start"), &[]).await;
    let shopper = app.browser();
    let plain = shopper.get(&path).await;
    let css = attr(&plain, "link[rel=stylesheet]", "href").expect("a stylesheet");

    for (encoding, url) in [
        ("br", path.clone()),
        ("gzip", path.clone()),
        ("br", css.clone()),
    ] {
        let response = shopper
            .client
            .get(format!("{}{url}", shopper.base))
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["vary"], "accept-encoding", "{url}");
        let (sent_as, sent, text) = decoded(response).await;
        assert_eq!(sent_as.as_deref(), Some(encoding), "{url}");
        assert!(
            sent * 2 < text.len(),
            "{url}: {sent} bytes for {}",
            text.len()
        );
        if url == path {
            assert_eq!(text, plain.body, "the same page, decoded");
        }
    }

    // The room's feed is never buffered by compression: each event goes out as it is.
    let feed = shopper
        .client
        .get(format!("{}{path}/live/events", shopper.base))
        .header("accept-encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(feed.status(), StatusCode::OK);
    assert_eq!(feed.headers()["content-type"], "text/event-stream");
    assert!(feed.headers().get("content-encoding").is_none());
}
