-- Crisis contacts by country: the practice's `crisis_contacts` stays the text for anywhere; a row
-- here is one country's services (ISO 3166-1 alpha-2, upper case). A person's country is the one
-- they gave (NULL: guessed from their time zone when read).
CREATE TABLE crisis_lines (
    country TEXT PRIMARY KEY,
    contacts TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
ALTER TABLE users ADD COLUMN country TEXT;
