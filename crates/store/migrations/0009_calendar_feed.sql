-- A therapist's private calendar feed: a secret address (only its hash is kept) that a calendar
-- app subscribes to; a new address revokes the old. Initials only, unless names are chosen.

CREATE TABLE calendar_feeds (
    therapist_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    show_names BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
