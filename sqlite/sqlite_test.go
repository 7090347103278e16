package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/storetest"
)

func testDB(t testing.TB) *DB {
	t.Helper()
	return openTestDB(t, filepath.Join(t.TempDir(), "communique.db"))
}

// openTestDB opens the database at path, closed when the test ends.
func openTestDB(t testing.TB, path string) *DB {
	t.Helper()
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) communique.Store { return testDB(t) })
}

func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "communique.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	r := &communique.Release{URL: "https://www.nato.int/1", Title: "Allies agree", Text: "Allies agree new plans."}
	if err := db.CreateRelease(ctx, r); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(ctx, path) // migrations already applied
	if err != nil {
		t.Fatalf("reopening: %v", err)
	}
	defer db.Close()
	var n int
	if err := db.read.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n == 0 {
		t.Fatalf("schema_migrations: %d, %v", n, err)
	}
	p, err := db.Releases(ctx, communique.Query{})
	if err != nil || len(p.Releases) != 1 || p.Releases[0].ID != r.ID {
		t.Fatalf("after reopening: %v, %v", p, err)
	}
}

func TestConcurrentReadsAndWrites(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	done := make(chan error, 4)
	for w := range 4 {
		go func() {
			for i := range 25 {
				r := &communique.Release{URL: "https://x.example/" + string(rune('a'+w)) + "/" + string(rune('a'+i)), Title: "word", Text: "word"}
				if err := db.CreateRelease(ctx, r); err != nil {
					done <- err
					return
				}
				if _, err := db.Releases(ctx, communique.Query{Limit: 5}); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	p, err := db.Releases(ctx, communique.Query{})
	if err != nil || p.Total != 100 {
		t.Fatalf("Total %d, %v; want 100", p.Total, err)
	}
}

// TestPendingReindex: a database whose filter terms were never written (as
// after migrations 004 and 006 on an older database) is reindexed on open.
func TestPendingReindex(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "communique.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	r := &communique.Release{URL: "https://www.nato.int/1", Organization: "NATO", Title: "Allies agree", Text: "Allies agree new plans.",
		Entities: &communique.Entities{Countries: []string{"BE"}}, Fingerprint: 0x0123456789abcdef}
	// Migration 006 moved the fingerprint's blocks into the index's terms.
	similar := communique.MatchQuery{Fingerprint: r.Fingerprint ^ 1<<40, MaxDistance: 3}
	if err := db.CreateRelease(ctx, r); err != nil {
		t.Fatal(err)
	}
	r2 := &communique.Release{URL: "https://www.nato.int/2", Organization: "NATO", Title: "Allies meet", Text: "Allies meet again.",
		Entities: &communique.Entities{Countries: []string{"BE"}}}
	if err := db.CreateRelease(ctx, r2); err != nil {
		t.Fatal(err)
	}
	defer func(n int) { reindexChunk = n }(reindexChunk)
	reindexChunk = 1 // one release at a time: the second chunk must be read too
	for _, s := range []string{`UPDATE release_texts SET terms = ''`, `INSERT INTO releases_fts (releases_fts) VALUES ('rebuild')`, `INSERT INTO reindex_pending VALUES ('test')`} {
		if _, err := db.write.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	q := communique.Query{Text: &communique.Node{Op: communique.OpAnd, Children: []*communique.Node{
		{Op: communique.OpTerm, Text: "allies"}, {Op: communique.OpField, Field: "country", Text: "be"}}}}
	if p, err := db.Releases(ctx, q); err != nil || len(p.Releases) != 0 {
		t.Fatalf("without terms: %v, %v (the test does not test anything)", p, err)
	}
	if m, err := db.Match(ctx, similar); err != nil || len(m.Similar) != 0 {
		t.Fatalf("without terms: similar %v, %v (the test does not test anything)", m, err)
	}
	db.Close()
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if p, err := db.Releases(ctx, q); err != nil || len(p.Releases) != 2 {
		t.Fatalf("after reopening: %v, %v; want both releases found by their country", p, err)
	}
	if m, err := db.Match(ctx, similar); err != nil || len(m.Similar) != 1 || m.Similar[0].ID != r.ID {
		t.Fatalf("after reopening: similar %v, %v; want the release found by its fingerprint", m, err)
	}
}

// The ingest path's lookups search an index; none reads the whole table
// (a scan hides at a few releases and costs a second at a million).
func TestLookupsUseIndexes(t *testing.T) {
	db := testDB(t)
	for name, q := range map[string]string{
		"releaseByHash": releaseByHash,
		"releaseByURL":  releaseByURL,
		"releaseByID":   releaseByID,
		"similarBlocks": similarBlocks,
	} {
		plan := queryPlan(t, db.read, q)
		for _, step := range plan {
			// A full-text match is an index lookup: "SCAN releases_fts VIRTUAL TABLE INDEX 0:M4".
			if strings.HasPrefix(step, "SCAN ") && !strings.Contains(step, "VIRTUAL TABLE INDEX 0:M") {
				t.Errorf("%s scans a table: %v", name, plan)
			}
		}
	}
}

// queryPlan is the detail column of q's EXPLAIN QUERY PLAN, with a NULL for
// each parameter.
func queryPlan(t *testing.T, db interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, q string) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, params(q)...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return plan
}

// params is a NULL for each parameter of q, "?" or "?N".
func params(q string) []any {
	n := 0
	for _, m := range regexp.MustCompile(`\?(\d*)`).FindAllStringSubmatch(q, -1) {
		if m[1] == "" {
			n++
		} else if i, _ := strconv.Atoi(m[1]); i > n {
			n = i
		}
	}
	return make([]any, n)
}

// A new database has 8 KiB pages in WAL mode, the write connection a larger
// page cache; a database made with SQLite's default 4 KiB pages keeps them.
func TestDatabaseSettings(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	var pageSize, cache int
	var mode, sync string
	if err := db.write.QueryRowContext(ctx, `SELECT page_size, cache_size, journal_mode, synchronous FROM pragma_page_size, pragma_cache_size, pragma_journal_mode, pragma_synchronous`).Scan(&pageSize, &cache, &mode, &sync); err != nil {
		t.Fatal(err)
	}
	if pageSize != 8192 || cache != -writeCacheKiB || mode != "wal" || sync != "1" {
		t.Errorf("write connection: page_size %d, cache_size %d, journal_mode %s, synchronous %s; want 8192, %d, wal, 1 (NORMAL)", pageSize, cache, mode, sync, -writeCacheKiB)
	}
	if err := db.read.QueryRowContext(ctx, `SELECT page_size, journal_mode FROM pragma_page_size, pragma_journal_mode`).Scan(&pageSize, &mode); err != nil {
		t.Fatal(err)
	}
	if pageSize != 8192 || mode != "wal" {
		t.Errorf("read pool: page_size %d, journal_mode %s; want 8192, wal", pageSize, mode)
	}

	path := filepath.Join(t.TempDir(), "old.db")
	old, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.ExecContext(ctx, `CREATE TABLE t (x); PRAGMA journal_mode = WAL`); err != nil {
		t.Fatal(err)
	}
	old.Close()
	reopened := openTestDB(t, path)
	if err := reopened.write.QueryRowContext(ctx, `SELECT page_size FROM pragma_page_size`).Scan(&pageSize); err != nil {
		t.Fatal(err)
	}
	if pageSize != 4096 {
		t.Errorf("a database made with 4 KiB pages: page_size %d after opening", pageSize)
	}
}

// TestCheckpointer: the writer leaves checkpoints to the checkpointer, which
// copies what a write added to the log into the database file.
func TestCheckpointer(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "communique.db")
	db := openTestDB(t, path)
	var auto int
	if err := db.write.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil || auto != 0 {
		t.Fatalf("write connection: wal_autocheckpoint %d, %v; want 0", auto, err)
	}
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	// About 1 MiB: new pages, well under the 1,000 pages (8 MiB) of log at
	// which SQLite's own automatic checkpoint would run.
	writeLong(t, db, 25)
	// The deadline only bounds a failure: the checkpoint needs no time to pass.
	for deadline := time.Now().Add(20 * time.Second); size() < before+512<<10; {
		if time.Now().After(deadline) {
			db.ckpt.mu.Lock()
			runs, err := db.ckpt.runs, db.ckpt.err
			db.ckpt.mu.Unlock()
			t.Fatalf("database file %d bytes, %d before the writes: not checkpointed (%d runs, last error %v)", size(), before, runs, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCheckpointerRestartsLongLogs: a log of walRestartPages or more gets a
// RESTART checkpoint, so that a writer that never pauses does not grow it
// without end.
func TestCheckpointerRestartsLongLogs(t *testing.T) {
	defer func(n int) { walRestartPages = n }(walRestartPages)
	walRestartPages = 20
	db := testDB(t)
	writeLong(t, db, 10) // about 400 KiB, 50 pages
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		db.ckpt.mu.Lock()
		restarts, err := db.ckpt.restarts, db.ckpt.err
		db.ckpt.mu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		if restarts > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no RESTART checkpoint after 50 pages of log with a limit of 20")
		}
	}
}

// writeLong stores n releases of about 40 KB of text each, one a transaction.
func writeLong(t *testing.T, db *DB, n int) {
	t.Helper()
	text := strings.Repeat("Allies agree new plans for the summit. ", 1000)
	for i := range n {
		r := &communique.Release{URL: fmt.Sprintf("https://www.nato.int/%d", i), Title: "Plans", Text: text}
		if err := db.CreateRelease(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
}

// A failed background checkpoint shows in Health until one succeeds.
func TestHealthReportsCheckpoints(t *testing.T) {
	db := testDB(t)
	if err := db.Health(); err != nil {
		t.Fatal(err)
	}
	db.ckpt.mu.Lock()
	db.ckpt.err = errors.New("checkpoint: disk I/O error")
	db.ckpt.mu.Unlock()
	if err := db.Health(); err == nil || !strings.Contains(err.Error(), "disk I/O") {
		t.Fatalf("Health: %v", err)
	}
}
