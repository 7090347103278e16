package postgres

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
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
		u, err := db.LockDecision(ctx, keys)
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

	// One that shares a key waits for the first to end.
	got := make(chan error, 1)
	go func() {
		u, err := lock(ctx, "block 0 7", "url https://c.example/3")
		if err == nil {
			u()
		}
		got <- err
	}()
	if err := untilWaiting(db, "block 0 7"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-got:
		t.Fatalf("a decision sharing a key went ahead while the first held it (err %v)", err)
	default:
	}
	unlock()
	if err := <-got; err != nil {
		t.Fatal(err)
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
