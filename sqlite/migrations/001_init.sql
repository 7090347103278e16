-- Communiqué on SQLite: sources, items, releases, copies, revisions,
-- entities, and the FTS5 search index. Times are Unix microseconds (UTC);
-- NULL where unknown.

CREATE TABLE sources (
	id                 INTEGER PRIMARY KEY,
	kind               TEXT NOT NULL,
	url                TEXT NOT NULL UNIQUE,
	title              TEXT NOT NULL DEFAULT '',
	organization       TEXT NOT NULL DEFAULT '',
	country            TEXT NOT NULL DEFAULT '',
	licence            TEXT NOT NULL,
	selectors          TEXT, -- JSON
	created            INTEGER NOT NULL,
	etag               TEXT NOT NULL DEFAULT '',
	last_modified      TEXT NOT NULL DEFAULT '',
	last_fetch         INTEGER,
	last_success       INTEGER,
	last_status        INTEGER NOT NULL DEFAULT 0,
	last_error         TEXT NOT NULL DEFAULT '',
	consecutive_errors INTEGER NOT NULL DEFAULT 0,
	next_poll          INTEGER, -- NULL: never polled, due at once
	interval_seconds   INTEGER NOT NULL DEFAULT 0,
	hub_url            TEXT NOT NULL DEFAULT '',
	topic_url          TEXT NOT NULL DEFAULT '',
	websub_secret      TEXT NOT NULL DEFAULT '',
	websub_lease_until INTEGER
);
CREATE INDEX sources_next_poll ON sources (coalesce(next_poll, -9223372036854775808));

CREATE TABLE items (
	source_id  INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	key        TEXT NOT NULL,
	url        TEXT NOT NULL DEFAULT '',
	release_id INTEGER,
	seen       INTEGER NOT NULL,
	PRIMARY KEY (source_id, key)
) WITHOUT ROWID;
CREATE INDEX items_url ON items (source_id, url) WHERE url <> '';

-- A release's small columns, which listings, filters and facets scan: a page
-- holds many rows. The long texts are in release_texts.
CREATE TABLE releases (
	id             INTEGER PRIMARY KEY,
	source_id      INTEGER REFERENCES sources (id) ON DELETE SET NULL,
	published      INTEGER NOT NULL,
	month          INTEGER NOT NULL, -- YYYYMM of published, for the month facet
	organization   TEXT NOT NULL DEFAULT '',
	language       TEXT NOT NULL DEFAULT '',
	country        TEXT NOT NULL DEFAULT '',
	date_estimated INTEGER NOT NULL DEFAULT 0,
	modified       INTEGER,
	retrieved      INTEGER NOT NULL,
	updated        INTEGER NOT NULL,
	word_count     INTEGER NOT NULL DEFAULT 0,
	licence        TEXT NOT NULL DEFAULT 'full',
	fallback       INTEGER NOT NULL DEFAULT 0,
	content_hash   TEXT NOT NULL DEFAULT '',
	fingerprint    INTEGER NOT NULL DEFAULT 0,
	fp0            INTEGER NOT NULL DEFAULT 0,
	fp1            INTEGER NOT NULL DEFAULT 0,
	fp2            INTEGER NOT NULL DEFAULT 0,
	fp3            INTEGER NOT NULL DEFAULT 0,
	story_id       INTEGER NOT NULL DEFAULT 0,
	url            TEXT NOT NULL UNIQUE,
	title          TEXT NOT NULL DEFAULT '',
	author         TEXT NOT NULL DEFAULT '',
	image          TEXT NOT NULL DEFAULT '',
	site_name      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX releases_published ON releases (published DESC, id DESC);
CREATE INDEX releases_org ON releases (organization COLLATE NOCASE, published DESC, id DESC);
CREATE INDEX releases_source ON releases (source_id, published DESC, id DESC);
CREATE INDEX releases_hash ON releases (content_hash) WHERE content_hash <> '';
CREATE INDEX releases_fp0 ON releases (fp0);
CREATE INDEX releases_fp1 ON releases (fp1);
CREATE INDEX releases_fp2 ON releases (fp2);
CREATE INDEX releases_fp3 ON releases (fp3);

CREATE TABLE release_texts (
	id       INTEGER PRIMARY KEY REFERENCES releases (id) ON DELETE CASCADE,
	lede     TEXT NOT NULL DEFAULT '',
	entities TEXT, -- JSON, NULL until enriched
	html     TEXT NOT NULL DEFAULT '',
	body     TEXT NOT NULL DEFAULT ''
);

CREATE TABLE copies (
	id         INTEGER PRIMARY KEY,
	release_id INTEGER NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
	source_id  INTEGER REFERENCES sources (id) ON DELETE SET NULL,
	url        TEXT NOT NULL,
	publisher  TEXT NOT NULL DEFAULT '',
	first_seen INTEGER NOT NULL,
	UNIQUE (release_id, url)
);
CREATE INDEX copies_url ON copies (url);
CREATE INDEX copies_source ON copies (source_id);

CREATE TABLE revisions (
	id           INTEGER PRIMARY KEY,
	release_id   INTEGER NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
	number       INTEGER NOT NULL,
	title        TEXT NOT NULL DEFAULT '',
	html         TEXT NOT NULL DEFAULT '',
	body         TEXT NOT NULL DEFAULT '',
	content_hash TEXT NOT NULL DEFAULT '',
	retrieved    INTEGER NOT NULL,
	UNIQUE (release_id, number)
);

-- One row per entity a release mentions, for filters and facets.
CREATE TABLE release_entities (
	kind       TEXT NOT NULL, -- person, org, country, region
	key        TEXT NOT NULL, -- lower-cased name, acronym or ISO code
	release_id INTEGER NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
	PRIMARY KEY (kind, key, release_id)
) WITHOUT ROWID;
CREATE INDEX release_entities_release ON release_entities (release_id);

-- The search index: an external-content FTS5 table over a view of the
-- releases' title, lede and body, with porter stemming over unicode61 and
-- diacritics removed. The store keeps it in step in the same transaction as
-- each write (rows are added, and removed with their old text).
CREATE VIEW releases_fts_content AS
	SELECT r.id AS id, r.title AS title, t.lede AS lede, t.body AS body
	FROM releases r JOIN release_texts t ON t.id = r.id;
CREATE VIRTUAL TABLE releases_fts USING fts5 (
	title, lede, body,
	content = 'releases_fts_content', content_rowid = 'id',
	tokenize = 'porter unicode61 remove_diacritics 2'
);
