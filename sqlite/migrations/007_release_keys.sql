-- The columns a search reads for each of many matches, in release order,
-- as a covering index (see releaseKeys in query.go): ranking, facets and
-- filters read a few index pages instead of a page per match.
CREATE INDEX releases_keys ON releases (id, published, fingerprint, organization, language, month, source_id, story_id);
