-- The therapist's day. What each therapist wants to be told at once (a content-free mail on a
-- booking, a cancellation or a move; the daily agenda with initials only), and when they last
-- marked the day's news as seen: bookings and cancellations after that instant are "new".
-- A returned questionnaire is new until the therapist has opened it (reviewed_at).
-- What a visitor wrote in an inquiry that became a case stays on the case, sealed under the
-- case's key (the inquiry itself may be deleted later).

CREATE TABLE therapist_day (
    therapist_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    tell_booking BIGINT NOT NULL,
    tell_cancellation BIGINT NOT NULL,
    tell_move BIGINT NOT NULL,
    daily_agenda BIGINT NOT NULL,
    seen_at BIGINT
);

ALTER TABLE responses ADD COLUMN reviewed_at BIGINT;

CREATE TABLE case_origins (
    case_id TEXT PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    inquiry_id TEXT,
    text_sealed TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE INDEX appointments_by_created ON appointments(therapist_id, created_at);
CREATE INDEX appointments_by_cancelled ON appointments(therapist_id, cancelled_at);
