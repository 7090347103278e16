package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/storetest"
)

// testDB opens a store in a schema of its own, dropped when the test ends,
// so that tests (and test packages) never see each other's rows.
func testDB(t testing.TB) *DB {
	t.Helper()
	url := os.Getenv("COMMUNIQUE_TEST_POSTGRES")
	if url == "" {
		t.Skip("COMMUNIQUE_TEST_POSTGRES is not set (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable); skipping PostgreSQL tests")
	}
	ctx := context.Background()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema + ",public"
	db, err := OpenConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	return db
}

func TestMigrationsTwice(t *testing.T) {
	db := testDB(t)
	if err := db.migrate(context.Background()); err != nil {
		t.Fatalf("migrating an up-to-date database: %v", err)
	}
}

func TestHostLimiterSerialises(t *testing.T) {
	db := testDB(t)
	l := &HostLimiter{DB: db, Delay: 0}
	ctx := context.Background()
	release, err := l.Acquire(ctx, "a.example")
	if err != nil {
		t.Fatal(err)
	}
	// A second acquisition for the same host waits for the first.
	got := make(chan struct{})
	go func() {
		r2, err := l.Acquire(ctx, "a.example")
		if err == nil {
			r2()
		}
		close(got)
	}()
	// Another host is not blocked.
	r3, err := l.Acquire(ctx, "b.example")
	if err != nil {
		t.Fatal(err)
	}
	r3()
	// Wait until the second acquisition is either blocked on the host's lock
	// (right) or done (wrong: it went ahead while the first was running).
	for blocked := false; !blocked; {
		select {
		case <-got:
			t.Fatal("a second request to the same host went ahead while the first was running")
		default:
		}
		if err := db.pool.QueryRow(ctx, `SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`).Scan(&blocked); err != nil {
			t.Fatal(err)
		}
	}
	release()
	<-got
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) communique.Store { return testDB(t) })
}

func TestCreateReleases(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	var rs []*communique.Release
	for i := range 50 {
		rs = append(rs, &communique.Release{URL: "https://a.example/" + strconv.Itoa(i), Title: "Release " + strconv.Itoa(i), Text: "security council meets", Licence: communique.LicenceFull})
	}
	if err := db.CreateReleases(ctx, rs); err != nil {
		t.Fatal(err)
	}
	page, err := db.Releases(ctx, communique.Query{Text: &communique.Node{Op: communique.OpTerm, Text: "council"}, Limit: 1})
	if err != nil || page.Total != 50 {
		t.Fatalf("after CreateReleases: %d found, %v", page.Total, err)
	}
	if revs, err := db.Revisions(ctx, rs[7].ID); err != nil || len(revs) != 1 {
		t.Errorf("revisions of a bulk-loaded release: %v %v", revs, err)
	}
	// All or nothing: a duplicate URL in the batch stores none of it.
	dup := []*communique.Release{{URL: "https://b.example/1", Licence: communique.LicenceFull}, {URL: "https://a.example/3", Licence: communique.LicenceFull}}
	if err := db.CreateReleases(ctx, dup); communique.ErrorCode(err) != communique.ECONFLICT {
		t.Errorf("duplicate in a batch: %v", err)
	}
	if _, err := db.ReleaseByURL(ctx, "https://b.example/1"); communique.ErrorCode(err) != communique.ENOTFOUND {
		t.Errorf("a failed batch left a release behind: %v", err)
	}
}
