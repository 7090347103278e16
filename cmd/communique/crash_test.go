package main

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/communique-news/communique/demo"
)

// TestMain lets the test binary run as the communique command, so that the
// crash test can kill a real process.
func TestMain(m *testing.M) {
	if os.Getenv("COMMUNIQUE_TEST_MAIN") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// startProcess runs `communique serve` as a child process over dir and
// returns its base URL.
func startProcess(t *testing.T, dir string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "serve", "--data", dir, "--addr", "127.0.0.1:0", "--no-default-sources",
		"--allow-private-addresses", "--host-delay", "0s", "--admin-token", "t", "--log-level", "error", "--workers", "2",
		"--schedule-every", "100ms", "--job-poll", "20ms")
	cmd.Env = append(os.Environ(), "COMMUNIQUE_TEST_MAIN=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		t.Fatalf("reading the server's first line: %v", err)
	}
	i := strings.Index(line, "http://")
	if i < 0 {
		cmd.Process.Kill()
		t.Fatalf("no URL in %q", line)
	}
	return cmd, strings.Fields(line[i:])[0]
}

// TestKillAndRestart kills the server with SIGKILL in the middle of ingesting,
// restarts it over the same data directory, and checks that every release
// ends up stored exactly once.
func TestKillAndRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	// A slow origin, so that the kill lands mid-ingest.
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, ".xml") && !strings.HasSuffix(r.URL.Path, ".json") && r.URL.Path != "/robots.txt" {
			time.Sleep(150 * time.Millisecond)
		}
		demo.Handler().ServeHTTP(w, r)
	})
	origin := httptest.NewServer(slow)
	defer origin.Close()

	// The reference: the same sources ingested without a crash.
	ref, stopRef := testApp(t, t.TempDir(), strings.TrimPrefix(origin.URL, "http://"))
	if err := subscribeDemo(context.Background(), ref, origin.URL); err != nil {
		t.Fatal(err)
	}
	want := drain(t, ref)
	stopRef()

	dir := t.TempDir()
	cmd, base := startProcess(t, dir)
	for _, f := range demo.Feeds() {
		body := map[string]any{"url": origin.URL + f.Path, "kind": f.Kind, "organization": f.Organization, "licence": f.Licence}
		if f.Item != "" {
			body["selectors"] = map[string]any{"item": f.Item, "link": f.Link, "title": f.Title, "date": f.Date, "next": f.Next}
		}
		addSource(t, base, "t", body)
	}
	waitFor(t, "some releases before the kill", func() bool { return len(releases(t, base, "limit=500").Releases) >= 2 })
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	cmd2, base2 := startProcess(t, dir)
	defer func() { cmd2.Process.Signal(syscall.SIGTERM); cmd2.Wait() }()
	waitFor(t, "every release after the restart", func() bool { return len(releases(t, base2, "limit=500").Releases) >= want })
	got := releases(t, base2, "limit=500").Releases
	seen := map[string]bool{}
	for _, r := range got {
		if seen[r.URL] {
			t.Errorf("release %s stored twice", r.URL)
		}
		seen[r.URL] = true
	}
	if len(got) != want {
		t.Errorf("after kill and restart: %d releases, want %d", len(got), want)
	}
}

// drain waits until an in-process app has ingested everything it was given,
// and returns the number of releases.
func drain(t *testing.T, a *app) int {
	t.Helper()
	waitFor(t, "releases", func() bool { return len(releases(t, a.URL(), "limit=500").Releases) > 0 })
	waitFor(t, "the queue to drain", func() bool {
		c, err := a.queue.Counts(context.Background())
		return err == nil && c["available"]+c["running"]+c["retryable"]+c["pending"]+c["scheduled"] == 0
	})
	return len(releases(t, a.URL(), "limit=500").Releases)
}
