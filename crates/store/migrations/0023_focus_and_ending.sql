-- The path ahead, kept: one current treatment focus per case (its text and goals sealed as one
-- JSON under the case's key, bound to the case id), the day it is reviewed (a calendar day in the
-- therapist's zone, 'YYYY-MM-DD'), and reviews as dated entries that are only ever inserted.
CREATE TABLE treatment_focus (
    case_id TEXT PRIMARY KEY REFERENCES cases(id),
    focus_sealed TEXT NOT NULL,
    review_on TEXT,
    started_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE focus_reviews (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    body_sealed TEXT NOT NULL,
    author_id TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX focus_reviews_case ON focus_reviews (case_id, created_at);

-- Ending well: the planned last day (a calendar day in the therapist's zone) while the case runs;
-- at its close the closing (summary, referral, letter: one sealed JSON, bound to the case id),
-- how it closed ('ended' or 'referred'), when and by whom.
CREATE TABLE case_endings (
    case_id TEXT PRIMARY KEY REFERENCES cases(id),
    planned_on TEXT,
    planned_at BIGINT,
    kind TEXT,
    closing_sealed TEXT,
    closed_at BIGINT,
    closed_by TEXT REFERENCES users(id)
);
