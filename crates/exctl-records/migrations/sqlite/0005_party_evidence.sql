-- exctl records, SQLite. Keep in step with ../postgres/0005_party_evidence.sql.
-- What a screen knew of a party besides its name (date of birth,
-- identifiers as KIND:NUMBER separated by ';'), so that a rescreen weighs
-- it too. Appended when a screen brings something not yet stored; never
-- changed.
CREATE TABLE party_evidence (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    party_id     INTEGER NOT NULL REFERENCES parties (id),
    birth_date   TEXT,
    ids          TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    actor        TEXT NOT NULL
);
CREATE INDEX party_evidence_party ON party_evidence (party_id);
