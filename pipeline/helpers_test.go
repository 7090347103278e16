package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/fetch"
	"github.com/communique-news/communique/sqlite"
)

// The tests run the pipeline over a real store (SQLite in a temporary
// directory), the real fetch client and httptest origins on loopback. Each
// origin has a host name of its own ("www.nato.int:PORT"), resolved to
// 127.0.0.1 by the client's LookupIP, which refuses every other name: the
// de-duplication rules look at host names, and nothing leaves the machine.

// clock is a test clock that only moves when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// origin is a web site whose pages the test sets and changes.
type origin struct {
	t    testing.TB
	srv  *httptest.Server
	Host string // name:port
	URL  string // http://name:port

	mu     sync.Mutex
	routes map[string]http.Handler // by path, or path?query
	prefix map[string]http.Handler // by path prefix
	hits   map[string]int
	reqs   []*http.Request
}

func (o *origin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Path
	if r.URL.RawQuery != "" {
		key += "?" + r.URL.RawQuery
	}
	o.mu.Lock()
	o.hits[key]++
	o.reqs = append(o.reqs, r.Clone(context.Background()))
	h, ok := o.routes[key]
	if !ok {
		h = o.routes[r.URL.Path]
	}
	if h == nil {
		for p, ph := range o.prefix {
			if strings.HasPrefix(r.URL.Path, p) {
				h = ph
			}
		}
	}
	o.mu.Unlock()
	if h == nil {
		http.NotFound(w, r)
		return
	}
	h.ServeHTTP(w, r)
}

// handle serves path (or path?query) with h.
func (o *origin) handle(path string, h http.Handler) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.routes[path] = h
}

// handlePrefix serves every path under prefix that has no route of its own
// with h.
func (o *origin) handlePrefix(prefix string, h http.Handler) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.prefix[prefix] = h
}

// set serves body at path with an ETag (the body's hash), answering 304 to a
// request that already has it.
func (o *origin) set(path, contentType, body string) {
	sum := sha256.Sum256([]byte(body))
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	o.handle(path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", contentType)
		fmt.Fprint(w, body)
	}))
}

// status serves path with a bare status and headers.
func (o *origin) status(path string, code int, header ...string) {
	o.handle(path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		http.Error(w, http.StatusText(code), code)
	}))
}

// hit is how many requests path (or path?query) had.
func (o *origin) hit(path string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.hits[path]
}

