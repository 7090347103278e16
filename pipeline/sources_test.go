package pipeline

import (
	"strings"
	"testing"
	"time"

	"github.com/communique-news/communique"
)

// site sets up a ministry's site: a home page listing releases and
// advertising its feed, the feed, a news listing, a sitemap named in
// robots.txt, and an "about" page with neither feed nor listing.
func site(e *env) *origin {
	o := e.origin("www.gov.example")
	now := e.clock.Now()
	home := strings.Replace(listingPage(0, 5, now, ""), "<head>",
		`<head><link rel="alternate" type="application/rss+xml" title="Press releases" href="/press/feed.xml">`, 1)
	o.set("/", "text/html", home)
	o.set("/press/feed.xml", "application/rss+xml", rss("", "", feedItems(o, 0, 3, now)...))
	o.set("/rss", "application/rss+xml", rss("", "", feedItems(o, 0, 2, now)...))
	o.set("/robots.txt", "text/plain", "User-agent: *\nAllow: /\n\nSitemap: "+o.URL+"/sitemap-news.xml\n")
	o.set("/sitemap-news.xml", "application/xml", urlset(smURL{Loc: o.URL + "/news/1", NewsPub: now, Title: "One"}))
	o.set("/about", "text/html", page("Gov", "About the ministry", time.Time{}, paragraphs(3, 2)))
	return o
}

func TestAddSourceDiscoversFeed(t *testing.T) {
	e := newEnv(t, "www.gov.example")
	o := site(e)
	ss := &Sources{P: e.p}
	s := &communique.Source{URL: "  " + o.URL + "/  ", Organization: "Gov", Country: "fr"}
	if err := ss.AddSource(e.ctx, s); err != nil {
		t.Fatal(err)
	}
	if s.Kind != communique.KindFeed || s.URL != o.URL+"/press/feed.xml" || s.Title != "Press releases" {
		t.Errorf("source from a page: kind %q, URL %q, title %q", s.Kind, s.URL, s.Title)
	}
	stored := e.source(s.ID)
	if stored.URL != s.URL || stored.Licence != communique.LicenceFull || stored.Country != "FR" {
		t.Errorf("stored %+v", stored)
	}

	// A sitemap URL becomes a sitemap source; a feed URL stays a feed.
	sm := &communique.Source{URL: o.URL + "/sitemap-news.xml"}
	if err := ss.AddSource(e.ctx, sm); err != nil || sm.Kind != communique.KindSitemap {
		t.Errorf("a sitemap: kind %q, err %v", sm.Kind, err)
	}
	fd := &communique.Source{URL: o.URL + "/rss"}
	if err := ss.AddSource(e.ctx, fd); err != nil || fd.Kind != communique.KindFeed || fd.Title != "Test releases" {
		t.Errorf("a feed: kind %q, title %q, err %v", fd.Kind, fd.Title, err)
	}
	// The same feed twice is a conflict.
	if err := ss.AddSource(e.ctx, &communique.Source{URL: o.URL + "/rss"}); communique.ErrorCode(err) != communique.ECONFLICT {
		t.Errorf("the same source twice: %v", err)
	}
	// An HTML listing is stored as given.
	html := &communique.Source{URL: o.URL + "/", Kind: communique.KindHTML, Selectors: &listingSelectors}
	if err := ss.AddSource(e.ctx, html); err != nil || html.Kind != communique.KindHTML || html.URL != o.URL+"/" {
		t.Errorf("an HTML listing: %+v, %v", html, err)
	}
}

func TestAddSourceErrors(t *testing.T) {
	e := newEnv(t, "www.gov.example")
	o := site(e)
	ss := &Sources{P: e.p}
	for _, c := range []struct {
		name string
		s    communique.Source
		want string
	}{
		{"page without feeds", communique.Source{URL: o.URL + "/about"}, "kind html"},
		{"not http", communique.Source{URL: "ftp://www.gov.example/feed.xml"}, "not an http(s) URL"},
		{"not a URL", communique.Source{URL: "press releases"}, "not an http(s) URL"},
		{"relative", communique.Source{URL: "/feed.xml"}, "not an http(s) URL"},
		{"licence", communique.Source{URL: o.URL + "/rss", Licence: "free"}, "unknown licence"},
		{"kind", communique.Source{URL: o.URL + "/rss", Kind: "podcast"}, "unknown kind"},
		{"country", communique.Source{URL: o.URL + "/rss", Country: "FRA"}, "two-letter"},
		{"selectors without item", communique.Source{URL: o.URL + "/", Kind: communique.KindHTML, Selectors: &communique.Selectors{Link: "a"}}, "item selector"},
	} {
		s := c.s
		err := ss.AddSource(e.ctx, &s)
		if communique.ErrorCode(err) != communique.EINVALID || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v (want EINVALID saying %q)", c.name, err, c.want)
		}
	}
	if all, err := e.store.Sources(e.ctx); err != nil || len(all) != 0 {
		t.Errorf("invalid sources were stored: %d, %v", len(all), err)
	}
}

