//! What the public pages show, gathered from the database: the shop page's live,
//! upcoming and past streams; a stream page's state, products, links and preview tags.

use askama::Template;

use super::lifecycle::Status;
use super::store::{self, Stream};
use super::views::{self, ProductView, StreamCard};
use crate::error::Result;
use crate::shops::store::Shop;
use crate::state::AppState;
use crate::web::assets;

/// Static files of the viewer pages.
pub struct Assets {
    pub css: &'static str,
    pub js: &'static str,
    pub icon: &'static str,
    /// Live pages only: the WHEP player and the live room (pins, Q&A, chat, hearts).
    pub player_js: &'static str,
    pub ice_js: &'static str,
    pub live_js: &'static str,
    pub room_js: &'static str,
    pub room_css: &'static str,
    pub checkout_js: &'static str,
    /// The pinned card and the shopping bag (issue 15).
    pub shop_js: &'static str,
    /// The immersive stage's sheet and tabs (issue 16).
    pub stage_js: &'static str,
    /// Polls over the video (issue 20).
    pub poll_js: &'static str,
    pub poll_css: &'static str,
    pub auction_js: &'static str,
    pub auction_css: &'static str,
    pub coupon_js: &'static str,
    pub coupon_css: &'static str,
    pub giveaway_js: &'static str,
    pub giveaway_css: &'static str,
    /// Opens the live page's WHEP session before the other scripts run (issue 16): the
    /// script's text, carried inline.
    pub player_early_inline: &'static str,
}

impl Assets {
    pub fn new() -> Self {
        Assets {
            css: assets::url("viewer.css"),
            js: assets::url("viewer.js"),
            icon: assets::url("favicon.svg"),
            player_js: assets::url("player.js"),
            ice_js: assets::url("ice.js"),
            live_js: assets::url("live.js"),
            room_js: assets::url("room.js"),
            room_css: assets::url("room.css"),
            checkout_js: assets::url("checkout.js"),
            shop_js: assets::url("shop.js"),
            stage_js: assets::url("stage.js"),
            poll_js: assets::url("poll.js"),
            poll_css: assets::url("poll.css"),
            auction_js: assets::url("auction.js"),
            auction_css: assets::url("auction.css"),
            coupon_js: assets::url("coupon.js"),
            coupon_css: assets::url("coupon.css"),
            giveaway_js: assets::url("giveaway.js"),
            giveaway_css: assets::url("giveaway.css"),
            player_early_inline: assets::inline("player-early.js"),
        }
    }
}

#[derive(Template)]
#[template(path = "streams/public_shop.html")]
pub struct ShopPage {
    pub assets: Assets,
    pub shop_name: String,
    pub shop_url: String,
    pub feed_webcal: String,
    pub feed_url: String,
    pub live: Vec<StreamCard>,
    pub upcoming: Vec<StreamCard>,
    pub past: Vec<StreamCard>,
    /// The room whose `status` events refresh this page: the live stream's, else the
    /// next one's (a transition of any other stream shows on the next load).
    pub follow: Option<String>,
}

pub async fn shop_page(state: &AppState, shop: &Shop) -> Result<ShopPage> {
    let pool = &state.db.pool;
    let tz = crate::time::zone(&shop.time_zone);
    let cards = |list: Vec<Stream>| -> Vec<StreamCard> {
        list.iter()
            .map(|s| views::card(s, &tz, &shop.slug))
            .collect()
    };
    let base = state.config.base_url();
    let feed_url = format!("{base}/@{}/streams.ics", shop.slug);
    let live = cards(store::list(pool, shop.id, &[Status::Live], 20).await?);
    let upcoming = cards(store::list(pool, shop.id, &[Status::Scheduled], 50).await?);
    let follow = live
        .first()
        .or(upcoming.first())
        .map(|card| format!("{}/live", card.path));
    Ok(ShopPage {
        follow,
        assets: Assets::new(),
        shop_name: shop.name.clone(),
        shop_url: format!("{base}/@{}", shop.slug),
        feed_webcal: feed_url.replacen("https://", "webcal://", 1).replacen(
            "http://",
            "webcal://",
            1,
        ),
        feed_url,
        live,
        upcoming,
        past: cards(store::list(pool, shop.id, &[Status::Ended], 12).await?),
    })
}

