package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/postgres"
	"github.com/communique-news/communique/sqlite"
)

// searchDir is a data directory with a few releases.
func searchDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "communique.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t0 := time.Date(2025, 9, 8, 12, 0, 0, 0, time.UTC)
	for _, r := range []*communique.Release{
		{URL: "https://www.nato.int/1", Organization: "NATO", Title: "NATO Chief welcomes Iraqi Prime Minister", Text: "Mark Rutte welcomed Prime Minister al-Sudani of Iraq.", Published: t0},
		{URL: "https://press.un.org/2", Organization: "United Nations", Title: "Security Council extends mission in Iraq", Text: "The Council extended the mission in Iraq.", Published: t0.Add(-time.Hour)},
		{URL: "https://www.ecb.europa.eu/3", Organization: "ECB", Title: "Monetary policy decisions", Text: "Rates unchanged.", Published: t0.Add(-2 * time.Hour)},
	} {
		if err := db.CreateRelease(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestSearchCommand(t *testing.T) {
	dir := searchDir(t)
	code, out, errs := runCmd(t, "search", "--data", dir, "iraq", "-org:NATO")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "Security Council extends mission in Iraq") || strings.Contains(out, "NATO Chief") {
		t.Errorf("output:\n%s", out)
	}
	if !strings.Contains(out, "«Iraq»") || !strings.Contains(out, "1 of 1 releases") {
		t.Errorf("no highlighted snippet or count:\n%s", out)
	}

	// Flags after the words, JSON out.
	code, out, errs = runCmd(t, "search", "al-Sudani", "--data", dir, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var res struct {
		Total    int
		Releases []searchResult
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("--json output is not JSON: %v\n%s", err, out)
	}
	if res.Total != 1 || len(res.Releases) != 1 || res.Releases[0].URL != "https://www.nato.int/1" || !strings.Contains(res.Releases[0].Snippet, "\x02") {
		t.Errorf("--json = %+v", res)
	}
}

func TestSearchCommandErrors(t *testing.T) {
	dir := searchDir(t)
	code, _, errs := runCmd(t, "search", "--data", dir, `nato "unclosed`)
	if code != 1 || !strings.Contains(errs, "unclosed quote at position 5") || !strings.Contains(errs, "     ^") {
		t.Errorf("a bad query: exit %d, %q", code, errs)
	}
	code, _, errs = runCmd(t, "search", "--data", filepath.Join(dir, "missing"), "nato")
	if code != 1 || !strings.Contains(errs, "no store") {
		t.Errorf("a missing data directory: exit %d, %q", code, errs)
	}
	if code, _, _ := runCmd(t, "search", "--data", dir); code != 2 {
		t.Errorf("no query: exit %d, want 2", code)
	}
}

func TestReindexCommand(t *testing.T) {
	dir := searchDir(t)
	if code, out, errs := runCmd(t, "reindex", "--data", dir); code != 0 || !strings.Contains(out, "reindexed") {
		t.Fatalf("reindex: exit %d, %q %q", code, out, errs)
	}
	if code, out, _ := runCmd(t, "search", "--data", dir, "--json", "monetary"); code != 0 || !strings.Contains(out, `"total": 1`) {
		t.Errorf("search after reindex: %s", out)
	}
}

func TestBenchSearchCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a store of 100 releases")
	}
	code, out, errs := runCmd(t, "bench", "search", "--releases", "100", "--rounds", "2", "--json", "--dir", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var line map[string]float64
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &line); err != nil {
		t.Fatalf("not one JSON line: %v\n%s", err, out)
	}
	for _, k := range []string{"releases", "index_per_s", "p50_ms", "p99_ms", "facets_p99_ms", "db_bytes_per_release", "rss_mb"} {
		if _, ok := line[k]; !ok {
			t.Errorf("no %q in %s", k, out)
		}
	}
	if line["releases"] != 100 {
		t.Errorf("releases = %v", line["releases"])
	}
}

// TestSearchCommandPostgres searches and reindexes a PostgreSQL store with
// --db.
func TestSearchCommandPostgres(t *testing.T) {
	db := postgresSchema(t)
	ctx := context.Background()
	st, err := postgres.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	r := &communique.Release{URL: "https://www.nato.int/1", Organization: "NATO", Title: "NATO Chief welcomes Iraqi Prime Minister",
		Text: "Mark Rutte welcomed Prime Minister al-Sudani of Iraq.", Published: time.Date(2025, 9, 8, 12, 0, 0, 0, time.UTC)}
	if err := st.CreateRelease(ctx, r); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if code, out, errs := runCmd(t, "reindex", "--db", db); code != 0 || !strings.Contains(out, "reindexed") {
		t.Fatalf("reindex --db: exit %d, %q %q", code, out, errs)
	}
	if code, out, errs := runCmd(t, "search", "--db", db, "al-Sudani"); code != 0 || !strings.Contains(out, "NATO Chief welcomes") || !strings.Contains(out, "1 of 1 releases") {
		t.Errorf("search --db: exit %d, %q %q", code, out, errs)
	}
	t.Setenv("COMMUNIQUE_DB", db)
	if code, out, errs := runCmd(t, "search", "--data", t.TempDir(), "rutte"); code != 0 || !strings.Contains(out, "1 of 1 releases") {
		t.Errorf("search with $COMMUNIQUE_DB: exit %d, %q %q", code, out, errs)
	}
}
