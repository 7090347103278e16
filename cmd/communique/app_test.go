package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/demo"
)

// testApp starts an app on a free port over dir, allowed to fetch from the
// given loopback origin only, with fast scheduling. It stops with the test.
func testApp(t *testing.T, dir, origin string) (*app, func()) {
	t.Helper()
	cfg := config{
		dataDir: dir, addr: "127.0.0.1:0", adminToken: "test-token", logLevel: "warn",
		allowHosts: []string{origin}, hostDelay: -1, minPoll: time.Hour, maxPoll: 2 * time.Hour,
		workers: 4, scheduleEvery: 200 * time.Millisecond, jobPoll: 20 * time.Millisecond, work: true,
		lookupIP: offlineDNS,
	}
	a, err := openApp(context.Background(), cfg, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.run(ctx) }()
	stop := func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		if err := a.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	}
	return a, stop
}

// offlineDNS answers for nothing: tests reach only literal loopback
// addresses, and no query leaves the machine.
func offlineDNS(_ context.Context, host string) ([]netip.Addr, error) {
	return nil, fmt.Errorf("no DNS in tests (%s)", host)
}

func get(t *testing.T, u string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

type apiRelease struct {
	ID           int64     `json:"id"`
	Title        string    `json:"title"`
	URL          string    `json:"url"`
	Permalink    string    `json:"permalink"`
	Organization string    `json:"organization"`
	Published    time.Time `json:"published"`
	Retrieved    time.Time `json:"retrieved"`
	Lede         string    `json:"lede"`
}

type apiReleases struct {
	Releases []apiRelease `json:"releases"`
	Next     string       `json:"next"`
}

func releases(t *testing.T, base, query string) apiReleases {
	t.Helper()
	code, _, body := get(t, base+"/api/v1/releases?"+query)
	if code != 200 {
		t.Fatalf("GET /api/v1/releases?%s: %d %s", query, code, body)
	}
	var out apiReleases
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("decoding releases: %v\n%s", err, body)
	}
	return out
}

// waitFor polls cond until it holds; the bound only stops a broken test.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func addSource(t *testing.T, base, token string, body map[string]any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", base+"/api/v1/sources", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestEndToEnd follows releases from a local origin with feeds in every
// format to the site, the three feed formats and the API, with attribution,
// and through a restart.
func TestEndToEnd(t *testing.T) {
	origin := httptest.NewServer(demo.Handler())
	defer origin.Close()
	originHost := strings.TrimPrefix(origin.URL, "http://")
	dir := t.TempDir()
	a, stop := testApp(t, dir, originHost)
	base := a.URL()

	feeds := demo.Feeds()
	if addSource(t, base, "", map[string]any{"url": origin.URL + feeds[0].Path}) != http.StatusUnauthorized {
		t.Error("adding a source without the admin token was not refused")
	}
	for _, f := range feeds {
		body := map[string]any{"url": origin.URL + f.Path, "kind": f.Kind, "organization": f.Organization, "licence": f.Licence}
		if f.Item != "" {
			body["selectors"] = map[string]any{"item": f.Item, "link": f.Link, "title": f.Title, "date": f.Date, "next": f.Next}
		}
		if code := addSource(t, base, "test-token", body); code != http.StatusCreated && code != http.StatusOK {
			t.Fatalf("adding %s: HTTP %d", f.Path, code)
		}
	}
	const want = 10
	waitFor(t, "releases to be ingested", func() bool { return len(releases(t, base, "limit=100").Releases) >= want })
	// Let the queue drain so that the counts below are final.
	waitFor(t, "the queue to drain", func() bool {
		c, err := a.queue.Counts(context.Background())
		return err == nil && c["available"]+c["running"]+c["retryable"]+c["pending"] == 0
	})

	list := releases(t, base, "limit=100")
	var seed *apiRelease
	for i, r := range list.Releases {
		if r.URL == "" || r.Permalink == "" || r.Organization == "" || r.Published.IsZero() || r.Retrieved.IsZero() {
			t.Errorf("release %d lacks attribution fields: %+v", r.ID, r)
		}
		if strings.Contains(r.URL, "news_237412") {
			if seed != nil {
				t.Errorf("the seed release is stored twice: %s and %s", seed.URL, r.URL)
			}
			seed = &list.Releases[i]
		}
	}
	if seed == nil {
		t.Fatal("the seed release (NATO news_237412) was not ingested")
	}
	if seed.Organization != "NATO" {
		t.Errorf("seed organisation = %q, want NATO", seed.Organization)
	}
	// The republisher's copy is attached to the originator's release.
	_, _, one := get(t, base+"/api/v1/releases/"+fmt.Sprint(seed.ID))
	if !bytes.Contains(one, []byte("/mirage/nato-chief-welcomes-iraqi-prime-minister")) {
		t.Errorf("the seed release does not list the republisher's copy: %s", one)
	}
	// And a search for the seed finds it once.
	if got := releases(t, base, "q=al-Sudani").Releases; len(got) != 1 {
		t.Errorf("a search for al-Sudani found %d releases, want 1", len(got))
	}

	// The release page credits the originator and links the original.
	code, _, page := get(t, seed.Permalink)
	if code != 200 {
		t.Fatalf("release page: %d", code)
	}
	for _, want := range []string{`rel="canonical" href="` + seed.URL, "View the original", seed.URL, "NATO", "Mark Rutte"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("release page lacks %q", want)
		}
	}

	// The home page advertises three feeds, and each parses with the items.
	_, _, home := get(t, base+"/")
	for _, typ := range []string{"application/rss+xml", "application/atom+xml", "application/feed+json"} {
		href := alternate(t, home, typ)
		if href == "" {
			t.Errorf("home page advertises no %s feed", typ)
			continue
		}
		u, _ := url.Parse(base)
		ref, _ := url.Parse(href)
		code, _, body := get(t, u.ResolveReference(ref).String())
		if code != 200 {
			t.Errorf("%s feed: HTTP %d", typ, code)
			continue
		}
		f, err := gofeed.NewParser().ParseString(string(body))
		if err != nil {
			t.Errorf("%s feed does not parse: %v", typ, err)
			continue
		}
		if len(f.Items) < want {
			t.Errorf("%s feed has %d items, want ≥ %d", typ, len(f.Items), want)
		}
	}

	// Sources of every kind have releases.
	code, _, body := get(t, base+"/api/v1/sources")
	if code != 200 {
		t.Fatalf("sources: %d", code)
	}
	var srcs struct {
		Sources []struct {
			ID        int64  `json:"id"`
			Kind      string `json:"kind"`
			Releases  int    `json:"releases"`
			LastError string `json:"last_error"`
		} `json:"sources"`
	}
	if err := json.Unmarshal(body, &srcs); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, s := range srcs.Sources {
		if s.LastError != "" {
			t.Errorf("source %d has an error: %s", s.ID, s.LastError)
		}
		kinds[s.Kind] += s.Releases
	}
	for _, k := range []string{"feed", "html", "sitemap"} {
		if kinds[k] == 0 {
			t.Errorf("no releases came through a %s source (%v)", k, kinds)
		}
	}
	total := len(list.Releases)
	stop()

	// A restart over the same data directory keeps everything.
	a2, stop2 := testApp(t, dir, originHost)
	defer stop2()
	if got := len(releases(t, a2.URL(), "limit=100").Releases); got != total {
		t.Errorf("after restart: %d releases, want %d", got, total)
	}
}

