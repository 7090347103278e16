-- Communiqué on PostgreSQL: sources, items, releases, copies, revisions,
-- entities, and full-text search.

CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public;

-- unaccent() is only STABLE (it reads a dictionary); search columns need an
-- IMMUTABLE function. The dictionary never changes under us.
CREATE OR REPLACE FUNCTION communique_fold(t text) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
	AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, t) $$;

CREATE TABLE sources (
	id                 bigserial PRIMARY KEY,
	kind               text NOT NULL,
	url                text NOT NULL UNIQUE,
	title              text NOT NULL DEFAULT '',
	organization       text NOT NULL DEFAULT '',
	country            text NOT NULL DEFAULT '',
	licence            text NOT NULL,
	selectors          jsonb,
	created            timestamptz NOT NULL,
	etag               text NOT NULL DEFAULT '',
	last_modified      text NOT NULL DEFAULT '',
	last_fetch         timestamptz,
	last_success       timestamptz,
	last_status        integer NOT NULL DEFAULT 0,
	last_error         text NOT NULL DEFAULT '',
	consecutive_errors integer NOT NULL DEFAULT 0,
	next_poll          timestamptz NOT NULL DEFAULT '-infinity',
	interval_seconds   bigint NOT NULL DEFAULT 0,
	hub_url            text NOT NULL DEFAULT '',
	topic_url          text NOT NULL DEFAULT '',
	websub_secret      text NOT NULL DEFAULT '',
	websub_lease_until timestamptz
);
CREATE INDEX sources_next_poll ON sources (next_poll);

CREATE TABLE items (
	source_id  bigint NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
	key        text NOT NULL,
	url        text NOT NULL DEFAULT '',
	release_id bigint,
	seen       timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (source_id, key)
);
CREATE INDEX items_url ON items (source_id, url) WHERE url <> '';

CREATE TABLE releases (
	id             bigserial PRIMARY KEY,
	source_id      bigint REFERENCES sources (id) ON DELETE SET NULL,
	url            text NOT NULL UNIQUE,
	organization   text NOT NULL DEFAULT '',
	country        text NOT NULL DEFAULT '',
	title          text NOT NULL DEFAULT '',
	author         text NOT NULL DEFAULT '',
	language       text NOT NULL DEFAULT '',
	image          text NOT NULL DEFAULT '',
	site_name      text NOT NULL DEFAULT '',
	published      timestamptz NOT NULL,
	date_estimated boolean NOT NULL DEFAULT false,
	modified       timestamptz,
	retrieved      timestamptz NOT NULL,
	updated        timestamptz NOT NULL,
	lede           text NOT NULL DEFAULT '',
	html           text NOT NULL DEFAULT '',
	body           text NOT NULL DEFAULT '',
	word_count     integer NOT NULL DEFAULT 0,
	licence        text NOT NULL DEFAULT 'full',
	fallback       boolean NOT NULL DEFAULT false,
	content_hash   text NOT NULL DEFAULT '',
	fingerprint    bigint NOT NULL DEFAULT 0,
	fp0            integer NOT NULL DEFAULT 0,
	fp1            integer NOT NULL DEFAULT 0,
	fp2            integer NOT NULL DEFAULT 0,
	fp3            integer NOT NULL DEFAULT 0,
	story_id       bigint NOT NULL DEFAULT 0,
	entities       jsonb,
	search         tsvector GENERATED ALWAYS AS (
		setweight(to_tsvector('english', communique_fold(title)), 'A') ||
		setweight(to_tsvector('english', communique_fold(lede)), 'B') ||
		setweight(to_tsvector('english', communique_fold(body)), 'C')) STORED
);
CREATE INDEX releases_published ON releases (published DESC, id DESC);
CREATE INDEX releases_org ON releases (lower(organization), published DESC);
CREATE INDEX releases_source ON releases (source_id, published DESC);
CREATE INDEX releases_hash ON releases (content_hash);
CREATE INDEX releases_fp0 ON releases (fp0);
CREATE INDEX releases_fp1 ON releases (fp1);
CREATE INDEX releases_fp2 ON releases (fp2);
CREATE INDEX releases_fp3 ON releases (fp3);
CREATE INDEX releases_search ON releases USING gin (search);

CREATE TABLE copies (
	id         bigserial PRIMARY KEY,
	release_id bigint NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
	source_id  bigint REFERENCES sources (id) ON DELETE SET NULL,
	url        text NOT NULL,
	publisher  text NOT NULL DEFAULT '',
	first_seen timestamptz NOT NULL,
	UNIQUE (release_id, url)
);
CREATE INDEX copies_url ON copies (url);

CREATE TABLE revisions (
	id           bigserial PRIMARY KEY,
	release_id   bigint NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
	number       integer NOT NULL,
	title        text NOT NULL DEFAULT '',
	html         text NOT NULL DEFAULT '',
	body         text NOT NULL DEFAULT '',
	content_hash text NOT NULL DEFAULT '',
	retrieved    timestamptz NOT NULL,
	UNIQUE (release_id, number)
);

-- One row per entity a release mentions, for filters and facets.
CREATE TABLE release_entities (
	release_id bigint NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
	kind       text NOT NULL, -- person, org, country, region
	key        text NOT NULL, -- lower-cased name, acronym or ISO code
	PRIMARY KEY (kind, key, release_id)
);
CREATE INDEX release_entities_release ON release_entities (release_id);
