-- The video room of each appointment. Its phase is derived from these rows and the clock, never
-- stored: who else is invited (couples, families), who the therapist has let in, whether the
-- therapist ended it, and who is connected right now (one row per live connection, refreshed by
-- the instance that holds it, so several instances on one database see the same room).

CREATE TABLE appointment_guests (
    appointment_id TEXT NOT NULL REFERENCES appointments(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (appointment_id, user_id)
);

CREATE TABLE room_admissions (
    appointment_id TEXT NOT NULL REFERENCES appointments(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    admitted_at BIGINT NOT NULL,
    PRIMARY KEY (appointment_id, user_id)
);

CREATE TABLE room_endings (
    appointment_id TEXT PRIMARY KEY REFERENCES appointments(id) ON DELETE CASCADE,
    ended_at BIGINT NOT NULL
);

CREATE TABLE room_presence (
    connection_id TEXT PRIMARY KEY,
    appointment_id TEXT NOT NULL REFERENCES appointments(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    since BIGINT NOT NULL,
    seen_at BIGINT NOT NULL
);
CREATE INDEX presence_by_room ON room_presence(appointment_id);

-- Signals too large for a PostgreSQL notification (8,000 bytes) wait here for a moment.
CREATE TABLE room_signals (
    id TEXT PRIMARY KEY,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
