//! Every CSV that reports hand out, with stable column names (docs/metrics.md,
//! "Exports"): a stream's KPIs, timeline and product table and the KPIs of all streams
//! (`streams`), a stream's polls (`polls`), auctions (`auctions`), coupons (`coupons`) and giveaways (`giveaways`), the overview's tables (`overview`), the attributed orders (`orders`, read
//! by `store`).
//! They all answer through `csv_out::csv_response`, and read their numbers from the
//! functions the pages call, so a CSV and its page agree.

pub mod auctions;
pub mod coupons;
pub mod csv_out;
pub mod giveaways;
pub mod orders;
pub mod overview;
pub mod polls;
pub mod store;
pub mod streams;
