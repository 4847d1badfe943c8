-- A link in the confirmation lets the patient manage the booking without signing in; only the
-- hash of its token is kept. A cancellation inside the notice period is recorded as late (the
-- therapist decides about a fee; nothing is charged automatically).

ALTER TABLE appointments ADD COLUMN manage_token_hash TEXT;
ALTER TABLE appointments ADD COLUMN cancelled_at BIGINT;
ALTER TABLE appointments ADD COLUMN cancelled_late BIGINT;
CREATE INDEX appointments_by_token ON appointments(manage_token_hash);
