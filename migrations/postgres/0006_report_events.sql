-- What shoppers did with the products of a stream, for reports: a product card seen
-- (impression) or touched (click), the Buy button tapped, payment started (checkout).
-- Written in batches by reports::capture, off the request path. No foreign key on the
-- product or pin: history stays readable if the catalogue changes, and the writer
-- already resolved both within the stream's shop.
CREATE TABLE report_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id     BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    stream_id   BIGINT NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    kind        TEXT   NOT NULL CHECK (kind IN ('impression', 'click', 'buy', 'checkout')),
    viewer_id   TEXT   NOT NULL,
    product_id  BIGINT NOT NULL,
    -- The pin open at the time (for checkout: the pin the line was bought under).
    pin_id      BIGINT,
    at          BIGINT NOT NULL
);
CREATE INDEX report_events_stream ON report_events(stream_id, kind, at);

-- The viewer-side KPIs of an ended stream, computed once by the same metric functions
-- as the raw report (reports::rollup) so the shop overview does not re-read every
-- visit. Order figures are not kept here: refunds change them after the stream ends.
-- `stale` is set when an event for the stream arrives after the summary was built.
CREATE TABLE report_stream_summaries (
    stream_id           BIGINT PRIMARY KEY REFERENCES streams(id) ON DELETE CASCADE,
    shop_id             BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    window_start        BIGINT NOT NULL,
    window_end          BIGINT NOT NULL,
    unique_viewers      BIGINT NOT NULL,
    peak_viewers        BIGINT NOT NULL,
    peak_at             BIGINT,
    watch_time_ms       BIGINT NOT NULL,
    engaged_viewers     BIGINT NOT NULL,
    questions_asked     BIGINT NOT NULL,
    questions_answered  BIGINT NOT NULL,
    median_answer_ms    BIGINT,
    stale               BIGINT NOT NULL DEFAULT 0,
    built_at            BIGINT NOT NULL
);
CREATE INDEX report_stream_summaries_shop ON report_stream_summaries(shop_id);
