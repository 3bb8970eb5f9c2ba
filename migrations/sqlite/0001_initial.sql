-- Sila schema, version 1: agencies and people, persons, cases, consent, protocols,
-- referrals, notes, the audit log with its Merkle tree heads, data keys, sign-in
-- security (two-factor, throttling, API tokens), break-glass, conflicts of interest,
-- alerts, sessions and idempotency keys.
-- Ids are UUID text; instants are microseconds since 1970 (BIGINT); dates are
-- 'YYYY-MM-DD' text; flags are 0/1 integers; sealed content (narratives, notes,
-- assessment answers, referral packets) is BLOB: version byte, nonce, ciphertext.
-- The PostgreSQL file has the same tables.

CREATE TABLE agencies (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    name_ar TEXT NOT NULL,
    name_en TEXT NOT NULL,
    case_prefix TEXT NOT NULL,
    default_case_kind TEXT,
    created_at BIGINT NOT NULL
);

CREATE TABLE offices (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    code TEXT NOT NULL,
    name_ar TEXT NOT NULL,
    name_en TEXT NOT NULL,
    is_desk BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    UNIQUE (agency_id, code)
);

CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    office_id TEXT NOT NULL REFERENCES offices (id),
    code TEXT NOT NULL,
    name_ar TEXT NOT NULL,
    name_en TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (office_id, code)
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    language TEXT NOT NULL DEFAULT 'ar',
    disabled BIGINT NOT NULL DEFAULT 0,
    -- The TOTP secret, sealed with the user's data key; enrolled once confirmed.
    totp_secret BLOB,
    totp_enrolled BIGINT NOT NULL DEFAULT 0,
    -- The last TOTP time step accepted, so that a code is never accepted twice.
    totp_last_step BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE user_offices (
    user_id TEXT NOT NULL REFERENCES users (id),
    office_id TEXT NOT NULL REFERENCES offices (id),
    PRIMARY KEY (user_id, office_id)
);

CREATE TABLE user_teams (
    user_id TEXT NOT NULL REFERENCES users (id),
    team_id TEXT NOT NULL REFERENCES teams (id),
    PRIMARY KEY (user_id, team_id)
);

