-- The fingerprint's 16-bit blocks move from four b-tree indexes on releases
-- to terms of the search index (see blockTerms in terms.go): random keys in
-- a b-tree cost a page write each, and at a million releases the four
-- indexes doubled what a bulk load wrote. The reindex on open writes the
-- block terms of the releases already stored.
DROP INDEX releases_fp0;
DROP INDEX releases_fp1;
DROP INDEX releases_fp2;
DROP INDEX releases_fp3;
ALTER TABLE releases DROP COLUMN fp0;
ALTER TABLE releases DROP COLUMN fp1;
ALTER TABLE releases DROP COLUMN fp2;
ALTER TABLE releases DROP COLUMN fp3;
INSERT INTO reindex_pending VALUES ('006_fingerprint_terms');
