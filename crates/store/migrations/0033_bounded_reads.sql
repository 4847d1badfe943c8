-- What an issued invoice still owes (its total, less what issued credit notes took off it and what
-- was paid on it), kept by the store in the transaction that issues a document or records a
-- payment. The billing page finds the few invoices still open, and each patient's balance, by an
-- index over the rows that owe (or are owed) something, not by summing ten years of settled ones.
-- NULL on drafts and on credit notes.
ALTER TABLE invoices ADD COLUMN owed_minor BIGINT;
UPDATE invoices SET owed_minor = total_minor
    - COALESCE((SELECT SUM(cn.total_minor) FROM invoices cn WHERE cn.corrects_id = invoices.id AND cn.seq IS NOT NULL), 0)
    - COALESCE((SELECT SUM(p.amount_minor) FROM payments p WHERE p.invoice_id = invoices.id), 0)
    WHERE kind = 'invoice' AND seq IS NOT NULL;
CREATE INDEX invoices_owing ON invoices(therapist_id, seq) WHERE owed_minor <> 0;
-- The year's documents by issue date, for the income overview and the accountant's file.
CREATE INDEX invoices_issued ON invoices(therapist_id, issued_on) WHERE seq IS NOT NULL;
-- A payment's therapist, copied from its invoice when it is recorded: the year's payments are
-- found by therapist and date, not through every invoice the therapist ever wrote.
ALTER TABLE payments ADD COLUMN therapist_id TEXT;
UPDATE payments SET therapist_id = (SELECT i.therapist_id FROM invoices i WHERE i.id = payments.invoice_id);
CREATE INDEX payments_by_therapist ON payments(therapist_id, received_on);
-- What holds a therapist's calendar from now on (the booking page's and a booking's busy times):
-- found by its end among the booked rows, not by walking every appointment since the practice
-- began up to the horizon.
CREATE INDEX appointments_busy ON appointments(therapist_id, held_until) WHERE status = 'booked';
