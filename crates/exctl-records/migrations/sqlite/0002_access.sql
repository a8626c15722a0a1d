-- exctl records, SQLite: API keys and refused requests. Keep in step with
-- ../postgres/0002_access.sql.

-- The secret is never stored: only its SHA-256. Revoking sets revoked_at.
CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    key_id       TEXT NOT NULL UNIQUE,
    secret_hash  TEXT NOT NULL,
    role         TEXT NOT NULL,
    name         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    revoked_at   TEXT,
    actor        TEXT NOT NULL
);

-- Every request refused for want of a key or a role.
CREATE TABLE refusals (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           TEXT NOT NULL,
    key_id       TEXT,
    role         TEXT,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    status       INTEGER NOT NULL,
    reason       TEXT NOT NULL,
    remote       TEXT
);
