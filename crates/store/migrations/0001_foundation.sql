-- The foundation: the practice, its people and their sessions, the public site, messages from
-- visitors, the job outbox, the dev mailbox, and the data keys that seal clinical text.
-- Instants are BIGINT milliseconds since the epoch (UTC). Identifiers are TEXT.

CREATE TABLE practice (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    tagline TEXT NOT NULL,
    owner_name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    crisis_contacts TEXT NOT NULL,
    home_intro TEXT NOT NULL,
    message_policy TEXT NOT NULL,
    support_contact TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    password_hash TEXT,
    created_at BIGINT NOT NULL,
    disabled_at BIGINT
);

-- Only a hash of the session id is kept: a copy of the database signs nobody in.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    second_factor_at BIGINT,
    user_agent TEXT NOT NULL,
    ip TEXT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions(user_id);

CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

CREATE TABLE pages (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    slug TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    body TEXT NOT NULL,
    position BIGINT NOT NULL,
    published_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (kind, slug)
);
CREATE INDEX pages_published ON pages(kind, published_at);

-- A changed slug keeps answering: the old one redirects (301) to the page's current address.
CREATE TABLE slug_redirects (
    kind TEXT NOT NULL,
    old_slug TEXT NOT NULL,
    page_id TEXT NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    PRIMARY KEY (kind, old_slug)
);

CREATE TABLE tags (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE page_tags (
    page_id TEXT NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    tag_id TEXT NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    PRIMARY KEY (page_id, tag_id)
);

-- Images are content-addressed: the id is the SHA-256 of the bytes.
CREATE TABLE images (
    id TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    bytes {blob} NOT NULL,
    size BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Messages from the site's form. The message itself is sealed (see seal.rs).
CREATE TABLE inquiries (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT,
    preferred_time TEXT,
    message_sealed TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX inquiries_by_status ON inquiries(status, created_at);

CREATE TABLE inquiry_replies (
    id TEXT PRIMARY KEY,
    inquiry_id TEXT NOT NULL REFERENCES inquiries(id) ON DELETE CASCADE,
    author_id TEXT NOT NULL REFERENCES users(id),
    body_sealed TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX replies_by_inquiry ON inquiry_replies(inquiry_id, created_at);

-- The outbox: a job is written in the same transaction as the fact that causes it.
-- Payloads carry ids, never clinical text.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    run_at BIGINT NOT NULL,
    locked_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX jobs_due ON jobs(state, run_at);

-- Mail kept in the admin when no SMTP server is configured. Bodies are sealed.
CREATE TABLE mailbox (
    id TEXT PRIMARY KEY,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_sealed TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Data keys, each wrapped by a master key that never enters the database.
CREATE TABLE data_keys (
    id TEXT PRIMARY KEY,
    master_key_id TEXT NOT NULL,
    wrapped TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT
);
