-- The therapy agreement. A therapist's template is saved as a new version each time, never
-- changed. An agreement sent to a case keeps the exact text that was sent (sealed under the case's
-- key) and the SHA-256 of that text (not secret: it proves which text was signed). The signer's
-- typed name, address and browser are sealed too. At most one agreement per case is open
-- (sent, neither signed nor withdrawn) at a time.

CREATE TABLE agreement_templates (
    id TEXT PRIMARY KEY,
    therapist_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    body TEXT NOT NULL,
    terms TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (therapist_id, version)
);

CREATE TABLE agreements (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    template_id TEXT NOT NULL REFERENCES agreement_templates(id),
    version BIGINT NOT NULL,
    text_sealed TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    overrides_sealed TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    sent_by TEXT NOT NULL REFERENCES users(id),
    signed_at BIGINT,
    signer_name_sealed TEXT,
    signer_address_sealed TEXT,
    signer_agent_sealed TEXT,
    countersigned_at BIGINT,
    countersigned_by TEXT REFERENCES users(id),
    withdrawn_at BIGINT
);
CREATE INDEX agreements_by_case ON agreements(case_id, sent_at);
CREATE UNIQUE INDEX agreements_one_open_per_case ON agreements(case_id) WHERE signed_at IS NULL AND withdrawn_at IS NULL;
