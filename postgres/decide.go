package postgres

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/communique-news/communique"
)

var _ communique.DecisionLocker = (*DB)(nil)

// LockDecision holds a session advisory lock per key on a connection of
// its own until unlock: a worker that dies mid-decision loses its session
// and with it the locks. Keys are locked in one order, so that two
// decisions waiting on each other's keys cannot deadlock.
//
// The lock and the match go in one batch, one round trip: the match runs
// after the lock is granted, and in READ COMMITTED each statement reads
// what was committed when it starts, so it sees every decision that held
// one of the keys before.
func (db *DB) LockDecision(ctx context.Context, keys []string, q communique.MatchQuery) (func(), *communique.Matches, error) {
	ids := make([]int64, 0, len(keys))
	for _, k := range keys {
		ids = append(ids, lockID(k))
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	select {
	case db.decisions <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, fmt.Errorf("decision lock: %w", ctx.Err())
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		<-db.decisions
		return nil, nil, fmt.Errorf("decision lock: %w", err)
	}
	unlock := func() {
		if _, err := conn.Exec(context.Background(), `SELECT pg_advisory_unlock_all()`); err != nil {
			conn.Conn().Close(context.Background()) // a closed session holds nothing
		}
		conn.Release()
		<-db.decisions
	}
	b := &pgx.Batch{}
	// One statement takes them all, one after another in the array's order
	// (one statement a key was six round trips a release). It also has the
	// match planned for the table as it is (see planEachTime): the batch is
	// one implicit transaction, the setting's scope.
	b.Queue(`SELECT count(pg_advisory_lock(u.k)), `+planEachTime+` FROM unnest($1::bigint[]) WITH ORDINALITY AS u(k, i)`, ids)
	b.Queue(matchSQL, matchArgs(q)...)
	res := conn.SendBatch(ctx, b)
	m, err := func() (*communique.Matches, error) {
		if _, err := res.Exec(); err != nil {
			return nil, fmt.Errorf("decision lock: %w", err)
		}
		rows, err := res.Query()
		if err != nil {
			return nil, fmt.Errorf("matching a release: %w", err)
		}
		return scanMatches(rows, q)
	}()
	if cerr := res.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("decision lock: %w", cerr)
	}
	if err != nil {
		unlock()
		return nil, nil, err
	}
	return unlock, m, nil
}

// planEachTime makes the statements after it in its transaction planned
// for their arguments and the tables as they are. A prepared statement may
// otherwise settle on a generic plan after five runs and keep it for the
// connection's life: the match's, made while releases held a few rows,
// joined matches to a full scan of the table, and nothing replaced it as
// the table grew unless ANALYZE ran (autovacuum off or behind): at 8,000
// releases each decision read 700 pages. The match was planned afresh most
// times anyway (its generic plan looks dearer to PostgreSQL), so this costs
// nothing it did not.
const planEachTime = `set_config('plan_cache_mode', 'force_custom_plan', true)`

// lockID is the advisory lock key of a decision key.
func lockID(key string) int64 {
	h := fnv.New64a()
	h.Write([]byte("decision\x00" + key))
	return int64(h.Sum64())
}
