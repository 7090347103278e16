-- The current revision of a release shares its text with release_texts
-- instead of holding a copy (which doubled the store's size); a revision's
-- own html and body are filled when a newer revision supersedes it.
ALTER TABLE revisions ADD COLUMN current INTEGER NOT NULL DEFAULT 0;
