-- The warm handoff (a desk slot booked from a referral, the escort and the reception,
-- whose time is the first contact) and each person's safe-contact rules, sealed with the
-- person's own data key.

CREATE TABLE handoffs (
    referral_id TEXT PRIMARY KEY REFERENCES referrals (id),
    slot_at BIGINT NOT NULL,
    booked_by TEXT NOT NULL REFERENCES users (id),
    booked_at BIGINT NOT NULL,
    escorted_by TEXT REFERENCES users (id),
    escorted_at BIGINT,
    received_by TEXT REFERENCES users (id),
    received_at BIGINT
);
CREATE INDEX handoffs_slot ON handoffs (slot_at);

CREATE TABLE safe_contacts (
    person_id TEXT PRIMARY KEY REFERENCES persons (id),
    rules BLOB NOT NULL,
    updated_by TEXT NOT NULL REFERENCES users (id),
    updated_at BIGINT NOT NULL
);
