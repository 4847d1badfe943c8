-- Date exceptions to a therapist's weekly windows: a day off (no times), or extra hours.

CREATE TABLE availability_exceptions (
    id TEXT PRIMARY KEY,
    therapist_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    start_minute BIGINT,
    end_minute BIGINT
);
CREATE INDEX exceptions_by_therapist ON availability_exceptions(therapist_id, day);
