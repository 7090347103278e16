package fetch

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

// clock is a settable clock for Retry-After and robots.txt expiry.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// loopback is the options of a client allowed to reach httptest servers,
// with no delay between requests.
func loopback(o Options) Options {
	o.AllowPrivate = true
	if o.HostDelay == 0 {
		o.HostDelay = -1
	}
	return o
}

func kindOf(t *testing.T, err error) Kind {
	t.Helper()
	var fe *Error
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *fetch.Error", err, err)
	}
	if fe.Error() == "" || strings.Contains(fe.Error(), "\n") {
		t.Errorf("message %q is not one line", fe.Error())
	}
	return fe.Kind
}

func hostPort(t *testing.T, s *httptest.Server) string {
	t.Helper()
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

func TestConditionalGET(t *testing.T) {
	const etag, lm = `"v1"`, "Sun, 01 Mar 2026 10:00:00 GMT"
	var ua, ae atomic.Value
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua.Store(r.UserAgent())
		ae.Store(r.Header.Get("Accept-Encoding"))
		switch r.URL.Path {
		case "/etag":
			if r.Header.Get("If-None-Match") == etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", etag)
		case "/lm":
			if r.Header.Get("If-Modified-Since") == lm {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("Last-Modified", lm)
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, "<rss/>")
	}))
	defer s.Close()
	c := New(loopback(Options{IgnoreRobots: true}))
	ctx := context.Background()

	r, err := c.Get(ctx, Request{URL: s.URL + "/etag"})
	if err != nil {
		t.Fatal(err)
	}
	if r.NotModified || string(r.Body) != "<rss/>" || r.ETag != etag || r.ContentType != "application/rss+xml" || r.Status != 200 {
		t.Fatalf("first GET: %+v", r)
	}
	if ua.Load() != DefaultUserAgent {
		t.Errorf("User-Agent %q", ua.Load())
	}
	if got := ae.Load().(string); !strings.Contains(got, "gzip") || !strings.Contains(got, "br") {
		t.Errorf("Accept-Encoding %q", got)
	}
	r, err = c.Get(ctx, Request{URL: s.URL + "/etag", ETag: r.ETag})
	if err != nil {
		t.Fatal(err)
	}
	if !r.NotModified || r.Status != 304 || r.ETag != etag || len(r.Body) != 0 {
		t.Fatalf("conditional GET with ETag: %+v", r)
	}

	r, err = c.Get(ctx, Request{URL: s.URL + "/lm"})
	if err != nil || r.NotModified || r.LastModified != lm {
		t.Fatalf("first GET: %+v, %v", r, err)
	}
	r, err = c.Get(ctx, Request{URL: s.URL + "/lm", LastModified: r.LastModified})
	if err != nil {
		t.Fatal(err)
	}
	if !r.NotModified || r.LastModified != lm {
		t.Fatalf("conditional GET with Last-Modified: %+v", r)
	}
	// A stale validator gets the full body.
	r, err = c.Get(ctx, Request{URL: s.URL + "/etag", ETag: `"old"`})
	if err != nil || r.NotModified || string(r.Body) != "<rss/>" {
		t.Fatalf("GET with a stale ETag: %+v, %v", r, err)
	}
}

