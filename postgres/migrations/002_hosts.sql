-- Politeness across workers: when each host may next be asked.
CREATE TABLE hosts (
	host         text PRIMARY KEY,
	next_allowed timestamptz NOT NULL DEFAULT '-infinity'
);
