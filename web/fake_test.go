package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/communique-news/communique"
)

// fakeStore is the few Store methods the web layer reads, over slices.
// Methods it does not override panic through the nil embedded interface.
type fakeStore struct {
	communique.Store
	mu        sync.Mutex
	releases  []*communique.Release
	sources   []*communique.Source
	revisions []communique.Revision
	fail      error // returned by every method when set
}

func (f *fakeStore) Release(ctx context.Context, id int64) (*communique.Release, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	for _, r := range f.releases {
		if r.ID == id {
			c := *r
			return &c, nil
		}
	}
	return nil, communique.Errorf(communique.ENOTFOUND, "release %d not found", id)
}

func (f *fakeStore) Revisions(ctx context.Context, id int64) ([]communique.Revision, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	var out []communique.Revision
	for _, r := range f.revisions {
		if r.ReleaseID == id {
			out = append(out, r)
		}
	}
	return out, nil
}

func (f *fakeStore) Source(ctx context.Context, id int64) (*communique.Source, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.sources {
		if s.ID == id {
			c := *s
			c.Releases = 0
			return &c, nil
		}
	}
	return nil, communique.Errorf(communique.ENOTFOUND, "source %d not found", id)
}

// CountSourceReleases gives the counts the test stored in Releases, which
// Source and Sources leave 0 as the stores do.
func (f *fakeStore) CountSourceReleases(ctx context.Context, srcs []*communique.Source) error {
	if f.fail != nil {
		return f.fail
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range srcs {
		s.Releases = 0
		for _, stored := range f.sources {
			if stored.ID == s.ID {
				s.Releases = stored.Releases
			}
		}
	}
	return nil
}

func (f *fakeStore) Sources(ctx context.Context) ([]*communique.Source, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]*communique.Source, len(f.sources))
	for i, s := range f.sources {
		c := *s
		c.Releases = 0
		out[i] = &c
	}
	return out, nil
}

func (f *fakeStore) Organizations(ctx context.Context) ([]communique.FacetCount, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	n := map[string]int{}
	for _, r := range f.releases {
		n[r.Organization]++
	}
	return communique.TopFacets(n, 0, false), nil
}

// Releases filters by organisation, source and dates, matches the words of
// an OpTerm tree anywhere in title or text, and pages by offset.
func (f *fakeStore) Releases(ctx context.Context, q communique.Query) (*communique.ResultPage, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	var words []string
	var field *communique.Node
	if q.Text != nil && q.Text.Op == communique.OpField {
		field = q.Text
	} else if q.Text != nil {
		words = strings.Fields(strings.ToLower(q.Text.Text))
	}
	var hits []*communique.Release
	for _, r := range f.releases {
		if q.Organization != "" && r.Organization != q.Organization ||
			q.SourceID != 0 && r.SourceID != q.SourceID ||
			q.StoryID != 0 && r.StoryID != q.StoryID ||
			field != nil && !fieldMatch(r, field) ||
			!q.Since.IsZero() && r.Published.Before(q.Since) ||
			!q.Until.IsZero() && !r.Published.Before(q.Until) {
			continue
		}
		ok := true
		if len(words) > 0 {
			hay := strings.ToLower(r.Title + " " + r.Text)
			for _, w := range words {
				ok = ok && strings.Contains(hay, w)
			}
		}
		if ok {
			hits = append(hits, r)
		}
	}
	slices.SortStableFunc(hits, func(a, b *communique.Release) int { return b.Published.Compare(a.Published) })
	page := &communique.ResultPage{Total: len(hits)}
	if q.Facets {
		page.Facets = &communique.Facets{}
		orgs, langs, months := map[string]int{}, map[string]int{}, map[string]int{}
		for _, r := range hits {
			orgs[r.Organization]++
			langs[r.Language]++
			months[r.Published.Format("2006-01")]++
		}
		page.Facets.Organizations = communique.TopFacets(orgs, 0, false)
		page.Facets.Languages = communique.TopFacets(langs, 0, false)
		page.Facets.Months = communique.TopFacets(months, 0, false)
		countries := map[string]int{}
		for _, r := range hits {
			for _, c := range releaseCountries(r) {
				countries[c]++
			}
		}
		page.Facets.Countries = communique.TopFacets(countries, 0, false)
	}
	off := 0
	if q.Cursor != "" {
		n, err := strconv.Atoi(q.Cursor)
		if err != nil {
			return nil, communique.Errorf(communique.EINVALID, "bad cursor")
		}
		off = min(n, len(hits))
	}
	limit := q.Limit
	if limit == 0 {
		limit = 50
	}
	end := min(off+limit, len(hits))
	for _, r := range hits[off:end] {
		c := *r
		c.HTML, c.Text = r.HTML, r.Text
		page.Releases = append(page.Releases, &c)
	}
	if end < len(hits) {
		page.Next = strconv.Itoa(end)
	}
	if len(words) > 0 {
		page.Snippets = map[int64]string{}
		for _, r := range page.Releases {
			s := r.Lede
			for _, w := range words {
				if i := strings.Index(strings.ToLower(s), w); i >= 0 {
					s = s[:i] + "\x02" + s[i:i+len(w)] + "\x03" + s[i+len(w):]
				}
			}
			page.Snippets[r.ID] = s
		}
	}
	return page, nil
}

