-- Orders and payments: the shopper's order (its lines are the cart), the reservation of
-- each line's stock, every status change, the payment provider's references and the
-- webhook events already processed. Money is BIGINT minor units beside a currency;
-- times are UTC milliseconds; every table carries shop_id.

-- The shop's Stripe webhook signing secret sits beside its Stripe key (whsec_…).
ALTER TABLE stripe_accounts ADD COLUMN webhook_secret TEXT;

CREATE TABLE orders (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id            BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    -- Random, unguessable: the shopper's checkout and confirmation URLs carry it.
    token              TEXT   NOT NULL UNIQUE,
    -- What the shopper and the merchant read and search ("K7P2QX9M"); unique per shop.
    number             TEXT   NOT NULL,
    status             TEXT   NOT NULL DEFAULT 'pending' CHECK (status IN
                       ('pending', 'paid', 'fulfilled', 'refunded', 'partially_refunded', 'expired', 'cancelled')),
    currency           TEXT   NOT NULL,
    -- Sum of the lines, kept by orders::store in the same transaction as each line.
    total              BIGINT NOT NULL DEFAULT 0 CHECK (total >= 0),
    refunded_amount    BIGINT NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0),
    -- 'test' (the offline provider) or 'stripe', chosen when payment starts.
    provider           TEXT,
    -- The viewer id from the shopper's session (the cart and reports' unique buyers).
    viewer_id          TEXT   NOT NULL,
    -- Attribution: the stream, the pin active at the first Buy, seconds since go-live.
    stream_id          BIGINT REFERENCES streams(id) ON DELETE SET NULL,
    pin_id             BIGINT REFERENCES pins(id) ON DELETE SET NULL,
    stream_offset_s    BIGINT,
    email              TEXT   NOT NULL DEFAULT '',
    customer_name      TEXT   NOT NULL DEFAULT '',
    -- The shipping address as one block of text (as collected, or as Stripe sent it).
    shipping_address   TEXT   NOT NULL DEFAULT '',
    carrier            TEXT   NOT NULL DEFAULT '',
    tracking_number    TEXT   NOT NULL DEFAULT '',
    stripe_session_id  TEXT,
    stripe_payment_intent TEXT,
    -- Set when money arrived for an order whose stock could not be held (paid after expiry).
    attention          TEXT   NOT NULL DEFAULT '',
    -- The reservation ends here unless the order is paid (the expiry worker's index).
    expires_at         BIGINT NOT NULL,
    created_at         BIGINT NOT NULL,
    paid_at            BIGINT,
    updated_at         BIGINT NOT NULL
);
CREATE UNIQUE INDEX orders_number_per_shop ON orders(shop_id, number);
CREATE INDEX orders_shop_created ON orders(shop_id, created_at);
CREATE INDEX orders_shop_status ON orders(shop_id, status, created_at);
CREATE INDEX orders_stream ON orders(stream_id, created_at);
CREATE INDEX orders_pending_expiry ON orders(status, expires_at);
CREATE INDEX orders_payment_intent ON orders(stripe_payment_intent);
CREATE INDEX orders_session ON orders(stripe_session_id);

-- One line per Buy. The reservation lives on the line (one line, one reservation):
-- stock_state held → sold, or held → released. Lines of unlimited variants move the
-- same way (their offer units come back too) but touch no stock: tracked is false.
CREATE TABLE order_lines (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id       BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    order_id      BIGINT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    product_id    BIGINT NOT NULL REFERENCES products(id),
    variant_id    BIGINT NOT NULL REFERENCES variants(id),
    -- Copied at purchase: the catalogue may change afterwards.
    title         TEXT   NOT NULL,
    variant_title TEXT   NOT NULL,
    quantity      BIGINT NOT NULL CHECK (quantity > 0),
    unit_price    BIGINT NOT NULL CHECK (unit_price >= 0),
    currency      TEXT   NOT NULL,
    -- The pin whose live offer priced this line (its units go back on release).
    offer_pin_id  BIGINT REFERENCES pins(id) ON DELETE SET NULL,
    stripe_price_id TEXT,
    stock_state   TEXT   NOT NULL CHECK (stock_state IN ('held', 'released', 'sold')),
    tracked       BOOLEAN NOT NULL,
    -- Units put back on the shelf by refunds (at most quantity).
    restocked     BIGINT NOT NULL DEFAULT 0 CHECK (restocked >= 0 AND restocked <= quantity),
    pin_id        BIGINT REFERENCES pins(id) ON DELETE SET NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX order_lines_order ON order_lines(order_id, id);
CREATE INDEX order_lines_variant ON order_lines(variant_id, stock_state);

-- Every status change with its time and actor: the order's timeline.
CREATE TABLE order_transitions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id     BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    order_id    BIGINT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    from_status TEXT,
    to_status   TEXT   NOT NULL,
    -- 'shopper', 'system', 'stripe', 'test' or 'user'; user_id names the staff member.
    actor       TEXT   NOT NULL,
    user_id     BIGINT REFERENCES users(id) ON DELETE SET NULL,
    note        TEXT   NOT NULL DEFAULT '',
    at          BIGINT NOT NULL
);
CREATE INDEX order_transitions_order ON order_transitions(order_id, id);

-- Money movements and attempts: checkout sessions, payments, refunds, failures.
CREATE TABLE payments (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id     BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    order_id    BIGINT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    provider    TEXT   NOT NULL,
    kind        TEXT   NOT NULL CHECK (kind IN ('checkout', 'payment', 'refund', 'failure')),
    reference   TEXT,
    amount      BIGINT NOT NULL DEFAULT 0,
    currency    TEXT   NOT NULL,
    note        TEXT   NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);
CREATE INDEX payments_order ON payments(order_id, id);

-- Each provider event once: Stripe retries for days, so the id is unique per shop and
-- a second delivery is acknowledged without effect. The raw body is kept for support.
CREATE TABLE webhook_events (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id        BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    event_id       TEXT   NOT NULL,
    event_type     TEXT   NOT NULL,
    order_id       BIGINT REFERENCES orders(id) ON DELETE SET NULL,
    -- A refund can arrive before the payment it refunds: kept here until it can apply.
    payment_intent TEXT,
    -- For charge.refunded: the charge's cumulative amount_refunded (applied as a total,
    -- so a replay or a late delivery cannot refund twice).
    amount         BIGINT,
    outcome        TEXT   NOT NULL DEFAULT '',
    payload        TEXT   NOT NULL,
    received_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX webhook_events_event_id ON webhook_events(shop_id, event_id);
CREATE INDEX webhook_events_order ON webhook_events(order_id, id);
CREATE INDEX webhook_events_intent ON webhook_events(payment_intent);
