-- One note per session, sealed under the case's key (bound to the appointment's id). A signed note
-- (`signed_at`) is never updated again: the store's writes say `WHERE signed_at IS NULL`, and
-- corrections are addenda, each sealed and dated. The process notes are the therapist's private
-- working notes, sealed apart, not part of the record.
CREATE TABLE session_notes (
    appointment_id TEXT PRIMARY KEY REFERENCES appointments(id),
    case_id TEXT NOT NULL REFERENCES cases(id),
    template TEXT NOT NULL,
    body_sealed TEXT NOT NULL,
    process_sealed TEXT,
    updated_at BIGINT NOT NULL,
    signed_at BIGINT,
    signed_by TEXT REFERENCES users(id)
);
CREATE INDEX session_notes_case ON session_notes (case_id);

CREATE TABLE session_note_addenda (
    id TEXT PRIMARY KEY,
    appointment_id TEXT NOT NULL REFERENCES session_notes(appointment_id),
    body_sealed TEXT NOT NULL,
    author_id TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX session_note_addenda_note ON session_note_addenda (appointment_id, created_at);
