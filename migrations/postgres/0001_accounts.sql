-- Shops, the people who run them, and one-time tokens.
-- Times are UTC milliseconds since the Unix epoch (BIGINT on both backends), so the
-- same queries and Rust types serve SQLite and PostgreSQL.

CREATE TABLE shops (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        TEXT    NOT NULL UNIQUE,  -- public: /@{slug}
    name        TEXT    NOT NULL,
    currency    TEXT    NOT NULL,         -- ISO 4217, the default for new products
    time_zone   TEXT    NOT NULL,         -- IANA name; times are shown in it
    created_at  BIGINT  NOT NULL
);

CREATE TABLE users (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email           TEXT    NOT NULL UNIQUE,  -- stored lower-cased
    name            TEXT    NOT NULL,
    password_hash   TEXT    NOT NULL,         -- argon2id PHC string
    -- Bumped on password change or reset: sessions that remember an older value are
    -- signed out, so a stolen session does not outlive a password change.
    session_version BIGINT  NOT NULL DEFAULT 0,
    created_at      BIGINT  NOT NULL
);

CREATE TABLE memberships (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id     BIGINT  NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    user_id     BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role        TEXT    NOT NULL CHECK (role IN ('owner', 'host', 'marketer')),
    created_at  BIGINT  NOT NULL,
    UNIQUE (shop_id, user_id)
);
CREATE INDEX memberships_user ON memberships(user_id);

-- Tokens are stored as SHA-256 hashes: a leaked database does not leak usable links.
CREATE TABLE invites (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id     BIGINT  NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    email       TEXT    NOT NULL,
    role        TEXT    NOT NULL CHECK (role IN ('owner', 'host', 'marketer')),
    token_hash  TEXT    NOT NULL UNIQUE,
    invited_by  BIGINT  NOT NULL REFERENCES users(id),
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    accepted_at BIGINT,
    revoked_at  BIGINT
);
CREATE INDEX invites_shop ON invites(shop_id);

CREATE TABLE password_resets (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash  TEXT    NOT NULL UNIQUE,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    used_at     BIGINT
);