func TestRobots(t *testing.T) {
	var robotsHits, pageHits atomic.Int32
	var robots atomic.Value
	robots.Store("User-agent: *\nDisallow: /private\n\nUser-agent: OtherBot\nDisallow: /\n")
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			robotsHits.Add(1)
			body := robots.Load().(string)
			if code, err := strconv.Atoi(body); err == nil {
				w.WriteHeader(code)
				return
			}
			io.WriteString(w, body)
			return
		}
		pageHits.Add(1)
		io.WriteString(w, "page")
	}))
	defer s.Close()
	clk := newClock()
	c := New(loopback(Options{Now: clk.Now}))
	ctx := context.Background()

	if _, err := c.Get(ctx, Request{URL: s.URL + "/public"}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Get(ctx, Request{URL: s.URL + "/private/page?x=1"})
	if kindOf(t, err) != KindRobots {
		t.Fatalf("disallowed path: %v", err)
	}
	if !strings.Contains(err.Error(), "robots.txt") {
		t.Errorf("message %q does not name robots.txt", err)
	}
	if _, err := c.Get(ctx, Request{URL: s.URL + "/public/2"}); err != nil {
		t.Fatal(err)
	}
	if n := robotsHits.Load(); n != 1 {
		t.Errorf("robots.txt fetched %d times, want 1 (cached)", n)
	}
	// robots.txt itself is always allowed, even to an agent disallowed all.
	if r, err := New(loopback(Options{UserAgent: "OtherBot/1.0"})).Get(ctx, Request{URL: s.URL + "/robots.txt"}); err != nil || !strings.Contains(string(r.Body), "Disallow") {
		t.Fatalf("GET /robots.txt: %v", err)
	}
	if _, err := New(loopback(Options{UserAgent: "OtherBot/1.0"})).Get(ctx, Request{URL: s.URL + "/public"}); kindOf(t, err) != KindRobots {
		t.Fatalf("OtherBot is disallowed all: %v", err)
	}
	robotsHits.Store(1)
	if n := pageHits.Load(); n != 2 {
		t.Errorf("%d page requests, want 2", n)
	}

	// After the TTL, robots.txt is read again; a group for our agent wins.
	robots.Store("User-agent: *\nAllow: /\n\nUser-agent: communique\nDisallow: /\n")
	clk.Add(DefaultRobotsTTL + time.Second)
	if _, err := c.Get(ctx, Request{URL: s.URL + "/public"}); kindOf(t, err) != KindRobots {
		t.Fatalf("our group disallows all: %v", err)
	}
	if n := robotsHits.Load(); n != 2 {
		t.Errorf("robots.txt fetched %d times after expiry, want 2", n)
	}

	// 5xx: disallow all, asked again after a short while; 4xx: allow all.
	robots.Store("500")
	clk.Add(DefaultRobotsTTL + time.Second)
	_, err = c.Get(ctx, Request{URL: s.URL + "/public"})
	var fe *Error
	if kindOf(t, err) != KindRetryLater || !errors.As(err, &fe) || !fe.RetryAfter.Equal(clk.Now().Add(robotsErrorTTL)) {
		t.Fatalf("robots.txt 500 must disallow until it is asked again: %v", err)
	}
	if !strings.Contains(err.Error(), "robots.txt") || !strings.Contains(err.Error(), "HTTP 500") {
		t.Errorf("message %q", err)
	}
	robots.Store("404")
	if _, err := c.Get(ctx, Request{URL: s.URL + "/public"}); kindOf(t, err) != KindRetryLater {
		t.Fatalf("an unreachable robots.txt stays cached for a while: %v", err)
	}
	if n := robotsHits.Load(); n != 3 {
		t.Errorf("robots.txt fetched %d times, want 3", n)
	}
	clk.Add(robotsErrorTTL + time.Second)
	if _, err := c.Get(ctx, Request{URL: s.URL + "/private"}); err != nil {
		t.Fatalf("robots.txt 404 must allow all: %v", err)
	}
	if n := robotsHits.Load(); n != 4 {
		t.Errorf("robots.txt fetched %d times, want 4", n)
	}
}

func TestRobotsConcurrentFetchOnce(t *testing.T) {
	var robotsHits atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			robotsHits.Add(1)
			io.WriteString(w, "User-agent: *\nDisallow: /no\n")
		}
	}))
	defer s.Close()
	c := New(loopback(Options{}))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if _, err := c.Get(context.Background(), Request{URL: fmt.Sprintf("%s/p%d", s.URL, i)}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := robotsHits.Load(); n != 1 {
		t.Errorf("robots.txt fetched %d times by 8 concurrent requests, want 1", n)
	}
}

func redirectServer(hits *atomic.Int32) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/r/"))
		if n > 0 {
			http.Redirect(w, r, fmt.Sprintf("/r/%d", n-1), http.StatusFound)
			return
		}
		io.WriteString(w, "arrived")
	}))
}

