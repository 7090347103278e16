package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/internal/pgtest"
)

// TestPostgresWorkersSurviveAKill runs one web process (in this process) and
// two worker processes against PostgreSQL and a local origin of 200
// sources, kills one worker mid-ingest, and checks that every release ends
// up stored exactly once.
func TestPostgresWorkersSurviveAKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	db := postgresSchema(t)
	ctx := context.Background()
	const sources, perSource = 200, 3
	origin, err := startBenchOrigin(sources, perSource)
	if err != nil {
		t.Fatal(err)
	}
	defer origin.Close()

	dir := t.TempDir()
	web, err := openApp(ctx, config{dataDir: dir, db: db, role: "web", adminToken: "t", logLevel: "error", allowPrivate: true}, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer web.Close()

	worker := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "serve", "--role", "worker", "--db", db, "--addr", "127.0.0.1:0", "--data", dir,
			"--admin-token", "t", "--allow-private-addresses", "--host-delay", "0s", "--no-default-sources", "--log-level", "error",
			"--workers", "4", "--schedule-every", "100ms", "--job-poll", "20ms", "--job-timeout", "3s")
		cmd.Env = append(os.Environ(), "COMMUNIQUE_TEST_MAIN=1")
		out, _ := cmd.StdoutPipe()
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
			t.Fatalf("worker did not start: %v", err)
		}
		return cmd
	}
	w1, w2 := worker(), worker()
	defer func() {
		w2.Process.Signal(syscall.SIGTERM)
		w2.Wait()
	}()

	for _, u := range origin.urls {
		s := &communique.Source{Kind: communique.KindFeed, URL: u, Licence: communique.LicenceFull, Organization: "Bench"}
		if err := web.store.CreateSource(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	count := func() int {
		p, err := web.store.Releases(ctx, communique.Query{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		return p.Total
	}
	waitFor(t, "some releases before the kill", func() bool { return count() >= 60 })
	w1.Process.Signal(syscall.SIGKILL)
	w1.Wait()

	want := sources * perSource
	deadline := time.Now().Add(2 * time.Minute)
	for count() < want {
		if time.Now().After(deadline) {
			t.Fatalf("after the kill only %d of %d releases arrived", count(), want)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := count(); got != want {
		t.Errorf("%d releases, want exactly %d", got, want)
	}
	seen := map[string]bool{}
	q := communique.Query{Limit: 500}
	for {
		p, err := web.store.Releases(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Releases {
			if seen[r.URL] || !strings.HasPrefix(r.URL, "http://127.0.") {
				t.Errorf("release %s stored twice or at an unexpected URL", r.URL)
			}
			seen[r.URL] = true
		}
		if p.Next == "" {
			break
		}
		q.Cursor = p.Next
	}
}

// A worker process's writes are all job writes, redone if lost: it commits
// without waiting for the WAL flush (postgres.OpenWorker). A web process
// makes the writes people ask for and keeps the default.
func TestPostgresWorkerRoleCommitsAsynchronously(t *testing.T) {
	db := postgresSchema(t)
	ctx := context.Background()
	for role, want := range map[string]string{"worker": "off", "web": "on", "all": "on"} {
		a, err := openApp(ctx, config{dataDir: t.TempDir(), db: db, role: role, adminToken: "t", logLevel: "error"}, os.Stderr)
		if err != nil {
			t.Fatal(err)
		}
		var got string
		err = a.pg.Pool().QueryRow(ctx, `SHOW synchronous_commit`).Scan(&got)
		a.Close()
		if err != nil || got != want {
			t.Errorf("--role %s: synchronous_commit %q (%v), want %q", role, got, err, want)
		}
	}
}

// postgresSchema is the URL of a schema of the test's own in the database
// COMMUNIQUE_TEST_POSTGRES names, dropped when the test ends; the test is
// skipped where that variable is unset.
func postgresSchema(t *testing.T) string {
	t.Helper()
	url := pgtest.URL(t)
	db, drop, err := benchSchema(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	return db
}

// A URL with the pool's own settings (the README suggests pool_max_conns)
// makes a bench schema too: those settings are not sent to the server.
func TestBenchSchemaTakesPoolSettings(t *testing.T) {
	url := pgtest.URL(t)
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	db, drop, err := benchSchema(t.Context(), url+sep+"pool_max_conns=4")
	if err != nil {
		t.Fatal(err)
	}
	defer drop()
	if !strings.Contains(db, "pool_max_conns=4") || !strings.Contains(db, "search_path=communique_bench_") {
		t.Errorf("bench URL %q lost the pool setting or the schema", db)
	}
}
