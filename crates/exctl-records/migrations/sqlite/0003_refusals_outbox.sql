-- exctl records, SQLite: refused requests counted per client, and the
-- webhook outbox. Keep in step with ../postgres/0003_refusals_outbox.sql.

-- Refused requests, one row per client address per window (a minute):
-- how many, when, with which keys and paths. The server counts them in
-- memory and writes each window once it has closed; audited like every
-- record. The per-request table `refusals` keeps the rows written before.
CREATE TABLE refusal_windows (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    first_at     TEXT NOT NULL,
    last_at      TEXT NOT NULL,
    remote       TEXT,
    refused      INTEGER NOT NULL,
    -- Of those, answered 429 (over the client's rate).
    limited      INTEGER NOT NULL,
    -- JSON: {"401": n, "403": m}, and arrays of the distinct key ids,
    -- "METHOD /path" and reasons seen (each capped).
    statuses     TEXT NOT NULL,
    key_ids      TEXT NOT NULL,
    paths        TEXT NOT NULL,
    reasons      TEXT NOT NULL
);

-- Webhook deliveries waiting, done or given up: one row per event and
-- receiver, so that a restarted server resumes what it had not delivered.
-- Operational bookkeeping, not a record: not in the audit trail (the
-- events themselves are records that are).
CREATE TABLE webhook_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    url             TEXT NOT NULL,
    event           TEXT NOT NULL,
    delivery        TEXT NOT NULL,
    -- The JSON body exactly as sent (and signed) on every attempt.
    payload         TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    -- Unix milliseconds; while an attempt is under way, when it may be
    -- taken over (the lease ends).
    next_attempt_ms INTEGER NOT NULL,
    -- pending, delivered or failed.
    state           TEXT NOT NULL,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (state, next_attempt_ms);
