package postgres

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/communique-news/communique"
)

// waitsFor reports whether a session waits for the decision lock of key
// (pg_locks shows a bigint advisory key as its high and low 32 bits).
func waitsFor(db *DB, key string) (bool, error) {
	id := uint64(lockID(key))
	var n int
	err := db.pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
		AND classid::bigint = $1 AND objid::bigint = $2 AND objsubid = 1`, int64(id>>32), int64(id&0xffffffff)).Scan(&n)
	return n > 0, err
}

// untilWaiting polls pg_locks until a session waits for key's lock (the
// condition is observed, not guessed by sleeping; the deadline is only for
// failure).
func untilWaiting(db *DB, key string) error {
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if ok, err := waitsFor(db, key); ok || err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return errors.New("no decision is waiting for " + key)
		}
	}
}

func TestLockDecision(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	lock := func(ctx context.Context, keys ...string) (func(), error) {
		u, _, err := db.LockDecision(ctx, keys, communique.MatchQuery{})
		if err != nil {
			return nil, err
		}
		u = sync.OnceFunc(u)
		t.Cleanup(u) // a failed test still gives its connection back
		return u, nil
	}
	unlock, err := lock(ctx, "url https://a.example/1", "block 0 7")
	if err != nil {
		t.Fatal(err)
	}
	// A decision with no key in common goes ahead.
	other, err := lock(ctx, "url https://b.example/2", "block 0 8")
	if err != nil {
		t.Fatal(err)
	}
	other()

	// One that shares a key waits for the first to end, and matches what
	// the first stored before it ended: its match runs after its lock.
	const url = "https://a.example/1"
	got := make(chan *communique.Matches, 1)
	go func() {
		u, m, err := db.LockDecision(ctx, []string{"block 0 7", "url https://c.example/3"}, communique.MatchQuery{URLs: []string{url}})
		if err != nil {
			t.Error(err)
		} else {
			u()
		}
		got <- m
	}()
	if err := untilWaiting(db, "block 0 7"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-got:
		t.Fatal("a decision sharing a key went ahead while the first held it")
	default:
	}
	r := &communique.Release{URL: url, Title: "Stored by the first decision", Published: time.Now(), Retrieved: time.Now(), Licence: communique.LicenceFull}
	if err := db.CreateRelease(ctx, r); err != nil {
		t.Fatal(err)
	}
	unlock()
	if m := <-got; m != nil && (m.ByURL[0] == nil || m.ByURL[0].ID != r.ID) {
		t.Errorf("the waiting decision matched %v at %s, want the release %d stored before the lock was given up", m.ByURL[0], url, r.ID)
	}

	// A decision given up while it waits returns its error and leaves
	// nothing held.
	unlock, err = lock(ctx, "hash h1")
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	go func() {
		untilWaiting(db, "hash h1")
		cancel()
	}()
	if _, err := lock(cctx, "hash h1"); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled wait: %v, want context.Canceled", err)
	}
	unlock()
	if u, err := lock(ctx, "hash h1"); err != nil {
		t.Errorf("after both ended: %v", err)
	} else {
		u()
	}
}

// Decisions never hold every connection of the pool: a decision holds its
// lock's connection while it stores through another, so with every
// connection held by a lock none would be left to store. With a pool of
// two, a second decision waits while the first holds its lock, and the
// first can store.
func TestDecisionsLeaveAConnection(t *testing.T) {
	cfg := testSchema(t)
	cfg.MaxConns = 2
	db, err := OpenConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	unlock, _, err := db.LockDecision(ctx, []string{"url https://a.example/1"}, communique.MatchQuery{})
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	// The second decision's keys are unrelated: only the pool can hold it
	// back. Its wait ends at the deadline (the outcome does not depend on
	// the deadline's length).
	wctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if u, _, err := db.LockDecision(wctx, []string{"url https://b.example/2"}, communique.MatchQuery{}); err == nil {
		u()
		t.Fatal("a second decision took the pool's last connection while the first held its lock")
	} else if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatal(err)
	}
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	r := &communique.Release{URL: "https://a.example/1", Title: "Stored", Published: time.Now(), Retrieved: time.Now(), Licence: communique.LicenceFull}
	if err := db.CreateRelease(sctx, r); err != nil {
		t.Fatalf("the first decision could not store: %v", err)
	}
}
