-- Auctions in the live room (issue 20): the host auctions one variant of a product; viewers
-- with an e-mail verified for the shop bid, by hand or with a maximum that bids for them
-- (proxy bidding). The auction row is the standing (price, leader, the leader's secret
-- maximum, when the clock ends) and changes only by a conditional UPDATE on `version`, so
-- bids apply one at a time in order on any backend and any number of nodes; the close is
-- one UPDATE too, so the database names the winner once.
CREATE TABLE live_auctions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id      BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    stream_id    BIGINT NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    product_id   BIGINT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    variant_id   BIGINT NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
    title        TEXT   NOT NULL,
    currency     TEXT   NOT NULL,
    start_price  BIGINT NOT NULL,
    increment    BIGINT NOT NULL,
    -- Below this the lot is not sold (NULL: no reserve). Never shown, only whether it is met.
    reserve      BIGINT,
    -- A bid in the last `extend_ms` brings the clock back to `extend_ms` (0: sudden death).
    extend_ms    BIGINT NOT NULL,
    -- running → sold | unsold | cancelled
    state        TEXT   NOT NULL DEFAULT 'running',
    started_at   BIGINT NOT NULL,
    ends_at      BIGINT NOT NULL,
    -- The standing: the current price, who leads (a viewer id) and the maximum they gave.
    price        BIGINT,
    leader       TEXT,
    leader_max   BIGINT,
    bids         BIGINT NOT NULL DEFAULT 0,
    version      BIGINT NOT NULL DEFAULT 0,
    closed_at    BIGINT,
    -- Who must pay, how much, by when (the winner; after a missed deadline, the runner-up).
    winner       TEXT,
    winner_price BIGINT,
    pay_by       BIGINT,
    -- The link in the winner's mail (/auctions/pay/TOKEN), a new one per winner, as
    -- secret as an order's checkout token; and the order they pay through, set once.
    pay_token    TEXT,
    order_id     BIGINT,
    -- Winners who did not pay, one viewer id per line: each bidder is offered the lot once.
    passed       TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX live_auctions_stream ON live_auctions (stream_id, started_at);
CREATE INDEX live_auctions_running ON live_auctions (state, ends_at);
CREATE UNIQUE INDEX live_auctions_pay_token ON live_auctions (pay_token);

-- Every bid in the order it was applied (`seq` within the auction), the proxy bids the
-- standing placed for a leader's maximum among them.
CREATE TABLE live_auction_bids (
    auction_id BIGINT NOT NULL REFERENCES live_auctions(id) ON DELETE CASCADE,
    seq        BIGINT NOT NULL,
    viewer_id  TEXT   NOT NULL,
    amount     BIGINT NOT NULL,
    -- 'bid' (by hand), 'max' (a maximum placed or raised), 'proxy' (placed for a maximum)
    kind       TEXT   NOT NULL,
    placed_at  BIGINT NOT NULL,
    PRIMARY KEY (auction_id, seq)
);

-- A shopper who may bid in a shop: the name shown when they lead, the address their code
-- went to, when they proved it and accepted the terms. One per viewer and shop.
CREATE TABLE live_bidders (
    shop_id     BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    viewer_id   TEXT   NOT NULL,
    name        TEXT   NOT NULL,
    email       TEXT   NOT NULL,
    verified_at BIGINT,
    terms_at    BIGINT,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (shop_id, viewer_id)
);

-- One-time codes mailed to a bidder's address (one row per code: the outbox mails each
-- once). The code is checked against its hash; `mailed` is what the mail says, kept only
-- while the code can be used (a retried mail needs it) and emptied when it is.
CREATE TABLE live_bidder_codes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id    BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    viewer_id  TEXT   NOT NULL,
    email      TEXT   NOT NULL,
    code_hash  TEXT   NOT NULL,
    mailed     TEXT   NOT NULL,
    attempts   BIGINT NOT NULL DEFAULT 0,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX live_bidder_codes_viewer ON live_bidder_codes (shop_id, viewer_id, created_at);
