-- exctl records, SQLite. Keep in step with ../postgres/0004_supersessions.sql.
-- A batch line recorded again with other content or other rule/list
-- versions: the new decision supersedes the one recorded before, which
-- stays as it was.
CREATE TABLE supersessions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    decision_id   INTEGER NOT NULL REFERENCES decisions (id),
    supersedes_id INTEGER NOT NULL REFERENCES decisions (id),
    line          TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    actor         TEXT NOT NULL
);
CREATE INDEX supersessions_old ON supersessions (supersedes_id);
