-- Billing: each therapist's billing profile, what each patient pays, invoices and credit notes
-- in the practice's one gapless sequence, payments, bank statements, online checkouts (reminders
-- are jobs, one per invoice and day).
-- Issued invoices never change: every statement that writes to an invoice or its lines says
-- `seq IS NULL` (a draft), and nothing deletes an issued one.
CREATE TABLE billing_profiles (
    therapist_id TEXT PRIMARY KEY REFERENCES users(id),
    issuer TEXT NOT NULL,
    address TEXT NOT NULL,
    tax_id TEXT NOT NULL,
    registration TEXT NOT NULL,
    country TEXT NOT NULL,
    account_holder TEXT NOT NULL,
    iban TEXT NOT NULL,
    bic TEXT NOT NULL,
    exemption TEXT NOT NULL,
    payment_days BIGINT NOT NULL,
    paper TEXT NOT NULL,
    cadence TEXT NOT NULL,
    reminder_days TEXT NOT NULL,
    number_prefix TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- What a patient pays and whom the invoice names, sealed with the case (a reduced fee is nobody
-- else's business).
CREATE TABLE case_billing (
    case_id TEXT PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    fee_sealed TEXT,
    recipient_sealed TEXT,
    updated_at BIGINT NOT NULL
);
-- The practice's one sequence: the last number given. Taken inside the issuing transaction, so
-- a failed issue gives its number back and concurrent issues queue on this row.
CREATE TABLE invoice_sequence (
    id TEXT PRIMARY KEY,
    last_number BIGINT NOT NULL
);
INSERT INTO invoice_sequence (id, last_number) VALUES ('practice', 0);
CREATE TABLE invoices (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    therapist_id TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    corrects_id TEXT REFERENCES invoices(id),
    seq BIGINT UNIQUE,
    number TEXT UNIQUE,
    currency TEXT NOT NULL,
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    issued_on TEXT,
    due_on TEXT,
    total_minor BIGINT NOT NULL,
    reference TEXT,
    recipient_sealed TEXT,
    pdf_sealed {blob},
    pdf_sha256 TEXT,
    created_at BIGINT NOT NULL,
    issued_at BIGINT,
    issued_by TEXT
);
CREATE INDEX invoices_by_therapist ON invoices(therapist_id, issued_at);
CREATE INDEX invoices_by_case ON invoices(case_id, created_at);
CREATE INDEX invoices_by_correction ON invoices(corrects_id);
CREATE TABLE invoice_lines (
    id TEXT PRIMARY KEY,
    invoice_id TEXT NOT NULL REFERENCES invoices(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    appointment_id TEXT,
    service_date TEXT NOT NULL,
    description TEXT NOT NULL,
    minutes BIGINT NOT NULL,
    quantity BIGINT NOT NULL,
    unit_minor BIGINT NOT NULL
);
CREATE INDEX invoice_lines_by_invoice ON invoice_lines(invoice_id, position);
CREATE INDEX invoice_lines_by_appointment ON invoice_lines(appointment_id);
-- `source` names where a payment came from (a bank statement's entry, a provider's event): one
-- payment per source, ever, however often the statement is read or the webhook delivered.
CREATE TABLE payments (
    id TEXT PRIMARY KEY,
    invoice_id TEXT NOT NULL REFERENCES invoices(id),
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    received_on TEXT NOT NULL,
    method TEXT NOT NULL,
    source TEXT UNIQUE,
    receipt_pdf_sealed {blob},
    receipt_sha256 TEXT,
    recorded_by TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX payments_by_invoice ON payments(invoice_id);
CREATE TABLE statement_imports (
    id TEXT PRIMARY KEY,
    therapist_id TEXT NOT NULL REFERENCES users(id),
    sha256 TEXT NOT NULL,
    format TEXT NOT NULL,
    credits BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (therapist_id, sha256)
);
-- A credit from a statement and what it was matched to: `state` is open, confirmed or dismissed.
CREATE TABLE statement_credits (
    id TEXT PRIMARY KEY,
    import_id TEXT NOT NULL REFERENCES statement_imports(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    entry_key TEXT NOT NULL,
    booked_on TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    counterparty_sealed TEXT NOT NULL,
    remittance_sealed TEXT NOT NULL,
    invoice_id TEXT REFERENCES invoices(id),
    proposal TEXT NOT NULL,
    state TEXT NOT NULL
);
CREATE INDEX statement_credits_by_import ON statement_credits(import_id, position);
CREATE TABLE checkout_sessions (
    id TEXT PRIMARY KEY,
    invoice_id TEXT NOT NULL REFERENCES invoices(id),
    amount_minor BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