func TestRedirectCap(t *testing.T) {
	var hits atomic.Int32
	s := redirectServer(&hits)
	defer s.Close()
	c := New(loopback(Options{IgnoreRobots: true}))
	r, err := c.Get(context.Background(), Request{URL: s.URL + "/r/5"})
	if err != nil {
		t.Fatalf("5 redirects must pass: %v", err)
	}
	if string(r.Body) != "arrived" || r.URL != s.URL+"/r/0" {
		t.Fatalf("got %q at %s", r.Body, r.URL)
	}
	hits.Store(0)
	_, err = c.Get(context.Background(), Request{URL: s.URL + "/r/6"})
	if kindOf(t, err) != KindTooManyRedirects {
		t.Fatalf("6 redirects must fail: %v", err)
	}
	if n := hits.Load(); n != 6 {
		t.Errorf("%d requests for 6 redirects with a cap of 5, want 6", n)
	}
	c = New(loopback(Options{IgnoreRobots: true, MaxRedirects: -1}))
	if _, err := c.Get(context.Background(), Request{URL: s.URL + "/r/1"}); kindOf(t, err) != KindTooManyRedirects {
		t.Fatalf("MaxRedirects -1 follows none: %v", err)
	}
}

func TestRedirectScheme(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "file:///etc/passwd")
		w.WriteHeader(http.StatusMovedPermanently)
	}))
	defer s.Close()
	c := New(loopback(Options{IgnoreRobots: true}))
	if _, err := c.Get(context.Background(), Request{URL: s.URL}); kindOf(t, err) != KindInvalidURL {
		t.Fatalf("redirect to file: %v", err)
	}
}

func TestInvalidURL(t *testing.T) {
	c := New(Options{})
	for _, u := range []string{"", "ftp://example.org/x", "mailto:a@example.org", "http://", "/relative", "http://example.org:99999/", "http://exa mple.org/"} {
		if _, err := c.Get(context.Background(), Request{URL: u}); kindOf(t, err) != KindInvalidURL {
			t.Errorf("%q: %v", u, err)
		}
	}
}

func TestBodyCap(t *testing.T) {
	const limit = 1000
	bomb := new(bytes.Buffer)
	zw := gzip.NewWriter(bomb)
	zw.Write(make([]byte, 10<<20))
	zw.Close()
	small := new(bytes.Buffer)
	zw = gzip.NewWriter(small)
	zw.Write(bytes.Repeat([]byte("a"), limit))
	zw.Close()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/exact":
			w.Write(bytes.Repeat([]byte("a"), limit))
		case "/over":
			w.Write(bytes.Repeat([]byte("a"), limit+1))
		case "/chunked":
			for range 10 {
				w.Write(bytes.Repeat([]byte("a"), limit/4))
				w.(http.Flusher).Flush()
			}
		case "/bomb":
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(bomb.Bytes())
		case "/gzip":
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(small.Bytes())
		case "/corrupt":
			w.Header().Set("Content-Encoding", "gzip")
			io.WriteString(w, "not gzip at all")
		}
	}))
	defer s.Close()
	if bomb.Len() > limit*100 {
		t.Fatalf("the bomb is %d bytes compressed", bomb.Len())
	}
	c := New(loopback(Options{IgnoreRobots: true, MaxBodyBytes: limit}))
	ctx := context.Background()
	for _, p := range []string{"/exact", "/gzip"} {
		r, err := c.Get(ctx, Request{URL: s.URL + p})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if len(r.Body) != limit || r.Body[0] != 'a' {
			t.Errorf("%s: %d bytes", p, len(r.Body))
		}
	}
	for _, p := range []string{"/over", "/chunked", "/bomb"} {
		_, err := c.Get(ctx, Request{URL: s.URL + p})
		if kindOf(t, err) != KindTooLarge {
			t.Errorf("%s: %v", p, err)
		}
	}
	if _, err := c.Get(ctx, Request{URL: s.URL + "/corrupt"}); kindOf(t, err) != KindNetwork {
		t.Errorf("corrupt gzip: %v", err)
	}
	// The default cap lets 10 MiB through and stops the bomb one byte later.
	c = New(loopback(Options{IgnoreRobots: true}))
	if r, err := c.Get(ctx, Request{URL: s.URL + "/bomb"}); err != nil || len(r.Body) != 10<<20 {
		t.Errorf("10 MiB under the default cap: %v", err)
	}
}

func TestBrotli(t *testing.T) {
	want := strings.Repeat("Allied leaders met in Brussels. ", 200)
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "br") {
			io.WriteString(w, "br not asked for")
			return
		}
		w.Header().Set("Content-Encoding", "br")
		bw := brotli.NewWriter(w)
		io.WriteString(bw, want)
		bw.Close()
	}))
	defer s.Close()
	c := New(loopback(Options{IgnoreRobots: true}))
	r, err := c.Get(context.Background(), Request{URL: s.URL})
	if err != nil {
		t.Fatal(err)
	}
	if string(r.Body) != want {
		t.Fatalf("body %.60q…, want the decoded text", r.Body)
	}
	c = New(loopback(Options{IgnoreRobots: true, MaxBodyBytes: 100}))
	if _, err := c.Get(context.Background(), Request{URL: s.URL}); kindOf(t, err) != KindTooLarge {
		t.Fatalf("brotli over the cap: %v", err)
	}
}

