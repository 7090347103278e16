package demo

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/mmcdole/gofeed"
)

func newOrigin(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(Handler())
	t.Cleanup(srv.Close)
	return srv
}

// get fetches u with the extra headers and returns the response and body.
func get(t *testing.T, u string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// checkRelease fetches a release page and checks that it is a page whose
// main heading is the title the feed, listing or sitemap gave.
func checkRelease(t *testing.T, u, title string) {
	t.Helper()
	res, body := get(t, u, nil)
	if res.StatusCode != http.StatusOK {
		t.Errorf("%s: status %d", u, res.StatusCode)
		return
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("%s: Content-Type %q", u, ct)
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if h1 := strings.TrimSpace(doc.Find("h1").First().Text()); h1 != title {
		t.Errorf("%s: heading %q, the source said %q", u, h1, title)
	}
}

// feedItems parses every feed of the origin and returns the items by
// link, with the feed that carries each.
func feedItems(t *testing.T, srv *httptest.Server) map[string]string {
	t.Helper()
	links := map[string]string{}
	for _, f := range Feeds() {
		if f.Kind != "feed" {
			continue
		}
		_, body := get(t, srv.URL+f.Path, nil)
		feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		for _, it := range feed.Items {
			links[it.Link] = f.Path
		}
	}
	return links
}

func TestFeedsParse(t *testing.T) {
	srv := newOrigin(t)
	wantType := map[string]string{"rss": "application/rss+xml", "atom": "application/atom+xml", "json": "application/feed+json"}
	types := map[string]int{}
	orgs := map[string]bool{}
	for _, f := range Feeds() {
		if f.Kind != "feed" {
			continue
		}
		res, body := get(t, srv.URL+f.Path, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", f.Path, res.StatusCode)
		}
		feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s does not parse: %v", f.Path, err)
		}
		types[feed.FeedType]++
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, wantType[feed.FeedType]) {
			t.Errorf("%s: %s feed served as %q", f.Path, feed.FeedType, ct)
		}
		if f.Organization == "" || f.Licence == "" {
			t.Errorf("%s: no organisation or licence", f.Path)
		}
		orgs[f.Organization] = true
		if len(feed.Items) == 0 {
			t.Errorf("%s: no items", f.Path)
		}
		for _, it := range feed.Items {
			if it.GUID == "" || it.PublishedParsed == nil || it.Description == "" || it.Title == "" {
				t.Errorf("%s: item %q lacks a GUID, a date, a title or a summary", f.Path, it.Link)
			}
			if !strings.HasPrefix(it.Link, srv.URL+"/") {
				t.Errorf("%s: item link %q is not on the origin %s", f.Path, it.Link, srv.URL)
			}
			checkRelease(t, it.Link, it.Title)
		}
	}
	for _, ft := range []string{"rss", "atom", "json"} {
		if types[ft] == 0 {
			t.Errorf("no %s feed", ft)
		}
	}
	if len(orgs) < 5 {
		t.Errorf("feeds from %d organisations, want at least 5", len(orgs))
	}
}

// TestSeedInTwoFeeds checks that the seed release is carried twice, the
// original and the republisher's copy, each by a different feed, so that
// the demo exercises de-duplication.
func TestSeedInTwoFeeds(t *testing.T) {
	srv := newOrigin(t)
	links := feedItems(t, srv)
	var orig, cp string
	for link, feed := range links {
		switch {
		case strings.HasSuffix(link, "/cps/en/natohq/news_237412.htm"):
			orig = feed
		case strings.HasPrefix(link, srv.URL+"/mirage/") && strings.Contains(link, "1529944"):
			cp = feed
		}
	}
	if orig == "" || cp == "" || orig == cp {
		t.Errorf("NATO original in feed %q, Mirage copy in feed %q: want both, in different feeds", orig, cp)
	}
}

