-- Retention and erasure. The practice's retention period (a jurisdiction's preset or the owner's
-- number of years); a record of each erasure (ids, when, by whom, why as a code, how many rows per
-- table: nothing personal, and not tied to the case's rows, which are gone; and the installation's
-- newest data key at that moment, which a master key rotation replaces, so the dashboard can say
-- which erasures an older backup still opens); a patient's request
-- to erase their records and its answer (erased with the case when the case is erased).
ALTER TABLE practice ADD COLUMN retention_jurisdiction TEXT;
ALTER TABLE practice ADD COLUMN retention_years BIGINT;

CREATE TABLE erasures (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    erased_at BIGINT NOT NULL,
    erased_by TEXT NOT NULL,
    reason TEXT NOT NULL,
    row_counts TEXT NOT NULL,
    installation_key TEXT NOT NULL
);
CREATE INDEX erasures_by_time ON erasures(erased_at);

CREATE TABLE erasure_requests (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    requested_at BIGINT NOT NULL,
    answer TEXT NOT NULL,
    answered_at BIGINT,
    hold_until TEXT
);
CREATE INDEX erasure_requests_by_case ON erasure_requests(case_id, requested_at);
