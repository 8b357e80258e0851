//! The demo stream `showfloor demo` seeds: next week, featuring the shop's first active
//! products, with a key printed once so a newcomer can go live from OBS at once.

use super::{domain, keys, store};
use crate::db::{Db, now_ms};

/// The demo stream's address in its shop; finding it means the demo already exists.
pub const DEMO_STREAM_SLUG: &str = "first-live-demo";

/// What `showfloor demo` prints about the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoStream {
    pub created: bool,
    pub public_url: String,
    pub whip_url: String,
    /// The stream key, only when just created (it is stored hashed).
    pub key: Option<String>,
    /// What to do when the key cannot be shown again.
    pub hint: Option<String>,
}

/// Schedule the demo stream of `shop_id`, hosted by its first owner, unless it exists.
pub async fn seed_demo(db: &Db, shop_id: i64, base_url: &str) -> anyhow::Result<DemoStream> {
    let pool = &db.pool;
    let shop = crate::shops::store::by_id(pool, shop_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("shop {shop_id} does not exist"))?;
    let base = base_url.trim_end_matches('/');
    let urls = |s: &store::Stream| {
        (
            format!("{base}/@{}/{}", shop.slug, s.slug),
            format!("{base}/whip/{}", s.public_id),
        )
    };
    if let Some(existing) = store::by_slug(pool, shop_id, DEMO_STREAM_SLUG).await? {
        let (public_url, whip_url) = urls(&existing);
        return Ok(DemoStream {
            created: false,
            public_url,
            whip_url,
            key: None,
            hint: Some(format!(
                "The stream key is stored hashed and cannot be shown again: rotate it on {base}/streams/{} (\"New key\").",
                existing.id
            )),
        });
    }
    let host_id = store::first_presenter(pool, shop_id)
        .await?
        .ok_or_else(|| {
            anyhow::anyhow!("shop {shop_id} has no owner or host to present the demo")
        })?;
    // Next week, same weekday, 19:00 in the shop's zone.
    let tz = crate::time::zone(&shop.time_zone);
    let next_week = jiff::Timestamp::from_millisecond(now_ms() + 7 * 86_400_000)?
        .to_zoned(tz.clone())
        .date();
    let start = next_week
        .at(19, 0, 0, 0)
        .to_zoned(tz)?
        .timestamp()
        .as_millisecond();
    let schedule = store::Schedule {
        title: "First live demo",
        description: "A tour of our favourite pieces, live. Ask questions in the chat and buy without leaving the stream.",
        scheduled_at: start,
        duration_min: 45,
        host_id,
        sell_after_end: true,
    };
    let mut tx = pool.begin().await?;
    let id = store::insert(
        &mut *tx,
        shop_id,
        &domain::public_id(),
        DEMO_STREAM_SLUG,
        &schedule,
        host_id,
    )
    .await?;
    for product_id in store::featured::first_active(&mut *tx, shop_id, 3).await? {
        store::featured::add(&mut *tx, shop_id, id, product_id).await?;
    }
    let key = keys::rotate(&mut tx, shop_id, Some(id), Some(host_id)).await?;
    tx.commit().await?;
    let stream = store::by_id(pool, shop_id, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo stream vanished"))?;
    let (public_url, whip_url) = urls(&stream);
    Ok(DemoStream {
        created: true,
        public_url,
        whip_url,
        key: Some(key),
        hint: None,
    })
}
