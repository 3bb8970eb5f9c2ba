-- Special-category fields are sealed like the rest of a person's and a case's content:
-- a person's disability notes under her own data key; a consent's mandatory-protection
-- ground and withdrawal reason under the case's key (so shredding the case destroys
-- them). Values stored in clear before are sealed by the server right after this
-- version, before version 10 drops the clear columns.
ALTER TABLE persons ADD COLUMN disability_sealed BYTEA;
ALTER TABLE consents ADD COLUMN mandatory_ground_sealed BYTEA;
ALTER TABLE consents ADD COLUMN withdrawal_reason_sealed BYTEA;
