-- Each audit entry carries its own id inside its record (version 2); the copy kept
-- here lets the sequencer and the database refuse a second entry with the same id — a
-- byte-identical copy of an old entry, MAC and all — and verification checks the copy
-- against the record.
ALTER TABLE audit_entries ADD COLUMN entry_uuid TEXT;
CREATE UNIQUE INDEX audit_entries_entry_uuid ON audit_entries (entry_uuid);
