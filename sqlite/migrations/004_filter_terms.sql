-- Filters in the search index. Each release gets a fourth indexed column of
-- synthetic terms (its organisation, source, language, month, and the
-- people, organisations, countries and regions enrichment found), so that
-- "word org:X since:…" is an intersection of posting lists inside FTS5
-- rather than a lookup of every match's row. The store fills the column
-- (Reindex) the first time it opens the database after this migration.
ALTER TABLE release_texts ADD COLUMN terms TEXT NOT NULL DEFAULT '';
DROP TABLE releases_fts;
DROP VIEW releases_fts_content;
CREATE VIEW releases_fts_content AS
	SELECT r.id AS id, r.title AS title, t.lede AS lede, t.body AS body, t.terms AS terms
	FROM releases r JOIN release_texts t ON t.id = r.id;
CREATE VIRTUAL TABLE releases_fts USING fts5 (
	title, lede, body, terms,
	content = 'releases_fts_content', content_rowid = 'id',
	tokenize = 'porter unicode61 remove_diacritics 2'
);
INSERT INTO releases_fts (releases_fts, rank) VALUES ('hashsize', 16777216);
INSERT INTO releases_fts (releases_fts, rank) VALUES ('automerge', 8);
CREATE TABLE reindex_pending (reason TEXT NOT NULL);
INSERT INTO reindex_pending VALUES ('004_filter_terms');
