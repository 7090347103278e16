package postgres

import (
	"context"
	"errors"
	"strings"
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

// TestMatchPlansWithoutStatistics checks that the match a decision runs
// reads indexes whatever the planner knows of the tables. A new release's
// hash is in no row; where the planner guessed it in one row in 200 (its
// guess without statistics), "the oldest release with this hash" walked
// the primary key filtering every row, and each ingest read the whole
// table: at 8,000 releases the match took 18 ms, and the bench's rate fell
// by half. Autovacuum, which gathers statistics, may be off or behind.
func TestMatchPlansWithoutStatistics(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	for _, table := range []string{"releases", "copies"} {
		if _, err := db.pool.Exec(ctx, `ALTER TABLE `+table+` SET (autovacuum_enabled = false)`); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.pool.Exec(ctx, `INSERT INTO releases (url, title, published, retrieved, updated, licence, content_hash, fingerprint, fp0, fp1, fp2, fp3)
		SELECT 'https://x.example/' || i, 'Release ' || i, now(), now(), now(), 'full', md5(i::text), i, i % 65536, i % 7, i % 11, i % 13
		FROM generate_series(1, 20000) AS i`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.pool.Exec(ctx, `INSERT INTO copies (release_id, url, first_seen)
		SELECT id, 'https://copy.example/' || id, now() FROM releases`); err != nil {
		t.Fatal(err)
	}
	q := communique.MatchQuery{URLs: []string{"https://x.example/new", "https://copy.example/new"}, Hash: "new", Fingerprint: 1 << 40, MaxDistance: 3, Limit: 10}
	for _, stats := range []string{"without statistics", "with statistics"} {
		if stats == "with statistics" {
			if _, err := db.pool.Exec(ctx, `ANALYZE releases; ANALYZE copies`); err != nil {
				t.Fatal(err)
			}
		}
		text := explain(t, db, "EXPLAIN "+matchSQL, matchArgs(q)...)
		for _, bad := range []string{"Seq Scan", "Filter: (content_hash", "Filter: (url"} {
			if strings.Contains(text, bad) {
				t.Errorf("%s, the match's plan has %q:\n%s", stats, bad, text)
			}
		}
	}
}

// TestMatchPlansEachTime checks that a decision's match is planned for the
// table as it is, never from a plan cached on the connection. PostgreSQL
// may settle on a prepared statement's generic plan after five runs; the
// one made while releases was a few rows joined the matches to a full scan
// of it, and kept doing so as the table grew (nothing invalidates it
// without ANALYZE): at 8,000 releases each match read 700 pages. Here the
// connection is told to use generic plans, as PostgreSQL may decide to.
func TestMatchPlansEachTime(t *testing.T) {
	cfg := testSchema(t)
	cfg.MaxConns = 1 // the statements below see the decision's connection
	cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	db, err := OpenConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	q := communique.MatchQuery{URLs: []string{"https://x.example/new"}, Hash: "new", Fingerprint: 1 << 40, MaxDistance: 3, Limit: 10}
	for range 3 {
		unlock, _, err := db.LockDecision(ctx, []string{"url https://x.example/new"}, q)
		if err != nil {
			t.Fatal(err)
		}
		unlock()
		if _, err := db.Match(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	var generic, custom int64
	err = db.pool.QueryRow(ctx, `SELECT coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0) FROM pg_prepared_statements
		WHERE statement LIKE 'WITH m AS%'`).Scan(&generic, &custom)
	if err != nil {
		t.Fatal(err)
	}
	if generic != 0 {
		t.Errorf("the match ran %d times from a generic plan (and %d custom); want every run planned for its table", generic, custom)
	}
	var mode string
	if err := db.pool.QueryRow(ctx, `SHOW plan_cache_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "force_generic_plan" {
		t.Errorf("plan_cache_mode is %s after a decision; the match's setting leaked into the session", mode)
	}
}
