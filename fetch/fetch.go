// Package fetch is the HTTP client that every request of Communiqué goes
// through: feeds, listings, release pages, robots.txt and WebSub hubs. It is
// polite to the sites it reads and safe for the machine it runs on.
//
// Politeness:
//   - An honest User-Agent naming the project and a contact URL
//     (DefaultUserAgent); its product token ("Communique") is the agent that
//     robots.txt rules are matched against.
//   - robots.txt is fetched once per origin (scheme, host and port) and cached
//     for RobotsTTL (24 h). Following RFC 9309, a 4xx robots.txt means no
//     rules (allow all); a 5xx, a 429 or an unreachable host means "disallow
//     all" for a shorter time (10 minutes), after which it is asked again:
//     meanwhile requests to that origin fail with KindRetryLater and that
//     time, while a URL the rules disallow fails with KindRobots. GET
//     requests check robots.txt on every hop of a redirect; /robots.txt
//     itself is always allowed; POST requests (WebSub subscriptions, which
//     are not crawling) do not look at it.
//   - At most one request at a time per host, and at least HostDelay (1 s)
//     between the end of one and the start of the next (HostLimiter).
//   - Conditional GET: the caller's ETag and Last-Modified are sent as
//     If-None-Match and If-Modified-Since; a 304 is a Response with
//     NotModified set, not an error.
//   - 429 and 503 with Retry-After (seconds or an HTTP date; a 429 without one
//     counts as a minute, and no wait is longer than a day) give an *Error of
//     KindRetryLater, and the client then refuses to call that host again
//     before the time has passed, answering KindRetryLater at once.
//   - Responses are asked for with Accept-Encoding gzip and br.
//
// Safety:
//   - Only http and https URLs, on the first request and on every redirect;
//     at most MaxRedirects (5) redirects, each checked like the first URL.
//   - No connection to a loopback, private, link-local, unspecified,
//     multicast, carrier-grade NAT or otherwise reserved address, unless
//     AllowPrivate is set or the URL's host:port is in AllowHosts. The check
//     runs after DNS resolution, inside the dialer, and again in the socket's
//     Control hook on the address actually connected to, so a hostname that
//     resolves to 127.0.0.1 and DNS rebinding are both caught. No proxy from
//     the environment is used, since a proxy would hide the address.
//   - A total time limit (Timeout, 30 s) per request, covering redirects and
//     the body; it starts once the host's turn has come, so that waiting in a
//     host's queue does not count against it.
//   - A cap on the body (MaxBodyBytes, 10 MiB) applied after decoding, so a
//     gzip or brotli bomb stops at the cap.
//
// Every failure is an *Error whose Kind tells the caller whether to try
// again, and whose message is meant for the user who looks at the source.
// A request whose context is cancelled returns the context's error.
package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultUserAgent is the honest User-Agent sent by default.
const DefaultUserAgent = "Communique/0.1 (+https://github.com/communique-news/communique; official-releases newswire)"

// Defaults of Options.
const (
	DefaultMaxBodyBytes = 10 << 20
	DefaultTimeout      = 30 * time.Second
	DefaultMaxRedirects = 5
	DefaultHostDelay    = time.Second
	DefaultRobotsTTL    = 24 * time.Hour
)

const (
	// maxRetryAfter bounds how long a host can make us wait.
	maxRetryAfter = 24 * time.Hour
	// defaultRetryAfter is the wait after a 429 without Retry-After.
	defaultRetryAfter = time.Minute
)

// Options configure a Client. The zero value is the polite default.
type Options struct {
	UserAgent    string        // default DefaultUserAgent
	AllowPrivate bool          // allow private, loopback, link-local, unspecified, multicast... addresses
	AllowHosts   []string      // "host:port" allowed even when private (the demo's own loopback origin)
	MaxBodyBytes int64         // default 10 MiB, after decompression; larger is KindTooLarge
	Timeout      time.Duration // total per request incl. redirects and body; default 30 s
	MaxRedirects int           // default 5; negative: follow none
	HostDelay    time.Duration // minimum delay between two requests to one host; default 1 s; negative: none
	IgnoreRobots bool
	RobotsTTL    time.Duration // how long a robots.txt is cached; default 24 h
	Limiter      HostLimiter   // default NewHostLimiter(HostDelay): in-process, one request at a time per host

	// LookupIP resolves a host name; default net.DefaultResolver. Tests
	// inject their own ("evil.test" -> 127.0.0.1).
	LookupIP func(ctx context.Context, host string) ([]netip.Addr, error)
	// Observe, if set, is called once per request (robots.txt included)
	// with its outcome, for metrics.
	Observe func(Observation)
	// Now is the clock for Retry-After and robots.txt expiry; default time.Now.
	Now func() time.Time
}

