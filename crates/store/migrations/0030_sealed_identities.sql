-- Who is a patient is health data: a patient's name and email address, an inquirer's name, email
-- address and phone number, and the dev mailbox's recipient are sealed under the installation's
-- data key (the `*_sealed` columns). The plain columns stay (NOT NULL on released tables) but hold
-- '' for them; therapists' own names and emails stay readable, as the public site shows them.
-- A start-up step (store::identity::seal_plaintext) moves rows written before this migration.
--
-- Sign-in finds an account by a keyed blind index of its normalised email address (HMAC-SHA256
-- under a key derived from the master key), so a dump says nothing about who is registered. The
-- unique constraint on the old `email_key` carries over with the column.
ALTER TABLE users RENAME COLUMN email_key TO email_blind;
ALTER TABLE users ADD COLUMN name_sealed TEXT;
ALTER TABLE users ADD COLUMN email_sealed TEXT;
ALTER TABLE inquiries ADD COLUMN name_sealed TEXT;
ALTER TABLE inquiries ADD COLUMN email_sealed TEXT;
ALTER TABLE inquiries ADD COLUMN phone_sealed TEXT;
ALTER TABLE mailbox ADD COLUMN to_address_sealed TEXT;