#[derive(Template)]
#[template(path = "streams/public_stream.html")]
pub struct StreamPage {
    pub assets: Assets,
    pub embed: bool,
    pub shop_name: String,
    pub shop_path: String,
    pub stream: StreamCard,
    pub status: Status,
    pub paragraphs: Vec<String>,
    pub cancel_note: String,
    pub end_iso: String,
    pub products: Vec<ProductView>,
    /// Whether prices and Buy buttons show (not after the end unless the merchant allows it).
    pub selling: bool,
    pub ics_path: String,
    pub canonical: String,
    pub og_image: Option<String>,
    pub og_description: String,
    pub remind_action: String,
    pub public_id: String,
    pub time_zone: String,
    /// The STUN/TURN servers for the player, `RTCIceServer` objects as JSON (static/ice.js).
    pub ice_servers: String,
}

pub async fn stream_page(
    state: &AppState,
    shop: &Shop,
    stream: &Stream,
    embed: bool,
) -> Result<StreamPage> {
    let tz = crate::time::zone(&shop.time_zone);
    let base = state.config.base_url();
    let featured = store::featured::list(&state.db.pool, shop.id, stream.id).await?;
    let status = stream.status;
    let card = views::card(stream, &tz, &shop.slug);
    let lead = match status {
        Status::Scheduled => format!("Live on {}.", card.when),
        Status::Live => "Live now.".to_string(),
        Status::Ended => "This stream has ended.".to_string(),
        Status::Cancelled => "This stream was cancelled.".to_string(),
    };
    let summary: String = stream.description.chars().take(200).collect();
    let cover = card.cover.clone().or_else(|| {
        featured
            .iter()
            .find_map(|f| f.thumb_file.as_ref().map(|t| format!("/media/images/{t}")))
    });
    Ok(StreamPage {
        assets: Assets::new(),
        embed,
        shop_name: shop.name.clone(),
        shop_path: format!("/@{}", shop.slug),
        status,
        paragraphs: stream
            .description
            .split("\n\n")
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect(),
        cancel_note: stream.cancel_note.clone(),
        end_iso: crate::time::iso(stream.planned_end()),
        products: featured
            .iter()
            .map(views::product)
            .filter(|p| p.available)
            .collect(),
        selling: status != Status::Cancelled && (status != Status::Ended || stream.sell_after_end),
        ics_path: format!("/@{}/{}/calendar.ics", shop.slug, stream.slug),
        canonical: format!("{base}/@{}/{}", shop.slug, stream.slug),
        og_image: cover.map(|c| format!("{base}{c}")),
        og_description: if summary.is_empty() {
            format!("{lead} A live product demo by {}.", shop.name)
        } else {
            format!("{lead} {summary}")
        },
        remind_action: format!("/api/streams/{}/reminders", stream.public_id),
        public_id: stream.public_id.clone(),
        time_zone: shop.time_zone.clone(),
        ice_servers: serde_json::to_string(
            &state
                .config
                .ice_servers_for(&format!("whep-{}", stream.public_id)),
        )
        .unwrap_or_else(|_| "[]".into()),
        stream: card,
    })
}

#[derive(Template)]
#[template(path = "streams/public_missing.html")]
pub struct NotFoundPage {
    pub assets: Assets,
    pub shop_name: String,
    pub shop_path: String,
}

impl NotFoundPage {
    pub fn new(shop: &Shop) -> Self {
        NotFoundPage {
            assets: Assets::new(),
            shop_name: shop.name.clone(),
            shop_path: format!("/@{}", shop.slug),
        }
    }
}
