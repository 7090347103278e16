-- Search reads a narrow table of its own instead of releases.
--
-- At a million releases, a query word can match half the corpus, and every
-- search sorts, counts or facets its matches by date, organisation and
-- language. Read from releases, that touches a heap of ~0.5 GB (its rows
-- carry the title, lede and the pointers to the body and HTML) and the
-- full text vectors; read from release_search, rows of ~400 bytes (the
-- title+lede vector is most of it; the full vector is stored apart). A
-- trigger keeps it in step with releases, whoever writes.

CREATE TABLE release_search (
	id           bigint PRIMARY KEY REFERENCES releases (id) ON DELETE CASCADE,
	source_id    bigint,
	story_id     bigint NOT NULL DEFAULT 0,
	published    timestamptz NOT NULL,
	organization text NOT NULL DEFAULT '',
	language     text NOT NULL DEFAULT '',
	-- title (A) and lede (B) alone: relevance ranks by them, a few hundred
	-- bytes kept in the row, where ranking by search would read kilobytes
	-- from TOAST for each of a thousand matches.
	head         tsvector NOT NULL,
	search       tsvector NOT NULL
);

-- lz4 decompresses a text vector several times faster than pglz, and a
-- phrase or a ranking reads one per candidate. Servers built without lz4
-- keep the default.
DO $$
BEGIN
	ALTER TABLE release_search ALTER COLUMN search SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
	NULL;
END $$;

CREATE FUNCTION communique_head_vector(title text, lede text) RETURNS tsvector
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT setweight(to_tsvector('english'::regconfig, communique_fold(coalesce(title, ''))), 'A') ||
		setweight(to_tsvector('english'::regconfig, communique_fold(coalesce(lede, ''))), 'B') $$;

CREATE FUNCTION communique_search_vector(title text, lede text, body text) RETURNS tsvector
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT communique_head_vector(title, lede) ||
		setweight(to_tsvector('english'::regconfig, communique_fold(coalesce(body, ''))), 'C') $$;

INSERT INTO release_search (id, source_id, story_id, published, organization, language, head, search)
	SELECT id, source_id, story_id, published, organization, language, communique_head_vector(title, lede), search FROM releases;
ALTER TABLE releases DROP COLUMN search;

CREATE FUNCTION communique_release_search() RETURNS trigger
	LANGUAGE plpgsql AS $$
DECLARE
	head tsvector;
BEGIN
	IF TG_OP = 'UPDATE' AND NEW.title IS NOT DISTINCT FROM OLD.title AND NEW.lede IS NOT DISTINCT FROM OLD.lede
		AND NEW.body IS NOT DISTINCT FROM OLD.body THEN
		IF (NEW.source_id, NEW.story_id, NEW.published, NEW.organization, NEW.language) IS DISTINCT FROM
			(OLD.source_id, OLD.story_id, OLD.published, OLD.organization, OLD.language) THEN
			UPDATE release_search SET source_id = NEW.source_id, story_id = NEW.story_id, published = NEW.published,
				organization = NEW.organization, language = NEW.language WHERE id = NEW.id;
		END IF;
		RETURN NULL;
	END IF;
	head := communique_head_vector(NEW.title, NEW.lede);
	INSERT INTO release_search (id, source_id, story_id, published, organization, language, head, search)
		VALUES (NEW.id, NEW.source_id, NEW.story_id, NEW.published, NEW.organization, NEW.language, head,
			head || setweight(to_tsvector('english'::regconfig, communique_fold(coalesce(NEW.body, ''))), 'C'))
		ON CONFLICT (id) DO UPDATE SET source_id = EXCLUDED.source_id, story_id = EXCLUDED.story_id,
			published = EXCLUDED.published, organization = EXCLUDED.organization, language = EXCLUDED.language,
			head = EXCLUDED.head, search = EXCLUDED.search;
	RETURN NULL;
END $$;

CREATE TRIGGER release_search AFTER INSERT OR UPDATE ON releases
	FOR EACH ROW EXECUTE FUNCTION communique_release_search();

CREATE INDEX release_search_published ON release_search (published DESC, id DESC);
CREATE INDEX release_search_org ON release_search (lower(organization), published DESC);
CREATE INDEX release_search_source ON release_search (source_id, published DESC);
CREATE INDEX release_search_story ON release_search (story_id) WHERE story_id <> 0;
CREATE INDEX release_search_text ON release_search USING gin (search);

-- The listing indexes of releases now live on release_search
-- (releases_source stays: deleting a source updates its releases).
DROP INDEX releases_published;
DROP INDEX releases_org;
DROP INDEX releases_story;
