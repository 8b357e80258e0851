-- Polls in the live room (issue 20): the host asks, every viewer may answer once, the
-- results show live as bars. One poll of a stream is open at a time (opening another
-- closes it); a closed poll keeps its results for the report.
CREATE TABLE live_polls (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id    BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    stream_id  BIGINT NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
    question   TEXT   NOT NULL,
    -- The 2–5 answers, a JSON array of strings, in the order the host gave them.
    options    TEXT   NOT NULL,
    opened_at  BIGINT NOT NULL,
    -- When the countdown ends (NULL: open until the host closes it).
    closes_at  BIGINT,
    closed_at  BIGINT
);
CREATE INDEX live_polls_stream ON live_polls (stream_id, opened_at);

-- One vote per viewer per poll: the primary key decides, whatever the race.
CREATE TABLE live_poll_votes (
    poll_id      BIGINT NOT NULL REFERENCES live_polls(id) ON DELETE CASCADE,
    viewer_id    TEXT   NOT NULL,
    option_index BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (poll_id, viewer_id)
);
