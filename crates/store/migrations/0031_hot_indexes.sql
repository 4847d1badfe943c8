-- Indexes for the reads of the hot pages and jobs that otherwise scan a table growing with the
-- practice's history (found by the plans test, crates/web/tests/plans). Each says which read.

-- A case's thread reads the attachments of its messages by case.
CREATE INDEX attachments_by_case ON attachments(case_id);

-- The day counts the erasures since the installation key's rotation.
CREATE INDEX erasures_by_installation_key ON erasures(installation_key);

-- The booking page, the jobs and the team list the practice's therapists among all its users,
-- nearly all of whom are patients.
CREATE INDEX users_by_role ON users(role, name);

-- The inbox of inquiries, newest first, all of them or one status (the day shows the new ones):
-- the index's order is the page's, so a page reads its own rows and stops.
DROP INDEX inquiries_by_status;
CREATE INDEX inquiries_by_status ON inquiries(status, created_at DESC, id);
CREATE INDEX inquiries_by_time ON inquiries(created_at DESC, id);

-- The portal's coming appointments: a patient's cases' appointments, a therapist's, a guest's,
-- each read from now on only.
CREATE INDEX appointments_by_case_end ON appointments(case_id, ends_at);
CREATE INDEX appointments_by_therapist_end ON appointments(therapist_id, ends_at);
CREATE INDEX guests_by_user ON appointment_guests(user_id);

-- The day's lists of what waits for the therapist (unread messages, answers to review, agreements
-- to countersign, cases asking for attention) are a few rows among years of settled ones: partial
-- indexes hold only the waiting rows, so those lists need not visit every case of the therapist.
CREATE INDEX messages_unread ON messages(case_id) WHERE read_at IS NULL;
CREATE INDEX responses_to_review ON responses(case_id) WHERE submitted_at IS NOT NULL AND reviewed_at IS NULL;
CREATE INDEX agreements_to_countersign ON agreements(case_id) WHERE signed_at IS NOT NULL AND countersigned_at IS NULL AND withdrawn_at IS NULL;
CREATE INDEX case_attention_unseen ON case_attention(raised_at) WHERE seen_at IS NULL;
