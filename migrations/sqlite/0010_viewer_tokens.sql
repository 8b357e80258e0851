-- Viewer passes (issue 15): who a shopper is in the live room when no cookie reaches us,
-- as in the embed inside a cross-site iframe with third-party cookies blocked. The page
-- keeps the token in memory and sends it as the `X-Showfloor-Viewer` header; only its
-- SHA-256 is kept here (256 random bits: a fast hash is enough). `viewer_id` is the same
-- identity a cookie session carries, so the room, presence and Buy key on it either way;
-- the display name lives here because there is no session to hold it.
CREATE TABLE viewer_tokens (
    token_hash TEXT   PRIMARY KEY,
    viewer_id  TEXT   NOT NULL,
    shop_id    BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    name       TEXT,
    created_at BIGINT NOT NULL
);
-- A pass lasts 30 days; issuing one drops the expired ones (live::viewer).
CREATE INDEX viewer_tokens_created ON viewer_tokens(created_at);
