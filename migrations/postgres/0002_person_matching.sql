-- Person matching (ARABIC.md): duplicate person records merged by a supervisor, and
-- unmerged again; and the change log that keeps each server's in-memory name index
-- current with what other servers wrote.

-- A merged person points at the person who absorbed them; they are no longer found.
ALTER TABLE persons ADD COLUMN merged_into TEXT REFERENCES persons (id);
CREATE INDEX persons_merged_into ON persons (merged_into);

CREATE TABLE person_merges (
    id TEXT PRIMARY KEY,
    survivor_id TEXT NOT NULL REFERENCES persons (id),
    merged_id TEXT NOT NULL REFERENCES persons (id),
    merged_by TEXT NOT NULL REFERENCES users (id),
    merged_at BIGINT NOT NULL,
    unmerged_by TEXT REFERENCES users (id),
    unmerged_at BIGINT
);
CREATE INDEX person_merges_merged ON person_merges (merged_id, merged_at);

-- What a merge moved from the merged person to the survivor, so that unmerging puts
-- back exactly that: links to cases (`case`: case id, role), consents (`consent`:
-- consent id), another agency's access (`access`: agency id, data class, referral id),
-- and declared conflicts of interest copied to the survivor (`conflict`: user id).
-- `effect` is moved, dropped (the survivor already had it) or copied.
CREATE TABLE person_merge_items (
    merge_id TEXT NOT NULL REFERENCES person_merges (id),
    kind TEXT NOT NULL,
    key1 TEXT NOT NULL,
    key2 TEXT NOT NULL DEFAULT '',
    key3 TEXT NOT NULL DEFAULT '',
    effect TEXT NOT NULL,
    PRIMARY KEY (merge_id, kind, key1, key2, key3)
);

-- Every change to a person that the name index must see (registered, renamed, shared
-- with another agency, merged, unmerged), in commit order: writers take a transaction
-- lock first (see crates/store/src/search_index.rs), so sequence order is commit order.
CREATE TABLE person_changes (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons (id)
);
