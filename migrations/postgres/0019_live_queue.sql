-- The studio's queue of prepared formats (issue 20): polls, auctions, coupons and giveaways
-- set up before or during the stream, in the host's order, fired one by one while live.
-- `body` is what the format's own endpoint takes, checked there when fired.
CREATE TABLE live_queue (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id    BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    stream_id  BIGINT NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    -- 'poll', 'auction', 'coupon' or 'giveaway'
    kind       TEXT   NOT NULL,
    label      TEXT   NOT NULL,
    body       TEXT   NOT NULL,
    position   BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    fired_at   BIGINT
);
CREATE INDEX live_queue_stream ON live_queue (stream_id, position);
