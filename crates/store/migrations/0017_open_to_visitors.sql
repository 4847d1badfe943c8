-- Which appointment types a new visitor may book at /book: the first consultation, until the
-- therapist says otherwise; sessions and anything else are for patients only.
ALTER TABLE appointment_types ADD COLUMN open_to_visitors BIGINT NOT NULL DEFAULT 0;
UPDATE appointment_types SET open_to_visitors = 1 WHERE type_key = 'first';