CREATE TABLE categories (
    code TEXT PRIMARY KEY,
    parent_code TEXT REFERENCES categories (code),
    name_ar TEXT NOT NULL,
    name_en TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    position BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE protocols (
    id TEXT PRIMARY KEY,
    agency_a_id TEXT NOT NULL REFERENCES agencies (id),
    agency_b_id TEXT NOT NULL REFERENCES agencies (id),
    version BIGINT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_until TEXT,
    document_ref TEXT,
    revoked BIGINT NOT NULL DEFAULT 0,
    created_by TEXT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    UNIQUE (agency_a_id, agency_b_id, version)
);

CREATE TABLE protocol_categories (
    protocol_id TEXT NOT NULL REFERENCES protocols (id),
    category_code TEXT NOT NULL REFERENCES categories (code),
    centre_first BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (protocol_id, category_code)
);

CREATE TABLE protocol_data_classes (
    protocol_id TEXT NOT NULL REFERENCES protocols (id),
    data_class TEXT NOT NULL,
    PRIMARY KEY (protocol_id, data_class)
);

CREATE TABLE protocol_deadlines (
    protocol_id TEXT NOT NULL REFERENCES protocols (id),
    priority TEXT NOT NULL,
    step TEXT NOT NULL,
    seconds BIGINT NOT NULL,
    PRIMARY KEY (protocol_id, priority, step)
);

CREATE TABLE persons (
    id TEXT PRIMARY KEY,
    registered_by_agency_id TEXT NOT NULL REFERENCES agencies (id),
    first_name_ar TEXT,
    father_name_ar TEXT,
    grandfather_name_ar TEXT,
    family_name_ar TEXT,
    name_latin TEXT,
    sex TEXT NOT NULL,
    birth_date TEXT,
    nationality TEXT,
    qid TEXT,
    municipality TEXT,
    language TEXT,
    disability_notes TEXT,
    search_text TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX persons_qid ON persons (qid);
CREATE INDEX persons_agency ON persons (registered_by_agency_id, created_at);

CREATE TABLE person_phones (
    person_id TEXT NOT NULL REFERENCES persons (id),
    position BIGINT NOT NULL,
    number TEXT NOT NULL,
    kind TEXT NOT NULL,
    PRIMARY KEY (person_id, position)
);

-- Which data classes of a person another agency holds, and through which referral.
CREATE TABLE person_access (
    person_id TEXT NOT NULL REFERENCES persons (id),
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    data_class TEXT NOT NULL,
    referral_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (person_id, agency_id, data_class, referral_id)
);
CREATE INDEX person_access_agency ON person_access (agency_id, person_id);

CREATE TABLE case_counters (
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    year BIGINT NOT NULL,
    last_serial BIGINT NOT NULL,
    PRIMARY KEY (agency_id, year)
);

CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    office_id TEXT NOT NULL REFERENCES offices (id),
    kind TEXT NOT NULL,
    reference TEXT NOT NULL UNIQUE,
    category_code TEXT NOT NULL REFERENCES categories (code),
    subcategory_code TEXT REFERENCES categories (code),
    status TEXT NOT NULL,
    narrative BLOB,
    assigned_user_id TEXT REFERENCES users (id),
    assigned_team_id TEXT REFERENCES teams (id),
    origin_referral_id TEXT,
    outcome TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    closed_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX cases_agency ON cases (agency_id, created_at);

CREATE TABLE case_persons (
    case_id TEXT NOT NULL REFERENCES cases (id),
    person_id TEXT NOT NULL REFERENCES persons (id),
    role TEXT NOT NULL,
    added_by TEXT NOT NULL REFERENCES users (id),
    added_at BIGINT NOT NULL,
    PRIMARY KEY (case_id, person_id, role)
);
CREATE INDEX case_persons_person ON case_persons (person_id);

CREATE TABLE risk_assessments (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    instrument_code TEXT NOT NULL,
    instrument_version BIGINT NOT NULL,
    answers BLOB NOT NULL,
    score BIGINT NOT NULL,
    score_level TEXT NOT NULL,
    level TEXT NOT NULL,
    judgement_reason BLOB,
    assessed_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX risk_assessments_case ON risk_assessments (case_id, created_at);

CREATE TABLE consents (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    person_id TEXT NOT NULL REFERENCES persons (id),
    recipient_agency_id TEXT NOT NULL REFERENCES agencies (id),
    basis TEXT NOT NULL,
    method TEXT,
    witness TEXT,
    mandatory_ground TEXT,
    purpose TEXT NOT NULL,
    expires_on TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    recorded_at BIGINT NOT NULL,
    withdrawn_at BIGINT,
    withdrawn_by TEXT REFERENCES users (id),
    withdrawal_reason TEXT
);
CREATE INDEX consents_case ON consents (case_id);

CREATE TABLE consent_data_classes (
    consent_id TEXT NOT NULL REFERENCES consents (id),
    data_class TEXT NOT NULL,
    PRIMARY KEY (consent_id, data_class)
);

CREATE TABLE referrals (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    from_agency_id TEXT NOT NULL REFERENCES agencies (id),
    from_office_id TEXT NOT NULL REFERENCES offices (id),
    to_agency_id TEXT NOT NULL REFERENCES agencies (id),
    to_office_id TEXT NOT NULL REFERENCES offices (id),
    protocol_id TEXT NOT NULL REFERENCES protocols (id),
    priority TEXT NOT NULL,
    reason BLOB NOT NULL,
    status TEXT NOT NULL,
    status_reason BLOB,
    outcome TEXT,
    authority_agency_id TEXT REFERENCES agencies (id),
    redirected_from_id TEXT REFERENCES referrals (id),
    centre_case_id TEXT REFERENCES cases (id),
    packet BLOB NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    due_receive_at BIGINT,
    due_decide_at BIGINT,
    due_first_contact_at BIGINT,
    received_at BIGINT,
    decided_at BIGINT,
    first_contact_at BIGINT,
    closed_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX referrals_case ON referrals (case_id);
CREATE INDEX referrals_incoming ON referrals (to_agency_id, created_at);
CREATE INDEX referrals_outgoing ON referrals (from_agency_id, created_at);

CREATE TABLE referral_data_classes (
    referral_id TEXT NOT NULL REFERENCES referrals (id),
    data_class TEXT NOT NULL,
    PRIMARY KEY (referral_id, data_class)
);

CREATE TABLE case_events (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    at BIGINT NOT NULL,
    actor_id TEXT REFERENCES users (id),
    kind TEXT NOT NULL,
    referral_id TEXT REFERENCES referrals (id),
    details TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_events_case ON case_events (case_id, at);

CREATE TABLE notes (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    level TEXT NOT NULL,
    text BLOB NOT NULL,
    author_id TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX notes_case ON notes (case_id, created_at);

CREATE TABLE note_readers (
    note_id TEXT NOT NULL REFERENCES notes (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (note_id, user_id)
);

CREATE TABLE case_transfers (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    authority_agency_id TEXT NOT NULL REFERENCES agencies (id),
    authority_reference TEXT,
    data_classes TEXT NOT NULL,
    transferred_by TEXT NOT NULL REFERENCES users (id),
    transferred_at BIGINT NOT NULL
);

CREATE TABLE centre_first_bypasses (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    ground TEXT NOT NULL,
    note BLOB NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    recorded_at BIGINT NOT NULL
);

-- The audit log: one row per audited event, its canonical encoding in `record`.
-- `id` is the append order; `leaf_index` the position in the Merkle tree, assigned by
-- the sequencer in the order entries become visible (so that concurrent transactions
-- committing out of id order never leave a hole in a signed tree); `leaf_hash` is
-- SHA-256(0x00 || record) and `mac` binds index and hash under the server's audit key,
-- so that `sila audit verify` can name the exact entry that was altered.
CREATE TABLE audit_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    actor_id TEXT,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    record BLOB NOT NULL,
    leaf_index BIGINT UNIQUE,
    leaf_hash BLOB,
    mac BLOB
);
CREATE INDEX audit_entries_unsequenced ON audit_entries (leaf_index, id);
CREATE INDEX audit_entries_actor ON audit_entries (actor_id, id);

-- Signed tree heads: the size and root of the Merkle tree at a moment, signed with the
-- server's Ed25519 key (whose public half is published).
CREATE TABLE tree_heads (
    tree_size BIGINT PRIMARY KEY,
    root BLOB NOT NULL,
    signed_at BIGINT NOT NULL,
    signature BLOB NOT NULL,
    key_id TEXT NOT NULL
);

-- Per-record data keys (a case, a referral, a user's secrets), wrapped by a master key
-- that never enters the database. A shredded key is gone: its content is unreadable.
CREATE TABLE data_keys (
    owner_id TEXT PRIMARY KEY,
    master_key_id TEXT,
    wrapped BLOB,
    created_at BIGINT NOT NULL,
    shredded_at BIGINT
);

CREATE TABLE audit_subjects (
    entry_id BIGINT NOT NULL REFERENCES audit_entries (id),
    kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    PRIMARY KEY (entry_id, kind, subject_id)
);
CREATE INDEX audit_subjects_subject ON audit_subjects (subject_id, entry_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    -- 1 while a user who must use two-factor sign-in has not enrolled yet: the session
    -- may only enrol.
    restricted BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed sign-ins per account and per client address, for lockout with back-off.
CREATE TABLE sign_in_throttle (
    throttle_key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL,
    locked_until BIGINT
);

-- API tokens for integrations: stored as SHA-256 hashes, scoped, expiring, revocable.
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    scope TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    last_used_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Break-glass: a supervisor's or manager's time-limited access outside the rules.
CREATE TABLE break_glass_grants (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    case_id TEXT NOT NULL REFERENCES cases (id),
    reason BLOB NOT NULL,
    granted_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX break_glass_user ON break_glass_grants (user_id, expires_at);

-- Declared ties between a user and a person: the user is blocked from the person's cases.
CREATE TABLE conflicts_of_interest (
    user_id TEXT NOT NULL REFERENCES users (id),
    person_id TEXT NOT NULL REFERENCES persons (id),
    declared_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, person_id)
);

-- Each user's inbox.
CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    subject_kind TEXT,
    subject_id TEXT,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX alerts_user ON alerts (user_id, created_at);

CREATE TABLE idempotency_keys (
    user_id TEXT NOT NULL REFERENCES users (id),
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    committed BIGINT NOT NULL DEFAULT 0,
    status BIGINT,
    body TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, idempotency_key)
);
