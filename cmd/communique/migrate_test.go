package main

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/demo"
	"github.com/communique-news/communique/postgres"
)

// TestMigrateSQLiteToPostgres ingests the demo into SQLite, copies it to
// PostgreSQL, copies it again (nothing doubles: the copy resumes), and
// compares sources, releases, copies and revisions.
func TestMigrateSQLiteToPostgres(t *testing.T) {
	db := postgresSchema(t)
	ctx := context.Background()
	origin := httptest.NewServer(demo.Handler())
	defer origin.Close()
	a, stop := testApp(t, t.TempDir(), strings.TrimPrefix(origin.URL, "http://"))
	if err := subscribeDemo(ctx, a, origin.URL); err != nil {
		t.Fatal(err)
	}
	drain(t, a)
	stop()

	src, err := openStoreURL(ctx, "sqlite:"+a.cfg.dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := postgres.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	quiet := func(string, ...any) {}
	for i := 0; i < 2; i++ {
		if err := migrateStores(ctx, src, dst, quiet); err != nil {
			t.Fatalf("migration %d: %v", i+1, err)
		}
	}
	count := func(st communique.Store) (sources, releases, copies, revisions int) {
		ss, err := st.Sources(ctx)
		if err != nil {
			t.Fatal(err)
		}
		page, err := st.Releases(ctx, communique.Query{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Releases {
			full, err := st.ReleaseByURL(ctx, r.URL)
			if err != nil {
				t.Fatal(err)
			}
			copies += len(full.Copies)
			revisions += full.Revisions
		}
		return len(ss), len(page.Releases), copies, revisions
	}
	s1, r1, c1, v1 := count(src)
	s2, r2, c2, v2 := count(dst)
	if s1 != s2 || r1 != r2 || c1 != c2 || v1 != v2 {
		t.Errorf("sources, releases, copies, revisions: SQLite %d %d %d %d, PostgreSQL %d %d %d %d", s1, r1, c1, v1, s2, r2, c2, v2)
	}
	if r1 == 0 || c1 == 0 {
		t.Errorf("nothing to compare: %d releases, %d copies", r1, c1)
	}
}