func TestPrivateAddressDirect(t *testing.T) {
	var hits atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer s.Close()
	c := New(Options{IgnoreRobots: true, HostDelay: -1})
	for _, u := range []string{s.URL, "http://[::1]:1/", "http://0.0.0.0:1/", "http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/", "http://100.64.0.1/"} {
		_, err := c.Get(context.Background(), Request{URL: u})
		if kindOf(t, err) != KindPrivateAddress {
			t.Errorf("%s: %v", u, err)
		}
	}
	// With robots.txt on, the refusal comes before robots.txt is asked for.
	c = New(Options{HostDelay: -1})
	if _, err := c.Get(context.Background(), Request{URL: s.URL + "/x"}); kindOf(t, err) != KindPrivateAddress {
		t.Errorf("with robots: %v", err)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the loopback server got %d requests", n)
	}
}

func TestPrivateAddressResolved(t *testing.T) {
	var hits atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, r.Host)
	}))
	defer s.Close()
	_, port, _ := net.SplitHostPort(hostPort(t, s))
	lookup := func(_ context.Context, host string) ([]netip.Addr, error) {
		if host == "evil.test" {
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
		}
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	evil := "http://evil.test:" + port + "/"
	c := New(Options{IgnoreRobots: true, HostDelay: -1, LookupIP: lookup})
	_, err := c.Get(context.Background(), Request{URL: evil})
	if kindOf(t, err) != KindPrivateAddress {
		t.Fatalf("evil.test -> 127.0.0.1: %v", err)
	}
	if !strings.Contains(err.Error(), "evil.test resolves to 127.0.0.1") {
		t.Errorf("message %q", err)
	}
	if _, err := c.Post(context.Background(), evil, "text/plain", []byte("x")); kindOf(t, err) != KindPrivateAddress {
		t.Fatalf("POST to evil.test: %v", err)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the loopback server got %d requests", n)
	}
	if _, err := c.Get(context.Background(), Request{URL: "http://nowhere.test/"}); kindOf(t, err) != KindNetwork {
		t.Errorf("unknown host: %v", err)
	}
	// The same name allowed by AllowHosts goes through the injected resolver.
	c = New(Options{IgnoreRobots: true, HostDelay: -1, LookupIP: lookup, AllowHosts: []string{"EVIL.test:" + port}})
	r, err := c.Get(context.Background(), Request{URL: evil})
	if err != nil {
		t.Fatal(err)
	}
	if string(r.Body) != "evil.test:"+port {
		t.Errorf("Host %q", r.Body)
	}
}

func TestPrivateAddressRedirect(t *testing.T) {
	var privateHits atomic.Int32
	private := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { privateHits.Add(1) }))
	defer private.Close()
	allowed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			w.WriteHeader(http.StatusNotFound)
		case "/ok":
			io.WriteString(w, "fine")
		default:
			http.Redirect(w, r, private.URL+"/secret", http.StatusFound)
		}
	}))
	defer allowed.Close()
	c := New(Options{HostDelay: -1, AllowHosts: []string{hostPort(t, allowed)}})
	if r, err := c.Get(context.Background(), Request{URL: allowed.URL + "/ok"}); err != nil || string(r.Body) != "fine" {
		t.Fatalf("the allowed origin: %v", err)
	}
	for _, f := range []func() error{
		func() error { _, err := c.Get(context.Background(), Request{URL: allowed.URL + "/go"}); return err },
		func() error { _, err := c.Post(context.Background(), allowed.URL+"/go", "text/plain", nil); return err },
	} {
		if err := f(); kindOf(t, err) != KindPrivateAddress {
			t.Errorf("redirect to a private address: %v", err)
		}
	}
	if n := privateHits.Load(); n != 0 {
		t.Errorf("the private server got %d requests", n)
	}
}

