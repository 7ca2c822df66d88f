-- Webhook outbox: one row per notified status change, written in the same transaction as the
-- change. Rows are claimed like jobs; every delivery attempt is logged.
CREATE TABLE webhook_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id        TEXT NOT NULL UNIQUE,
    partner_id      TEXT NOT NULL REFERENCES partners(id),
    scan_ref        TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    final           BIGINT NOT NULL,
    callback_url    TEXT,
    status          TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_by       TEXT,
    locked_at       BIGINT,
    created_at      BIGINT NOT NULL,
    delivered_at    BIGINT,
    last_status     BIGINT,
    last_error      TEXT
);
CREATE INDEX webhook_events_due ON webhook_events(status, next_attempt_at);
CREATE INDEX webhook_events_partner ON webhook_events(partner_id, status);

CREATE TABLE webhook_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id    TEXT NOT NULL,
    attempt     BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    url         TEXT NOT NULL,
    status_code BIGINT,
    latency_ms  BIGINT NOT NULL,
    error       TEXT
);
CREATE INDEX webhook_attempts_event ON webhook_attempts(event_id, attempt);