// TestSeedFiles checks that the origin serves the seed files byte for byte
// and that they are the shared corpus's.
func TestSeedFiles(t *testing.T) {
	srv := newOrigin(t)
	shared := filepath.Join("..", "..", "shared", "corpus", "seed")
	sharedMissing := false
	if _, err := os.Stat(shared); err != nil {
		sharedMissing = true
	}
	for _, c := range []struct{ file, path string }{
		{"nato-original.html", "/nato/cps/en/natohq/news_237412.htm"},
		{"mirage-copy.html", "/mirage/nato-chief-welcomes-iraqi-prime-minister-1529944/"},
	} {
		embedded, err := siteFS.ReadFile("site/seed/" + c.file)
		if err != nil {
			t.Fatal(err)
		}
		_, served := get(t, srv.URL+c.path, nil)
		if !bytes.Equal(served, embedded) {
			t.Errorf("%s: served bytes differ from the embedded %s", c.path, c.file)
		}
		if sharedMissing {
			continue
		}
		want, err := os.ReadFile(filepath.Join(shared, c.file))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(embedded, want) {
			t.Errorf("site/seed/%s differs from %s: copy it again, byte for byte", c.file, filepath.Join(shared, c.file))
		}
	}
	if sharedMissing {
		t.Skipf("%s is absent: checked the served copies only, not against the shared corpus", shared)
	}
}

// TestReleasePages checks the pages the package writes itself: enough of
// them, each a full page of its originator's site, with its date in the
// site's own markup and the canonical URL on the requested host.
func TestReleasePages(t *testing.T) {
	srv := newOrigin(t)
	own, langs := 0, map[string]bool{}
	markups := map[string]int{}
	for _, r := range releases {
		if r.Static != "" {
			continue
		}
		own++
		res, body := get(t, srv.URL+r.Path, nil)
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", r.Path, res.StatusCode)
			continue
		}
		doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for _, sel := range []string{"nav a, .menu a", "footer", "h1", "title"} {
			if doc.Find(sel).Length() == 0 {
				t.Errorf("%s: no %q", r.Path, sel)
			}
		}
		if c, _ := doc.Find(`link[rel="canonical"]`).Attr("href"); c != srv.URL+r.Path {
			t.Errorf("%s: canonical %q, want %q", r.Path, c, srv.URL+r.Path)
		}
		if h1 := strings.TrimSpace(doc.Find("h1").First().Text()); h1 != r.Title {
			t.Errorf("%s: heading %q, want %q", r.Path, h1, r.Title)
		}
		paras := doc.Find("article p, main p, .post p").Length()
		if paras < 2 {
			t.Errorf("%s: %d paragraphs, want a real release", r.Path, paras)
		}
		if r.Original != "" {
			orig := srv.URL + theSite().byID[r.Original].Path
			if doc.Find(`a[href="`+orig+`"]`).Length() == 0 {
				t.Errorf("%s: a republished copy without a link to its original %s", r.Path, orig)
			}
		}
		lang, _ := doc.Find("html").Attr("lang")
		langs[lang] = true

		// The date, in whichever markup the site uses.
		pub, _ := time.Parse(time.RFC3339, r.Published)
		found := false
		if v, ok := doc.Find(`meta[property="article:published_time"]`).Attr("content"); ok {
			markups["meta"]++
			found = found || v == r.Published
		}
		doc.Find(`script[type="application/ld+json"]`).Each(func(_ int, s *goquery.Selection) {
			var ld struct {
				DatePublished string `json:"datePublished"`
			}
			if err := json.Unmarshal([]byte(s.Text()), &ld); err != nil {
				t.Errorf("%s: JSON-LD does not parse: %v", r.Path, err)
			}
			markups["json-ld"]++
			found = found || ld.DatePublished == r.Published
		})
		if v, ok := doc.Find("time[datetime]").Attr("datetime"); ok {
			markups["time"]++
			found = found || v == r.Published
		}
		text := doc.Find("body").Text()
		for _, s := range []string{pub.Format("2 January 2006"), pub.Format("02 Jan. 2006"), frenchDate(pub)} {
			if strings.Contains(text, s) {
				markups["text"]++
				found = true
				break
			}
		}
		if !found {
			t.Errorf("%s: the date %s appears in no markup", r.Path, r.Published)
		}
	}
	if own < 8 {
		t.Errorf("%d releases written for the demo, want at least 8", own)
	}
	if len(releases) < 10 {
		t.Errorf("%d releases, want at least 10", len(releases))
	}
	for _, m := range []string{"meta", "json-ld", "time", "text"} {
		if markups[m] == 0 {
			t.Errorf("no page gives its date as %s", m)
		}
	}
	if !langs["fr"] {
		t.Error("no release in French")
	}
}

