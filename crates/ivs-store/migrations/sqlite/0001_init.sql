-- ivs schema, SQLite. Times are unix seconds; booleans are 0/1; JSON is TEXT.
CREATE TABLE partners (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    api_key          TEXT NOT NULL UNIQUE,
    secret_hash      TEXT NOT NULL,
    mode             TEXT NOT NULL,
    webhook_url      TEXT,
    signing_key      TEXT NOT NULL,
    webhook_disabled BIGINT NOT NULL DEFAULT 0,
    token_defaults   TEXT NOT NULL DEFAULT '{}',
    created_at       BIGINT NOT NULL
);

CREATE TABLE verifications (
    scan_ref         TEXT PRIMARY KEY,
    partner_id       TEXT NOT NULL REFERENCES partners(id),
    client_id        TEXT NOT NULL,
    auth_token       TEXT NOT NULL UNIQUE,
    digit_string     TEXT,
    phase            TEXT NOT NULL,
    status           TEXT NOT NULL,
    token            TEXT NOT NULL,
    auto_document    TEXT,
    auto_face        TEXT,
    manual_document  TEXT,
    manual_face      TEXT,
    fraud_tags       TEXT NOT NULL DEFAULT '[]',
    mismatch_tags    TEXT NOT NULL DEFAULT '[]',
    data             TEXT,
    selected_country TEXT,
    document_type    TEXT,
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    submitted_at     BIGINT,
    finished_at      BIGINT,
    deleted_at       BIGINT
);
CREATE INDEX verifications_partner ON verifications(partner_id, created_at);
CREATE INDEX verifications_client ON verifications(partner_id, client_id);

CREATE TABLE files (
    scan_ref     TEXT NOT NULL REFERENCES verifications(scan_ref),
    kind         TEXT NOT NULL,
    object_key   TEXT NOT NULL,
    content_type TEXT NOT NULL,
    byte_len     BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (scan_ref, kind)
);

CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    status       TEXT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    run_at       BIGINT NOT NULL,
    locked_by    TEXT,
    heartbeat_at BIGINT,
    last_error   TEXT,
    unique_key   TEXT UNIQUE,
    created_at   BIGINT NOT NULL,
    finished_at  BIGINT
);
CREATE INDEX jobs_ready ON jobs(status, run_at);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
