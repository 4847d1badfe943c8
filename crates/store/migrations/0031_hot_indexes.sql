-- Indexes for the reads of the hot pages and jobs that otherwise scan a table growing with the
-- practice's history (found by the plans test, crates/web/tests/plans). Each says which read.

-- A case's thread reads the attachments of its messages by case.
CREATE INDEX attachments_by_case ON attachments(case_id);

-- The day counts the erasures since the installation key's rotation.
CREATE INDEX erasures_by_installation_key ON erasures(installation_key);

-- The booking page, the jobs and the team list the practice's therapists among all its users,
-- nearly all of whom are patients.
CREATE INDEX users_by_role ON users(role, name);
