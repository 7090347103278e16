package pipeline

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/feed"
	"github.com/communique-news/communique/fetch"
)

// Sources changes sources on behalf of a user (the CLI, the API and the admin
// page all come here): it validates, discovers feeds, stores, and schedules a
// first poll.
type Sources struct {
	P *Pipeline
	Q *Queue
}

// AddSource validates s, discovers its feed when s.URL is a page, stores it
// and enqueues its first poll. When the page cannot be fetched (offline, or a
// server error), the source is kept as given so that its error shows on it.
func (ss *Sources) AddSource(ctx context.Context, s *communique.Source) error {
	if err := validateSource(s); err != nil {
		return err
	}
	if s.Kind == "" || s.Kind == communique.KindFeed {
		if err := ss.resolveKind(ctx, s); err != nil {
			return err
		}
	}
	if err := ss.P.Store.CreateSource(ctx, s); err != nil {
		return err
	}
	if ss.Q != nil {
		return ss.Q.PollNow(ctx, s.ID)
	}
	return nil
}

// RemoveSource removes a source; its releases stay.
func (ss *Sources) RemoveSource(ctx context.Context, id int64) error {
	return ss.P.Store.DeleteSource(ctx, id)
}

// PollNow enqueues a poll of the source at once.
func (ss *Sources) PollNow(ctx context.Context, id int64) error {
	if ss.Q == nil {
		return communique.Errorf(communique.EINVALID, "this process does not schedule polls")
	}
	return ss.Q.PollNow(ctx, id)
}

