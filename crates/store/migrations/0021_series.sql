-- The regular hour: a series of sessions at a wall-clock time in the therapist's zone. Its
-- sessions are ordinary appointments (they hold their cells like any other), created over a
-- rolling horizon; each names its occurrence, the date the rule put it on in the series' zone,
-- which stays when it is moved (the calendar's RECURRENCE-ID). A cancelled occurrence is an
-- appointment row with status 'cancelled' and is never created again (the unique index).
-- Changing a series from a date on ends it the day before and begins another (`follows`).
CREATE TABLE series (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    therapist_id TEXT NOT NULL REFERENCES users(id),
    type_key TEXT NOT NULL,
    frequency TEXT NOT NULL,
    first_date TEXT NOT NULL,
    local_time TEXT NOT NULL,
    second_day BIGINT,
    until_date TEXT,
    zone TEXT NOT NULL,
    follows TEXT REFERENCES series(id),
    sequence BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX series_by_case ON series (case_id);
CREATE INDEX series_by_therapist ON series (therapist_id);

ALTER TABLE appointments ADD COLUMN series_id TEXT REFERENCES series(id);
ALTER TABLE appointments ADD COLUMN occurrence TEXT;
CREATE UNIQUE INDEX appointments_by_occurrence ON appointments (series_id, occurrence);
