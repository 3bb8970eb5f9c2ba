-- The answers kept for retries of idempotent writes are sealed under the data key of the
-- record the write concerned — its case, else its referral, its person, the acting user —
-- and never kept in clear; they expire after a day (configurable), and shredding a case
-- deletes its answers. Answers kept in clear before are dropped (a retry of a write made
-- before the upgrade gets "in progress", never its old answer).
DELETE FROM idempotency_keys;
ALTER TABLE idempotency_keys DROP COLUMN body;
ALTER TABLE idempotency_keys ADD COLUMN owner_id TEXT;
ALTER TABLE idempotency_keys ADD COLUMN sealed_body BYTEA;
CREATE INDEX idempotency_keys_owner ON idempotency_keys (owner_id);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