func TestNonPublic(t *testing.T) {
	for _, tc := range []struct {
		addr    string
		private bool
	}{
		{"127.0.0.1", true}, {"127.8.9.10", true}, {"::1", true}, {"10.0.0.1", true},
		{"172.16.5.4", true}, {"192.168.1.1", true}, {"169.254.169.254", true},
		{"fe80::1", true}, {"fc00::1", true}, {"0.0.0.0", true}, {"::", true},
		{"224.0.0.1", true}, {"ff02::1", true}, {"100.64.0.1", true}, {"100.127.255.255", true},
		{"255.255.255.255", true}, {"::ffff:127.0.0.1", true}, {"::ffff:10.0.0.1", true},
		{"64:ff9b::7f00:1", true}, {"2002:7f00:1::", true}, {"198.18.0.1", true},
		{"93.184.216.34", false}, {"8.8.8.8", false}, {"100.128.0.1", false},
		{"2606:4700::1111", false}, {"::ffff:8.8.8.8", false}, {"64:ff9b::808:808", false},
	} {
		why := nonPublic(netip.MustParseAddr(tc.addr))
		if (why != "") != tc.private {
			t.Errorf("%s: %q, want private=%v", tc.addr, why, tc.private)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	clk := newClock()
	var hits atomic.Int32
	var header atomic.Value
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		code, ra, _ := strings.Cut(header.Load().(string), " ")
		if ra != "" {
			w.Header().Set("Retry-After", ra)
		}
		n, _ := strconv.Atoi(code)
		w.WriteHeader(n)
	}))
	defer s.Close()
	c := New(loopback(Options{IgnoreRobots: true, Now: clk.Now}))
	ctx := context.Background()
	get := func() (*Error, error) {
		_, err := c.Get(ctx, Request{URL: s.URL + "/feed"})
		var fe *Error
		errors.As(err, &fe)
		return fe, err
	}

	header.Store("429 120")
	fe, err := get()
	if kindOf(t, err) != KindRetryLater || fe.Status != 429 {
		t.Fatalf("429: %v", err)
	}
	if want := clk.Now().Add(120 * time.Second); !fe.RetryAfter.Equal(want) {
		t.Fatalf("RetryAfter %v, want %v", fe.RetryAfter, want)
	}
	// The host is blocked until then, for any path, without a request.
	header.Store("200")
	clk.Add(119 * time.Second)
	if _, err := c.Get(ctx, Request{URL: s.URL + "/other"}); kindOf(t, err) != KindRetryLater {
		t.Fatalf("blocked host: %v", err)
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("%d requests to a blocked host, want 1", n)
	}
	clk.Add(time.Second)
	if _, err := get(); err != nil {
		t.Fatalf("after the wait: %v", err)
	}

	until := clk.Now().Add(time.Hour).Truncate(time.Second)
	header.Store("503 " + until.Format(http.TimeFormat))
	fe, err = get()
	if kindOf(t, err) != KindRetryLater || !fe.RetryAfter.Equal(until) || fe.Status != 503 {
		t.Fatalf("503 with a date: %v (until %v)", err, fe.RetryAfter)
	}
	clk.Add(time.Hour)

	// A date in the past means now: an error, but no block.
	header.Store("503 " + clk.Now().Add(-time.Hour).Format(http.TimeFormat))
	if fe, err = get(); kindOf(t, err) != KindRetryLater || !fe.RetryAfter.Equal(clk.Now()) {
		t.Fatalf("503 with a past date: %v", err)
	}
	// A 503 without Retry-After is a plain status; a 429 without waits a minute.
	header.Store("503")
	if fe, err = get(); kindOf(t, err) != KindStatus || fe.Status != 503 {
		t.Fatalf("503 alone: %v", err)
	}
	header.Store("429")
	if fe, err = get(); kindOf(t, err) != KindRetryLater || !fe.RetryAfter.Equal(clk.Now().Add(time.Minute)) {
		t.Fatalf("429 alone: %v", err)
	}
	// No wait longer than a day.
	clk.Add(time.Minute)
	header.Store("429 99999999")
	if fe, err = get(); kindOf(t, err) != KindRetryLater || !fe.RetryAfter.Equal(clk.Now().Add(24*time.Hour)) {
		t.Fatalf("429 for years: %v", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0", 0, true}, {"30", 30 * time.Second, true}, {" 30 ", 30 * time.Second, true},
		{"Sun, 01 Mar 2026 12:10:00 GMT", 10 * time.Minute, true},
		{"Sunday, 01-Mar-26 12:10:00 GMT", 10 * time.Minute, true},
		{"-5", 0, false}, {"soon", 0, false}, {"", 0, false}, {"1.5", 0, false},
	} {
		got, ok := parseRetryAfter(tc.in, now)
		if ok != tc.ok || (ok && !got.Equal(now.Add(tc.want))) {
			t.Errorf("%q: %v %v, want +%v %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestStatus(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "gone fishing", http.StatusNotFound)
	}))
	defer s.Close()
	c := New(loopback(Options{IgnoreRobots: true}))
	r, err := c.Get(context.Background(), Request{URL: s.URL + "/missing"})
	var fe *Error
	if !errors.As(err, &fe) || fe.Kind != KindStatus || fe.Status != 404 {
		t.Fatalf("404: %v", err)
	}
	if !strings.Contains(err.Error(), "404 Not Found") {
		t.Errorf("message %q", err)
	}
	if r == nil || !strings.Contains(string(r.Body), "gone fishing") {
		t.Errorf("the error page is not returned: %+v", r)
	}
	// A 304 to a request that was not conditional is not NotModified.
	s304 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(304) }))
	defer s304.Close()
	if _, err := c.Get(context.Background(), Request{URL: s304.URL}); kindOf(t, err) != KindStatus {
		t.Errorf("unconditional 304: %v", err)
	}
}

