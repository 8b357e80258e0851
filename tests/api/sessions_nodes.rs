//! Sessions are served from a short-lived copy in memory (`auth::session_cache`); with
//! several nodes sharing PostgreSQL a sign-out on one node must not leave the session
//! usable on another until the copy runs out: the NOTIFY evicts it at once.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::helpers::{on_postgres, spawn_app};

#[tokio::test]
async fn a_sign_out_on_one_node_ends_the_session_on_another_node_at_once() {
    if !on_postgres() {
        // On SQLite the process is the only node.
        return;
    }
    let app = spawn_app().await;
    let node_b = showfloor::Server::start(app.config.clone())
        .await
        .expect("second node");
    let owner = app.browser();
    let signed_up = owner.sign_up("twonodes", "owner@example.com").await;
    let cookie = signed_up
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("showfloor_session="))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_string();
    // The same session on node B, which now holds a copy of it.
    let on_b = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let orders_on_b = || {
        on_b.get(format!("http://{}/orders", node_b.addr))
            .header("cookie", &cookie)
            .send()
    };
    assert_eq!(orders_on_b().await.unwrap().status(), StatusCode::OK);

    // Signed out on node A: node B refuses the old cookie well before its copy's TTL.
    let page = owner.post("/logout", &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    // Half the copy's TTL (30 s): only the NOTIFY eviction can beat it, and a busy CI
    // machine may take a few seconds to deliver it.
    let deadline = Instant::now() + showfloor::auth::session_cache::TTL / 2;
    loop {
        let status = orders_on_b().await.unwrap().status();
        if status == StatusCode::SEE_OTHER {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "node B still accepts a signed-out session ({status})"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    node_b.stop().await.ok();
}
