//! What WHIP and WHEP refuse, and how.

use showfloor::media::client::{Client, http};

use crate::fixtures::scheduled_stream;
use crate::helpers::email;
use crate::whip_whep::publisher;

const OFFER_TYPE: (&str, &str) = ("Content-Type", "application/sdp");

#[tokio::test]
async fn a_wrong_or_missing_stream_key_is_refused_with_401() {
    let live = scheduled_stream().await;
    let base = live.base();
    let wrong = Client::publish(&base, &live.public_id, "not-the-key")
        .await
        .unwrap();
    let reply = wrong.err().expect("refused");
    assert_eq!(reply.status, 401, "{}", reply.body);
    let path = format!("/whip/{}", live.public_id);
    let none = http("POST", &base, &path, &[OFFER_TYPE], "v=0\r\n")
        .await
        .unwrap();
    assert_eq!(none.status, 401);
    let unknown = Client::publish(&base, "no-such-stream", &live.key)
        .await
        .unwrap();
    assert_eq!(unknown.err().expect("refused").status, 401);
}

#[tokio::test]
async fn bad_offers_are_refused_with_the_reason() {
    let live = scheduled_stream().await;
    let base = live.base();
    let path = format!("/whip/{}", live.public_id);
    let auth = format!("Bearer {}", live.key);
    let with = |ct: &'static str| vec![("Content-Type", ct), ("Authorization", auth.as_str())];

    let wrong_type = http("POST", &base, &path, &with("text/plain"), "v=0")
        .await
        .unwrap();
    assert_eq!(wrong_type.status, 415, "{}", wrong_type.body);
    let big = "a".repeat(65 * 1024);
    let too_big = http("POST", &base, &path, &with("application/sdp"), &big)
        .await
        .unwrap();
    assert_eq!(too_big.status, 413, "{}", too_big.body);
    let empty = http("POST", &base, &path, &with("application/sdp"), "")
        .await
        .unwrap();
    assert_eq!(empty.status, 400, "{}", empty.body);
    let garbage = http(
        "POST",
        &base,
        &path,
        &with("application/sdp"),
        "hello\r\nworld",
    )
    .await
    .unwrap();
    assert_eq!(garbage.status, 400, "{}", garbage.body);
    assert!(
        garbage.body.contains("could not be parsed"),
        "{}",
        garbage.body
    );
    let av1 = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 45\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:45 AV1/90000\r\n";
    let unsupported = http("POST", &base, &path, &with("application/sdp"), av1)
        .await
        .unwrap();
    assert_eq!(unsupported.status, 400, "{}", unsupported.body);
    assert!(
        unsupported.body.contains("VP8 or H.264 video, Opus audio"),
        "{}",
        unsupported.body
    );
    assert_eq!(
        live.app
            .server
            .as_ref()
            .unwrap()
            .state
            .media
            .session_count(),
        0,
        "nothing left open"
    );
}

#[tokio::test]
async fn viewers_get_404_for_an_unknown_stream_and_409_before_it_is_live() {
    let live = scheduled_stream().await;
    let base = live.base();
    let unknown = Client::play(&base, "no-such-stream").await.unwrap();
    assert_eq!(unknown.err().expect("refused").status, 404);
    let early = Client::play(&base, &live.public_id).await.unwrap();
    let reply = early.err().expect("refused");
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert!(
        reply.body.contains("\"reason\":\"not_live\""),
        "{}",
        reply.body
    );

    let status = http("GET", &base, &format!("/whep/{}", live.public_id), &[], "")
        .await
        .unwrap();
    assert!(
        status.body.contains("\"status\":\"scheduled\""),
        "{}",
        status.body
    );
    let options = http(
        "OPTIONS",
        &base,
        &format!("/whep/{}", live.public_id),
        &[],
        "",
    )
    .await
    .unwrap();
    assert_eq!(options.status, 204);
}

#[tokio::test]
async fn deleting_an_unknown_session_is_404() {
    let live = scheduled_stream().await;
    let base = live.base();
    let p = publisher(&base, &live.public_id, &live.key).await;
    let bogus = format!("/whip/{}/nope", live.public_id);
    let auth = format!("Bearer {}", live.key);
    assert_eq!(
        http("DELETE", &base, &bogus, &[("Authorization", &auth)], "")
            .await
            .unwrap()
            .status,
        404
    );
    let viewer_path = format!("/whep/{}/nope", live.public_id);
    assert_eq!(
        http("DELETE", &base, &viewer_path, &[], "")
            .await
            .unwrap()
            .status,
        404
    );
    assert_eq!(p.stop().await.unwrap(), 200);
}

