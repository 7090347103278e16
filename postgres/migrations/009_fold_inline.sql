-- The search vectors call unaccent() directly, so that PostgreSQL inlines
-- them. It inlines a SQL function only if the function is no less volatile
-- than its body: communique_fold is declared IMMUTABLE over the STABLE
-- unaccent(), so it never was, and each new release's search trigger ran
-- three calls of it through an executor of their own. communique_fold stays
-- IMMUTABLE for queries, where it is folded to a constant when the query is
-- planned (as STABLE it would be evaluated again for each row a filter
-- reads). The vectors are STABLE: no index or generated column uses them
-- since migration 004.
CREATE OR REPLACE FUNCTION communique_head_vector(title text, lede text) RETURNS tsvector
	LANGUAGE sql STABLE PARALLEL SAFE
	AS $$ SELECT setweight(to_tsvector('english'::regconfig, public.unaccent('public.unaccent'::regdictionary, coalesce(title, ''))), 'A') ||
		setweight(to_tsvector('english'::regconfig, public.unaccent('public.unaccent'::regdictionary, coalesce(lede, ''))), 'B') $$;

CREATE OR REPLACE FUNCTION communique_body_vector(body text) RETURNS tsvector
	LANGUAGE sql STABLE PARALLEL SAFE
	AS $$ SELECT setweight(to_tsvector('english'::regconfig, public.unaccent('public.unaccent'::regdictionary, coalesce(body, ''))), 'C') $$;

CREATE OR REPLACE FUNCTION communique_search_vector(title text, lede text, body text) RETURNS tsvector
	LANGUAGE sql STABLE PARALLEL SAFE
	AS $$ SELECT communique_head_vector(title, lede) || communique_body_vector(body) $$;

CREATE OR REPLACE FUNCTION communique_release_search() RETURNS trigger
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
			head || communique_body_vector(NEW.body))
		ON CONFLICT (id) DO UPDATE SET source_id = EXCLUDED.source_id, story_id = EXCLUDED.story_id,
			published = EXCLUDED.published, organization = EXCLUDED.organization, language = EXCLUDED.language,
			head = EXCLUDED.head, search = EXCLUDED.search;
	RETURN NULL;
END $$;
