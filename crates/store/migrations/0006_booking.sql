-- Booking: each therapist's availability in their own zone, appointment types, and appointments.
-- Double booking is impossible by construction: a booked appointment holds one row per
-- five-minute cell of its time (buffer included) under a primary key, so a second appointment
-- over any of those cells cannot be written, however many requests race.

CREATE TABLE appointment_types (
    id TEXT PRIMARY KEY,
    therapist_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    type_key TEXT NOT NULL,
    name TEXT NOT NULL,
    minutes BIGINT NOT NULL,
    buffer_minutes BIGINT NOT NULL,
    price_cents BIGINT,
    UNIQUE (therapist_id, type_key)
);

-- Weekly windows: weekday 1 (Monday) to 7, minutes after local midnight.
CREATE TABLE availability_windows (
    id TEXT PRIMARY KEY,
    therapist_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    weekday BIGINT NOT NULL,
    start_minute BIGINT NOT NULL,
    end_minute BIGINT NOT NULL
);
CREATE INDEX windows_by_therapist ON availability_windows(therapist_id);

CREATE TABLE booking_rules (
    therapist_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    notice_minutes BIGINT NOT NULL,
    horizon_days BIGINT NOT NULL,
    daily_cap BIGINT,
    cancel_notice_minutes BIGINT NOT NULL
);

CREATE TABLE appointments (
    id TEXT PRIMARY KEY,
    therapist_id TEXT NOT NULL REFERENCES users(id),
    case_id TEXT REFERENCES cases(id),
    type_key TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    held_until BIGINT NOT NULL,
    status TEXT NOT NULL,
    sequence BIGINT NOT NULL,
    note_sealed TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX appointments_by_therapist ON appointments(therapist_id, starts_at);
CREATE INDEX appointments_by_case ON appointments(case_id);

CREATE TABLE appointment_cells (
    therapist_id TEXT NOT NULL,
    cell BIGINT NOT NULL,
    appointment_id TEXT NOT NULL REFERENCES appointments(id) ON DELETE CASCADE,
    PRIMARY KEY (therapist_id, cell)
);
CREATE INDEX cells_by_appointment ON appointment_cells(appointment_id);
