-- The audit chain's scheme, one row: 'sha256' (the unkeyed hash every row carried before), or
-- 'mac' (HMAC-SHA256 under a key derived from the master key, so a rewrite needs the key). The
-- first start after this migration verifies an existing chain under SHA-256 and, only if it is
-- intact, re-chains it under the MAC in one transaction and sets 'mac' (store::audit::upgrade).
-- A new installation (no rows yet) is keyed from its first row.
-- `hash` and `prev_hash` of audit_log then hold MACs.
CREATE TABLE audit_chain (
    id BIGINT PRIMARY KEY,
    scheme TEXT NOT NULL,
    since BIGINT NOT NULL
);
INSERT INTO audit_chain (id, scheme, since)
    SELECT 1, CASE WHEN EXISTS (SELECT 1 FROM audit_log) THEN 'sha256' ELSE 'mac' END, 0;
-- When the owner confirmed holding a copy of the master key elsewhere (the admin's reminder);
-- cleared by a master key rotation, since the copy no longer opens anything.
ALTER TABLE practice ADD COLUMN master_key_copy_at BIGINT;
