package postgres

import (
	"context"
	"fmt"
	"hash/fnv"
	"time"
)

// HostLimiter enforces politeness across every worker process sharing the
// database: at most one request at a time per host (a session advisory lock
// per host, held for the request), and at least Delay between the end of one
// request and the start of the next (hosts.next_allowed). It satisfies the
// fetch client's HostLimiter.
type HostLimiter struct {
	DB    *DB
	Delay time.Duration
}

// hostKey is the advisory lock key of a host, in a namespace of our own.
func hostKey(host string) int64 {
	h := fnv.New64a()
	h.Write([]byte("communique-host:" + host))
	return int64(h.Sum64())
}

// Acquire waits for the host's turn and returns the function that ends it.
func (l *HostLimiter) Acquire(ctx context.Context, host string) (func(), error) {
	conn, err := l.DB.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	key := hostKey(host)
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
		conn.Release()
		return nil, fmt.Errorf("waiting for host %s: %w", host, err)
	}
	unlock := func() {
		conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, key)
		conn.Release()
	}
	var ns float64
	err = conn.QueryRow(ctx, `INSERT INTO hosts (host) VALUES ($1) ON CONFLICT (host) DO UPDATE SET host = EXCLUDED.host
		RETURNING CASE WHEN isfinite(hosts.next_allowed) THEN greatest(extract(epoch FROM (hosts.next_allowed - clock_timestamp())), 0) ELSE 0 END::float8 * 1e9`,
		host).Scan(&ns)
	wait := time.Duration(ns)
	if err != nil {
		unlock()
		return nil, err
	}
	if wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			unlock()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
	return func() {
		conn.Exec(context.Background(), `UPDATE hosts SET next_allowed = clock_timestamp() + $2 * interval '1 microsecond' WHERE host = $1`,
			host, l.Delay.Microseconds())
		unlock()
	}, nil
}
