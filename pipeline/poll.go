package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/feed"
	"github.com/communique-news/communique/fetch"
)

// PollPolicy bounds how often sources are polled.
type PollPolicy struct {
	Min     time.Duration // default 5 minutes
	Max     time.Duration // default 24 hours
	Initial time.Duration // interval of a new source, default 30 minutes
}

func (pp PollPolicy) withDefaults() PollPolicy {
	if pp.Min <= 0 {
		pp.Min = 5 * time.Minute
	}
	if pp.Max <= 0 {
		pp.Max = 24 * time.Hour
	}
	if pp.Max < pp.Min {
		pp.Max = pp.Min
	}
	if pp.Initial <= 0 {
		pp.Initial = 30 * time.Minute
	}
	return pp
}

// afterSuccess adapts the interval to how often the source publishes: a poll
// that found new items halves it, one that found none stretches it by half.
func (pp PollPolicy) afterSuccess(prev time.Duration, newItems int) time.Duration {
	pp = pp.withDefaults()
	if prev <= 0 {
		prev = pp.Initial
	}
	next := prev * 3 / 2
	if newItems > 0 {
		next = prev / 2
	}
	return min(max(next, pp.Min), pp.Max)
}

// backoff is the wait after the n-th consecutive failure: Min doubled per
// failure, at most Max. A failing source is never abandoned.
func (pp PollPolicy) backoff(n int) time.Duration {
	pp = pp.withDefaults()
	d := pp.Min
	for i := 1; i < n && d < pp.Max; i++ {
		d *= 2
	}
	return min(d, pp.Max)
}

// Found is an item a poll found that needs ingesting.
type Found struct {
	Item communique.Item
	// Recheck is true for an item already seen whose source says it changed
	// (a sitemap's lastmod): the page is fetched again to look for a revision.
	Recheck bool
}

// maxFirstSitemapItems caps how many URLs of a sitemap the first poll takes
// (newest first): a site's full sitemap can list tens of thousands of pages.
const maxFirstSitemapItems = 200

// sitemapLag is how long before the last poll a sitemap's date may be and
// its URL still be taken: a sitemap is often regenerated, or cached, minutes
// after a page is published, so a URL can first appear after a poll with a
// date before it. URLs already seen are skipped anyway.
const sitemapLag = time.Hour

// Poll reads a source once: it fetches the source's URL (conditionally),
// reads it according to its kind, and returns the items not seen before
// together with the source's new poll state. On failure the state carries the
// error and the backoff, and the error is returned too. Poll stores nothing;
// the caller enqueues the items and then records the state, so that a crash
// in between polls the source again rather than losing items.
func (p *Pipeline) Poll(ctx context.Context, src *communique.Source) ([]Found, communique.PollState, error) {
	now := p.now()
	st := src.State
	st.LastFetch = now
	found, status, err := p.poll(ctx, src, &st, now)
	st.LastStatus = status
	pp := p.Policy.withDefaults()
	if err != nil {
		st.ConsecutiveErrors++
		st.LastError = err.Error()
		wait := pp.backoff(st.ConsecutiveErrors)
		var fe *fetch.Error
		if errors.As(err, &fe) && fe.Kind == fetch.KindRetryLater && fe.RetryAfter.After(now.Add(wait)) {
			wait = fe.RetryAfter.Sub(now)
		}
		st.NextPoll = now.Add(wait)
		p.Metrics.poll(err)
		return nil, st, err
	}
	st.ConsecutiveErrors = 0
	st.LastError = ""
	st.LastSuccess = now
	st.Interval = pp.afterSuccess(src.State.Interval, len(found))
	st.NextPoll = now.Add(st.Interval)
	p.Metrics.poll(nil)
	return found, st, nil
}

