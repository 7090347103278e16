package pipeline

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// OpenSQLiteQueue makes the Queue over River's queue in db, its own SQLite
// database (opened with sqlite.OpenDB), after migrating River's schema. The
// caller closes db after the queue.
//
// The queue has a file of its own, beside the store's, so that River's
// frequent small writes (job fetches, heartbeats, leader election) never
// contend with the store's writes for SQLite's single writer lock. Nothing
// needs the two in one transaction: a job that is run again after a crash
// finds its item already marked, or its release already stored.
func OpenSQLiteQueue(ctx context.Context, db *sql.DB, p *Pipeline, o QueueOptions) (*Queue, error) {
	// River's SQLite driver runs best on a single connection (its docs).
	db.SetMaxOpenConns(1)
	driver := riversqlite.New(db)
	m, err := rivermigrate.New(driver, nil)
	if err == nil {
		_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("migrating the queue database: %w", err)
	}
	if o.Work {
		// An SQLite queue has one working process: jobs still marked running
		// were left by a process that died, and are taken up again at once
		// rather than after River's stuck-job rescue delay.
		if _, err := db.ExecContext(ctx, `UPDATE river_job SET state = 'available', scheduled_at = CURRENT_TIMESTAMP WHERE state = 'running'`); err != nil {
			return nil, fmt.Errorf("resuming interrupted jobs: %w", err)
		}
	}
	return NewQueue(driver, p, o)
}
