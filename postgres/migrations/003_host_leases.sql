-- Politeness across workers without holding a connection while waiting: a
-- request to a host holds a lease on its row (holder, busy_until) instead of
-- a session advisory lock. A worker that dies mid-request frees the host when
-- its lease runs out.
ALTER TABLE hosts ADD COLUMN busy_until timestamptz NOT NULL DEFAULT '-infinity';
ALTER TABLE hosts ADD COLUMN holder bigint NOT NULL DEFAULT 0;
