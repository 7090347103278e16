-- Search index tuning. FTS5 keeps a transaction's new terms in memory and
-- writes them as a segment at commit or when they outgrow hashsize; segments
-- are merged incrementally, automerge of them at a time. A larger hash and
-- wider merges spend less CPU on merging during bulk loads; Optimize (after
-- a bulk load) and Reindex merge everything into one segment.
INSERT INTO releases_fts (releases_fts, rank) VALUES ('hashsize', 16777216);
INSERT INTO releases_fts (releases_fts, rank) VALUES ('automerge', 8);