// fieldMatch is the store's field filter, as sqlite implements it: org
// matches the originating organisation or one the release names (name or
// acronym), person a person it names, country a country it names; all
// case-insensitively.
func fieldMatch(r *communique.Release, n *communique.Node) bool {
	v := strings.ToLower(strings.TrimSpace(n.Text))
	eq := func(s string) bool { return s != "" && strings.ToLower(s) == v }
	e := r.Entities
	if e == nil {
		e = &communique.Entities{}
	}
	switch n.Field {
	case "org":
		if eq(r.Organization) {
			return true
		}
		for _, o := range e.Organizations {
			if eq(o.Name) || eq(o.Acronym) {
				return true
			}
		}
	case "person":
		for _, p := range e.People {
			if eq(p.Name) {
				return true
			}
		}
	case "country":
		for _, c := range releaseCountries(r) {
			if eq(c) {
				return true
			}
		}
	}
	return false
}

// releaseCountries are the ISO codes a release names, upper case, unique.
func releaseCountries(r *communique.Release) []string {
	if r.Entities == nil {
		return nil
	}
	var out []string
	add := func(c string) {
		c = strings.ToUpper(c)
		if c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	for _, c := range r.Entities.Countries {
		add(c)
	}
	for _, p := range r.Entities.Places {
		if p.Kind == communique.PlaceCountry {
			add(p.Country)
		}
	}
	return out
}

// fakeSources records the changes the site asks for.
type fakeSources struct {
	store   *fakeStore
	mu      sync.Mutex
	added   []*communique.Source
	removed []int64
	polled  []int64
}

func (f *fakeSources) AddSource(ctx context.Context, s *communique.Source) error {
	f.store.mu.Lock()
	defer f.store.mu.Unlock()
	for _, x := range f.store.sources {
		if x.URL == s.URL {
			return communique.Errorf(communique.ECONFLICT, "a source with URL %s already exists (ID %d)", s.URL, x.ID)
		}
	}
	if s.Licence == "" {
		s.Licence = communique.LicenceFull
	}
	if s.Kind == "" {
		s.Kind = communique.KindFeed
	}
	s.ID = int64(len(f.store.sources) + 1)
	f.store.sources = append(f.store.sources, s)
	f.mu.Lock()
	f.added = append(f.added, s)
	f.mu.Unlock()
	return nil
}

func (f *fakeSources) RemoveSource(ctx context.Context, id int64) error {
	f.store.mu.Lock()
	defer f.store.mu.Unlock()
	i := slices.IndexFunc(f.store.sources, func(s *communique.Source) bool { return s.ID == id })
	if i < 0 {
		return communique.Errorf(communique.ENOTFOUND, "source %d not found", id)
	}
	f.store.sources = slices.Delete(f.store.sources, i, i+1)
	f.mu.Lock()
	f.removed = append(f.removed, id)
	f.mu.Unlock()
	return nil
}

func (f *fakeSources) PollNow(ctx context.Context, id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.polled = append(f.polled, id)
	return nil
}

// posError is a parse error with a position, as the search package gives.
type posError struct {
	pos       int
	msg, hint string
}

func (e *posError) Error() string {
	return fmt.Sprintf("%s at position %d (%s)", e.msg, e.pos, e.hint)
}
func (e *posError) Position() int { return e.pos }

// testParse reads a query as a bag of words; an unclosed quote is an error
// at its position, as search.Parse reports it.
func testParse(q string, now time.Time) (communique.Query, error) {
	if i := strings.IndexByte(q, '"'); i >= 0 && strings.Count(q, `"`)%2 == 1 {
		return communique.Query{}, &posError{pos: i, msg: "unclosed quote", hint: `close the phrase with "`}
	}
	return communique.Query{Text: &communique.Node{Op: communique.OpTerm, Text: strings.ReplaceAll(q, `"`, "")}}, nil
}

const testToken = "s3cret-admin-token"

var t0 = time.Date(2025, 9, 8, 12, 0, 0, 0, time.UTC)

// fixture is a small newswire: NATO releases under each licence, one with
// copies, one revised, one with hostile text.
func fixture() *fakeStore {
	st := &fakeStore{}
	st.sources = []*communique.Source{
		{ID: 1, Kind: communique.KindFeed, URL: "https://www.nato.int/cps/rss/en/natohq/rssFeed.xsl/rssFeed.xml", Title: "NATO news", Organization: "NATO", Country: "BE", Licence: communique.LicenceFull, Releases: 3,
			State: communique.PollState{LastFetch: t0, LastSuccess: t0, LastStatus: 200, NextPoll: t0.Add(15 * time.Minute), Interval: 15 * time.Minute}},
		{ID: 2, Kind: communique.KindHTML, URL: "https://press.un.org/en/content/press-release", Organization: "United Nations", Licence: communique.LicenceSummary, Releases: 1,
			State: communique.PollState{LastFetch: t0, LastSuccess: t0.Add(-48 * time.Hour), LastStatus: 503, LastError: "HTTP 503 Service Unavailable", ConsecutiveErrors: 4, NextPoll: t0.Add(2 * time.Hour)}},
		{ID: 3, Kind: communique.KindSitemap, URL: "https://www.icrc.org/sitemap.xml", Organization: "ICRC/CICR", Licence: communique.LicenceLink},
	}
	st.releases = []*communique.Release{
		{ID: 1, SourceID: 1, URL: "https://www.nato.int/cps/en/natohq/news_237412.htm", Organization: "NATO", Country: "BE",
			Title: "NATO Chief Welcomes Iraqi Prime Minister", Language: "en",
			Published: t0, Retrieved: t0.Add(time.Hour), Updated: t0.Add(time.Hour),
			Lede:      "Secretary General Mark Rutte welcomed Prime Minister Mohammed Shia' al-Sudani of Iraq to NATO Headquarters.",
			HTML:      "<p>Secretary General Mark Rutte welcomed Prime Minister Mohammed Shia' al-Sudani of Iraq.</p><p>They discussed NATO Mission Iraq.</p>",
			Text:      "Secretary General Mark Rutte welcomed Prime Minister Mohammed Shia' al-Sudani of Iraq.\n\nThey discussed NATO Mission Iraq.",
			WordCount: 18, Licence: communique.LicenceFull, Revisions: 1,
			Entities: &communique.Entities{
				People:        []communique.Person{{Name: "Mark Rutte", Title: "Secretary General", Affiliation: "NATO"}, {Name: `Mohammed Shia' al-Sudani`, Title: "Prime Minister"}},
				Organizations: []communique.Organization{{Name: "NATO Mission Iraq", Acronym: "NMI"}},
				Places:        []communique.Place{{Name: "Iraq", Kind: communique.PlaceCountry, Country: "IQ"}, {Name: "Middle East", Kind: communique.PlaceRegion}},
			},
			Copies: []communique.Copy{{ID: 1, ReleaseID: 1, SourceID: 9, URL: "https://www.miragenews.com/nato-chief-welcomes-iraqi-prime-minister/", Publisher: "Mirage News", FirstSeen: t0.Add(2 * time.Hour)}}},
		{ID: 2, SourceID: 1, URL: "https://www.nato.int/cps/en/natohq/news_237500.htm", Organization: "NATO", Country: "BE",
			Title: "Allies agree new defence plans", Language: "en",
			Published: t0.Add(-24 * time.Hour), Retrieved: t0.Add(-23 * time.Hour), Updated: t0.Add(-2 * time.Hour),
			Lede: "Allies agreed new defence plans on Monday.", HTML: "<p>Allies agreed new defence plans on Monday.</p>", Text: "Allies agreed new defence plans on Monday.",
			WordCount: 7, Licence: communique.LicenceFull, Revisions: 2},
		{ID: 3, SourceID: 2, URL: "https://press.un.org/en/2025/sc15000.doc.htm", Organization: "United Nations",
			Title: "Security Council extends mission in Iraq", Language: "en",
			Published: t0.Add(-48 * time.Hour), Retrieved: t0.Add(-47 * time.Hour), Updated: t0.Add(-47 * time.Hour),
			Lede: "The Security Council today extended the mandate of its mission in Iraq.", HTML: "<p>SUMMARY-ONLY-BODY The Council extended the mandate.</p>", Text: "SUMMARY-ONLY-BODY The Council extended the mandate.",
			WordCount: 12, Licence: communique.LicenceSummary, Revisions: 1},
		{ID: 4, SourceID: 3, URL: "https://www.icrc.org/en/document/iraq-detention-visits", Organization: "ICRC/CICR",
			Title: "ICRC visits detainees in Iraq", Language: "en",
			Published: t0.Add(-72 * time.Hour), Retrieved: t0.Add(-71 * time.Hour), Updated: t0.Add(-71 * time.Hour),
			Lede: "LINK-ONLY-LEDE The ICRC visited detainees.", HTML: "<p>LINK-ONLY-BODY</p>", Text: "LINK-ONLY-BODY",
			WordCount: 3, Licence: communique.LicenceLink, Revisions: 1},
		{ID: 5, SourceID: 1, URL: "https://www.nato.int/cps/en/natohq/news_237600.htm?a=1&b=2", Organization: "NATO",
			Title: `<script>alert("title")</script> & "quotes"`, Language: "en",
			Published: t0.Add(-96 * time.Hour), Retrieved: t0.Add(-95 * time.Hour), Updated: t0.Add(-95 * time.Hour),
			Lede: `<img src=x onerror=alert(1)> lede`, HTML: `<p>Body</p><script>alert("body")</script><a href="javascript:alert(1)">x</a><img src="https://www.nato.int/a.jpg" onerror="alert(2)">`,
			Text: "Body", WordCount: 1, Licence: communique.LicenceFull, Revisions: 1},
	}
	st.revisions = []communique.Revision{
		{ID: 1, ReleaseID: 2, Number: 1, Title: "Allies agree defence plans", Text: "Allies agreed defence plans on Monday.", Retrieved: t0.Add(-23 * time.Hour)},
		{ID: 2, ReleaseID: 2, Number: 2, Title: "Allies agree new defence plans", Text: "Allies agreed new defence plans on Monday.", Retrieved: t0.Add(-2 * time.Hour)},
		{ID: 3, ReleaseID: 3, Number: 1, Title: "Security Council extends mission in Iraq", Text: "SUMMARY-ONLY-BODY v1", Retrieved: t0.Add(-47 * time.Hour)},
		{ID: 4, ReleaseID: 3, Number: 2, Title: "Security Council extends mission in Iraq", Text: "SUMMARY-ONLY-BODY v2", Retrieved: t0.Add(-40 * time.Hour)},
	}
	return st
}

type testSite struct {
	h       http.Handler
	store   *fakeStore
	sources *fakeSources
}

func newTestSite(t testing.TB, st *fakeStore, opts ...func(*Config)) *testSite {
	t.Helper()
	src := &fakeSources{store: st}
	cfg := Config{
		Store:      st,
		Sources:    src,
		Parse:      testParse,
		AdminToken: testToken,
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:        func() time.Time { return t0.Add(3 * time.Hour) },
	}
	for _, o := range opts {
		o(&cfg)
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &testSite{h: h, store: st, sources: src}
}

// do runs one request through the site.
func (ts *testSite) do(t testing.TB, method, target string, body io.Reader, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, body)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	ts.h.ServeHTTP(rec, req)
	return rec
}

func (ts *testSite) get(t testing.TB, target string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	return ts.do(t, "GET", target, nil, hdr...)
}

func formBody(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}

// Discover lists fixed candidates for example.org and nothing elsewhere.
func (f *fakeSources) Discover(ctx context.Context, pageURL string) ([]communique.FeedCandidate, error) {
	if !strings.HasPrefix(pageURL, "https://www.example.org") {
		return nil, communique.Errorf(communique.EINVALID, "fetching %s: no such host", pageURL)
	}
	return []communique.FeedCandidate{
		{URL: "https://www.example.org/feed.xml", Kind: communique.KindFeed, Title: "Example <news>", Why: "advertised by the page"},
		{URL: "https://www.example.org/sitemap-news.xml", Kind: communique.KindSitemap, Why: "named in robots.txt"},
	}, nil
}
