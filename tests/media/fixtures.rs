//! A shop with a stream and its key, ready to publish.

use showfloor::streams::{domain, keys, store};

use crate::helpers::{TestApp, email, spawn_app};

pub struct Live {
    pub app: TestApp,
    pub stream_id: i64,
    pub public_id: String,
    pub key: String,
    #[allow(dead_code)]
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
    assert!(
        !crate::helpers::on_postgres() || std::env::var("MEDIA_ALLOW_POSTGRES").is_ok(),
        "media tests run on SQLite"
    );
    let app = spawn_app().await;
    let owner = app.browser();
    let owner_email = email("owner");
    let slug = format!(
        "shop{}",
        &showfloor::auth::tokens::random_token()[..6]
            .to_lowercase()
            .replace(['-', '_'], "x")
    );
    owner.sign_up(&slug, &owner_email).await;
    let db = app.db();
    let shop_id: i64 = sqlx::query_scalar("SELECT id FROM shops WHERE slug = $1")
        .bind(&slug)
        .fetch_one(db)
        .await
        .expect("shop");
    let user_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(&owner_email)
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
    let stream_id = store::insert(
        db,
        shop_id,
        &public_id,
        "spring-knitwear",
        &schedule,
        user_id,
    )
    .await
    .expect("stream");
    let mut tx = db.begin().await.expect("tx");
    let key = keys::rotate(&mut tx, shop_id, Some(stream_id), Some(user_id))
        .await
        .expect("key");
    tx.commit().await.expect("commit");
    Live {
        app,
        stream_id,
        public_id,
        key,
        owner,
        owner_email,
        shop_slug: slug,
    }
}

/// The stream's status as stored.
pub async fn status(live: &Live) -> String {
    sqlx::query_scalar("SELECT status FROM streams WHERE id = $1")
        .bind(live.stream_id)
        .fetch_one(live.app.db())
        .await
        .expect("status")
}