// requests are the requests to path so far.
func (o *origin) requests(path string) []*http.Request {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []*http.Request
	for _, r := range o.reqs {
		if r.URL.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// env is a store, a fetch client over named loopback origins, and a
// pipeline with a test clock.
type env struct {
	t       testing.TB
	ctx     context.Context
	dir     string
	clock   *clock
	store   *sqlite.DB
	client  *fetch.Client
	p       *Pipeline
	origins map[string]*origin
}

// newEnv makes an environment with one origin per host name given.
func newEnv(t testing.TB, hosts ...string) *env {
	t.Helper()
	ctx := t.Context()
	e := &env{t: t, ctx: ctx, dir: t.TempDir(), clock: newClock(), origins: map[string]*origin{}}
	var allow []string
	names := map[string]bool{}
	for _, h := range hosts {
		o := &origin{t: t, routes: map[string]http.Handler{}, prefix: map[string]http.Handler{}, hits: map[string]int{}}
		o.srv = httptest.NewServer(o)
		t.Cleanup(o.srv.Close)
		_, port, err := net.SplitHostPort(o.srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		o.Host = net.JoinHostPort(h, port)
		o.URL = "http://" + o.Host
		allow = append(allow, o.Host)
		names[h] = true
		e.origins[h] = o
	}
	e.client = fetch.New(fetch.Options{
		AllowHosts: allow,
		HostDelay:  -1,
		Timeout:    10 * time.Second,
		Now:        e.clock.Now,
		LookupIP: func(_ context.Context, host string) ([]netip.Addr, error) {
			if names[strings.ToLower(host)] {
				return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
			}
			return nil, fmt.Errorf("test resolver: %s is not one of the test's origins", host)
		},
	})
	st, err := sqlite.Open(ctx, filepath.Join(e.dir, "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e.store = st
	e.p = &Pipeline{Store: st, Fetcher: e.client, Now: e.clock.Now}
	return e
}

func (e *env) origin(host string) *origin {
	o := e.origins[host]
	if o == nil {
		e.t.Fatalf("no origin %s", host)
	}
	return o
}

// addSource stores a source.
func (e *env) addSource(s communique.Source) *communique.Source {
	e.t.Helper()
	if s.Licence == "" {
		s.Licence = communique.LicenceFull
	}
	if err := e.store.CreateSource(e.ctx, &s); err != nil {
		e.t.Fatal(err)
	}
	return e.source(s.ID)
}

func (e *env) source(id int64) *communique.Source {
	e.t.Helper()
	s, err := e.store.Source(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// poll polls src as the queue does (records the state), and returns what
// it found, the recorded state, the error, and src as now stored.
func (e *env) poll(src *communique.Source) ([]Found, communique.PollState, error, *communique.Source) {
	e.t.Helper()
	found, st, err := e.p.Poll(e.ctx, src)
	if rerr := e.store.RecordPoll(e.ctx, src.ID, st); rerr != nil {
		e.t.Fatal(rerr)
	}
	return found, st, err, e.source(src.ID)
}

// mustPoll is poll that fails the test on a poll error.
func (e *env) mustPoll(src *communique.Source) ([]Found, *communique.Source) {
	e.t.Helper()
	found, _, err, now := e.poll(src)
	if err != nil {
		e.t.Fatalf("poll of %s: %v", src.URL, err)
	}
	return found, now
}

// mark records found items as handled without ingesting them.
func (e *env) mark(src *communique.Source, found []Found) {
	e.t.Helper()
	for _, f := range found {
		if err := e.store.MarkItem(e.ctx, src.ID, f.Item.Key, f.Item.URL, 0); err != nil {
			e.t.Fatal(err)
		}
	}
}

// ingest ingests one item and fails the test on error.
func (e *env) ingest(src *communique.Source, it communique.Item) (Outcome, *communique.Release) {
	e.t.Helper()
	out, rel, err := e.p.Ingest(e.ctx, src, it, false)
	if err != nil {
		e.t.Fatalf("ingest %s: %v", it.URL, err)
	}
	return out, rel
}

// release reads a release whole.
func (e *env) release(id int64) *communique.Release {
	e.t.Helper()
	r, err := e.store.Release(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// releases lists every stored release.
func (e *env) releases() []*communique.Release {
	e.t.Helper()
	page, err := e.store.Releases(e.ctx, communique.Query{Limit: 100, Sort: communique.SortDate})
	if err != nil {
		e.t.Fatal(err)
	}
	return page.Releases
}

func (e *env) revisions(id int64) []communique.Revision {
	e.t.Helper()
	revs, err := e.store.Revisions(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return revs
}

func urls(found []Found) []string {
	var out []string
	for _, f := range found {
		out = append(out, f.Item.URL)
	}
	return out
}

// feedItem is one entry of a generated RSS feed.
type feedItem struct {
	GUID, Link, Title string
	Published         time.Time
}

// rss renders an RSS 2.0 feed; hub and self, when set, advertise WebSub.
func rss(self, hub string, items ...feedItem) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>Test releases</title><link>https://example.org/</link><description>Releases</description>` + "\n")
	if hub != "" {
		fmt.Fprintf(&b, `<atom:link rel="hub" href="%s"/>`+"\n", html.EscapeString(hub))
	}
	if self != "" {
		fmt.Fprintf(&b, `<atom:link rel="self" href="%s"/>`+"\n", html.EscapeString(self))
	}
	for _, it := range items {
		b.WriteString("<item>")
		if it.GUID != "" {
			fmt.Fprintf(&b, `<guid isPermaLink="false">%s</guid>`, html.EscapeString(it.GUID))
		}
		fmt.Fprintf(&b, "<title>%s</title><link>%s</link>", html.EscapeString(it.Title), html.EscapeString(it.Link))
		if !it.Published.IsZero() {
			fmt.Fprintf(&b, "<pubDate>%s</pubDate>", it.Published.UTC().Format(time.RFC1123Z))
		}
		fmt.Fprintf(&b, "<description>%s</description>", html.EscapeString("Summary of "+it.Title))
		b.WriteString("</item>\n")
	}
	b.WriteString("</channel></rss>\n")
	return b.String()
}

// words is the vocabulary of generated release texts.
var words = strings.Fields(`minister council agreement security cooperation defence budget
treaty summit delegation programme assistance economic mission partners regional capital
reform training energy maritime border health education climate finance infrastructure
committee parliament statement representative negotiations framework investment stability
resilience exercise commitment dialogue initiative strategy development research industry
transport agriculture fisheries customs employment pensions housing justice prisons courts
election observers humanitarian refugees vaccines satellites laboratories harbours railways
bridges tariffs currency inflation interest deposits lending supervision auditors inspectors`)

// paragraphs makes n paragraphs of release-like text that only seed
// determines: two seeds give texts that share no more than a random
// vocabulary does.
func paragraphs(seed uint64, n int) []string {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var out []string
	for range n {
		var p []string
		for range 3 {
			var s []string
			for range 12 + r.IntN(8) {
				s = append(s, words[r.IntN(len(words))])
			}
			s[0] = strings.ToUpper(s[0][:1]) + s[0][1:]
			p = append(p, strings.Join(s, " ")+".")
		}
		out = append(out, strings.Join(p, " "))
	}
	return out
}

// page renders a release page as an originator's site would.
func page(site, title string, published time.Time, paras []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>%s</title>`, html.EscapeString(title))
	if site != "" {
		fmt.Fprintf(&b, `<meta property="og:site_name" content="%s">`, html.EscapeString(site))
	}
	if !published.IsZero() {
		fmt.Fprintf(&b, `<meta property="article:published_time" content="%s">`, published.UTC().Format(time.RFC3339))
	}
	b.WriteString(`</head><body><header><nav><a href="/">Home</a> <a href="/news">News</a></nav></header><main><article>`)
	fmt.Fprintf(&b, "<h1>%s</h1>\n", html.EscapeString(title))
	for _, p := range paras {
		fmt.Fprintf(&b, "<p>%s</p>\n", html.EscapeString(p))
	}
	b.WriteString(`</article></main><footer><p>Contact the press office.</p></footer></body></html>`)
	return b.String()
}

// article serves a generated release page at path on o and returns its URL.
func (o *origin) article(path, site, title string, published time.Time, seed uint64) string {
	o.set(path, "text/html; charset=utf-8", page(site, title, published, paragraphs(seed, 5)))
	return o.URL + path
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func hasCopy(r *communique.Release, u string) bool {
	for _, c := range r.Copies {
		if communique.CanonicalURL(c.URL) == communique.CanonicalURL(u) {
			return true
		}
	}
	return false
}

// seen reports whether the source delivered an item with key or url.
func (e *env) seen(sourceID int64, key, url string) (bool, error) {
	seen, err := e.store.ItemsSeen(e.ctx, sourceID, []communique.ItemRef{{Key: key, URL: url}})
	if err != nil {
		return false, err
	}
	return seen[0], nil
}
