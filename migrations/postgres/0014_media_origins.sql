-- Where each live stream's publisher is connected: its origin node. Several nodes share
-- one database; a viewer's WHEP request that lands on another node makes that node an
-- edge, which pulls the stream once from the origin's internal WHEP endpoint (media_url)
-- and serves its own viewers from that pull (src/media/cluster). The origin refreshes
-- heartbeat_ms while its publisher sends; times are the database's clock (milliseconds
-- since the Unix epoch), never a node's, so a node whose clock is off routes correctly.
-- A row whose heartbeat is older than the timeout is a dead origin: another node may take
-- the stream over, and any node may delete it.
CREATE TABLE media_origins (
    stream_id    BIGINT PRIMARY KEY REFERENCES streams(id) ON DELETE CASCADE,
    node_id      TEXT   NOT NULL,
    media_url    TEXT   NOT NULL,
    heartbeat_ms BIGINT NOT NULL
);
CREATE INDEX media_origins_node ON media_origins (node_id);
