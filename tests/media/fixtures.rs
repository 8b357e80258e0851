//! A shop with a stream and its key, ready to publish.

use showfloor::streams::{domain, keys, store};

use crate::helpers::{TestApp, email, spawn_app_with};

pub struct Live {
    pub app: TestApp,
    pub stream_id: i64,
    pub public_id: String,
    pub key: String,
    pub owner: crate::helpers::Browser,
    pub owner_email: String,
    pub shop_slug: String,
}

impl Live {
    pub fn base(&self) -> String {
        self.app.base()
    }
}

/// A signed-in owner with a scheduled stream (starting in an hour) and its key.
pub async fn scheduled_stream() -> Live {
    scheduled_stream_with(|_| {}).await
}

/// The same, on a server whose configuration `tweak` changed.
pub async fn scheduled_stream_with(tweak: impl FnOnce(&mut showfloor::config::Config)) -> Live {
    assert!(
        !crate::helpers::on_postgres() || std::env::var("MEDIA_ALLOW_POSTGRES").is_ok(),
        "media tests run on SQLite"
    );
    let app = spawn_app_with(tweak).await;
    let owner = app.browser();
    let owner_email = email("owner");
    let slug = format!(
        "shop{}",
        &showfloor::auth::tokens::random_token()[..6]
            .to_lowercase()
            .replace(['-', '_'], "x")
    );
    owner.sign_up(&slug, &owner_email).await;
    let added = add_stream(&app, &slug, &owner_email, "spring-knitwear").await;
    Live {
        app,
        stream_id: added.id,
        public_id: added.public_id,
        key: added.key,
        owner,
        owner_email,
        shop_slug: slug,
    }
}

/// A stream of the shop with its own key (for what one stream's key may not do to another).
pub struct KeyedStream {
    pub id: i64,
    pub public_id: String,
    pub key: String,
}

impl Live {
    /// Another scheduled stream of the same shop, with its own key.
    pub async fn another_stream(&self, slug: &str) -> KeyedStream {
        add_stream(&self.app, &self.shop_slug, &self.owner_email, slug).await
    }
}

/// A stream scheduled in an hour in shop `shop_slug`, hosted by `host_email`, and its key.
async fn add_stream(app: &TestApp, shop_slug: &str, host_email: &str, slug: &str) -> KeyedStream {
    let db = app.db();
    let shop_id: i64 = sqlx::query_scalar("SELECT id FROM shops WHERE slug = $1")
        .bind(shop_slug)
        .fetch_one(db)
        .await
        .expect("shop");
    let user_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(host_email)
        .fetch_one(db)
        .await
        .expect("user");
    let public_id = domain::public_id();
    let schedule = store::Schedule {
        title: "Spring knitwear",
        description: "Three new jumpers.",
        scheduled_at: showfloor::db::now_ms() + 3_600_000,
        duration_min: 60,
        host_id: user_id,
        sell_after_end: true,
    };
    let id = store::insert(db, shop_id, &public_id, slug, &schedule, user_id)
        .await
        .expect("stream");
    let mut tx = db.begin().await.expect("tx");
    let key = keys::rotate(&mut tx, shop_id, Some(id), Some(user_id))
        .await
        .expect("key");
    tx.commit().await.expect("commit");
    KeyedStream { id, public_id, key }
}

/// The stream's status as stored.
pub async fn status(live: &Live) -> String {
    sqlx::query_scalar("SELECT status FROM streams WHERE id = $1")
        .bind(live.stream_id)
        .fetch_one(live.app.db())
        .await
        .expect("status")
}

/// [`Peer::publish`] to the test's stream with a keyframe every 1.5 s (aiortc also answers
/// PLI; the keyframe cache should make that moot), once the stream is live.
pub async fn publishes(live: &Live, codec: &str) -> crate::aiortc::Peer {
    let publisher =
        crate::aiortc::Peer::publish(&live.base(), &live.public_id, &live.key, codec, "1.5").await;
    crate::wait::until_async(
        std::time::Duration::from_secs(30),
        "the stream to go live",
        || async { (status(live).await == "live").then_some(()) },
    )
    .await;
    publisher
}

/// A live stream featuring `product` (a format's lot, a coupon's basket): the stream, and
/// the product as stored.
pub async fn live_selling(
    product: crate::db_fixtures::NewProduct,
) -> (Live, crate::db_fixtures::Product) {
    let live = scheduled_stream().await;
    let db = live.app.db();
    let shop_id: i64 = sqlx::query_scalar("SELECT shop_id FROM streams WHERE id = $1")
        .bind(live.stream_id)
        .fetch_one(db)
        .await
        .unwrap();
    let product = crate::db_fixtures::product(db, shop_id, product).await;
    crate::db_fixtures::feature(db, shop_id, live.stream_id, product.id, 0).await;
    let state = live.app.server.as_ref().unwrap().state.clone();
    showfloor::streams::go_live(&state, live.stream_id, showfloor::streams::Actor::System)
        .await
        .expect("goes live");
    (live, product)
}

/// A laptop Chromium signed in as the owner, on the stream's studio.
pub async fn studio(
    webdriver: &str,
    profile: &tempfile::TempDir,
    live: &Live,
) -> fantoccini::Client {
    let studio = crate::browser::chromium(webdriver, profile).await;
    crate::browser_phone::sign_in(&studio, &live.base(), &live.owner_email).await;
    studio
        .goto(&format!("{}/studio/{}", live.base(), live.stream_id))
        .await
        .unwrap();
    studio
}

/// Open the studio's OBS overlay address (from its copy field) in the same browser. The
/// address's path is taken on this test server: its configured base URL has no real port.
pub async fn open_overlay(studio: &fantoccini::Client, base: &str) {
    let address = crate::phone::js(
        studio,
        "return document.querySelector('[data-overlay-url]').value",
    )
    .await;
    let address = address.as_str().expect("the overlay address");
    let path = &address[address.find("/overlay/").expect("an overlay path")..];
    studio.goto(&format!("{base}{path}")).await.unwrap();
}
