-- How a person of a referred case whom no consent covers travels under a protocol
-- version: as her role and age (`role_and_age`, what every earlier version did from the
-- upgrade on) or not at all (`omitted`).
ALTER TABLE protocols ADD COLUMN uncovered TEXT NOT NULL DEFAULT 'role_and_age';
