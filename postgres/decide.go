package postgres

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"

	"github.com/communique-news/communique"
)

var _ communique.DecisionLocker = (*DB)(nil)

// LockDecision holds a session advisory lock per key on a connection of
// its own until unlock: a worker that dies mid-decision loses its session
// and with it the locks. Keys are locked in one order, so that two
// decisions waiting on each other's keys cannot deadlock.
func (db *DB) LockDecision(ctx context.Context, keys []string) (func(), error) {
	ids := make([]int64, 0, len(keys))
	for _, k := range keys {
		ids = append(ids, lockID(k))
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("decision lock: %w", err)
	}
	unlock := func() {
		if _, err := conn.Exec(context.Background(), `SELECT pg_advisory_unlock_all()`); err != nil {
			conn.Conn().Close(context.Background()) // a closed session holds nothing
		}
		conn.Release()
	}
	// One statement takes them all, one after another in the array's order
	// (one statement a key was six round trips a release).
	if _, err := conn.Exec(ctx, `SELECT count(pg_advisory_lock(u.k)) FROM unnest($1::bigint[]) WITH ORDINALITY AS u(k, i)`, ids); err != nil {
		unlock()
		return nil, fmt.Errorf("decision lock: %w", err)
	}
	return unlock, nil
}

// lockID is the advisory lock key of a decision key.
func lockID(key string) int64 {
	h := fnv.New64a()
	h.Write([]byte("decision\x00" + key))
	return int64(h.Sum64())
}
