-- Family-court orders carried out at a centre (SYSTEM.md, "Court order"): the order and
-- its schedule, the visits the schedule produces, what is recorded at each visit, the
-- one-time check-in codes sent to the parents, and the public holidays on which no
-- visit is held. Also consultations and awareness activities, counted for statistics.

-- Days without visits (Qatar National Day, the Eids, ...); administrators keep them.
CREATE TABLE public_holidays (
    day TEXT PRIMARY KEY,
    name_ar TEXT NOT NULL,
    name_en TEXT NOT NULL
);
INSERT INTO public_holidays (day, name_ar, name_en) VALUES
    ('2026-12-18', 'اليوم الوطني', 'National Day'),
    ('2027-02-09', 'اليوم الرياضي', 'National Sport Day'),
    ('2027-03-10', 'عيد الفطر', 'Eid al-Fitr'),
    ('2027-03-11', 'عيد الفطر', 'Eid al-Fitr'),
    ('2027-03-12', 'عيد الفطر', 'Eid al-Fitr'),
    ('2027-05-16', 'عيد الأضحى', 'Eid al-Adha'),
    ('2027-05-17', 'عيد الأضحى', 'Eid al-Adha'),
    ('2027-05-18', 'عيد الأضحى', 'Eid al-Adha'),
    ('2027-12-18', 'اليوم الوطني', 'National Day');

-- `court`, `decision_number` are the decision's own words; `conditions` is sealed with
-- the case's key. The schedule: an RFC 5545 rule, dates, local times 'HH:MM', the gap
-- between the parties' arrivals, and the dates struck out (comma-separated).
CREATE TABLE court_orders (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL UNIQUE REFERENCES cases (id),
    court TEXT NOT NULL,
    decision_number TEXT NOT NULL,
    decision_date TEXT NOT NULL,
    kind TEXT NOT NULL,
    supervised BIGINT NOT NULL,
    conditions BYTEA NOT NULL,
    office_id TEXT NOT NULL REFERENCES offices (id),
    custodial_person_id TEXT NOT NULL REFERENCES persons (id),
    visiting_person_id TEXT NOT NULL REFERENCES persons (id),
    rule TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT,
    start_time TEXT NOT NULL,
    end_time TEXT NOT NULL,
    gap_minutes BIGINT NOT NULL,
    exceptions TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);

CREATE TABLE court_order_children (
    order_id TEXT NOT NULL REFERENCES court_orders (id),
    person_id TEXT NOT NULL REFERENCES persons (id),
    PRIMARY KEY (order_id, person_id)
);

CREATE TABLE visits (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES court_orders (id),
    day TEXT NOT NULL,
    visiting_arrives_at BIGINT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    visiting_leaves_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    UNIQUE (order_id, day)
);
CREATE INDEX visits_day ON visits (day);

CREATE TABLE visit_events (
    id TEXT PRIMARY KEY,
    visit_id TEXT NOT NULL REFERENCES visits (id),
    kind TEXT NOT NULL,
    party TEXT,
    note BYTEA,
    at BIGINT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users (id)
);
CREATE INDEX visit_events_visit ON visit_events (visit_id, at);

-- One-time check-in codes: only a keyed hash is kept; a code is used once.
CREATE TABLE visit_codes (
    visit_id TEXT NOT NULL REFERENCES visits (id),
    party TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (visit_id, party)
);

-- A one-off consultation: possibly anonymous (no person); the question and advice are
-- sealed with the consultation's own key.
CREATE TABLE consultations (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    person_id TEXT REFERENCES persons (id),
    sex TEXT,
    age_group TEXT,
    summary BYTEA NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    held_on TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX consultations_agency ON consultations (agency_id, held_on);

-- An awareness activity: no personal data; attendance by sex and age group.
CREATE TABLE activities (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    audience TEXT NOT NULL,
    place TEXT NOT NULL,
    partner TEXT,
    held_on TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX activities_agency ON activities (agency_id, held_on);

CREATE TABLE activity_attendance (
    activity_id TEXT NOT NULL REFERENCES activities (id),
    sex TEXT NOT NULL,
    age_group TEXT NOT NULL,
    attendees BIGINT NOT NULL,
    PRIMARY KEY (activity_id, sex, age_group)
);
