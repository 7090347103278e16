-- Politeness across workers: when each host may next be asked.
CREATE TABLE hosts (
	host         text PRIMARY KEY,
	next_allowed timestamptz NOT NULL DEFAULT '-infinity'
);

CREATE INDEX releases_story ON releases (story_id) WHERE story_id <> 0;
