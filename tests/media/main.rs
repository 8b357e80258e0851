//! Media tests: real WebRTC over loopback (WHIP publisher and WHEP viewers built on the
//! same `webrtc` crate), and the real-Chromium end-to-end test. Run inside a network
//! namespace with only loopback (`scripts/test` does); always on SQLite, since the
//! namespace cannot reach a PostgreSQL server.

#[path = "../api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

mod aiortc;
mod browser;
mod browser_auction;
mod browser_bag;
mod browser_coupon;
mod browser_embed;
mod browser_giveaway;
mod browser_lifecycle;
mod browser_phone;
mod browser_poll;
mod browser_queue;
mod browser_studio;
#[path = "../common/fixtures.rs"]
mod db_fixtures;
mod fixtures;
mod interop;
mod join;
mod lifecycle;
mod live_room;
mod nodes;
mod orders_live;
mod phone;
mod refusals;
mod stall;
mod turn;
mod wait;
mod whip_whep;
