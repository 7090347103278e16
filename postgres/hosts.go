package postgres

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"time"
)

// HostLimiter enforces politeness across every worker process sharing the
// database: at most one request at a time per host, and at least Delay
// between the end of one request and the start of the next. It satisfies the
// fetch client's HostLimiter.
//
// A request holds a lease on the host's row in hosts (holder, busy_until)
// rather than a session advisory lock, so that no pool connection is held
// while a request runs or while a worker waits its turn: with a lock, eight
// ingest workers waiting on one host held every connection of the pool and
// starved the store. A waiter polls the row, sleeping until next_allowed
// when that is what it waits for, and with a short backoff while another
// worker's request is in flight. Put an in-process limiter in front of it
// (fetch.Chain(fetch.NewHostLimiter(0), l)) so that only one goroutine per
// process polls for a host.
type HostLimiter struct {
	DB    *DB
	Delay time.Duration
	// Lease bounds how long one request holds its host: a worker killed
	// mid-request frees the host when it runs out. It must exceed the fetch
	// client's total timeout per request (DefaultLease is its 30 s default
	// plus a margin); any longer only keeps a dead worker's hosts waiting.
	Lease time.Duration
}

// DefaultLease is the lease of a HostLimiter without one: the fetch
// client's 30 s total timeout per request, plus a margin.
const DefaultLease = 35 * time.Second

// maxHostPoll caps the sleep between two looks at a busy host's row.
const maxHostPoll = 100 * time.Millisecond

// Acquire waits for the host's turn and returns the function that ends it.
func (l *HostLimiter) Acquire(ctx context.Context, host string) (func(), error) {
	lease := l.Lease
	if lease <= 0 {
		lease = DefaultLease
	}
	var b [8]byte
	rand.Read(b[:])
	token := int64(binary.LittleEndian.Uint64(b[:]) | 1) // never 0, the free row's holder
	backoff := 2 * time.Millisecond
	for {
		ok, wait, err := l.try(ctx, host, token, lease)
		if err != nil {
			return nil, fmt.Errorf("waiting for host %s: %w", host, err)
		}
		if ok {
			return func() { l.release(host, token) }, nil
		}
		if wait <= 0 {
			wait = backoff
			backoff = min(2*backoff, maxHostPoll)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// try takes the host's lease for token if the host is free and its delay
// has passed. Otherwise it says how long until the delay passes: 0 while
// another request is in flight, whose end is unknown. One statement does
// both, so that a worker waiting for a host another holds costs one round
// trip a look; the wait is read from the statement's snapshot, which may be
// a moment old: a look too early or too late by that moment.
func (l *HostLimiter) try(ctx context.Context, host string, token int64, lease time.Duration) (bool, time.Duration, error) {
	var got bool
	var ns float64
	err := l.DB.pool.QueryRow(ctx, `WITH t AS (INSERT INTO hosts AS h (host, holder, busy_until)
			VALUES ($1, $2, clock_timestamp() + $3 * interval '1 microsecond')
			ON CONFLICT (host) DO UPDATE SET holder = EXCLUDED.holder, busy_until = EXCLUDED.busy_until
			WHERE h.busy_until <= clock_timestamp() AND h.next_allowed <= clock_timestamp()
			RETURNING true)
		SELECT EXISTS (SELECT FROM t), coalesce((SELECT CASE WHEN busy_until > clock_timestamp() THEN 0
			ELSE extract(epoch FROM (greatest(next_allowed, clock_timestamp()) - clock_timestamp())) * 1e9 END::float8
			FROM hosts WHERE host = $1), 0)`, host, token, lease.Microseconds()).Scan(&got, &ns)
	if err != nil || got {
		return got, 0, err
	}
	return false, time.Duration(ns), nil
}

// release ends a request: the host is free, and next asked Delay from now.
// It runs even when the request's context is done, within a few seconds.
func (l *HostLimiter) release(host string, token int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	l.DB.pool.Exec(ctx, `UPDATE hosts SET holder = 0, busy_until = '-infinity',
		next_allowed = clock_timestamp() + $3 * interval '1 microsecond' WHERE host = $1 AND holder = $2`,
		host, token, max(l.Delay, 0).Microseconds())
}
