-- The inbox of inquiries pages by keyset: the page older than a message reads
-- `(created_at, id) < (its time, its id)` newest first, the page newer than it
-- `(created_at, id) > (...)` oldest first. A row comparison seeks in an index only where the
-- key's columns run one way, so both indexes are ascending on (created_at, id), read backwards for
-- newest first (0031 had `created_at DESC, id`, which served OFFSET pages only).
DROP INDEX inquiries_by_status;
DROP INDEX inquiries_by_time;
CREATE INDEX inquiries_by_status ON inquiries(status, created_at, id);
CREATE INDEX inquiries_by_time ON inquiries(created_at, id);