func (p *Pipeline) poll(ctx context.Context, src *communique.Source, st *communique.PollState, now time.Time) ([]Found, int, error) {
	resp, err := p.Fetcher.Get(ctx, fetch.Request{URL: src.URL, ETag: st.ETag, LastModified: st.LastModified})
	if err != nil {
		return nil, statusOf(err), err
	}
	if resp.NotModified {
		return nil, resp.Status, nil
	}
	var items []communique.Item
	switch src.Kind {
	case communique.KindFeed:
		f, err := feed.Parse(resp.Body, resp.URL, now)
		if err != nil {
			return nil, resp.Status, fmt.Errorf("reading the feed: %w", err)
		}
		st.HubURL, st.TopicURL = f.HubURL, f.SelfURL
		if hub, self := feed.HubFromHeader(resp.Header); hub != "" {
			st.HubURL, st.TopicURL = hub, self
		}
		items = f.Items
	case communique.KindHTML:
		items, err = p.pollListing(ctx, src, resp, now)
		if err != nil {
			return nil, resp.Status, err
		}
	case communique.KindSitemap:
		items, err = p.pollSitemap(ctx, src, resp, now)
		if err != nil {
			return nil, resp.Status, err
		}
	default:
		return nil, resp.Status, communique.Errorf(communique.EINVALID, "unknown source kind %q", src.Kind)
	}
	items, known, err := p.itemsSeen(ctx, src.ID, items)
	if err != nil {
		return nil, resp.Status, err
	}
	var found []Found
	for i, it := range items {
		switch {
		case !known[i]:
			found = append(found, Found{Item: it})
		case src.Kind == communique.KindSitemap && !src.State.LastSuccess.IsZero() && it.Updated.After(src.State.LastSuccess):
			// A known URL whose lastmod moved since the last poll.
			found = append(found, Found{Item: it, Recheck: true})
		}
	}
	// Only now that everything was read is the validator kept: a failure
	// above polls the whole source again next time.
	st.ETag = resp.ETag
	st.LastModified = resp.LastModified
	return found, resp.Status, nil
}

// itemsSeen gives each item its key, drops those whose key came earlier,
// and says of each whether the source delivered it before.
func (p *Pipeline) itemsSeen(ctx context.Context, sourceID int64, items []communique.Item) ([]communique.Item, []bool, error) {
	var out []communique.Item
	var refs []communique.ItemRef
	keys := map[string]bool{}
	for _, it := range items {
		if it.Key == "" {
			it.Key = feed.ItemKey(it)
		}
		if keys[it.Key] {
			continue
		}
		keys[it.Key] = true
		out = append(out, it)
		refs = append(refs, communique.ItemRef{Key: it.Key, URL: communique.CanonicalURL(it.URL)})
	}
	seen, err := p.Store.ItemsSeen(ctx, sourceID, refs)
	return out, seen, err
}

// pollListing reads an HTML listing page by its selectors, detecting them
// first when the source has none, and follows next-page links on the first
// poll (never in a loop, at most MaxPages pages).
func (p *Pipeline) pollListing(ctx context.Context, src *communique.Source, resp *fetch.Response, now time.Time) ([]communique.Item, error) {
	if src.Selectors == nil || src.Selectors.Item == "" {
		sel, _, err := feed.DetectSelectors(resp.Body, resp.URL, now)
		if err != nil {
			return nil, fmt.Errorf("no selectors were given and none could be detected: %w", err)
		}
		src.Selectors = &sel
		if err := p.Store.UpdateSource(ctx, src); err != nil {
			return nil, err
		}
		p.logger().Info("detected listing selectors", "source", src.ID, "item", sel.Item, "link", sel.Link, "title", sel.Title, "date", sel.Date)
	}
	sel := *src.Selectors
	listing, err := feed.ParseListing(resp.Body, resp.URL, sel, now)
	if err != nil {
		return nil, err
	}
	items := listing.Items
	if !src.State.LastSuccess.IsZero() {
		return items, nil
	}
	maxPages := sel.MaxPages
	if maxPages <= 0 {
		maxPages = p.MaxListingPages
	}
	if maxPages <= 0 {
		maxPages = 5
	}
	visited := map[string]bool{communique.CanonicalURL(resp.URL): true, communique.CanonicalURL(src.URL): true}
	next := listing.Next
	for pages := 1; next != "" && pages < maxPages; pages++ {
		c := communique.CanonicalURL(next)
		if visited[c] {
			break
		}
		visited[c] = true
		r, err := p.Fetcher.Get(ctx, fetch.Request{URL: next})
		if err != nil && transient(err) {
			return nil, fmt.Errorf("listing page %d (%s): %w", pages+1, next, err)
		}
		var l *feed.Listing
		if err == nil {
			l, err = feed.ParseListing(r.Body, r.URL, sel, now)
		}
		if err != nil {
			// A later page that is gone or lists nothing (an empty last
			// page) ends the pagination; failing the poll would leave the
			// source without a first success for good.
			p.logger().Warn("listing pagination stopped", "source", src.ID, "page", pages+1, "url", next, "err", err)
			break
		}
		items = append(items, l.Items...)
		next = l.Next
	}
	return items, nil
}

