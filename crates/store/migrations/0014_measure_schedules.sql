-- A measure asked again every few weeks in a case. The job that sends it is keyed by the case,
-- the measure and `next_at`, so a changed schedule leaves the old job nothing to do (it finds
-- the schedule not yet due). `shared_at` is set while the patient may see the measure's chart.
-- Stopping deletes the row: nothing is sent, nothing is shared.
CREATE TABLE measure_schedules (
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    measure_key TEXT NOT NULL,
    every_weeks BIGINT NOT NULL,
    next_at BIGINT NOT NULL,
    shared_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (case_id, measure_key)
);