// Observation is one finished request, for metrics.
type Observation struct {
	Host     string        // host:port of the first URL
	Method   string        // GET or POST
	Robots   bool          // a robots.txt fetch
	Outcome  string        // "ok", "not_modified", "canceled" or an error Kind
	Status   int           // the last HTTP status, 0 if none
	Duration time.Duration // from the call to its return, waiting included
}

// Request is a GET request.
type Request struct {
	URL          string
	ETag         string // sent as If-None-Match
	LastModified string // sent as If-Modified-Since
	Accept       string // sent as Accept when set
}

// Response is a complete response: its body has been read and decoded.
type Response struct {
	URL          string // final, after redirects
	Status       int
	Header       http.Header
	Body         []byte // decoded (gzip, br, deflate)
	ContentType  string
	ETag         string        // the response's, or on a 304 the request's if the response has none
	LastModified string        // likewise
	NotModified  bool          // a 304 to a conditional GET
	Elapsed      time.Duration // from the call to the end of the body, waits for the host's turn included
}

// Client is the polite, safe HTTP client. It is safe for concurrent use;
// make one per process and share it, since its host limits, robots.txt
// cache and Retry-After blocks live in it.
type Client struct {
	opts       Options
	hc         *http.Client
	agent      string // robots.txt product token
	allowHosts map[string]struct{}
	robots     robotsCache

	mu      sync.Mutex
	blocked map[string]time.Time // host:port -> not before
}

