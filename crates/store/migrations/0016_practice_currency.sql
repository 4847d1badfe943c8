-- The currency the practice's fees are in (ISO 4217), shown beside every amount; EUR until the
-- practice says otherwise.
ALTER TABLE practice ADD COLUMN currency TEXT NOT NULL DEFAULT 'EUR';
