-- Questionnaires as versioned data, the answers to them, and the mark on a case that a response
-- needs the therapist's attention.
--
-- A questionnaire version is written once and never changed: an edit is a new row. Built-in
-- questionnaires have no therapist and a fixed id (`builtin-<key>-<version>`). The definition is
-- JSON in TEXT (sections and questions; no clinical content).
CREATE TABLE questionnaires (
    id TEXT PRIMARY KEY,
    therapist_id TEXT REFERENCES users(id) ON DELETE CASCADE,
    questionnaire_key TEXT NOT NULL,
    version BIGINT NOT NULL,
    title TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX questionnaires_own_versions ON questionnaires(therapist_id, questionnaire_key, version);

-- One person's answers to one version. The answers (and everything derived from them, such as a
-- measure's total and severity, which are computed when read) are sealed under the case's key;
-- only the fact that a risk answer was seen is kept in the clear, so the therapist's lists can
-- show it. At most one unsent response per case and questionnaire.
CREATE TABLE responses (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    questionnaire_id TEXT NOT NULL REFERENCES questionnaires(id),
    questionnaire_key TEXT NOT NULL,
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    answers_sealed TEXT,
    risk_at BIGINT,
    assigned_by TEXT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    submitted_at BIGINT
);
CREATE INDEX responses_by_case ON responses(case_id, created_at);
CREATE UNIQUE INDEX responses_one_open ON responses(case_id, questionnaire_key) WHERE submitted_at IS NULL;

-- "A response needs your attention", until the therapist has seen it.
CREATE TABLE case_attention (
    case_id TEXT PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    response_id TEXT NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
    raised_at BIGINT NOT NULL,
    seen_at BIGINT,
    seen_by TEXT
);
