-- The clear copies of the fields version 9 seals, emptied by the server's sealing step.
ALTER TABLE persons DROP COLUMN disability_notes;
ALTER TABLE consents DROP COLUMN mandatory_ground;
ALTER TABLE consents DROP COLUMN withdrawal_reason;