// TestListing reads the HTML listing with the selectors Feeds gives, the
// way a subscriber would, following the pagination.
func TestListing(t *testing.T) {
	srv := newOrigin(t)
	inFeeds := feedItems(t, srv)
	var f Feed
	for _, x := range Feeds() {
		if x.Kind == "html" {
			f = x
		}
	}
	if f.Path == "" || f.Item == "" || f.Link == "" || f.Title == "" || f.Date == "" || f.Next == "" {
		t.Fatalf("no html listing with item, link, title, date and next selectors: %+v", f)
	}
	next, _ := url.Parse(srv.URL + f.Path)
	visited := map[string]bool{}
	items, notInFeeds := 0, 0
	for next != nil {
		if visited[next.String()] {
			t.Fatalf("pagination loops back to %s", next)
		}
		visited[next.String()] = true
		res, body := get(t, next.String(), nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", next, res.StatusCode)
		}
		doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if n := doc.Find(`link[rel="alternate"]`).Length(); n != 0 {
			t.Errorf("%s advertises %d feeds; the listing is meant to have none", next, n)
		}
		page := next
		doc.Find(f.Item).Each(func(_ int, s *goquery.Selection) {
			items++
			href, _ := s.Find(f.Link).Attr("href")
			u, err := page.Parse(href)
			if err != nil {
				t.Errorf("%s: item link %q: %v", page, href, err)
				return
			}
			title := strings.TrimSpace(s.Find(f.Title).Text())
			if d, _ := s.Find(f.Date).Attr("datetime"); d == "" {
				t.Errorf("%s: item %s has no date", page, u)
			} else if _, err := time.Parse(time.RFC3339, d); err != nil {
				t.Errorf("%s: item %s: date %q: %v", page, u, d, err)
			}
			if strings.TrimSpace(s.Find(f.Date).Text()) == "" {
				t.Errorf("%s: item %s shows no date", page, u)
			}
			checkRelease(t, u.String(), title)
			if inFeeds[u.String()] == "" {
				notInFeeds++
			}
		})
		next = nil
		if href, ok := doc.Find(f.Next).Attr("href"); ok {
			if next, err = page.Parse(href); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(visited) < 2 {
		t.Errorf("the listing has %d page(s), want pagination", len(visited))
	}
	if items == 0 || notInFeeds == 0 {
		t.Errorf("listing: %d items, %d not in any feed; want releases that only the listing leads to", items, notInFeeds)
	}
	if res, _ := get(t, srv.URL+f.Path+"?page=99", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("a page past the end: status %d, want 404", res.StatusCode)
	}
}

func TestSitemap(t *testing.T) {
	srv := newOrigin(t)
	inFeeds := feedItems(t, srv)
	var path string
	for _, f := range Feeds() {
		if f.Kind == "sitemap" {
			path = f.Path
		}
	}
	if path == "" {
		t.Fatal("no sitemap among the feeds")
	}
	res, body := get(t, srv.URL+path, nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "xml") {
		t.Fatalf("%s: status %d, type %q", path, res.StatusCode, res.Header.Get("Content-Type"))
	}
	const news = "http://www.google.com/schemas/sitemap-news/0.9"
	var doc struct {
		XMLName xml.Name `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
		URLs    []struct {
			Loc  string `xml:"loc"`
			News struct {
				Date  string `xml:"http://www.google.com/schemas/sitemap-news/0.9 publication_date"`
				Title string `xml:"http://www.google.com/schemas/sitemap-news/0.9 title"`
				Name  string `xml:"http://www.google.com/schemas/sitemap-news/0.9 publication>name"`
			} `xml:"http://www.google.com/schemas/sitemap-news/0.9 news"`
		} `xml:"url"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	_ = news
	notInFeeds := 0
	for _, u := range doc.URLs {
		if _, err := time.Parse(time.RFC3339, u.News.Date); err != nil || u.News.Title == "" || u.News.Name == "" {
			t.Errorf("%s: news:publication_date %q, title %q, name %q", u.Loc, u.News.Date, u.News.Title, u.News.Name)
		}
		checkRelease(t, u.Loc, u.News.Title)
		if inFeeds[u.Loc] == "" {
			notInFeeds++
		}
	}
	if len(doc.URLs) == 0 || notInFeeds == 0 {
		t.Errorf("sitemap: %d URLs, %d not in any feed", len(doc.URLs), notInFeeds)
	}
	_, robots := get(t, srv.URL+"/robots.txt", nil)
	if !strings.Contains(string(robots), "Sitemap: "+srv.URL+path) {
		t.Errorf("robots.txt does not name the sitemap:\n%s", robots)
	}
}

func TestConditionalGET(t *testing.T) {
	srv := newOrigin(t)
	paths := []string{"/robots.txt", "/nato/cps/en/natohq/news_237412.htm", releases[1].Path, "/nato/cps/en/natohq/news.htm?page=2", "/sitemap-news.xml"}
	for _, f := range Feeds() {
		paths = append(paths, f.Path)
	}
	for _, p := range paths {
		res, body := get(t, srv.URL+p, nil)
		etag, lm := res.Header.Get("ETag"), res.Header.Get("Last-Modified")
		if res.StatusCode != http.StatusOK || etag == "" || lm == "" || len(body) == 0 {
			t.Errorf("%s: status %d, ETag %q, Last-Modified %q", p, res.StatusCode, etag, lm)
			continue
		}
		if res, body := get(t, srv.URL+p, map[string]string{"If-None-Match": etag}); res.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Errorf("%s with If-None-Match: status %d, %d bytes; want 304 and none", p, res.StatusCode, len(body))
		}
		if res, _ := get(t, srv.URL+p, map[string]string{"If-Modified-Since": lm}); res.StatusCode != http.StatusNotModified {
			t.Errorf("%s with If-Modified-Since: status %d, want 304", p, res.StatusCode)
		}
		if res, _ := get(t, srv.URL+p, map[string]string{"If-None-Match": `"stale"`}); res.StatusCode != http.StatusOK {
			t.Errorf("%s with a stale ETag: status %d, want 200", p, res.StatusCode)
		}
	}
}

// TestHost checks that absolute URLs follow the request's Host, and that a
// Host that is not a host name is not written into pages.
func TestHost(t *testing.T) {
	h := Handler()
	for host, want := range map[string]string{
		"news.example:8443":        "http://news.example:8443/",
		"[::1]:8089":               "http://[::1]:8089/",
		`evil"><script>x</script>`: "http://localhost/",
		"a b":                      "http://localhost/",
	} {
		req := httptest.NewRequest(http.MethodGet, "/un/feed/subscribe/en/news/all/rss.xml", nil)
		req.Host = host
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		feed, err := gofeed.NewParser().ParseString(w.Body.String())
		if err != nil {
			t.Fatalf("Host %q: %v", host, err)
		}
		for _, it := range feed.Items {
			if !strings.HasPrefix(it.Link, want) {
				t.Errorf("Host %q: link %q, want it under %s", host, it.Link, want)
			}
		}
		if strings.Contains(w.Body.String(), "<script>") {
			t.Errorf("Host %q written into the feed", host)
		}
	}
}

func TestRoutes(t *testing.T) {
	srv := newOrigin(t)
	for _, c := range []struct {
		method, path string
		status       int
		location     string
	}{
		{"GET", "/", 200, ""},
		{"HEAD", "/who/news/feed.json", 200, ""},
		{"GET", "/nowhere", 404, ""},
		{"POST", "/robots.txt", 405, ""},
		{"GET", "/cps/en/natohq/news.htm", 301, "/nato/cps/en/natohq/news.htm"},
	} {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
		res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != c.status || res.Header.Get("Location") != c.location {
			t.Errorf("%s %s: %d %q, want %d %q", c.method, c.path, res.StatusCode, res.Header.Get("Location"), c.status, c.location)
		}
	}
}

func FuzzBaseURL(f *testing.F) {
	for _, s := range []string{"127.0.0.1:8089", "localhost", "[::1]:80", "a..b", `x"y`, "", "ex.com:99999", "é.example"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Host = host
		base := baseURL(req)
		u, err := url.Parse(base)
		if err != nil || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
			t.Fatalf("Host %q gave base %q (%v)", host, base, err)
		}
		if strings.ContainsAny(base, "\"'<> \t\r\n\\") {
			t.Fatalf("Host %q gave unsafe base %q", host, base)
		}
		if base != "http://localhost" && base != "http://"+host {
			t.Fatalf("Host %q gave base %q", host, base)
		}
	})
}

func BenchmarkReleasePage(b *testing.B) {
	h := Handler()
	req := httptest.NewRequest(http.MethodGet, releases[1].Path, nil)
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}

func BenchmarkRSSFeed(b *testing.B) {
	h := Handler()
	req := httptest.NewRequest(http.MethodGet, "/un/feed/subscribe/en/news/all/rss.xml", nil)
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}
