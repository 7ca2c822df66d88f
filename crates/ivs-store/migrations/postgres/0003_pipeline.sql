-- Analysis pipeline (PostgreSQL twin of the SQLite migration), duplicate search, blocklists, manual review, per-partner policy, session length.

-- When the user opened the capture page, and when the session it started runs out (sessionLength).
ALTER TABLE verifications ADD COLUMN started_at BIGINT;
ALTER TABLE verifications ADD COLUMN session_ends_at BIGINT;

-- The analysis of a verification: the facts the decision used, the full evidence (scores, boxes,
-- timings, model versions) and the decision. Written in the same transaction as the result.
CREATE TABLE analyses (
    scan_ref   TEXT PRIMARY KEY REFERENCES verifications(scan_ref),
    partner_id TEXT NOT NULL,
    facts      TEXT NOT NULL,
    evidence   TEXT NOT NULL,
    decision   TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX analyses_created ON analyses(created_at);

-- Face embeddings of analysed verifications (selfie and document portrait), for duplicate search.
CREATE TABLE faces (
    id         BIGSERIAL PRIMARY KEY,
    partner_id TEXT NOT NULL,
    scan_ref   TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    source     TEXT NOT NULL,
    embedding  TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX faces_scan ON faces(scan_ref);

-- Hashed document number / personal code of analysed verifications (duplicate personal data).
CREATE TABLE person_keys (
    partner_id TEXT NOT NULL,
    scan_ref   TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    key_hash   TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX person_keys_lookup ON person_keys(partner_id, kind, key_hash);
CREATE INDEX person_keys_scan ON person_keys(scan_ref);

-- Blocklist entries: a copy of the blocked face or key, so they outlive the verification.
CREATE TABLE blocklist (
    id         BIGSERIAL PRIMARY KEY,
    partner_id TEXT NOT NULL,
    scan_ref   TEXT NOT NULL,
    list       TEXT NOT NULL,
    reason     TEXT,
    embedding  TEXT,
    kind       TEXT,
    key_hash   TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX blocklist_partner ON blocklist(partner_id, list);

CREATE TABLE reviewers (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE audit_log (
    id         BIGSERIAL PRIMARY KEY,
    scan_ref   TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    reason     TEXT,
    detail     TEXT NOT NULL DEFAULT '{}',
    at         BIGINT NOT NULL
);
CREATE INDEX audit_log_scan ON audit_log(scan_ref, id);

CREATE TABLE policies (
    partner_id TEXT PRIMARY KEY REFERENCES partners(id),
    policy     TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
