-- The current revision of a release shares its text with releases instead
-- of holding a copy (as on SQLite): a new release wrote its HTML and body
-- twice, compressed twice and logged twice. A revision's own html and body
-- are filled when a newer revision supersedes it. Revisions stored before
-- this migration keep their copies (correct, only larger).
ALTER TABLE revisions ADD COLUMN current boolean NOT NULL DEFAULT false;

-- lz4 compresses several times faster than pglz, and every new release
-- compresses its HTML and body. Servers built without lz4 keep the default.
DO $$
BEGIN
	ALTER TABLE releases ALTER COLUMN html SET COMPRESSION lz4, ALTER COLUMN body SET COMPRESSION lz4;
	ALTER TABLE revisions ALTER COLUMN html SET COMPRESSION lz4, ALTER COLUMN body SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
	NULL;
END $$;
