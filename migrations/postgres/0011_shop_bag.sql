-- The shopping bag and offers that end well (issue 15).

-- When the room announced that the pin's live offer ended (its units sold or its time
-- ran out). Set once by a conditional UPDATE, so only one node announces it; from then
-- on the offer stays ended even if reserved units come back, so every viewer's card and
-- every Buy agree on the regular price.
ALTER TABLE pins ADD COLUMN offer_closed_at BIGINT;

-- Buy finds the shopper's open reservation in a stream by their viewer id (a retry after
-- a lost answer or a restart returns it instead of taking a second unit).
CREATE INDEX orders_stream_viewer ON orders(stream_id, viewer_id, status);
