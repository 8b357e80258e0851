-- The live room: pins and live offers, questions and votes, chat, blocks, moderators,
-- viewer visits, and the durable room events viewers resume from. Viewers are not
-- accounts: `viewer_id` is a random token kept in the shopper's session cookie.

-- Per-stream room settings the host changes while live.
CREATE TABLE live_rooms (
    stream_id            BIGINT  PRIMARY KEY REFERENCES streams(id) ON DELETE CASCADE,
    shop_id              BIGINT  NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    -- Seconds a viewer waits between two chat messages; 0 is off.
    slow_mode_secs       BIGINT  NOT NULL DEFAULT 0,
    -- Questions wait for a moderator's approval before viewers see them.
    premoderation        BOOLEAN NOT NULL DEFAULT FALSE,
    featured_question_id BIGINT,
    -- Secret part of the OBS overlay URL. Kept in clear: the host copies it any time,
    -- and it only shows what viewers see anyway.
    overlay_token        TEXT    NOT NULL UNIQUE
);

-- Words a shop keeps out of chat and questions (one per row, lower-case).
CREATE TABLE chat_filter_words (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id  BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    word     TEXT   NOT NULL,
    UNIQUE (shop_id, word)
);

-- A product pinned on the broadcast, from started_at until ended_at. Orders are
-- attributed to the pin open at the time, and reports draw bands from these rows.
CREATE TABLE pins (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id            BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    stream_id          BIGINT NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    product_id         BIGINT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    started_at         BIGINT NOT NULL,
    ended_at           BIGINT,
    -- Live offer: a special price (minor units), for a time and/or the first N units.
    offer_price        BIGINT,
    offer_currency     TEXT,
    offer_unit_limit   BIGINT,
    -- Incremented by a conditional UPDATE at checkout, never read-then-written.
    offer_units_taken  BIGINT NOT NULL DEFAULT 0,
    offer_ends_at      BIGINT,
    pinned_by          BIGINT REFERENCES users(id) ON DELETE SET NULL
);
-- One pinned product per stream at a time, even when two hosts press Pin at once.
CREATE UNIQUE INDEX pins_stream_id_open ON pins(stream_id) WHERE ended_at IS NULL;
CREATE INDEX pins_stream ON pins(stream_id, started_at);

CREATE TABLE questions (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id       BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    stream_id     BIGINT NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    viewer_id     TEXT   NOT NULL,
    display_name  TEXT   NOT NULL,
    body          TEXT   NOT NULL,
    -- pending (waiting for approval), visible, hidden (by a moderator).
    status        TEXT   NOT NULL CHECK (status IN ('pending', 'visible', 'hidden')),
    votes         BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    answered_at   BIGINT
);
CREATE INDEX questions_stream ON questions(stream_id, status);

-- One vote per viewer per question: the primary key makes a second vote a no-op.
CREATE TABLE question_votes (
    question_id  BIGINT NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
    viewer_id    TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (question_id, viewer_id)
);

CREATE TABLE chat_messages (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id       BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    stream_id     BIGINT NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    viewer_id     TEXT   NOT NULL,
    display_name  TEXT   NOT NULL,
    body          TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    deleted_at    BIGINT
);
CREATE INDEX chat_messages_stream ON chat_messages(stream_id, id);

-- A blocked viewer, for one stream or (stream_id NULL) the whole shop. Matched on the
-- viewer token and, for repeat offenders, on their address too.
CREATE TABLE blocks (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id       BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    stream_id     BIGINT REFERENCES streams(id) ON DELETE CASCADE,
    viewer_id     TEXT   NOT NULL,
    ip            TEXT,
    display_name  TEXT   NOT NULL DEFAULT '',
    created_by    BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX blocks_shop_viewer ON blocks(shop_id, viewer_id);
CREATE INDEX blocks_shop_ip ON blocks(shop_id, ip);

-- Trusted viewers a host made moderators of one stream (staff moderate by role).
CREATE TABLE stream_moderators (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id     BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    stream_id   BIGINT NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    viewer_id   TEXT   NOT NULL,
    display_name TEXT  NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    UNIQUE (stream_id, viewer_id)
);

-- One row per viewer visit: from the first event connection until it closed (plus the
-- reconnect grace period). Watch time and peak concurrency are computed from these.
CREATE TABLE viewer_sessions (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id       BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    stream_id     BIGINT NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    viewer_id     TEXT   NOT NULL,
    joined_at     BIGINT NOT NULL,
    left_at       BIGINT,
    referrer      TEXT   NOT NULL DEFAULT '',
    utm_source    TEXT   NOT NULL DEFAULT '',
    utm_medium    TEXT   NOT NULL DEFAULT '',
    utm_campaign  TEXT   NOT NULL DEFAULT '',
    embedded      BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX viewer_sessions_stream ON viewer_sessions(stream_id, joined_at);
CREATE INDEX viewer_sessions_open ON viewer_sessions(stream_id, viewer_id, left_at);

-- Durable room events in the order viewers received them: the SSE event id is this
-- row's id, so a viewer reconnecting with Last-Event-ID to any node resumes exactly.
CREATE TABLE live_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id     BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    stream_id   BIGINT NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    kind        TEXT   NOT NULL,
    payload     TEXT   NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX live_events_stream ON live_events(stream_id, id);

-- Reaction taps, aggregated per room tick (~500 ms) per node: reports and the room's
-- running total read these, so a restart keeps the count.
CREATE TABLE reaction_ticks (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id     BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    stream_id   BIGINT NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    at          BIGINT NOT NULL,
    count       BIGINT NOT NULL
);
CREATE INDEX reaction_ticks_stream ON reaction_ticks(stream_id, at);
