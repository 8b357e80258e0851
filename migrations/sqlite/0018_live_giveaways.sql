-- Giveaways in the live room (issue 20): the host opens one on a prize (a variant of the
-- stream's products), viewers who meet its conditions enter by a button or a chat keyword,
-- the host draws. The draw's seed is made when the giveaway opens and only its SHA-256 is
-- shown until the draw; then the seed is published with the entrant list, so anyone can
-- redo the draw. One giveaway of a stream is open at a time.
CREATE TABLE live_giveaways (
    id INTEGER PRIMARY KEY,
    shop_id            BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    stream_id          BIGINT NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    product_id         BIGINT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    variant_id         BIGINT NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
    prize              TEXT   NOT NULL,
    rules              TEXT   NOT NULL,
    -- Lower case; NULL: entry by the button only.
    keyword            TEXT,
    winners            BIGINT NOT NULL,
    -- Conditions to enter: watched this stream at least N minutes, asked a question in it,
    -- paid for an order from it, not won a giveaway of the shop in the last 30 days.
    min_watch_minutes  BIGINT NOT NULL DEFAULT 0,
    needs_question     BIGINT NOT NULL DEFAULT 0,
    needs_order        BIGINT NOT NULL DEFAULT 0,
    not_recent_winner  BIGINT NOT NULL DEFAULT 0,
    -- open → drawn | cancelled
    state              TEXT   NOT NULL DEFAULT 'open',
    -- 32 random bytes, hex; secret until the draw. seed_hash is its SHA-256, shown from the start.
    seed               TEXT   NOT NULL,
    seed_hash          TEXT   NOT NULL,
    -- SHA-256 of the entrant list as drawn (one entrant ref per line, in draw order).
    entrants_hash      TEXT,
    entrants           BIGINT NOT NULL DEFAULT 0,
    opened_at          BIGINT NOT NULL,
    drawn_at           BIGINT
);
CREATE INDEX live_giveaways_stream ON live_giveaways (stream_id, opened_at);

-- One entry per viewer and giveaway: the primary key decides, whatever the race.
CREATE TABLE live_giveaway_entries (
    giveaway_id BIGINT NOT NULL REFERENCES live_giveaways(id) ON DELETE CASCADE,
    viewer_id   TEXT   NOT NULL,
    name        TEXT   NOT NULL,
    -- 'button' or 'chat'
    via         TEXT   NOT NULL,
    entered_at  BIGINT NOT NULL,
    PRIMARY KEY (giveaway_id, viewer_id)
);

-- The winners in draw order; each claims the prize through a zero-amount order.
CREATE TABLE live_giveaway_winners (
    giveaway_id BIGINT NOT NULL REFERENCES live_giveaways(id) ON DELETE CASCADE,
    place       BIGINT NOT NULL,
    viewer_id   TEXT   NOT NULL,
    name        TEXT   NOT NULL,
    shop_id     BIGINT NOT NULL,
    won_at      BIGINT NOT NULL,
    order_id    BIGINT REFERENCES orders(id) ON DELETE SET NULL,
    PRIMARY KEY (giveaway_id, place)
);
CREATE INDEX live_giveaway_winners_viewer ON live_giveaway_winners (shop_id, viewer_id, won_at);