func TestAddSourceEnqueuesFirstPoll(t *testing.T) {
	e := newEnv(t, "www.gov.example")
	o := site(e)
	q, db := e.openQueue(QueueOptions{})
	ss := &Sources{P: e.p, Q: q}
	s := &communique.Source{URL: o.URL + "/rss"}
	if err := ss.AddSource(e.ctx, s); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRowContext(e.ctx, `SELECT count(*) FROM river_job WHERE kind = 'poll'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d poll jobs, want 1", n)
	}
	if due, err := e.store.DueSources(e.ctx, e.clock.Now(), 10); err != nil || len(due) != 1 {
		t.Errorf("the new source is not due: %d, %v", len(due), err)
	}
	if err := (&Sources{P: e.p}).PollNow(e.ctx, s.ID); communique.ErrorCode(err) != communique.EINVALID {
		t.Errorf("PollNow without a queue: %v", err)
	}
}

func TestDiscover(t *testing.T) {
	e := newEnv(t, "www.gov.example")
	o := site(e)
	ss := &Sources{P: e.p}
	cands, err := ss.Discover(e.ctx, o.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]communique.SourceKind{
		o.URL + "/press/feed.xml":   communique.KindFeed,    // advertised
		o.URL + "/":                 communique.KindHTML,    // the page lists releases
		o.URL + "/rss":              communique.KindFeed,    // a common path
		o.URL + "/sitemap-news.xml": communique.KindSitemap, // robots.txt
	}
	got := map[string]communique.SourceKind{}
	for _, c := range cands {
		if _, dup := got[c.URL]; dup {
			t.Errorf("%s listed twice", c.URL)
		}
		got[c.URL] = c.Kind
		if c.Why == "" {
			t.Errorf("%s: no reason given", c.URL)
		}
	}
	for u, k := range want {
		if got[u] != k {
			t.Errorf("%s: kind %q, want %q (candidates %+v)", u, got[u], k, cands)
		}
	}
	if len(cands) != len(want) {
		t.Errorf("%d candidates, want %d: %+v", len(cands), len(want), cands)
	}
	if len(cands) > 0 && cands[0].URL != o.URL+"/press/feed.xml" {
		t.Errorf("the advertised feed is not offered first: %+v", cands[0])
	}

	if _, err := ss.Discover(e.ctx, "mailto:press@gov.example"); communique.ErrorCode(err) != communique.EINVALID {
		t.Errorf("Discover of a mailto URL: %v", err)
	}
	// Only the sitemap for the about page (no listing, no advertised feed).
	cands, err = ss.Discover(e.ctx, o.URL+"/about")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cands {
		if c.Kind == communique.KindHTML {
			t.Errorf("a listing found on a page without one: %+v", c)
		}
	}
}

func TestPreviewStoresNothing(t *testing.T) {
	e := newEnv(t, "www.gov.example")
	o := site(e)
	ss := &Sources{P: e.p}

	s := &communique.Source{URL: o.URL + "/", Kind: communique.KindHTML}
	items, err := ss.Preview(e.ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 5 || s.Selectors == nil || s.Selectors.Item == "" {
		t.Errorf("listing preview: %d items, selectors %+v", len(items), s.Selectors)
	}
	items, err = ss.Preview(e.ctx, &communique.Source{URL: o.URL + "/", Kind: communique.KindHTML, Selectors: &listingSelectors})
	if err != nil || len(items) != 5 {
		t.Errorf("listing preview with selectors: %d items, %v", len(items), err)
	}
	items, err = ss.Preview(e.ctx, &communique.Source{URL: o.URL + "/sitemap-news.xml", Kind: communique.KindSitemap})
	if err != nil || len(items) != 1 || items[0].Title != "One" {
		t.Errorf("sitemap preview: %+v, %v", items, err)
	}
	items, err = ss.Preview(e.ctx, &communique.Source{URL: o.URL + "/press/feed.xml"})
	if err != nil || len(items) != 3 {
		t.Errorf("feed preview: %d items, %v", len(items), err)
	}
	if _, err := ss.Preview(e.ctx, &communique.Source{URL: o.URL + "/", Kind: communique.KindHTML, Selectors: &communique.Selectors{Item: "div.nothing"}}); communique.ErrorCode(err) != communique.EINVALID {
		t.Errorf("preview with selectors matching nothing: %v", err)
	}

	if all, err := e.store.Sources(e.ctx); err != nil || len(all) != 0 {
		t.Errorf("preview stored sources: %d, %v", len(all), err)
	}
	if len(e.releases()) != 0 {
		t.Error("preview stored releases")
	}
}

func TestAddSourceUnreachableKeptAsGiven(t *testing.T) {
	e := newEnv(t, "www.gov.example")
	o := site(e)
	o.status("/down.xml", 503)
	ss := &Sources{P: e.p}
	for _, u := range []string{o.URL + "/down.xml", "http://offline.example/feed.xml"} {
		s := &communique.Source{URL: u}
		if err := ss.AddSource(e.ctx, s); err != nil {
			t.Errorf("%s: %v", u, err)
			continue
		}
		if s.Kind != communique.KindFeed || s.URL != u || e.source(s.ID).URL != u {
			t.Errorf("%s stored as %q %q", u, s.Kind, s.URL)
		}
	}
}
