-- Order Database: system of record for orders, with the transactional outbox.

CREATE TABLE orders (
    order_id        UUID PRIMARY KEY,
    checkout_id     UUID NOT NULL UNIQUE,          -- one order per checkout: create-order is idempotent
    customer_id     UUID NOT NULL,
    reservation_id  UUID NOT NULL,
    authorization_id TEXT NOT NULL,
    total_minor     BIGINT NOT NULL CHECK (total_minor >= 0),
    currency        CHAR(3) NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE order_lines (
    order_id          UUID NOT NULL REFERENCES orders (order_id) ON DELETE CASCADE,
    line_no           INTEGER NOT NULL CHECK (line_no > 0),
    sku               TEXT NOT NULL,
    quantity          INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_minor  BIGINT NOT NULL CHECK (unit_price_minor >= 0),
    PRIMARY KEY (order_id, line_no)
);

-- Written in the same transaction as the order; a relay publishes and marks rows sent.
CREATE TABLE outbox (
    outbox_id     BIGSERIAL PRIMARY KEY,
    aggregate_id  UUID NOT NULL REFERENCES orders (order_id),
    event_type    TEXT NOT NULL,                   -- 'order-created'
    event_version TEXT NOT NULL,                   -- '1.0.0'
    payload       JSONB NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at       TIMESTAMPTZ
);

CREATE INDEX idx_outbox_unsent ON outbox (outbox_id) WHERE sent_at IS NULL;
