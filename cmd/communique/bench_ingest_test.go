package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/communique-news/communique/internal/pgtest"
)

type benchIngestOut struct {
	Runs    []ingestReport  `json:"runs"`
	Summary []ingestSummary `json:"summary"`
}

// runBenchIngestJSON runs bench ingest with args and --json, and decodes
// what it printed.
func runBenchIngestJSON(t *testing.T, args ...string) benchIngestOut {
	t.Helper()
	code, out, errs := runCmd(t, append([]string{"bench", "ingest", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("bench ingest %v: exit %d: %s", args, code, errs)
	}
	var got benchIngestOut
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("bench ingest printed %q: %v", out, err)
	}
	return got
}

// checkIngestRuns checks that every run stored the whole origin and timed
// the stages a release goes through.
func checkIngestRuns(t *testing.T, got benchIngestOut, runs, releases int) {
	t.Helper()
	if len(got.Runs) != runs {
		t.Fatalf("%d runs reported, want %d: %+v", len(got.Runs), runs, got.Runs)
	}
	for _, r := range got.Runs {
		if r.Releases != releases || r.Seconds <= 0 || r.ReleasesPerSec <= 0 {
			t.Errorf("run %+v: want %d releases in a positive time", r, releases)
		}
		for _, stage := range []string{"fetch", "extract", "store"} {
			if r.StageMsPerItem[stage] <= 0 {
				t.Errorf("run %d (%s, %d workers): no time for stage %s: %v", r.Run, r.Store, r.Workers, stage, r.StageMsPerItem)
			}
		}
	}
}

func TestBenchIngestSQLite(t *testing.T) {
	got := runBenchIngestJSON(t, "--sources", "3", "--releases-per-source", "4", "--runs", "2")
	checkIngestRuns(t, got, 2, 12)
	if len(got.Summary) != 1 {
		t.Fatalf("summary %+v: want one configuration", got.Summary)
	}
	s := got.Summary[0]
	if s.Store != "sqlite" || s.Runs != 2 || s.Min > s.Median || s.Median > s.Max || s.Ratio != 0 {
		t.Errorf("summary %+v", s)
	}
}

// TestBenchIngestPostgres runs worker processes (this test binary, as the
// command) against PostgreSQL, with one and two workers in turn, twice.
func TestBenchIngestPostgres(t *testing.T) {
	url := pgtest.URL(t)
	t.Setenv("COMMUNIQUE_TEST_MAIN", "1") // the worker processes run as the command
	got := runBenchIngestJSON(t, "--sources", "3", "--releases-per-source", "4", "--db", url, "--workers", "1,2", "--concurrency", "2", "--runs", "2")
	checkIngestRuns(t, got, 4, 12)
	// The second round starts with the second configuration, so that each
	// follows the other once.
	var order []int
	for _, r := range got.Runs {
		order = append(order, r.Workers)
	}
	if !slices.Equal(order, []int{1, 2, 2, 1}) {
		t.Errorf("runs in the order of workers %v, want [1 2 2 1]", order)
	}
	if len(got.Summary) != 2 || got.Summary[1].Workers != 2 || got.Summary[1].Of != 1 || got.Summary[1].Ratio <= 0 {
		t.Errorf("summary %+v: want 2 workers compared with 1", got.Summary)
	}
}

func TestIngestConfigs(t *testing.T) {
	pg := "postgres://h/db"
	got, err := ingestConfigs([]string{"sqlite", pg}, "1,2,2")
	if err != nil {
		t.Fatal(err)
	}
	want := []ingestConfig{{workers: 1}, {db: pg, workers: 1}, {db: pg, workers: 2}}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("config %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	for _, bad := range []struct {
		dbs     []string
		workers string
		err     string
	}{
		{nil, "2", "needs --db postgres"},
		{[]string{"sqlite"}, "1,2", "needs --db postgres"},
		{[]string{pg}, "0", "--workers"},
		{[]string{pg}, "one", "--workers"},
		{[]string{"mysql://h/db"}, "1", "want sqlite or a postgres"},
	} {
		if _, err := ingestConfigs(bad.dbs, bad.workers); err == nil || !strings.Contains(err.Error(), bad.err) {
			t.Errorf("ingestConfigs(%q, %q) = %v, want an error about %q", bad.dbs, bad.workers, err, bad.err)
		}
	}
}

func TestSummarizeIngest(t *testing.T) {
	pg := "postgres://h/db"
	configs := []ingestConfig{{workers: 1}, {db: pg, workers: 1}, {db: pg, workers: 2}}
	var reps []ingestReport
	add := func(c ingestConfig, rates ...float64) {
		for _, r := range rates {
			reps = append(reps, ingestReport{Store: c.store(), Workers: c.workers, db: c.db, ReleasesPerSec: r})
		}
	}
	add(configs[0], 300, 100, 200)      // odd: the middle one
	add(configs[1], 280, 200, 300, 220) // even: the mean of the middle two
	add(configs[2], 250, 350, 300)
	got := summarizeIngest(configs, reps)
	want := []ingestSummary{
		{Store: "sqlite", Workers: 1, Runs: 3, Median: 200, Min: 100, Max: 300},
		{Store: "postgres", Workers: 1, Runs: 4, Median: 250, Min: 200, Max: 300},
		{Store: "postgres", Workers: 2, Runs: 3, Median: 300, Min: 250, Max: 350, Ratio: 1.2, Of: 1},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("summary %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestBenchIngestLeavesAnInstallationAlone runs bench ingest against a
// database that holds an installation in its public schema, as a user's
// would: the bench's jobs must go to its own schema's queue, not to the
// installation's, whose workers would take them (and the bench's workers
// the installation's jobs).
func TestBenchIngestLeavesAnInstallationAlone(t *testing.T) {
	admin := pgtest.Conn(t)
	ctx := t.Context()
	name := fmt.Sprintf("communique_install_%d", time.Now().UnixNano())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("dropping the test's database: %v", err)
		}
	})
	u, err := url.Parse(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	db := u.String()

	install, err := openApp(ctx, config{dataDir: t.TempDir(), db: db, role: "web", adminToken: "t", logLevel: "error"}, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	install.Close()
	t.Setenv("COMMUNIQUE_TEST_MAIN", "1")
	checkIngestRuns(t, runBenchIngestJSON(t, "--sources", "2", "--releases-per-source", "3", "--db", db, "--concurrency", "2"), 1, 6)

	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, table := range []string{"public.river_job", "public.sources", "public.releases"} {
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("the bench left %d rows in the installation's %s", n, table)
		}
	}
}
