-- Centre case work (SYSTEM.md, "Centre case work"): assessments on configurable forms,
-- the case plan, sessions and appointments with attendance, services given, follow-ups,
-- attachments, and the manager's approval of a closure or of a transfer to a competent
-- authority, which carries the data classes of that authority kind's redaction profile.
-- Typed content (goals, descriptions, answers, file names and files) is sealed with the
-- case's data key, like notes, and is shredded with it.

-- The kind of an authority (prosecution, court, hospital, other) decides what a transfer
-- to it carries.
ALTER TABLE agencies ADD COLUMN authority_kind TEXT;

-- What a transfer to an authority of each kind carries: data class codes, comma-separated.
CREATE TABLE redaction_profiles (
    authority_kind TEXT PRIMARY KEY,
    data_classes TEXT NOT NULL,
    updated_by TEXT REFERENCES users (id),
    updated_at BIGINT NOT NULL
);
INSERT INTO redaction_profiles (authority_kind, data_classes, updated_at) VALUES
    ('prosecution', 'identity,summary,risk,narrative,attachments', 0),
    ('court', 'identity,summary,risk', 0),
    ('hospital', 'identity,contact,summary', 0),
    ('other', 'identity,summary', 0);

-- Assessment forms, versioned per agency; `questions` is JSON.
CREATE TABLE assessment_forms (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    code TEXT NOT NULL,
    version BIGINT NOT NULL,
    name_ar TEXT NOT NULL,
    name_en TEXT NOT NULL,
    questions TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (agency_id, code, version)
);

CREATE TABLE assessments (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    form_id TEXT NOT NULL REFERENCES assessment_forms (id),
    answers BLOB NOT NULL,
    assessed_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX assessments_case ON assessments (case_id, created_at);

CREATE TABLE case_sessions (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    worker_id TEXT NOT NULL REFERENCES users (id),
    office_id TEXT NOT NULL REFERENCES offices (id),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    attendance TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX case_sessions_case ON case_sessions (case_id, starts_at);
CREATE INDEX case_sessions_worker ON case_sessions (worker_id, starts_at);
CREATE INDEX case_sessions_office ON case_sessions (office_id, starts_at);

CREATE TABLE plan_items (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    goal BLOB NOT NULL,
    action BLOB NOT NULL,
    responsible_id TEXT NOT NULL REFERENCES users (id),
    due_on TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX plan_items_case ON plan_items (case_id, created_at);

CREATE TABLE case_services (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    given_on TEXT NOT NULL,
    description BLOB NOT NULL,
    given_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX case_services_case ON case_services (case_id, given_on);

CREATE TABLE follow_ups (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    due_on TEXT NOT NULL,
    purpose BLOB NOT NULL,
    assigned_to TEXT NOT NULL REFERENCES users (id),
    done_at BIGINT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX follow_ups_case ON follow_ups (case_id, due_on);
CREATE INDEX follow_ups_open ON follow_ups (assigned_to, done_at, due_on);

CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    file_name BLOB NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    content BLOB NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX attachments_case ON attachments (case_id, created_at);

CREATE TABLE approvals (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    kind TEXT NOT NULL,
    outcome TEXT,
    authority_agency_id TEXT REFERENCES agencies (id),
    authority_reference TEXT,
    reason BLOB NOT NULL,
    status TEXT NOT NULL,
    requested_by TEXT NOT NULL REFERENCES users (id),
    requested_at BIGINT NOT NULL,
    decided_by TEXT REFERENCES users (id),
    decided_at BIGINT,
    decision_note BLOB
);
CREATE INDEX approvals_case ON approvals (case_id, requested_at);
CREATE INDEX approvals_status ON approvals (status, requested_at);

-- What a transfer carried: the sealed packet of exactly its data classes, and the
-- approval it was made under (centre cases).
ALTER TABLE case_transfers ADD COLUMN packet BLOB;
ALTER TABLE case_transfers ADD COLUMN approval_id TEXT REFERENCES approvals (id);
