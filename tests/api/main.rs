//! API tests: the real server over real HTTP, on SQLite or PostgreSQL.

#[path = "../common/fixtures.rs"]
mod fixtures;
mod helpers;
mod sse;
// Waiting on conditions with deadlines (shared with the media tests).
#[path = "../media/wait.rs"]
#[allow(dead_code)]
mod wait;

mod accounts;
mod catalog;
mod catalog_csv;
mod catalog_images;
mod catalog_stripe;
mod cli;
mod live;
mod live_auctions;
mod live_coupons;
mod live_giveaways;
mod live_polls;
mod live_queue;
mod mail;
mod mail_support;
mod operations;
mod orders;
mod orders_bag;
mod orders_crash;
mod orders_dashboard;
mod orders_hint;
mod orders_refunds;
mod orders_roles;
mod orders_stripe;
mod orders_support;
mod reports;
mod reports_api;
mod reports_live;
mod reports_overview;
mod roles;
mod sessions_nodes;
mod streams;
mod streams_follow;
mod streams_lifecycle;
mod streams_public;
mod streams_reminders;
mod streams_support;
mod viewer_pass;
