-- exctl records, SQLite. Keep in step with ../postgres/0008_ownership.sql.
-- Ownership and control: who holds whom, as sources state it. An import is
-- one reading of one source (a GLEIF relationship file, a FollowTheMoney
-- export, the user's own declarations); its entities and links are rows
-- never updated. The graph in use is, per source, its latest import: an
-- earlier one stays, for the decisions made with it. `digest` is the
-- SHA-256 of the import's entities and links in canonical form, so the
-- audited import row vouches for every one of them.
CREATE TABLE ownership_imports (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    source       TEXT NOT NULL,
    format       TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    file_sha256  TEXT NOT NULL,
    entities     INTEGER NOT NULL,
    links        INTEGER NOT NULL,
    digest       TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    actor        TEXT NOT NULL
);
-- `entity_key` is lei:CODE, SOURCE:ID or name:FOLDED; `name_key` the name
-- folded (letters and digits, lower case), empty where the source gives no
-- name (GLEIF relationship records name LEIs only).
CREATE TABLE ownership_entities (
    import_id    INTEGER NOT NULL REFERENCES ownership_imports (id),
    entity_key   TEXT NOT NULL,
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL,
    country      TEXT,
    PRIMARY KEY (import_id, entity_key)
);
CREATE INDEX ownership_entities_name ON ownership_entities (name_key);
CREATE INDEX ownership_entities_key ON ownership_entities (entity_key);
-- `kind`: owns (with percent), owns_unstated, controls.
CREATE TABLE ownership_links (
    import_id    INTEGER NOT NULL REFERENCES ownership_imports (id),
    owner_key    TEXT NOT NULL,
    owned_key    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    percent      REAL,
    relation     TEXT NOT NULL,
    start_date   TEXT,
    end_date     TEXT
);
CREATE INDEX ownership_links_owned ON ownership_links (owned_key, import_id);