func TestTimeoutAndCancel(t *testing.T) {
	done := make(chan struct{})
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	defer s.Close()
	defer close(done)
	c := New(loopback(Options{IgnoreRobots: true, Timeout: 50 * time.Millisecond}))
	if _, err := c.Get(context.Background(), Request{URL: s.URL}); kindOf(t, err) != KindTimeout {
		t.Fatalf("a body that never ends: %v", err)
	}
	c = New(loopback(Options{IgnoreRobots: true}))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Get(ctx, Request{URL: s.URL})
	var fe *Error
	if !errors.Is(err, context.Canceled) || errors.As(err, &fe) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestPerHostSerial(t *testing.T) {
	var inFlight, maxInFlight, hits atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		n := inFlight.Add(1)
		for {
			m := maxInFlight.Load()
			if n <= m || maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(2 * time.Millisecond) // room for a concurrent request, were there one
		inFlight.Add(-1)
		io.WriteString(w, "ok")
	}))
	defer s.Close()
	c := New(loopback(Options{IgnoreRobots: true}))
	var wg sync.WaitGroup
	const n = 16
	for i := range n {
		wg.Go(func() {
			if _, err := c.Get(context.Background(), Request{URL: fmt.Sprintf("%s/%d", s.URL, i)}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if hits.Load() != n {
		t.Fatalf("%d requests, want %d", hits.Load(), n)
	}
	if m := maxInFlight.Load(); m != 1 {
		t.Fatalf("%d requests at once to one host, want 1", m)
	}
}

func TestLimiterDelay(t *testing.T) {
	l := NewHostLimiter(time.Hour)
	release, err := l.Acquire(context.Background(), "a:80")
	if err != nil {
		t.Fatal(err)
	}
	release()
	release() // a second call does nothing
	// Another host is free at once.
	r2, err := l.Acquire(context.Background(), "b:80")
	if err != nil {
		t.Fatal(err)
	}
	r2()
	// The same host must wait an hour; a cancelled wait says so.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Acquire(ctx, "a:80"); !errors.Is(err, context.Canceled) {
		t.Fatalf("second request within the delay: %v", err)
	}
}

func TestPost(t *testing.T) {
	var robotsHits atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			robotsHits.Add(1)
			io.WriteString(w, "User-agent: *\nDisallow: /\n")
			return
		}
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "/hub", http.StatusTemporaryRedirect)
			return
		}
		b, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || string(b) != "hub.mode=subscribe" {
			http.Error(w, fmt.Sprintf("%s %q %q", r.Method, r.Header.Get("Content-Type"), b), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer s.Close()
	c := New(loopback(Options{}))
	for _, p := range []string{"/hub", "/moved"} {
		r, err := c.Post(context.Background(), s.URL+p, "application/x-www-form-urlencoded", []byte("hub.mode=subscribe"))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if r.Status != http.StatusAccepted {
			t.Fatalf("%s: status %d", p, r.Status)
		}
	}
	if n := robotsHits.Load(); n != 0 {
		t.Errorf("POST read robots.txt %d times", n)
	}
	r, err := c.Post(context.Background(), s.URL+"/hub", "text/plain", []byte("x"))
	var fe *Error
	if !errors.As(err, &fe) || fe.Status != 400 || r == nil || !strings.Contains(string(r.Body), "POST") {
		t.Fatalf("refused POST: %v %+v", err, r)
	}
}

func TestObserve(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			w.WriteHeader(404)
			return
		}
		if r.Header.Get("If-None-Match") != "" {
			w.WriteHeader(304)
			return
		}
		if r.URL.Path == "/gone" {
			w.WriteHeader(410)
		}
	}))
	defer s.Close()
	var mu sync.Mutex
	var got []string
	c := New(loopback(Options{Observe: func(o Observation) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, fmt.Sprintf("%s %v %s %d", o.Method, o.Robots, o.Outcome, o.Status))
		if o.Host != hostPort(t, s) {
			t.Errorf("host %q", o.Host)
		}
	}}))
	ctx := context.Background()
	c.Get(ctx, Request{URL: s.URL + "/a"})
	c.Get(ctx, Request{URL: s.URL + "/a", ETag: `"x"`})
	c.Get(ctx, Request{URL: s.URL + "/gone"})
	want := []string{"GET true status 404", "GET false ok 200", "GET false not_modified 304", "GET false status 410"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("observations\n got %q\nwant %q", got, want)
	}
}