// alternate finds the href of <link rel="alternate" type=typ> in a page.
func alternate(t *testing.T, page []byte, typ string) string {
	t.Helper()
	s := string(page)
	for {
		i := strings.Index(s, "<link")
		if i < 0 {
			return ""
		}
		s = s[i:]
		end := strings.Index(s, ">")
		if end < 0 {
			return ""
		}
		tag := s[:end]
		s = s[end:]
		if strings.Contains(tag, `rel="alternate"`) && strings.Contains(tag, `type="`+typ+`"`) {
			j := strings.Index(tag, `href="`)
			if j < 0 {
				continue
			}
			h := tag[j+6:]
			return strings.ReplaceAll(h[:strings.Index(h, `"`)], "&amp;", "&")
		}
	}
}

// countingStore fails the test if anything counts a source's releases.
type countingStore struct {
	communique.Store
	t *testing.T
}

func (s countingStore) CountSourceReleases(ctx context.Context, srcs []*communique.Source) error {
	s.t.Errorf("counted the releases of %d sources", len(srcs))
	return s.Store.CountSourceReleases(ctx, srcs)
}

// unhealthyStore is a store whose background work failed.
type unhealthyStore struct{ communique.Store }

func (unhealthyStore) Health() error { return errors.New("checkpoint: disk full") }

// The health check reads the databases without counting every source's
// releases (at a million releases that took a third of a second on SQLite
// and seconds on PostgreSQL, for every probe of a load balancer), and it
// reports what the store's background work reports (the SQLite store's
// checkpoints).
func TestHealth(t *testing.T) {
	cfg := config{dataDir: t.TempDir(), addr: "127.0.0.1:0", adminToken: "test-token", logLevel: "warn", work: true, lookupIP: offlineDNS}
	a, err := openApp(t.Context(), cfg, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	store := a.store
	a.store = countingStore{Store: store, t: t}
	if err := a.health(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, ok := store.(interface{ Health() error }); !ok {
		t.Fatalf("the SQLite store %T reports no health", store)
	}
	a.store = unhealthyStore{store}
	if err := a.health(t.Context()); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("health: %v, want the store's checkpoint error", err)
	}
}

// TestFetchHostDelay: --host-delay 0s means no delay on every store (it
// meant fetch's 1 s default on SQLite and none on PostgreSQL).
func TestFetchHostDelay(t *testing.T) {
	for _, c := range []struct{ flag, want time.Duration }{
		{0, -1}, {-1, -1}, {20 * time.Millisecond, 20 * time.Millisecond}, {time.Second, time.Second},
	} {
		if got := (config{hostDelay: c.flag}).fetchHostDelay(); got != c.want {
			t.Errorf("--host-delay %v: fetch.Options.HostDelay %v, want %v", c.flag, got, c.want)
		}
	}
}
