-- Streams: scheduled product demos, their lifecycle, stream keys, featured products,
-- embed origins and shoppers' reminders. Times are UTC milliseconds; every table
-- carries shop_id so that every query can filter by shop.

CREATE TABLE streams (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id           BIGINT  NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    -- Random, global: the WHIP/WHEP URLs and calendar UIDs name a stream without the
    -- shop, and without revealing how many streams exist (the sequential id would).
    public_id         TEXT    NOT NULL UNIQUE,
    -- Public address under the shop: /@{shop}/{slug}. Kept when the stream is renamed
    -- or rescheduled, so shared links keep working.
    slug              TEXT    NOT NULL,
    title             TEXT    NOT NULL,
    description       TEXT    NOT NULL DEFAULT '',
    scheduled_at      BIGINT  NOT NULL,
    duration_min      BIGINT  NOT NULL CHECK (duration_min BETWEEN 1 AND 1440),
    -- File name under DATA_DIR/covers, named by the SHA-256 of its bytes.
    cover_file        TEXT,
    -- The staff member presenting. NULL only if their account disappears.
    host_id           BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    status            TEXT    NOT NULL DEFAULT 'scheduled'
                      CHECK (status IN ('scheduled', 'live', 'ended', 'cancelled')),
    cancel_note       TEXT    NOT NULL DEFAULT '',
    -- Whether the featured products stay buyable from the page after the stream ends.
    sell_after_end    BOOLEAN NOT NULL DEFAULT TRUE,
    started_at        BIGINT,
    ended_at          BIGINT,
    -- Set when the publisher disconnects while live; the stream ends by itself once
    -- the grace period has passed. Stored (not only in memory) so that a restart
    -- during the grace period still ends it.
    publisher_gone_at BIGINT,
    -- Bumped on every change a calendar must see: the SEQUENCE of the .ics event.
    revision          BIGINT  NOT NULL DEFAULT 0,
    created_by        BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    created_at        BIGINT  NOT NULL,
    updated_at        BIGINT  NOT NULL
);
CREATE UNIQUE INDEX streams_slug_per_shop ON streams(shop_id, slug);
-- One live stream per host at a time, enforced by the database so that two "Go live"
-- requests racing each other cannot both win. Named streams_host_id_… so that
-- db::is_unique_violation recognises it on both backends.
CREATE UNIQUE INDEX streams_host_id_live ON streams(host_id) WHERE status = 'live';
CREATE INDEX streams_shop_scheduled ON streams(shop_id, scheduled_at);
CREATE INDEX streams_status_gone ON streams(status, publisher_gone_at);

-- Featured products in the order the host presents them.
CREATE TABLE stream_products (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stream_id   BIGINT NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    shop_id     BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    product_id  BIGINT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    UNIQUE (stream_id, product_id)
);
CREATE INDEX stream_products_stream ON stream_products(stream_id, position);

-- Every state change with its time and who made it: reports compute durations from it.
CREATE TABLE stream_transitions (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stream_id     BIGINT NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    shop_id       BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    from_status   TEXT   NOT NULL,
    to_status     TEXT   NOT NULL,
    at            BIGINT NOT NULL,
    -- user (a member pressed a button), publisher (the encoder), system (grace period).
    actor         TEXT   NOT NULL CHECK (actor IN ('user', 'publisher', 'system')),
    actor_user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    note          TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX stream_transitions_stream ON stream_transitions(stream_id, at);

-- WHIP bearer tokens, stored as SHA-256 hashes (the key has 256 random bits, so a
-- slow hash adds nothing). stream_id NULL is the shop's persistent key, which
-- works for any of the shop's streams. Rotation revokes; rows stay for the record.
CREATE TABLE stream_keys (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id     BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    stream_id   BIGINT REFERENCES streams(id) ON DELETE CASCADE,
    key_hash    TEXT   NOT NULL UNIQUE,
    created_by  BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
CREATE INDEX stream_keys_stream ON stream_keys(stream_id);
CREATE INDEX stream_keys_shop ON stream_keys(shop_id);

-- Origins allowed to frame the embeddable player (CSP frame-ancestors), per shop.
CREATE TABLE embed_origins (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id     BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    origin      TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (shop_id, origin)
);

-- "Remind me": a shopper's address for one stream, with the time they consented.
CREATE TABLE reminders (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id           BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    stream_id         BIGINT NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    email             TEXT   NOT NULL,
    consent_at        BIGINT NOT NULL,
    -- Kept in clear (unlike keys) because every mail must carry it; it can only
    -- unsubscribe this one address from this one stream.
    unsubscribe_token TEXT   NOT NULL UNIQUE,
    unsubscribed_at   BIGINT,
    -- Claimed before sending, so two nodes never send the same mail twice.
    reminder_sent_at  BIGINT,
    live_sent_at      BIGINT,
    UNIQUE (stream_id, email)
);
CREATE INDEX reminders_shop ON reminders(shop_id, stream_id);
