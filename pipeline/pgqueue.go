package pipeline

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// riverMigrationLock serialises River's migrations between processes that
// start together.
const riverMigrationLock = 0x7269766572 // "river"

// OpenPostgresQueue migrates River's schema in the PostgreSQL database of
// pool (under an advisory lock) and makes the Queue over it. Every process
// of an installation shares the queue: a job is taken by one worker only,
// a job of a worker that died is rescued and retried by another, and River's
// leader election runs the scheduler in exactly one process at a time.
func OpenPostgresQueue(ctx context.Context, pool *pgxpool.Pool, p *Pipeline, o QueueOptions) (*Queue, error) {
	driver := riverpgxv5.New(pool)
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, riverMigrationLock); err != nil {
		return nil, fmt.Errorf("queue migration lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, riverMigrationLock)
	m, err := rivermigrate.New(driver, nil)
	if err == nil {
		_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("migrating the queue: %w", err)
	}
	return NewQueue(driver, p, o)
}
