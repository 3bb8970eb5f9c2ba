-- Deadlines and alerts: the marks that make the deadline monitor raise each alert once,
-- however many servers run it (the primary key decides which insert wins), and the
-- outbox of notifications that tell a user to look at their inbox — never what the
-- alert is about. A sender claims a row before sending it, so two servers never send
-- the same one; a claim left behind by a stopped server expires.

CREATE TABLE alert_marks (
    referral_id TEXT NOT NULL REFERENCES referrals (id),
    step TEXT NOT NULL,
    kind TEXT NOT NULL,
    raised_at BIGINT NOT NULL,
    PRIMARY KEY (referral_id, step, kind)
);

CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    alert_id TEXT NOT NULL REFERENCES alerts (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    claimed_by TEXT,
    claimed_at BIGINT,
    sent_at BIGINT,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX outbox_pending ON outbox (sent_at, created_at);
