-- Sign-in that an attacker cannot turn against the people inside: recognised devices
-- (exempt from the account's lockout), one-time set-up links (a new user chooses their
-- own password and enrols), account changes waiting for a second administrator, and a
-- bound on check-in code guesses per visit.

-- A browser that signed in with both factors: a long-lived cookie holds the token, the
-- database only its SHA-256. Failures under a recognised device lock that device only.
CREATE TABLE sign_in_devices (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX sign_in_devices_user ON sign_in_devices (user_id);

-- A one-time, expiring link with which a user chooses a password and enrols in
-- two-factor sign-in (stored as the SHA-256 of its token; used once).
CREATE TABLE setup_links (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    issued_by TEXT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX setup_links_user ON setup_links (user_id);

-- Roles given to a user, and resets of a user's sign-in, asked for by one
-- administrator and in effect only once another administrator of the agency approves.
CREATE TABLE account_requests (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    roles TEXT NOT NULL,
    requested_by TEXT REFERENCES users (id),
    requested_at BIGINT NOT NULL,
    decided_by TEXT REFERENCES users (id),
    decided_at BIGINT,
    decision TEXT
);
CREATE INDEX account_requests_agency ON account_requests (agency_id, decided_at);

-- Wrong check-in codes typed for a visit; past the limit the desk checks in by sight.
ALTER TABLE visits ADD COLUMN check_in_failures BIGINT NOT NULL DEFAULT 0;