func validateSource(s *communique.Source) error {
	u, err := url.Parse(strings.TrimSpace(s.URL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return communique.Errorf(communique.EINVALID, "%q is not an http(s) URL", s.URL)
	}
	s.URL = u.String()
	if s.Kind != "" && !s.Kind.Valid() {
		return communique.Errorf(communique.EINVALID, "unknown kind %q (feed, html or sitemap)", s.Kind)
	}
	if s.Licence == "" {
		s.Licence = communique.LicenceFull
	}
	if !s.Licence.Valid() {
		return communique.Errorf(communique.EINVALID, "unknown licence %q (full, summary or link)", s.Licence)
	}
	s.Country = strings.ToUpper(strings.TrimSpace(s.Country))
	if s.Country != "" && len(s.Country) != 2 {
		return communique.Errorf(communique.EINVALID, "country %q is not an ISO 3166 two-letter code", s.Country)
	}
	if s.Kind == communique.KindHTML && s.Selectors != nil && s.Selectors.Item == "" && (s.Selectors.Link != "" || s.Selectors.Title != "") {
		return communique.Errorf(communique.EINVALID, "an HTML listing's selectors need an item selector")
	}
	return nil
}

// resolveKind fetches s.URL: a feed stays a feed, a sitemap becomes a
// sitemap source, and a page is replaced by the best feed it advertises.
func (ss *Sources) resolveKind(ctx context.Context, s *communique.Source) error {
	resp, err := ss.P.Fetcher.Get(ctx, fetch.Request{URL: s.URL})
	if err != nil {
		if s.Kind == "" {
			s.Kind = communique.KindFeed
		}
		ss.P.logger().Warn("source added without checking it", "url", s.URL, "err", err)
		return nil
	}
	switch feed.Sniff(resp.Body, resp.ContentType) {
	case feed.FormatFeed:
		s.Kind = communique.KindFeed
		if f, err := feed.Parse(resp.Body, resp.URL, ss.P.now()); err == nil && s.Title == "" {
			s.Title = f.Title
		}
		return nil
	case feed.FormatSitemap:
		s.Kind = communique.KindSitemap
		return nil
	case feed.FormatHTML:
		links := feed.Discover(resp.Body, resp.URL)
		if len(links) == 0 {
			return communique.Errorf(communique.EINVALID,
				"%s is a web page that advertises no feed; add it as an HTML listing (kind html) or run `communique source discover %s` to see other ways to follow it", s.URL, s.URL)
		}
		s.URL = links[0].URL
		s.Kind = communique.KindFeed
		if s.Title == "" {
			s.Title = links[0].Title
		}
		return nil
	}
	return communique.Errorf(communique.EINVALID, "%s is neither a feed, a sitemap nor a web page (content type %q)", s.URL, resp.ContentType)
}

// Discover lists the ways to follow the site of pageURL: the feeds its page
// advertises, feeds at common paths, and the sitemaps its robots.txt names.
func (ss *Sources) Discover(ctx context.Context, pageURL string) ([]communique.FeedCandidate, error) {
	u, err := url.Parse(pageURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, communique.Errorf(communique.EINVALID, "%q is not an http(s) URL", pageURL)
	}
	var out []communique.FeedCandidate
	seen := map[string]bool{}
	add := func(c communique.FeedCandidate) {
		k := communique.CanonicalURL(c.URL)
		if !seen[k] {
			seen[k] = true
			out = append(out, c)
		}
	}
	resp, err := ss.P.Fetcher.Get(ctx, fetch.Request{URL: pageURL})
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", pageURL, err)
	}
	switch feed.Sniff(resp.Body, resp.ContentType) {
	case feed.FormatFeed:
		add(communique.FeedCandidate{URL: resp.URL, Kind: communique.KindFeed, Why: "the URL is a feed"})
	case feed.FormatSitemap:
		add(communique.FeedCandidate{URL: resp.URL, Kind: communique.KindSitemap, Why: "the URL is a sitemap"})
	case feed.FormatHTML:
		for _, l := range feed.Discover(resp.Body, resp.URL) {
			add(communique.FeedCandidate{URL: l.URL, Kind: communique.KindFeed, Title: l.Title, Why: "advertised by the page"})
		}
		if sel, items, err := feed.DetectSelectors(resp.Body, resp.URL, ss.P.now()); err == nil && len(items) > 0 {
			add(communique.FeedCandidate{URL: resp.URL, Kind: communique.KindHTML, Title: fmt.Sprintf("listing of %d items (item %q)", len(items), sel.Item), Why: "the page lists releases"})
		}
	}
	root := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/"}
	for _, p := range feed.CommonFeedPaths {
		cand := root.ResolveReference(&url.URL{Path: p}).String()
		if seen[communique.CanonicalURL(cand)] {
			continue
		}
		r, err := ss.P.Fetcher.Get(ctx, fetch.Request{URL: cand})
		if err == nil && feed.Sniff(r.Body, r.ContentType) == feed.FormatFeed {
			add(communique.FeedCandidate{URL: r.URL, Kind: communique.KindFeed, Why: "found at a common path"})
		}
	}
	if r, err := ss.P.Fetcher.Get(ctx, fetch.Request{URL: root.ResolveReference(&url.URL{Path: "/robots.txt"}).String()}); err == nil {
		for _, sm := range feed.SitemapsFromRobots(r.Body, r.URL) {
			add(communique.FeedCandidate{URL: sm, Kind: communique.KindSitemap, Why: "named in robots.txt"})
		}
	}
	return out, nil
}

// Preview reads a source once without storing anything: what a poll would
// take. For an HTML listing without selectors, the detected selectors are
// set on s.
func (ss *Sources) Preview(ctx context.Context, s *communique.Source) ([]communique.Item, error) {
	if err := validateSource(s); err != nil {
		return nil, err
	}
	resp, err := ss.P.Fetcher.Get(ctx, fetch.Request{URL: s.URL})
	if err != nil {
		return nil, err
	}
	now := ss.P.now()
	switch s.Kind {
	case communique.KindHTML:
		if s.Selectors == nil || s.Selectors.Item == "" {
			sel, items, err := feed.DetectSelectors(resp.Body, resp.URL, now)
			if err != nil {
				return nil, err
			}
			s.Selectors = &sel
			return items, nil
		}
		l, err := feed.ParseListing(resp.Body, resp.URL, *s.Selectors, now)
		if err != nil {
			return nil, err
		}
		return l.Items, nil
	case communique.KindSitemap:
		sm, err := feed.ParseSitemap(resp.Body, resp.URL, now, 50<<20)
		if err != nil {
			return nil, err
		}
		return sm.Items, nil
	}
	f, err := feed.Parse(resp.Body, resp.URL, now)
	if err != nil {
		return nil, err
	}
	return f.Items, nil
}
