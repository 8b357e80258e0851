-- Read-only API tokens for BI tools: the owner creates one per tool, sees it once, and
-- revokes it. Only the SHA-256 of the token is kept (it has 256 random bits, so a slow
-- hash is not needed), the same way as invitation and reset tokens. A token reads the
-- shop's reports through /api/reports/ and nothing else.
CREATE TABLE api_tokens (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id      BIGINT  NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    created_by   BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    created_at   BIGINT  NOT NULL,
    -- Updated at most once a minute per token, so a busy BI tool does not write on
    -- every request.
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_shop ON api_tokens(shop_id, created_at);

-- The shop overview filters streams by when they went live.
CREATE INDEX streams_shop_started ON streams(shop_id, started_at);
