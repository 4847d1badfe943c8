-- Attendance: what became of each session, on the appointment itself (one record per session,
-- living and dying with it). `attendance` is attended, late_cancelled, no_show or
-- therapist_cancelled (NULL: not recorded yet, or a patient's cancellation in time);
-- `charge` is the therapist's decision on a late cancellation or a no-show (NULL: not decided,
-- the therapist's default applies; 1 charged; 0 not). Corrections are in the audit log.
ALTER TABLE appointments ADD COLUMN attendance TEXT;
ALTER TABLE appointments ADD COLUMN charge BIGINT;
ALTER TABLE appointments ADD COLUMN attendance_at BIGINT;
ALTER TABLE appointments ADD COLUMN attendance_by TEXT;
CREATE INDEX appointments_by_case_start ON appointments(case_id, starts_at);
-- The therapist's default for late cancellations and no-shows, with the cancellation notice.
ALTER TABLE booking_rules ADD COLUMN late_charge BIGINT NOT NULL DEFAULT 1;
