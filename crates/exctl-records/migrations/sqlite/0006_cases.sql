-- exctl records, SQLite. Keep in step with ../postgres/0006_cases.sql.
-- The work queue: a case per open list hit (found by a recorded check or
-- screen, a rescreen, or asked to be cleared) and per held order (a recorded
-- check that needs a licence, is prohibited or needs information). The
-- list entry's hash is kept when a clearance is proposed: an entry that
-- changes before approval is not cleared. A case
-- moves open → pending (a resolution proposed) → closed (approved by
-- another officer), or back to open when the approver rejects it. Its
-- history is in case_events, appended only.
CREATE TABLE cases (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    decision_id  INTEGER REFERENCES decisions (id),
    rescreen_id  INTEGER REFERENCES rescreens (id),
    subject      TEXT NOT NULL,
    party_id     INTEGER REFERENCES parties (id),
    list         TEXT,
    entry_id     TEXT,
    outcome      TEXT,
    entry_hash   TEXT,
    status       TEXT NOT NULL,
    assignee     TEXT,
    resolution   TEXT,
    reason       TEXT,
    proposed_by  TEXT,
    approved_by  TEXT,
    opened_at    TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    actor        TEXT NOT NULL
);
CREATE INDEX cases_status ON cases (status);
CREATE INDEX cases_hit ON cases (party_id, list, entry_id);

CREATE TABLE case_events (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id          INTEGER NOT NULL REFERENCES cases (id),
    at               TEXT NOT NULL,
    actor            TEXT NOT NULL,
    action           TEXT NOT NULL,
    text             TEXT NOT NULL,
    evidence_name    TEXT,
    evidence_sha256  TEXT,
    evidence         TEXT
);
CREATE INDEX case_events_case ON case_events (case_id);
