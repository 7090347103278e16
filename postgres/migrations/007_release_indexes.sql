-- Listings and searches read release_search (migration 004), which has its
-- own date, organisation and story indexes; the same three on releases
-- served no query any more and cost every new release three more index
-- entries. releases_source stays: deleting a source finds its releases
-- through it, and a source's release count reads it.
DROP INDEX IF EXISTS releases_published;
DROP INDEX IF EXISTS releases_org;
DROP INDEX IF EXISTS releases_story;
