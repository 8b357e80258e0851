-- Refunds asked of a payment provider, one row per attempt: the row is written before
-- the call (its id is the call's idempotency key, so a retry after a failure is a new
-- attempt that Stripe does not answer with the stored failure), then marked succeeded
-- with the provider's refund id or failed with the provider's sentence, which the
-- merchant reads on the order. An order's refunded_amount only moves on success.
CREATE TABLE refunds (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id      BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    order_id     BIGINT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    -- 'stripe' or 'test': always the provider that took the money.
    provider     TEXT   NOT NULL,
    amount       BIGINT NOT NULL CHECK (amount > 0),
    currency     TEXT   NOT NULL,
    -- 'merchant' (from the order page) or 'late_payment' (money that arrived after the
    -- reservation ended for stock that was gone, given back automatically).
    reason       TEXT   NOT NULL CHECK (reason IN ('merchant', 'late_payment')),
    status       TEXT   NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    provider_id  TEXT,
    failure      TEXT   NOT NULL DEFAULT '',
    user_id      BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX refunds_order ON refunds(order_id, id);

-- What became of money that arrived after the order's reservation ended: '' (none),
-- 'revived' (the units were taken again, the order is paid), 'refund_due' (the stock
-- was gone and the refund has not gone through yet), 'refunded' (given back in full).
-- The order keeps its expired/cancelled status when refunded, so revenue leaves it out.
ALTER TABLE orders ADD COLUMN late_payment TEXT NOT NULL DEFAULT '';
