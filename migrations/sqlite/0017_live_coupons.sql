-- Coupon drops in the live room (issue 20): the host drops a code on the video; a shopper
-- applies it at checkout. A code is unique in its shop, belongs to the stream it was dropped
-- in, and is taken by one conditional UPDATE of `redeemed` (bounded by `max_redemptions`),
-- so fifty shoppers at once never get an eleventh of ten. An order released unpaid gives
-- its redemption back.
CREATE TABLE live_coupons (
    id INTEGER PRIMARY KEY,
    shop_id         BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    stream_id       BIGINT NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    -- Upper case, 3–20 of A–Z, 0–9 and '-'.
    code            TEXT   NOT NULL,
    -- 'percent' (value 1–100) or 'amount' (value in minor units of currency).
    kind            TEXT   NOT NULL,
    value           BIGINT NOT NULL,
    currency        TEXT   NOT NULL,
    -- The basket (before the discount) must be at least this (0: any basket).
    min_basket      BIGINT NOT NULL DEFAULT 0,
    -- NULL: as many as shoppers want.
    max_redemptions BIGINT,
    -- Orders holding the discount: pending with it, or paid with it.
    redeemed        BIGINT NOT NULL DEFAULT 0,
    dropped_at      BIGINT NOT NULL,
    -- NULL: valid while the stream is live.
    expires_at      BIGINT,
    -- Taken off the video by the host (no more redemptions).
    ended_at        BIGINT
);
CREATE UNIQUE INDEX live_coupons_code ON live_coupons (shop_id, code);
CREATE INDEX live_coupons_stream ON live_coupons (stream_id, dropped_at);

-- One per order holding the discount; one per shopper and coupon.
CREATE TABLE live_coupon_redemptions (
    order_id   BIGINT NOT NULL PRIMARY KEY REFERENCES orders(id) ON DELETE CASCADE,
    coupon_id  BIGINT NOT NULL REFERENCES live_coupons(id) ON DELETE CASCADE,
    viewer_id  TEXT   NOT NULL,
    discount   BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX live_coupon_redemptions_viewer ON live_coupon_redemptions (coupon_id, viewer_id);

-- What the coupon took off; `total` is what the shopper pays (lines minus discount).
ALTER TABLE orders ADD COLUMN discount BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN coupon_code TEXT;
