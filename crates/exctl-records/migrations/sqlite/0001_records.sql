-- exctl records, SQLite. Keep in step with ../postgres/0001_records.sql:
-- the same tables, columns and order; only the types differ.

CREATE TABLE audit_keys (
    key_id      TEXT PRIMARY KEY,
    public_key  BLOB NOT NULL,
    created_at  TEXT NOT NULL
);

-- Append-only, hash-chained, signed. Never updated, never deleted.
CREATE TABLE audit (
    seq          INTEGER PRIMARY KEY,
    recorded_at  TEXT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    tbl          TEXT NOT NULL,
    record_id    INTEGER NOT NULL,
    before_json  TEXT,
    after_json   TEXT,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL,
    key_id       TEXT NOT NULL,
    signature    BLOB NOT NULL
);
CREATE INDEX audit_record ON audit (tbl, record_id);
CREATE INDEX audit_time ON audit (recorded_at);

CREATE TABLE decisions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    request_key  TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    actor        TEXT NOT NULL,
    subject      TEXT NOT NULL,
    destination  TEXT,
    parties      TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    as_of        TEXT NOT NULL,
    rules_hash   TEXT NOT NULL,
    list_version TEXT,
    input        TEXT NOT NULL,
    result       TEXT NOT NULL
);
CREATE INDEX decisions_time ON decisions (recorded_at);
CREATE INDEX decisions_subject ON decisions (subject);

CREATE TABLE licences (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    jurisdiction  TEXT NOT NULL,
    number        TEXT NOT NULL,
    holder        TEXT NOT NULL,
    body          TEXT NOT NULL,
    quantity_used REAL NOT NULL,
    value_used    REAL NOT NULL,
    recorded_at   TEXT NOT NULL,
    actor         TEXT NOT NULL,
    UNIQUE (jurisdiction, number)
);

CREATE TABLE shipments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    licence_id   INTEGER NOT NULL REFERENCES licences (id),
    reference    TEXT NOT NULL UNIQUE,
    quantity     REAL NOT NULL,
    value        REAL NOT NULL,
    shipped_on   TEXT NOT NULL,
    decision_id  INTEGER,
    recorded_at  TEXT NOT NULL,
    actor        TEXT NOT NULL
);

CREATE TABLE parties (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    party_key     TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    country       TEXT,
    entity_type   TEXT,
    first_seen    TEXT NOT NULL,
    actor         TEXT NOT NULL
);

CREATE TABLE hits (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    party_id     INTEGER NOT NULL REFERENCES parties (id),
    list         TEXT NOT NULL,
    entry_id     TEXT NOT NULL,
    entry_name   TEXT NOT NULL,
    entry_hash   TEXT NOT NULL,
    score        REAL NOT NULL,
    status       TEXT NOT NULL,
    list_version TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    UNIQUE (party_id, list, entry_id)
);

CREATE TABLE dispositions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    party_id     INTEGER NOT NULL REFERENCES parties (id),
    list         TEXT NOT NULL,
    entry_id     TEXT NOT NULL,
    entry_hash   TEXT NOT NULL,
    verdict      TEXT NOT NULL,
    reason       TEXT NOT NULL,
    active       INTEGER NOT NULL,
    recorded_at  TEXT NOT NULL,
    actor        TEXT NOT NULL
);
CREATE INDEX dispositions_party ON dispositions (party_id);

CREATE TABLE rescreens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    list_version TEXT NOT NULL,
    parties      INTEGER NOT NULL,
    new_hits     INTEGER NOT NULL,
    changed      INTEGER NOT NULL,
    cleared      INTEGER NOT NULL,
    alerts       TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    actor        TEXT NOT NULL
);
