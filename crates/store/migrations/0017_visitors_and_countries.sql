-- Which appointment types a new visitor may book at /book: the first consultation, until the
-- therapist says otherwise; sessions and anything else are for patients only.
ALTER TABLE appointment_types ADD COLUMN open_to_visitors BIGINT NOT NULL DEFAULT 0;
UPDATE appointment_types SET open_to_visitors = 1 WHERE type_key = 'first';

-- The country a patient lives in (ISO 3166-1 alpha-2), as they said at booking or in their
-- profile; NULL until they say, when it is guessed from their time zone.
ALTER TABLE users ADD COLUMN country TEXT;

-- The practice's crisis contacts for one country each; the practice's `crisis_contacts` is the
-- line for anywhere else.
CREATE TABLE crisis_lines (
    country TEXT PRIMARY KEY,
    contacts TEXT NOT NULL
);
