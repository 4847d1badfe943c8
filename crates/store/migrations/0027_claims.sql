-- Billing in the United States: what a case's superbills say beyond the invoice (diagnoses, place
-- of service, date of birth, address; sealed with the case, like `case_billing`), and the Good
-- Faith Estimates given to self-pay patients, archived like invoices: sealed, their SHA-256 kept.
CREATE TABLE case_claims (
    case_id TEXT PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    diagnoses_sealed TEXT NOT NULL,
    place_sealed TEXT NOT NULL,
    birth_date_sealed TEXT NOT NULL,
    address_sealed TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE good_faith_estimates (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    created_at BIGINT NOT NULL,
    total_minor BIGINT NOT NULL,
    pdf_sealed {blob} NOT NULL,
    pdf_sha256 TEXT NOT NULL
);
CREATE INDEX good_faith_estimates_by_case ON good_faith_estimates(case_id, created_at);
