-- A decision looks up the oldest release with a content hash and the oldest
-- copy at a URL (matchSQL: ... ORDER BY id LIMIT 1). On (content_hash) and
-- (url) alone, the planner could read those in id order through the
-- primary key, filtering: its choice whenever it guessed the value common,
-- which it does without statistics (autovacuum off or behind). A new
-- release's hash is in no row, so each ingest read the whole table. With
-- id in the index, the lookup reads its first entry whatever the planner
-- knows.
DROP INDEX releases_hash;
CREATE INDEX releases_hash ON releases (content_hash, id);
DROP INDEX copies_url;
CREATE INDEX copies_url ON copies (url, id);
