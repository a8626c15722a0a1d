-- exctl records, SQLite. Keep in step with ../postgres/0009_list_refreshes.sql.
-- Each fetch of the official lists: per file, where from, its SHA-256,
-- size, entries and publication date, and what changed (entries added,
-- removed, changed, with examples); files that failed and why. `files` and
-- `failed` are JSON. Rows are never updated.
CREATE TABLE list_refreshes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    files        TEXT NOT NULL,
    failed       TEXT NOT NULL,
    changed      TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    actor        TEXT NOT NULL
);
