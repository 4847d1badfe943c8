-- A measure may be asked every so many sessions as well as weeks. `every_weeks` then holds the
-- number of sessions, and `next_at` the time the sessions are counted from (when the schedule
-- was set or the measure last sent by it); the job waits for the end of the last one.
ALTER TABLE measure_schedules ADD COLUMN unit TEXT NOT NULL DEFAULT 'weeks';
