-- A person's full record is open to a user of her agency as far as their work needs it
-- (she is in a case they may read, or they registered her); anyone else states why they
-- open it. Each stated purpose is kept here, sealed under the person's data key, for
-- the half hour it opens her record to that user (and audited as `person.open`).
CREATE TABLE person_purposes (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    purpose BLOB NOT NULL,
    stated_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX person_purposes_user ON person_purposes (user_id, person_id, expires_at);
