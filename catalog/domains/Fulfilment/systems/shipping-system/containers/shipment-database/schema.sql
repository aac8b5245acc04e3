-- System of record for shipments, with the outbox that publishes shipment-dispatched.
CREATE TABLE shipment (
    shipment_id     uuid        PRIMARY KEY,
    order_id        uuid        NOT NULL UNIQUE,  -- a redelivered payment-captured is a no-op
    carrier         text        NOT NULL,
    tracking_number text        NOT NULL,
    dispatched_at   timestamptz NOT NULL
);

CREATE TABLE outbox (
    id           bigserial   PRIMARY KEY,
    event_type   text        NOT NULL,
    payload      jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
