-- Per-stream rollups of an ended stream, built with its summary by reports::rollup from
-- the raw rows (the same computation the raw report runs), so the stream report and
-- the shop overview read a few rows instead of every visit and event. Order figures
-- are never rolled up: refunds change them after the end.

-- The funnel's viewer-side steps (unique viewers who clicked a product / started a
-- checkout).
ALTER TABLE report_stream_summaries ADD COLUMN clicked_viewers BIGINT NOT NULL DEFAULT 0;
ALTER TABLE report_stream_summaries ADD COLUMN checkout_viewers BIGINT NOT NULL DEFAULT 0;
-- Summaries built before the rollups existed have none: the worker rebuilds them.
UPDATE report_stream_summaries SET stale = 1;

-- Product reach and the funnel's acting viewers are counted in SQL over a stream's events
-- (up to millions): this index covers those queries, so they never touch the table.
CREATE INDEX report_events_reach ON report_events(stream_id, product_id, kind, pin_id, viewer_id, shop_id);

-- The timeline, minute by minute (orders per minute are counted from the orders).
CREATE TABLE report_minutes (
    stream_id   BIGINT NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    shop_id     BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    minute      BIGINT NOT NULL,
    starts_at   BIGINT NOT NULL,
    viewers     BIGINT NOT NULL,
    reactions   BIGINT NOT NULL,
    PRIMARY KEY (stream_id, minute)
);

-- The viewer-side half of the product table: distinct (viewer, pin) pairs per product
-- and event kind, under the product's own pins.
CREATE TABLE report_product_reach (
    stream_id    BIGINT NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    shop_id      BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    product_id   BIGINT NOT NULL,
    impressions  BIGINT NOT NULL,
    clicks       BIGINT NOT NULL,
    buy_taps     BIGINT NOT NULL,
    checkouts    BIGINT NOT NULL,
    PRIMARY KEY (stream_id, product_id)
);

-- Unique viewers per traffic source (a viewer's source is their first visit's).
CREATE TABLE report_stream_sources (
    stream_id       BIGINT NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    shop_id         BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    source          TEXT   NOT NULL,
    unique_viewers  BIGINT NOT NULL,
    PRIMARY KEY (stream_id, source)
);
