-- A data key per case: a case's messages and attachments are sealed under a key of their own,
-- so that erasing a case can be done by forgetting its key.

ALTER TABLE data_keys ADD COLUMN case_id TEXT;
CREATE INDEX data_keys_by_case ON data_keys(case_id);
