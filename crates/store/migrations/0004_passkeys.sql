-- Passkeys (WebAuthn): a patient's way to skip the email link, a therapist's second factor.
-- The credential and the ceremony state are sealed; the credential id is public by design.

CREATE TABLE passkeys (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    credential_id TEXT NOT NULL UNIQUE,
    passkey_sealed TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX passkeys_by_user ON passkeys(user_id);

CREATE TABLE webauthn_challenges (
    id TEXT PRIMARY KEY,
    user_id TEXT,
    kind TEXT NOT NULL,
    state_sealed TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
