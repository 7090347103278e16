package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
	"golang.org/x/sync/singleflight"
)

// robotsMaxBytes is how much of a robots.txt is read; RFC 9309 asks
// crawlers to parse at least 500 KiB, and the rest is ignored.
const robotsMaxBytes = 500 << 10

// robotsErrorTTL is how long an unreachable robots.txt (5xx, 429, network
// failure) keeps its host closed before it is asked again.
const robotsErrorTTL = 10 * time.Minute

// robotsCache holds one robots.txt per origin (scheme://host:port).
type robotsCache struct {
	mu    sync.Mutex
	sites map[string]robotsEntry
	group singleflight.Group
}

type robotsEntry struct {
	data    *robotstxt.RobotsData // nil when unreachable: disallow all
	why     string                // for an unreachable robots.txt: what happened
	expires time.Time
}

// robotsMaxSites bounds the cache: past it, expired entries go first, then
// any, so that a crawl over many sites does not keep every robots.txt.
const robotsMaxSites = 10000

func (r *robotsCache) put(origin string, e robotsEntry, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.sites) >= robotsMaxSites {
		for o, old := range r.sites {
			if !now.Before(old.expires) {
				delete(r.sites, o)
			}
		}
		for o := range r.sites {
			if len(r.sites) < robotsMaxSites {
				break
			}
			delete(r.sites, o) // map order: an arbitrary victim
		}
	}
	r.sites[origin] = e
}

// checkRobots returns a KindRobots error if robots.txt forbids u, fetching
// robots.txt first when it is not cached.
func (c *Client) checkRobots(ctx context.Context, u *url.URL) error {
	origin := u.Scheme + "://" + strings.ToLower(u.Host)
	c.robots.mu.Lock()
	e, ok := c.robots.sites[origin]
	c.robots.mu.Unlock()
	if !ok || !c.opts.Now().Before(e.expires) {
		// One fetch per origin at a time; others wait for its result.
		// The fetch is detached from this caller's context (it has its own
		// timeout) so that a caller giving up does not fail the others.
		ch := c.robots.group.DoChan(origin, func() (any, error) {
			e, err := c.fetchRobots(context.WithoutCancel(ctx), origin)
			if err != nil {
				return nil, err
			}
			c.robots.put(origin, e, c.opts.Now())
			return e, nil
		})
		select {
		case <-ctx.Done():
			return ctx.Err()
		case r := <-ch:
			if r.Err != nil {
				return r.Err
			}
			e = r.Val.(robotsEntry)
		}
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	if e.data == nil {
		// Not a verdict on the URL: the caller should come back when the
		// cached failure expires.
		return &Error{Kind: KindRetryLater, URL: u.String(), RetryAfter: e.expires,
			Err: fmt.Errorf("robots.txt of %s could not be read (%s)", u.Host, e.why)}
	}
	if !e.data.TestAgent(path, c.agent) {
		return &Error{Kind: KindRobots, URL: u.String(), Err: fmt.Errorf("robots.txt of %s disallows it for %s", u.Host, c.agent)}
	}
	return nil
}

// fetchRobots reads origin's robots.txt through the same safety checks as
// any request. Following RFC 9309: a 4xx means no rules; a 5xx, a 429 or an
// unreachable host means disallow all, for a shorter time. Errors are
// returned only when the site is not ours to fetch (invalid URL, private
// address): that says nothing about the site's rules.
func (c *Client) fetchRobots(ctx context.Context, origin string) (robotsEntry, error) {
	now := c.opts.Now()
	resp, err := c.do(ctx, call{method: http.MethodGet, url: origin + "/robots.txt", robots: true})
	status := 0
	if resp != nil {
		status = resp.Status
	}
	var fe *Error
	switch {
	case err == nil:
		data, perr := robotstxt.FromStatusAndBytes(resp.Status, resp.Body)
		if perr != nil {
			// Unparseable lines are ignored (RFC 9309 2.2); a file that
			// cannot be parsed at all has no rules we can follow.
			data, _ = robotstxt.FromStatusAndBytes(404, nil)
		}
		return robotsEntry{data: data, expires: now.Add(c.opts.RobotsTTL)}, nil
	case errors.As(err, &fe) && (fe.Kind == KindInvalidURL || fe.Kind == KindPrivateAddress):
		return robotsEntry{}, err
	case errors.As(err, &fe) && fe.Kind == KindStatus && status >= 400 && status < 500 && status != 429:
		data, _ := robotstxt.FromStatusAndBytes(status, nil)
		return robotsEntry{data: data, expires: now.Add(c.opts.RobotsTTL)}, nil
	}
	ttl := min(robotsErrorTTL, c.opts.RobotsTTL)
	return robotsEntry{why: shortReason(err), expires: now.Add(ttl)}, nil
}

// shortReason is a few words on why a robots.txt could not be read.
func shortReason(err error) string {
	var fe *Error
	if errors.As(err, &fe) {
		switch fe.Kind {
		case KindStatus, KindRetryLater:
			if fe.Status != 0 {
				return fmt.Sprintf("HTTP %d", fe.Status)
			}
		case KindTimeout:
			return "timeout"
		case KindTooManyRedirects:
			return "too many redirects"
		}
		if fe.Err != nil {
			return fe.Err.Error()
		}
		return string(fe.Kind)
	}
	return err.Error()
}
