-- Mail that arrives: when an order was fulfilled (beside its carrier and tracking
-- number, which 0005 has), and the outbox the ground-floor mail worker sends from.

ALTER TABLE orders ADD COLUMN fulfilled_at BIGINT;

-- One row per mail to send, inserted in the same transaction as the change that causes
-- it (an order paid, an order fulfilled): a crash after the commit cannot lose the mail,
-- and a change that rolls back sends none. The row names what the mail is about
-- (`kind` picks the feature's renderer, `about_id` its row), and the message is
-- rendered when it is sent, by the feature that queued it.
CREATE TABLE mail_outbox (
    id              INTEGER PRIMARY KEY,
    shop_id         BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    -- 'order.confirmation', 'order.notice', 'order.shipped', …
    kind            TEXT   NOT NULL,
    about_id        BIGINT NOT NULL,
    -- unsent: never tried because no mail server is configured (said on the order page).
    status          TEXT   NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'sent', 'failed', 'unsent')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    -- A worker's lease: another node (PostgreSQL) skips the row until it ends, so a mail
    -- is sent once; a worker that died mid-send leaves it to be claimed again afterwards.
    claimed_until   BIGINT,
    claim           TEXT,
    last_error      TEXT   NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
-- Each mail once per thing it is about: a replayed webhook queues nothing new.
CREATE UNIQUE INDEX mail_outbox_once ON mail_outbox(kind, about_id);
CREATE INDEX mail_outbox_due ON mail_outbox(status, next_attempt_at);
CREATE INDEX mail_outbox_about ON mail_outbox(shop_id, about_id);
