package postgres

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/communique-news/communique"
)

// TestUpgradeTo004 opens a database made by the migrations before
// release_search, with a release in it: after the upgrade it is found by
// its words, its title ranks, and new writes are searchable.
func TestUpgradeTo004(t *testing.T) {
	cfg := testSchema(t)
	ctx := context.Background()
	old, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if _, err := old.Exec(ctx, `CREATE TABLE schema_migrations (name text PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())`); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"migrations/001_init.sql", "migrations/002_hosts.sql", "migrations/003_host_leases.sql"} {
		sql, err := migrations.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := old.Exec(ctx, string(sql)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := old.Exec(ctx, `INSERT INTO schema_migrations (name) VALUES ($1)`, name); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := old.Exec(ctx, `INSERT INTO releases (url, organization, title, lede, body, published, retrieved, updated)
		VALUES ('https://www.nato.int/1', 'NATO', 'Rutte welcomes al-Sudani', 'The Secretary General met the Prime Minister.', 'They discussed the mission in Iraq.', now(), now(), now())`); err != nil {
		t.Fatal(err)
	}

	db, err := OpenConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("upgrading: %v", err)
	}
	defer db.Close()
	find := func(text string) int {
		t.Helper()
		p, err := db.Releases(ctx, communique.Query{Text: &communique.Node{Op: communique.OpTerm, Text: text}})
		if err != nil {
			t.Fatal(err)
		}
		return len(p.Releases)
	}
	if find("iraq") != 1 || find("rutte") != 1 {
		t.Error("a release stored before the upgrade is not found by its words")
	}
	if err := db.CreateRelease(ctx, &communique.Release{URL: "https://www.un.org/2", Title: "Council meets", Text: "The Council met on Iraq."}); err != nil {
		t.Fatal(err)
	}
	if find("iraq") != 2 {
		t.Error("a release stored after the upgrade is not found")
	}
}