// New returns a Client with opts, defaults filled in.
func New(opts Options) *Client {
	if opts.UserAgent == "" {
		opts.UserAgent = DefaultUserAgent
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	switch {
	case opts.MaxRedirects == 0:
		opts.MaxRedirects = DefaultMaxRedirects
	case opts.MaxRedirects < 0:
		opts.MaxRedirects = 0
	}
	switch {
	case opts.HostDelay == 0:
		opts.HostDelay = DefaultHostDelay
	case opts.HostDelay < 0:
		opts.HostDelay = 0
	}
	if opts.RobotsTTL <= 0 {
		opts.RobotsTTL = DefaultRobotsTTL
	}
	if opts.Limiter == nil {
		opts.Limiter = NewHostLimiter(opts.HostDelay)
	}
	if opts.LookupIP == nil {
		opts.LookupIP = defaultLookupIP
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &Client{
		opts:       opts,
		agent:      productToken(opts.UserAgent),
		allowHosts: map[string]struct{}{},
		robots:     robotsCache{sites: map[string]robotsEntry{}},
		blocked:    map[string]time.Time{},
	}
	for _, h := range opts.AllowHosts {
		c.allowHosts[strings.ToLower(h)] = struct{}{}
	}
	c.hc = &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           c.dial,
			ForceAttemptHTTP2:     true,
			TLSHandshakeTimeout:   10 * time.Second,
			MaxIdleConns:          100,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       90 * time.Second,
			ExpectContinueTimeout: time.Second,
			DisableCompression:    true, // we ask for and decode gzip and br ourselves
		},
		// Redirects are followed by the client's own loop, which checks
		// each hop and takes each host's turn.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c
}

// productToken is the first word of a User-Agent without its version,
// lower-cased: the name robots.txt groups are matched against.
func productToken(ua string) string {
	tok, _, _ := strings.Cut(strings.TrimSpace(ua), " ")
	tok, _, _ = strings.Cut(tok, "/")
	return strings.ToLower(tok)
}

// Get fetches r.URL. A 304 to a conditional request is a Response with
// NotModified set. Any other non-2xx status is an *Error of KindStatus (or
// KindRetryLater), returned together with the Response so that the error
// page can be read; with any other error the Response is nil.
func (c *Client) Get(ctx context.Context, r Request) (*Response, error) {
	return c.do(ctx, call{method: http.MethodGet, url: r.URL, accept: r.Accept, etag: r.ETag, lastModified: r.LastModified})
}

// Post sends body to url with the same safety checks, host limits and
// Retry-After blocks as Get, but without robots.txt (it is for WebSub
// subscription requests, not crawling). 307 and 308 redirects repeat the
// POST; 301, 302 and 303 turn it into a GET, as browsers do.
func (c *Client) Post(ctx context.Context, url, contentType string, body []byte) (*Response, error) {
	return c.do(ctx, call{method: http.MethodPost, url: url, contentType: contentType, body: body})
}

// call is one request as the caller asked for it.
type call struct {
	method, url                string
	contentType                string
	body                       []byte
	accept, etag, lastModified string
	robots                     bool // a robots.txt fetch: no robots check, body truncated
}

// do runs a call and reports it to Observe.
func (c *Client) do(ctx context.Context, k call) (*Response, error) {
	start := time.Now()
	resp, err := c.run(ctx, k)
	if c.opts.Observe != nil {
		o := Observation{Method: k.method, Robots: k.robots, Duration: time.Since(start), Outcome: "ok"}
		if u, err := url.Parse(k.url); err == nil {
			o.Host = hostKey(u)
		}
		if resp != nil {
			o.Status = resp.Status
		}
		var fe *Error
		switch {
		case errors.As(err, &fe):
			o.Outcome = string(fe.Kind)
			if fe.Status != 0 {
				o.Status = fe.Status
			}
		case err != nil:
			o.Outcome = "canceled"
		case resp.NotModified:
			o.Outcome = "not_modified"
		}
		c.opts.Observe(o)
	}
	return resp, err
}

// hostKey is u's host:port, lower-cased, with the scheme's default port:
// the unit of politeness and of AllowHosts.
func hostKey(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// checkURL parses and vets a URL to be requested.
func checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, &Error{Kind: KindInvalidURL, URL: raw, Err: errors.Unwrap(err)}
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, &Error{Kind: KindInvalidURL, URL: raw, Err: errors.New("only http and https URLs can be fetched")}
	case u.Hostname() == "":
		return nil, &Error{Kind: KindInvalidURL, URL: raw, Err: errors.New("the URL has no host")}
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, &Error{Kind: KindInvalidURL, URL: raw, Err: fmt.Errorf("bad port %q", p)}
		}
	}
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// run follows a call through its redirects.
func (c *Client) run(ctx context.Context, k call) (*Response, error) {
	start := time.Now()
	u, err := checkURL(k.url)
	if err != nil {
		return nil, err
	}
	method, body, contentType := k.method, k.body, k.contentType
	limit := c.opts.MaxBodyBytes
	if k.robots {
		limit = robotsMaxBytes
	}
	// tctx, the total time limit, starts with the first host's turn.
	var tctx context.Context
	for hops := 0; ; hops++ {
		cur := ctx
		if tctx != nil {
			cur = tctx
		}
		if err := cur.Err(); err != nil {
			return nil, c.ctxError(ctx, u, err)
		}
		host := hostKey(u)
		if until := c.blockedUntil(host); !until.IsZero() {
			return nil, &Error{Kind: KindRetryLater, URL: u.String(), RetryAfter: until}
		}
		if ip, err := netip.ParseAddr(u.Hostname()); err == nil && !c.allowed(host) {
			if why := nonPublic(ip); why != "" {
				return nil, &Error{Kind: KindPrivateAddress, URL: u.String(), Err: &privateError{addr: ip.Unmap(), why: why}}
			}
		}
		// robots.txt itself is always allowed (RFC 9309 2.2.2).
		if method == http.MethodGet && !k.robots && !c.opts.IgnoreRobots && u.Path != "/robots.txt" {
			if err := c.checkRobots(cur, u); err != nil {
				if ctx.Err() != nil || (tctx != nil && tctx.Err() != nil) {
					return nil, c.ctxError(ctx, u, err)
				}
				return nil, err
			}
		}
		release, err := c.opts.Limiter.Acquire(cur, host)
		if err != nil {
			return nil, c.ctxError(ctx, u, err)
		}
		if tctx == nil {
			var cancel context.CancelFunc
			tctx, cancel = context.WithTimeout(ctx, c.opts.Timeout)
			defer cancel()
		}
		resp, err := c.send(tctx, method, u, body, contentType, k)
		if err != nil {
			release()
			return nil, c.transportError(ctx, u, err)
		}
		if loc := resp.Header.Get("Location"); isRedirect(resp.StatusCode) && loc != "" {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			release()
			if hops >= c.opts.MaxRedirects {
				return nil, &Error{Kind: KindTooManyRedirects, URL: k.url, Status: resp.StatusCode,
					Err: fmt.Errorf("more than %d redirects (the last to %s)", c.opts.MaxRedirects, loc)}
			}
			next, err := u.Parse(loc)
			if err != nil {
				return nil, &Error{Kind: KindInvalidURL, URL: u.String(), Err: fmt.Errorf("redirect to an invalid URL %q", loc)}
			}
			if next, err = checkURL(next.String()); err != nil {
				err.(*Error).Err = fmt.Errorf("redirect from %s: %w", u, err.(*Error).Err)
				return nil, err
			}
			if resp.StatusCode == http.StatusSeeOther || (method == http.MethodPost && resp.StatusCode <= http.StatusFound) {
				method, body, contentType = http.MethodGet, nil, ""
			}
			u = next
			continue
		}
		out, err := c.finish(u, resp, limit, k)
		release()
		if err != nil {
			return nil, c.transportError(ctx, u, err)
		}
		out.Elapsed = time.Since(start)
		return out, c.statusError(u, out, k)
	}
}

