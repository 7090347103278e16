-- How many releases a word is in decides how a search runs (see
-- postgres/search.go): whether to count, whether to read index bitmaps,
-- where its window of newest releases starts. The planner knows a word's
-- frequency only if it is among the column's most common elements, ten
-- per point of statistics target: with the default (100) a word in 7% of
-- a million releases was estimated at 0.5%. At 1,000 the list holds ten
-- thousand words, down to about 0.7%; ANALYZE of the table then samples
-- 300,000 rows (37 s at a million releases, rarely: autovacuum analyses
-- after a tenth of the table has changed).
ALTER TABLE release_search ALTER COLUMN search SET STATISTICS 1000;
