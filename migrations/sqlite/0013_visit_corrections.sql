-- A visit's recorded steps are corrected, never edited: a correction is a new event that
-- names the event it supersedes, with its reason (sealed under the case's data key) and
-- the time it was recorded (its `at` is the time it corrects to). The court report shows
-- both.
ALTER TABLE visit_events ADD COLUMN supersedes TEXT REFERENCES visit_events (id);
ALTER TABLE visit_events ADD COLUMN reason BLOB;
ALTER TABLE visit_events ADD COLUMN recorded_at BIGINT;
CREATE UNIQUE INDEX visit_events_supersedes ON visit_events (supersedes);