// send makes one HTTP request.
func (c *Client) send(ctx context.Context, method string, u *url.URL, body []byte, contentType string, k call) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", c.opts.UserAgent)
	req.Header.Set("Accept-Encoding", "gzip, br")
	if k.accept != "" {
		req.Header.Set("Accept", k.accept)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if method == http.MethodGet {
		if k.etag != "" {
			req.Header.Set("If-None-Match", k.etag)
		}
		if k.lastModified != "" {
			req.Header.Set("If-Modified-Since", k.lastModified)
		}
	}
	return c.hc.Do(req)
}

// finish reads and decodes the body of a final response.
func (c *Client) finish(u *url.URL, resp *http.Response, limit int64, k call) (*Response, error) {
	defer resp.Body.Close()
	out := &Response{
		URL:          u.String(),
		Status:       resp.StatusCode,
		Header:       resp.Header,
		ContentType:  resp.Header.Get("Content-Type"),
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
	}
	enc := resp.Header.Get("Content-Encoding")
	if !k.robots && resp.ContentLength > limit && (enc == "" || strings.EqualFold(enc, "identity")) {
		return out, &Error{Kind: KindTooLarge, URL: u.String(), Status: resp.StatusCode,
			Err: fmt.Errorf("%s announced, the limit is %s", byteSize(resp.ContentLength), byteSize(limit))}
	}
	b, err := readBody(resp.Body, enc, limit, k.robots)
	if errors.Is(err, errTooLarge) {
		return out, &Error{Kind: KindTooLarge, URL: u.String(), Status: resp.StatusCode,
			Err: fmt.Errorf("more than %s (decoded)", byteSize(limit))}
	}
	if err != nil {
		return out, err
	}
	out.Body = b
	return out, nil
}

// statusError turns a final response's status into the call's result.
func (c *Client) statusError(u *url.URL, out *Response, k call) error {
	switch s := out.Status; {
	case s >= 200 && s < 300:
		return nil
	case s == http.StatusNotModified && (k.etag != "" || k.lastModified != ""):
		out.NotModified = true
		if out.ETag == "" {
			out.ETag = k.etag
		}
		if out.LastModified == "" {
			out.LastModified = k.lastModified
		}
		return nil
	case s == http.StatusTooManyRequests || s == http.StatusServiceUnavailable:
		now := c.opts.Now()
		until, ok := parseRetryAfter(out.Header.Get("Retry-After"), now)
		if !ok && s == http.StatusTooManyRequests {
			until, ok = now.Add(defaultRetryAfter), true
		}
		if ok {
			c.block(hostKey(u), until)
			return &Error{Kind: KindRetryLater, URL: u.String(), Status: s, RetryAfter: until}
		}
	}
	return &Error{Kind: KindStatus, URL: u.String(), Status: out.Status}
}

// parseRetryAfter reads a Retry-After header, seconds or an HTTP date, as
// a time no later than a day from now and no earlier than now.
func parseRetryAfter(v string, now time.Time) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	var until time.Time
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return time.Time{}, false
		}
		until = now.Add(time.Duration(min(n, int64(maxRetryAfter/time.Second))) * time.Second)
	} else if t, err := http.ParseTime(v); err == nil {
		until = t
	} else {
		return time.Time{}, false
	}
	if limit := now.Add(maxRetryAfter); until.After(limit) {
		until = limit
	}
	if until.Before(now) {
		until = now
	}
	return until, true
}

// block remembers not to call host before until.
func (c *Client) block(host string, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if until.After(c.blocked[host]) {
		c.blocked[host] = until
	}
}

// blockedUntil is when host may be called again, zero if now.
func (c *Client) blockedUntil(host string) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	until, ok := c.blocked[host]
	if !ok {
		return time.Time{}
	}
	if !c.opts.Now().Before(until) {
		delete(c.blocked, host)
		return time.Time{}
	}
	return until
}

// ctxError is the error of a call that stopped because a context ended:
// the caller's own cancellation as is, a deadline as KindTimeout.
func (c *Client) ctxError(parent context.Context, u *url.URL, err error) error {
	if errors.Is(parent.Err(), context.Canceled) {
		return fmt.Errorf("fetching %s: %w", u, parent.Err())
	}
	return &Error{Kind: KindTimeout, URL: u.String(), Err: fmt.Errorf("gave up after %s", c.opts.Timeout)}
}

// transportError classifies an error from sending a request or reading
// its body.
func (c *Client) transportError(parent context.Context, u *url.URL, err error) error {
	var fe *Error
	if errors.As(err, &fe) {
		return err
	}
	var pe *privateError
	if errors.As(err, &pe) {
		return &Error{Kind: KindPrivateAddress, URL: u.String(), Err: pe}
	}
	if parent.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
		return c.ctxError(parent, u, err)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return &Error{Kind: KindTimeout, URL: u.String(), Err: err}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &Error{Kind: KindNetwork, URL: u.String(), Err: err}
}
