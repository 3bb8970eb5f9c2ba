-- A protocol version is proposed by an administrator of one party and in force only when
-- an administrator of each party has accepted it: each acceptance is kept here (and
-- audited). Versions already in force before this was recorded count as accepted by both
-- parties, with no user named.
CREATE TABLE protocol_acceptances (
    protocol_id TEXT NOT NULL REFERENCES protocols (id),
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    user_id TEXT REFERENCES users (id),
    accepted_at BIGINT NOT NULL,
    PRIMARY KEY (protocol_id, agency_id)
);
INSERT INTO protocol_acceptances (protocol_id, agency_id, user_id, accepted_at)
    SELECT id, agency_a_id, NULL, created_at FROM protocols;
INSERT INTO protocol_acceptances (protocol_id, agency_id, user_id, accepted_at)
    SELECT id, agency_b_id, NULL, created_at FROM protocols;
