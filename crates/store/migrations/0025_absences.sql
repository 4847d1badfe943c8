-- Time away: whole days in the therapist's zone (a holiday, illness), or, with no therapist, a
-- bank holiday of the whole practice (entered by the owner). Nothing clinical: not sealed.
CREATE TABLE absences (
    id TEXT PRIMARY KEY,
    therapist_id TEXT REFERENCES users(id),
    first_date TEXT NOT NULL,
    last_date TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX absences_by_therapist ON absences (therapist_id, last_date);
