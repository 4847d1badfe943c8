-- The audit log: an append-only, hash-chained record of who did what to which case, and when.
-- Each row's hash covers its own fields and the previous row's hash, so a changed, deleted or
-- reordered row breaks the chain from that row on (`holdspace audit verify`).

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id TEXT NOT NULL,
    action TEXT NOT NULL,
    case_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    outcome TEXT NOT NULL,
    source TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_by_case ON audit_log(case_id, seq);
