package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/search"
	"github.com/communique-news/communique/sqlite"
)

// storeSources is the Sources a site needs in a test over a real store:
// add, remove and a recorded poll, without the pipeline's discovery.
type storeSources struct {
	st     communique.Store
	polled []int64
}

func (s *storeSources) AddSource(ctx context.Context, src *communique.Source) error {
	if src.Kind == "" {
		src.Kind = communique.KindFeed
	}
	if src.Licence == "" {
		src.Licence = communique.LicenceFull
	}
	return s.st.CreateSource(ctx, src)
}
func (s *storeSources) RemoveSource(ctx context.Context, id int64) error {
	return s.st.DeleteSource(ctx, id)
}
func (s *storeSources) PollNow(ctx context.Context, id int64) error {
	if _, err := s.st.Source(ctx, id); err != nil {
		return err
	}
	s.polled = append(s.polled, id)
	return nil
}

// seedRelease reads the seed corpus's NATO release (title, organisation,
// paragraphs, republisher footer) into a Release, or skips.
func seedRelease(t *testing.T) *communique.Release {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "shared", "corpus", "seed", "nato-iraq-2025-09-08.mirage.txt"))
	if err != nil {
		t.Skipf("seed corpus absent (../../shared/corpus/seed): %v", err)
	}
	paras := strings.Split(strings.TrimSpace(string(b)), "\n\n")
	var body []string
	for _, p := range paras[2:] {
		if strings.HasPrefix(p, "/Public Release.") {
			break
		}
		body = append(body, strings.TrimSpace(p))
	}
	var h strings.Builder
	for _, p := range body {
		h.WriteString("<p>" + html.EscapeString(p) + "</p>")
	}
	text := strings.Join(body, "\n\n")
	return &communique.Release{
		URL: "https://www.nato.int/cps/en/natohq/news_237412.htm", Organization: strings.TrimSpace(paras[1]), Country: "BE",
		Title: strings.TrimSpace(paras[0]), Language: "en",
		Published: time.Date(2025, 9, 8, 10, 0, 0, 0, time.UTC), Retrieved: time.Date(2025, 9, 8, 11, 0, 0, 0, time.UTC),
		Lede: body[0], HTML: h.String(), Text: text, WordCount: len(strings.Fields(text)), Licence: communique.LicenceFull,
		ContentHash: "seed",
	}
}