#[tokio::test]
async fn trickle_ice_patches_are_refused_with_405_and_cors_headers() {
    let live = scheduled_stream().await;
    let base = live.base();
    let p = publisher(&base, &live.public_id, &live.key).await;
    let fragment = "a=ice-ufrag:abcd\r\na=ice-pwd:efghijklmnopqrstuvwxyz\r\nm=audio 9 RTP/AVP 0\r\na=mid:0\r\na=candidate:1 1 udp 2130706431 127.0.0.1 9 typ host\r\n";
    let reply = http(
        "PATCH",
        &base,
        &p.location,
        &[("Content-Type", "application/trickle-ice-sdpfrag")],
        fragment,
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 405, "{}", reply.body);
    assert_eq!(reply.header("allow"), Some("DELETE, OPTIONS"));
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
}

#[tokio::test]
async fn stopping_a_broadcast_needs_the_stream_key_the_broadcast_started_with() {
    let live = scheduled_stream().await;
    let base = live.base();
    let p = publisher(&base, &live.public_id, &live.key).await;
    let hub = live.app.server.as_ref().unwrap().state.media.clone();

    let none = http("DELETE", &base, &p.location, &[], "").await.unwrap();
    assert_eq!(none.status, 401, "{}", none.body);
    assert_eq!(
        none.header("www-authenticate"),
        Some("Bearer realm=\"showfloor\"")
    );
    let wrong = http(
        "DELETE",
        &base,
        &p.location,
        &[("Authorization", "Bearer not-the-key")],
        "",
    )
    .await
    .unwrap();
    assert_eq!(wrong.status, 401, "{}", wrong.body);
    assert!(
        hub.publisher(live.stream_id).is_some(),
        "refused DELETEs leave the broadcast running"
    );

    assert_eq!(p.stop().await.unwrap(), 200, "with the key it stops");
    assert!(hub.publisher(live.stream_id).is_none());
}

#[tokio::test]
async fn another_streams_key_cannot_stop_a_broadcast() {
    let live = scheduled_stream().await;
    let base = live.base();
    let other = live.another_stream("autumn-coats").await;
    let p = publisher(&base, &live.public_id, &live.key).await;
    let hub = live.app.server.as_ref().unwrap().state.media.clone();
    let session = p.location.rsplit('/').next().expect("session id");
    let other_auth = format!("Bearer {}", other.key);
    let with_other_key = [("Authorization", other_auth.as_str())];

    // The other stream's key under this stream's path is a wrong key.
    let wrong = http("DELETE", &base, &p.location, &with_other_key, "")
        .await
        .unwrap();
    assert_eq!(wrong.status, 401, "{}", wrong.body);
    // Under its own stream's path the key is right, and the session is not that stream's.
    let elsewhere = format!("/whip/{}/{session}", other.public_id);
    let not_its = http("DELETE", &base, &elsewhere, &with_other_key, "")
        .await
        .unwrap();
    assert_eq!(not_its.status, 404, "{}", not_its.body);
    assert!(
        hub.publisher(live.stream_id).is_some(),
        "the broadcast is still running"
    );
    assert_eq!(p.stop().await.unwrap(), 200);
}

#[tokio::test]
async fn the_studio_stops_a_broadcast_for_members_of_its_shop_only() {
    let live = scheduled_stream().await;
    let base = live.base();
    let p = publisher(&base, &live.public_id, &live.key).await;
    let hub = live.app.server.as_ref().unwrap().state.media.clone();
    let session = p.location.rsplit('/').next().expect("session id");
    let studio_path = format!("{base}/studio/{}/publish/{session}", live.stream_id);
    let delete = |browser: &crate::helpers::Browser, token: String| {
        browser
            .client
            .delete(&studio_path)
            .header("X-CSRF-Token", token)
            .send()
    };

    let stranger = live.app.browser();
    stranger.sign_up("othershop", &email("stranger")).await;
    let token = stranger.csrf().await;
    let refused = delete(&stranger, token).await.expect("DELETE");
    assert_eq!(refused.status(), 404, "another shop's stream is not found");
    assert!(hub.publisher(live.stream_id).is_some());

    let token = live.owner.csrf().await;
    let stopped = delete(&live.owner, token).await.expect("DELETE");
    assert_eq!(stopped.status(), 200);
    assert!(
        hub.publisher(live.stream_id).is_none(),
        "the broadcast stopped"
    );
    let _ = p.pc.close().await;
}