func TestProductToken(t *testing.T) {
	for in, want := range map[string]string{
		DefaultUserAgent: "communique",
		"MyBot":          "mybot",
		" X/2 (y)":       "x",
	} {
		if got := productToken(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

func BenchmarkGet(b *testing.B) {
	body := bytes.Repeat([]byte("<p>Allied leaders met in Brussels.</p>\n"), 500)
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(body)
	}))
	defer s.Close()
	c := New(Options{AllowPrivate: true, HostDelay: -1})
	ctx := context.Background()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := c.Get(ctx, Request{URL: s.URL + "/release"}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNonPublic(b *testing.B) {
	addrs := []netip.Addr{netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("2606:4700::1111"), netip.MustParseAddr("10.0.0.1")}
	for b.Loop() {
		for _, a := range addrs {
			nonPublic(a)
		}
	}
}

func TestDialControl(t *testing.T) {
	check := control("evil.test", false)
	for addr, private := range map[string]bool{
		"127.0.0.1:80": true, "[::1]:443": true, "[::ffff:10.0.0.1]:80": true, "169.254.169.254:80": true,
		"93.184.216.34:80": false, "[2606:4700::1111]:443": false,
	} {
		err := check("tcp", addr, nil)
		var pe *privateError
		if private != errors.As(err, &pe) {
			t.Errorf("%s: %v", addr, err)
		}
	}
	if err := check("tcp", "nonsense", nil); err == nil {
		t.Error("an unparseable address passes")
	}
	if err := control("demo.test", true)("tcp", "127.0.0.1:80", nil); err != nil {
		t.Errorf("an allowed host is refused: %v", err)
	}
}

func TestRobotsCacheBound(t *testing.T) {
	var r robotsCache
	r.sites = map[string]robotsEntry{}
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range robotsMaxSites {
		exp := now.Add(time.Hour)
		if i%2 == 0 {
			exp = now.Add(-time.Hour)
		}
		r.put(fmt.Sprintf("http://h%d", i), robotsEntry{expires: exp}, now)
	}
	if len(r.sites) != robotsMaxSites {
		t.Fatalf("%d sites before the bound", len(r.sites))
	}
	r.put("http://new", robotsEntry{expires: now.Add(time.Hour)}, now)
	if len(r.sites) != robotsMaxSites/2+1 {
		t.Errorf("%d sites after pruning, want the %d live ones and the new one", len(r.sites), robotsMaxSites/2)
	}
	for o, e := range r.sites {
		if !now.Before(e.expires) {
			t.Errorf("%s expired but kept", o)
		}
	}
	for i := range robotsMaxSites {
		r.put(fmt.Sprintf("http://live%d", i), robotsEntry{expires: now.Add(time.Hour)}, now)
	}
	if len(r.sites) > robotsMaxSites {
		t.Errorf("%d sites, bound %d", len(r.sites), robotsMaxSites)
	}
}
