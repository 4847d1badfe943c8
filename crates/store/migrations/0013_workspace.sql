-- The therapist's first-session workspace, one per case: the guide's ticked areas (keys only),
-- the decision (it drives the case's stage, like the stage itself it is kept readable), and every
-- word the therapist wrote, sealed as one whole under the case's key. And when each case entered
-- its present stage, for the board's "waiting since".

CREATE TABLE workspaces (
    case_id TEXT PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    guide TEXT NOT NULL,
    content_sealed TEXT NOT NULL,
    decision TEXT,
    summary_shared BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

ALTER TABLE cases ADD COLUMN stage_since BIGINT;
UPDATE cases SET stage_since = updated_at;