// storeSite opens a real SQLite store in a temporary directory, fills it
// with sources of every licence and releases, and serves it with the real
// query parser.
func storeSite(t *testing.T) (*testSite, communique.Store, *communique.Release) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "communique.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var st communique.Store = db

	srcs := []*communique.Source{
		{Kind: communique.KindFeed, URL: "https://www.nato.int/cps/rss/en/natohq/rssFeed.xml", Title: "NATO news", Organization: "NATO", Country: "BE", Licence: communique.LicenceFull},
		{Kind: communique.KindHTML, URL: "https://press.un.org/en/content/press-release", Organization: "United Nations", Licence: communique.LicenceSummary,
			Selectors: &communique.Selectors{Item: ".views-row", Link: "a"}},
		{Kind: communique.KindSitemap, URL: "https://www.icrc.org/sitemap.xml", Organization: "ICRC", Licence: communique.LicenceLink},
		{Kind: communique.KindFeed, URL: "https://www.miragenews.com/feed/", Organization: "Mirage News", Licence: communique.LicenceFull},
	}
	for _, s := range srcs {
		if err := st.CreateSource(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.RecordPoll(ctx, srcs[0].ID, communique.PollState{LastFetch: t0, LastSuccess: t0, LastStatus: 200, NextPoll: t0.Add(15 * time.Minute), Interval: 15 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordPoll(ctx, srcs[1].ID, communique.PollState{LastFetch: t0, LastSuccess: t0.Add(-48 * time.Hour), LastStatus: 503, LastError: "HTTP 503 Service Unavailable", ConsecutiveErrors: 4, NextPoll: t0.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}

	seed := seedRelease(t)
	seed.SourceID = srcs[0].ID
	mk := func(src *communique.Source, n int, title, lede string, published time.Time) *communique.Release {
		body := lede + " " + strings.Repeat("Further paragraphs of the release follow here. ", 5)
		return &communique.Release{
			SourceID: src.ID, URL: fmt.Sprintf("%snews/%d", originSite(src.URL), n), Organization: src.Organization, Country: src.Country,
			Title: title, Language: "en", Published: published, Retrieved: published.Add(time.Hour),
			Lede: lede, HTML: "<p>" + html.EscapeString(body) + "</p>", Text: body, WordCount: len(strings.Fields(body)),
			Licence: src.Licence, ContentHash: fmt.Sprintf("h%d", n), Fingerprint: uint64(n) << 20,
		}
	}
	rels := []*communique.Release{
		seed,
		mk(srcs[0], 2, "Allies agree new defence plans", "Allies agreed new defence plans on Monday in Brussels.", t0.Add(-24*time.Hour)),
		mk(srcs[1], 3, "Security Council extends mission in Iraq", "The Security Council today extended the mandate of its mission in Iraq.", t0.Add(-48*time.Hour)),
		mk(srcs[2], 4, "ICRC visits detainees in Iraq", "LINKONLY The ICRC visited detainees in Iraq.", t0.Add(-72*time.Hour)),
		mk(srcs[0], 5, `<script>alert("x")</script> Ministers meet`, `<img src=x onerror=alert(1)> Ministers met.`, t0.Add(-96*time.Hour)),
	}
	for _, r := range rels {
		if err := st.CreateRelease(ctx, r); err != nil {
			t.Fatalf("CreateRelease %s: %v", r.URL, err)
		}
	}
	if err := st.AddCopy(ctx, &communique.Copy{ReleaseID: seed.ID, SourceID: srcs[3].ID, URL: "https://www.miragenews.com/nato-chief-welcomes-iraqi-prime-minister/", Publisher: "Mirage News", FirstSeen: t0}); err != nil {
		t.Fatal(err)
	}
	revised := *rels[1]
	revised.Text += " A correction."
	revised.HTML += "<p>A correction.</p>"
	revised.ContentHash = "h2b"
	revised.Updated = t0.Add(-2 * time.Hour)
	if err := st.ReviseRelease(ctx, &revised); err != nil {
		t.Fatal(err)
	}

	src := &storeSources{st: st}
	h, err := New(Config{
		Store: st, Sources: src, Parse: search.Parse, AdminToken: testToken,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:    func() time.Time { return t0.Add(3 * time.Hour) },
	})
	if err != nil {
		t.Fatal(err)
	}
	return &testSite{h: h}, st, seed
}

// TestWithSQLiteStore runs the site over the real SQLite store: every page,
// the feeds through two independent parsers, search, and the API.
func TestWithSQLiteStore(t *testing.T) {
	ts, st, seed := storeSite(t)

	home := ts.get(t, "/")
	if home.Code != 200 {
		t.Fatalf("home: %d %s", home.Code, home.Body)
	}
	body := home.Body.String()
	mustContain(t, "home", body, "NATO Chief Welcomes Iraqi Prime Minister", "Security Council extends mission in Iraq", "ICRC visits detainees in Iraq")
	mustNotContain(t, "home", body, "LINKONLY", "<script>", "<img src=x")

	rel := ts.get(t, releasePath(seed.ID))
	if rel.Code != 200 {
		t.Fatalf("seed release: %d", rel.Code)
	}
	body = rel.Body.String()
	mustContain(t, "seed release page", body, `<link rel="canonical" href="`+seed.URL+`">`, "View the original at", "Mark Rutte",
		"strengthening engagement with partners.", "Also published by", "Mirage News", `href="/org/NATO"`)
	mustNotContain(t, "seed release page", body, "Mirage.News does not take institutional positions")

	rec := ts.get(t, "/releases/2")
	mustContain(t, "revised release", rec.Body.String(), "Updated</dt>", "A correction.")
	rec = ts.get(t, "/releases/2/revisions")
	mustContain(t, "revisions", rec.Body.String(), "Revision 2", "<ins>A correction.</ins>")

	mustContain(t, "org page", ts.get(t, "/org/NATO").Body.String(), "NATO Chief Welcomes", "Allies agree new defence plans")
	mustContain(t, "source page", ts.get(t, "/sources/2").Body.String(), "HTTP 503 Service Unavailable", "HTTP status</dt><dd>503", "Security Council extends",
		"Releases</dt><dd>1<") // counted for the page (the store's Source does not count)
	mustContain(t, "source in the API", ts.get(t, "/api/v1/sources/2").Body.String(), `"releases": 1,`)
	mustContain(t, "sources", ts.get(t, "/sources").Body.String(), "NATO news", "health-failing", "health-ok")

	// Search, with highlighted snippets, facets and feeds of itself.
	rec = ts.get(t, "/search?q="+url.QueryEscape("al-Sudani"))
	if rec.Code != 200 {
		t.Fatalf("search: %d %s", rec.Code, rec.Body)
	}
	body = rec.Body.String()
	mustContain(t, "search al-Sudani", body, "NATO Chief Welcomes", "<mark>", "Organisation")
	rec = ts.get(t, "/search?q=iraq+-nato")
	mustContain(t, "search iraq -nato", rec.Body.String(), "Security Council extends")
	mustNotContain(t, "search iraq -nato", rec.Body.String(), "NATO Chief Welcomes", "LINKONLY")
	if rec := ts.get(t, "/search?q="+url.QueryEscape(`"iraq`)); rec.Code != 400 {
		t.Errorf("bad query: %d", rec.Code)
	}

	// Feeds of every listing parse, in every format, with the attribution.
	var exts []string
	var bodies [][]byte
	for _, l := range []string{"/feed", "/org/NATO/feed", "/sources/1/feed", "/search/feed"} {
		for _, f := range feedFormats {
			path := l + "." + f.ext
			if l == "/search/feed" {
				path += "?q=iraq"
			}
			rec := ts.get(t, path)
			if rec.Code != 200 {
				t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
			}
			parsed, err := gofeed.NewParser().Parse(bytes.NewReader(rec.Body.Bytes()))
			if err != nil {
				t.Fatalf("%s: gofeed: %v", path, err)
			}
			if len(parsed.Items) == 0 {
				t.Errorf("%s: no items", path)
			}
			for _, it := range parsed.Items {
				if len(it.Authors) == 0 || it.Authors[0].Name == "" || it.PublishedParsed == nil {
					t.Errorf("%s: item %q lacks originator or date", path, it.Title)
				}
			}
			mustNotContain(t, path, rec.Body.String(), "LINKONLY")
			exts = append(exts, f.ext)
			bodies = append(bodies, rec.Body.Bytes())
		}
	}
	t.Run("feedparser", func(t *testing.T) {
		for i, r := range runFeedparser(t, exts, bodies) {
			if r.Bozo || r.Version != feedparserVersion[exts[i]] || len(r.Entries) == 0 {
				t.Errorf("feed %d (%s): bozo %v %s, version %q, %d entries", i, exts[i], r.Bozo, r.Exception, r.Version, len(r.Entries))
			}
		}
	})

	// The API pages through the store with its cursors.
	seen := map[int64]bool{}
	next := "/api/v1/releases?limit=2"
	for pages := 0; next != ""; pages++ {
		if pages > 10 {
			t.Fatal("API pagination does not end")
		}
		rec := ts.get(t, next)
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", next, rec.Code, rec.Body)
		}
		out := decode[releasesResponse](t, rec.Body.Bytes())
		for _, r := range out.Releases {
			if seen[r.ID] {
				t.Errorf("release %d twice", r.ID)
			}
			seen[r.ID] = true
			if r.URL == "" || r.Permalink == "" || r.Organization == "" || r.Published.IsZero() || r.Retrieved.IsZero() {
				t.Errorf("release %d lacks attribution: %+v", r.ID, r)
			}
		}
		next = ""
		if out.Next != "" {
			next = "/api/v1/releases?limit=2&cursor=" + url.QueryEscape(out.Next)
		}
	}
	if len(seen) != 5 {
		t.Errorf("API listed %d releases, want 5", len(seen))
	}
	out := decode[releasesResponse](t, ts.get(t, "/api/v1/releases?q=iraq").Body.Bytes())
	if len(out.Releases) == 0 || len(out.Facets) == 0 {
		t.Errorf("API search: %d releases, facets %s", len(out.Releases), out.Facets)
	}
	one := decode[map[string]any](t, ts.get(t, fmt.Sprintf("/api/v1/releases/%d", seed.ID)).Body.Bytes())
	if copies, _ := one["copies"].([]any); len(copies) != 1 || one["html"] == nil {
		t.Errorf("API seed release: copies %v, html %v", one["copies"], one["html"] != nil)
	}

	// Writes through the API reach the store.
	auth := []string{"Authorization", "Bearer " + testToken, "Content-Type", "application/json"}
	rec = ts.do(t, "POST", "/api/v1/sources", strings.NewReader(`{"url":"https://www.who.int/rss-feeds/news-english.xml","organization":"WHO","licence":"summary"}`), auth...)
	if rec.Code != http.StatusCreated {
		t.Fatalf("add source: %d %s", rec.Code, rec.Body)
	}
	created := decode[map[string]any](t, rec.Body.Bytes())
	id := int64(created["id"].(float64))
	if s, err := st.Source(context.Background(), id); err != nil || s.Organization != "WHO" || s.Licence != communique.LicenceSummary {
		t.Errorf("stored source %+v, %v", s, err)
	}
	if rec := ts.do(t, "POST", "/api/v1/sources", strings.NewReader(`{"url":"https://www.who.int/rss-feeds/news-english.xml"}`), auth...); rec.Code != http.StatusConflict {
		t.Errorf("adding it twice: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.get(t, "/org/WHO"); rec.Code != 200 {
		t.Errorf("the page of an organisation with a source and no release: %d", rec.Code)
	}
	if rec := ts.do(t, "DELETE", fmt.Sprintf("/api/v1/sources/%d", id), nil, auth...); rec.Code != http.StatusNoContent {
		t.Errorf("delete: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.get(t, fmt.Sprintf("/api/v1/sources/%d", id)); rec.Code != 404 {
		t.Errorf("deleted source: %d", rec.Code)
	}
	var list struct {
		Sources []map[string]any `json:"sources"`
	}
	if err := json.Unmarshal(ts.get(t, "/api/v1/sources").Body.Bytes(), &list); err != nil || len(list.Sources) != 4 {
		t.Errorf("sources: %d, %v", len(list.Sources), err)
	}
}
