package postgres

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"sync"
	"time"
)

// HostLimiter enforces politeness across every worker process sharing the
// database: at most one request at a time per host, and at least Delay
// between the end of one request and the start of the next. It satisfies the
// fetch client's HostLimiter, and is the only limiter a process needs.
//
// A request holds a lease on the host's row in hosts (holder, busy_until)
// rather than a session advisory lock, so that no pool connection is held
// while a request runs or while a worker waits its turn: with a lock, eight
// ingest workers waiting on one host held every connection of the pool and
// starved the store. A waiter polls the row, sleeping until next_allowed
// when that is what it waits for, and with a short backoff while another
// worker's request is in flight.
//
// Within a process, requests to one host queue in memory, so that only one
// of them at a time looks at the row. When a request ends with another of
// the process's requests waiting for the host, the lease passes to it
// without a round trip, for up to Hold after it was taken: a poll's items
// of one site, fetched one after the other, took two statements each (the
// lease and its end), 7% of an ingest's CPU with the delay at 0. Then the
// lease goes back to the database, where another process may take it.
type HostLimiter struct {
	DB    *DB
	Delay time.Duration
	// Lease bounds how long one request holds its host: a worker killed
	// mid-request frees the host when it runs out. It must exceed Hold
	// plus the fetch client's total timeout per request (DefaultLease is
	// its 30 s default plus a margin); any longer only keeps a dead
	// worker's hosts waiting.
	Lease time.Duration
	// Hold bounds how long a process keeps a host's lease for its own
	// waiting requests (default DefaultHold); negative: never kept.
	Hold time.Duration

	mu    sync.Mutex
	hosts map[string]*hostTurn
}

// DefaultLease is the lease of a HostLimiter without one: the fetch
// client's 30 s total timeout per request, plus a margin.
const DefaultLease = 35 * time.Second

// DefaultHold is how long a process keeps a host's lease for its own
// requests when the HostLimiter does not say.
const DefaultHold = time.Second

// maxHostPoll caps the sleep between two looks at a busy host's row.
const maxHostPoll = 100 * time.Millisecond

// hostTurn is a host's queue in this process.
type hostTurn struct {
	turn    chan struct{} // holds a token while the turn is taken
	waiting int           // requests waiting for the turn (l.mu)
	// Written by the turn's holder, and by a waiter that gives up when
	// the turn is free (see giveUp):
	held  bool      // this process holds the lease on the host's row
	token int64     // the lease's holder in the row
	since time.Time // when the lease was taken
	last  time.Time // when the previous request ended
}

// Acquire waits for the host's turn and returns the function that ends it.
func (l *HostLimiter) Acquire(ctx context.Context, host string) (func(), error) {
	l.mu.Lock()
	if l.hosts == nil {
		l.hosts = map[string]*hostTurn{}
	}
	h := l.hosts[host]
	if h == nil {
		h = &hostTurn{turn: make(chan struct{}, 1)}
		l.hosts[host] = h
	}
	h.waiting++
	l.mu.Unlock()

	select {
	case h.turn <- struct{}{}:
	case <-ctx.Done():
		l.giveUp(host, h)
		return nil, ctx.Err()
	}
	l.mu.Lock()
	h.waiting--
	l.mu.Unlock()
	var once sync.Once
	end := func() { once.Do(func() { l.end(host, h) }) }
	if h.held {
		// Passed on by this process's previous request: only the delay.
		if wait := time.Until(h.last.Add(l.Delay)); wait > 0 {
			if err := sleep(ctx, wait); err != nil {
				end()
				return nil, err
			}
		}
		return end, nil
	}
	token, err := l.take(ctx, host)
	if err != nil {
		l.giveBack(host, h)
		return nil, err
	}
	h.held, h.token, h.since = true, token, time.Now()
	return end, nil
}

// take polls the host's row until its lease is this process's.
func (l *HostLimiter) take(ctx context.Context, host string) (int64, error) {
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
			return 0, fmt.Errorf("waiting for host %s: %w", host, err)
		}
		if ok {
			return token, nil
		}
		if wait <= 0 {
			wait = backoff
			backoff = min(2*backoff, maxHostPoll)
		}
		if err := sleep(ctx, wait); err != nil {
			return 0, err
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// end ends a request: the lease passes to the process's next request for
// the host if one waits and the lease is young enough, or goes back to the
// database.
func (l *HostLimiter) end(host string, h *hostTurn) {
	h.last = time.Now()
	hold := l.Hold
	if hold == 0 {
		hold = DefaultHold
	}
	l.mu.Lock()
	if h.waiting > 0 && h.last.Add(l.Delay).Before(h.since.Add(hold)) {
		<-h.turn // under l.mu: a waiter giving up sees the turn taken or passed on
		l.mu.Unlock()
		return
	}
	l.mu.Unlock()
	l.giveBack(host, h)
}

// giveUp is a waiter whose context ended before its turn came. If it was
// the last waiter and the turn was passed on to it, it gives the lease back.
func (l *HostLimiter) giveUp(host string, h *hostTurn) {
	l.mu.Lock()
	h.waiting--
	if h.waiting > 0 {
		l.mu.Unlock()
		return
	}
	select {
	case h.turn <- struct{}{}: // free: nobody's request is running
	default:
		// Taken: its end sees no waiter and gives the lease back.
		l.mu.Unlock()
		return
	}
	l.mu.Unlock()
	l.giveBack(host, h)
}

// giveBack ends the turn of its holder: the lease, if this process holds
// it, goes back to the database, then the turn to the next waiter.
func (l *HostLimiter) giveBack(host string, h *hostTurn) {
	if h.held {
		l.release(host, h.token)
		h.held = false
	}
	l.mu.Lock()
	<-h.turn
	l.leave(host, h)
	l.mu.Unlock()
}

// leave forgets a host nobody in this process holds or waits for (l.mu
// held), so that the map holds only the hosts in use.
func (l *HostLimiter) leave(host string, h *hostTurn) {
	if h.waiting == 0 && len(h.turn) == 0 && !h.held && l.hosts[host] == h {
		delete(l.hosts, host)
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
