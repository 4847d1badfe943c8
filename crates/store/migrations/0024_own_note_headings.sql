-- Each therapist's own note template: a name and two to four headings (a JSON array of short
-- lines). Not sealed: headings are the therapist's words about how they write, not about anyone.
-- A note written with them keeps its own copy inside its sealed body, so a change here reaches
-- no note.
CREATE TABLE own_note_headings (
    therapist_id TEXT PRIMARY KEY REFERENCES users(id),
    name TEXT NOT NULL,
    headings TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
