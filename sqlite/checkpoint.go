package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// checkpointer copies the write-ahead log into the database file on a
// connection of its own, beside the writer.
//
// SQLite's automatic checkpoint runs inside the commit that passes 1,000
// pages of log: the writer reads every new page back from the log, writes
// it to the database file and waits for two fsyncs before its next
// transaction. That was half the system calls of a bulk load (strace of
// 4,000 releases into a million: 111 MiB written to the log, 110 MiB read
// back from it and 110 MiB written to the database). After each write
// transaction the writer wakes this goroutine, which runs a PASSIVE
// checkpoint (it never blocks the writer or readers) at most once per
// checkpointEvery, on the other core.
//
// The log restarts from its beginning when the writer begins a transaction
// and finds it all copied. A writer that never pauses (a bulk load) would
// outrun the checkpointer and grow the log without end, so once the log
// holds walRestartPages the checkpointer follows its passive checkpoint with
// a RESTART one: that holds the writer back while it copies what the
// passive one could not (little: it has just run) and waits for readers
// to leave the log, and the next transaction writes the log from its
// beginning.
type checkpointer struct {
	conn *sql.DB
	kick chan struct{}
	stop context.CancelFunc
	done chan struct{}

	mu       sync.Mutex
	runs     int   // checkpoints run (for tests)
	restarts int   // RESTART checkpoints run (for tests)
	err      error // the last one's error, until one succeeds
}

// checkpointEvery bounds how often the checkpointer runs: a checkpoint
// waits for two fsyncs, and the pipeline commits one release at a time.
const checkpointEvery = 100 * time.Millisecond

// walRestartPages is the log length (64 MiB of 8 KiB pages) at which the
// checkpointer restarts the log (a variable for tests).
var walRestartPages = 8192

func startCheckpointer(path string) (*checkpointer, error) {
	conn, err := OpenDB(DSN(path))
	if err != nil {
		return nil, err
	}
	conn.SetMaxOpenConns(1)
	ctx, stop := context.WithCancel(context.Background())
	c := &checkpointer{conn: conn, kick: make(chan struct{}, 1), stop: stop, done: make(chan struct{})}
	go c.loop(ctx)
	return c, nil
}

// wake asks for a checkpoint; it never blocks.
func (c *checkpointer) wake() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *checkpointer) loop(ctx context.Context) {
	defer close(c.done)
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.kick:
		}
		var busy, log, copied int
		err := c.conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &copied)
		restart := err == nil && log >= walRestartPages
		if restart {
			err = c.conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(RESTART)`).Scan(&busy, &log, &copied)
		}
		if err != nil && ctx.Err() == nil {
			err = fmt.Errorf("checkpoint: %w", err)
		}
		c.mu.Lock()
		c.runs++
		if restart {
			c.restarts++
		}
		c.err = err
		c.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-time.After(checkpointEvery):
		}
	}
}

// close stops the goroutine and closes its connection.
func (c *checkpointer) close() error {
	c.stop()
	<-c.done
	return c.conn.Close()
}

// Health reports the background checkpoint's failure, if the last one
// failed: the log then grows until one succeeds (a full disk, say), and
// /healthz says so.
func (db *DB) Health() error {
	db.ckpt.mu.Lock()
	defer db.ckpt.mu.Unlock()
	return db.ckpt.err
}

// Checkpoint copies the write-ahead log into the database file and
// truncates it (after a bulk load, before measuring the file).
func (db *DB) Checkpoint(ctx context.Context) error {
	_, err := db.write.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}