// pollSitemap reads a sitemap or a sitemap index. Of an index it reads the
// children changed since the last successful poll (newest first, at most
// MaxSitemapChildren; a nested index is not followed further). The first poll
// takes the newest URLs; later polls only URLs whose date (lastmod, else
// publication date) is after the last successful poll (less sitemapLag), or
// that have none.
func (p *Pipeline) pollSitemap(ctx context.Context, src *communique.Source, resp *fetch.Response, now time.Time) ([]communique.Item, error) {
	const maxBytes = 50 << 20
	sm, err := feed.ParseSitemap(resp.Body, resp.URL, now, maxBytes)
	if err != nil {
		return nil, fmt.Errorf("reading the sitemap: %w", err)
	}
	last := src.State.LastSuccess
	all := sm.Items
	children := sm.Children
	sort.SliceStable(children, func(i, j int) bool { return children[i].LastMod.After(children[j].LastMod) })
	limit := p.MaxSitemapChildren
	if limit <= 0 {
		limit = 20
	}
	visited := map[string]bool{communique.CanonicalURL(resp.URL): true}
	var brokenChild error
	readChildren := 0
	for i := 0; i < len(children) && i < limit; i++ {
		c := children[i]
		if (!last.IsZero() && !c.LastMod.IsZero() && !c.LastMod.After(last.Add(-sitemapLag))) || visited[communique.CanonicalURL(c.URL)] {
			continue
		}
		visited[communique.CanonicalURL(c.URL)] = true
		r, err := p.Fetcher.Get(ctx, fetch.Request{URL: c.URL})
		if err != nil && transient(err) {
			return nil, fmt.Errorf("child sitemap %s: %w", c.URL, err)
		}
		var child *feed.Sitemap
		if err == nil {
			child, err = feed.ParseSitemap(r.Body, r.URL, now, maxBytes)
		}
		if err != nil {
			// An index often lists a child that is gone or broken: the
			// others are read, and the poll fails only if none could be.
			brokenChild = fmt.Errorf("child sitemap %s: %w", c.URL, err)
			p.logger().Warn("child sitemap skipped", "source", src.ID, "err", brokenChild)
			continue
		}
		readChildren++
		all = append(all, child.Items...)
	}
	if brokenChild != nil && readChildren == 0 && len(sm.Items) == 0 {
		return nil, brokenChild
	}
	sort.SliceStable(all, func(i, j int) bool { return itemDate(all[i]).After(itemDate(all[j])) })
	if last.IsZero() {
		return all[:min(len(all), maxFirstSitemapItems)], nil
	}
	var items []communique.Item
	for _, it := range all {
		if d := itemDate(it); d.IsZero() || d.After(last.Add(-sitemapLag)) {
			items = append(items, it)
		}
	}
	return items, nil
}

// itemDate is when a sitemap says a URL last changed: its lastmod, else its
// publication date, else zero.
func itemDate(it communique.Item) time.Time {
	switch {
	case !it.Updated.IsZero():
		return it.Updated
	case it.DateMissing:
		return time.Time{}
	}
	return it.Published
}

// statusOf is the HTTP status carried by a fetch error, or 0.
func statusOf(err error) int {
	var fe *fetch.Error
	if errors.As(err, &fe) {
		return fe.Status
	}
	return 0
}
