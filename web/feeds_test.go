package web

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"

	"github.com/communique-news/communique"
)

// feedPaths are every listing's feeds in the fixture.
var feedListings = []struct {
	base  string // path without extension
	query string
	want  []int64 // release IDs, newest first
}{
	{"/feed", "", []int64{1, 2, 3, 4, 5}},
	{"/org/NATO/feed", "", []int64{1, 2, 5}},
	{"/org/United%20Nations/feed", "", []int64{3}},
	{"/sources/1/feed", "", []int64{1, 2, 5}},
	{"/search/feed", "?q=iraq", []int64{1, 3, 4}},
}

func TestFeedsParseWithGofeed(t *testing.T) {
	ts := newTestSite(t, fixture())
	for _, l := range feedListings {
		for _, f := range feedFormats {
			path := l.base + "." + f.ext + l.query
			t.Run(path, func(t *testing.T) {
				rec := ts.get(t, path)
				if rec.Code != 200 {
					t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
				}
				if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, f.mime) {
					t.Errorf("Content-Type %q, want %s", ct, f.mime)
				}
				feed, err := gofeed.NewParser().Parse(bytes.NewReader(rec.Body.Bytes()))
				if err != nil {
					t.Fatalf("gofeed: %v\n%s", err, rec.Body)
				}
				if len(feed.Items) != len(l.want) {
					t.Fatalf("%d items, want %d", len(feed.Items), len(l.want))
				}
				if !strings.HasPrefix(feed.FeedLink, "http://example.com"+l.base) && !strings.HasPrefix(feed.FeedLink, "http://example.com/") {
					t.Errorf("feed link %q", feed.FeedLink)
				}
				for i, it := range feed.Items {
					rel := releaseByID(ts.store, l.want[i])
					permalink := fmt.Sprintf("http://example.com/releases/%d", rel.ID)
					// Every item links the original and our page, credits the
					// originator, and is dated.
					if it.GUID != permalink {
						t.Errorf("item %d: id %q, want %q", i, it.GUID, permalink)
					}
					links := strings.Join(append([]string{it.Link}, it.Links...), " ")
					if !strings.Contains(links, rel.URL) {
						t.Errorf("item %d: links %q lack the original %s", i, links, rel.URL)
					}
					if f.ext == "json" && it.Link != permalink {
						t.Errorf("item %d: JSON Feed url %q, want the permalink", i, it.Link)
					}
					if f.ext != "json" && it.Link != rel.URL {
						t.Errorf("item %d: link %q, want the original %s", i, it.Link, rel.URL)
					}
					if len(it.Authors) == 0 || it.Authors[0].Name != rel.Organization {
						t.Errorf("item %d: authors %+v, want %s", i, it.Authors, rel.Organization)
					}
					if it.PublishedParsed == nil || !it.PublishedParsed.Equal(rel.Published) {
						t.Errorf("item %d: published %v, want %v", i, it.PublishedParsed, rel.Published)
					}
					if it.UpdatedParsed == nil || !it.UpdatedParsed.Equal(rel.Updated) {
						t.Errorf("item %d: updated %v, want %v", i, it.UpdatedParsed, rel.Updated)
					}
					if it.Title != rel.Title {
						t.Errorf("item %d: title %q, want %q", i, it.Title, rel.Title)
					}
					text := it.Description + it.Content
					if !strings.Contains(text, "Originally published by "+escapeText(rel.Organization)) && !strings.Contains(text, "Originally published by "+rel.Organization) {
						t.Errorf("item %d: no credit line in %q", i, text)
					}
				}
			})
		}
	}
}

func escapeText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func releaseByID(st *fakeStore, id int64) *communique.Release {
	for _, r := range st.releases {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// TestAtomSource checks that Atom entries name their originator in
// atom:source.
func TestAtomSource(t *testing.T) {
	ts := newTestSite(t, fixture())
	body := ts.get(t, "/feed.atom").Body.Bytes()
	var doc atom.Feed
	f, err := (&atom.Parser{}).Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	doc = *f
	for i, e := range doc.Entries {
		if e.Source == nil || e.Source.Title == "" {
			t.Fatalf("entry %d has no atom:source", i)
		}
		rel := releaseByID(ts.store, []int64{1, 2, 3, 4, 5}[i])
		if e.Source.Title != rel.Organization {
			t.Errorf("entry %d: source %q, want %q", i, e.Source.Title, rel.Organization)
		}
		if e.Source.ID == "" || e.Source.Updated == "" {
			t.Errorf("entry %d: source lacks id or updated: %+v", i, e.Source)
		}
	}
	// The XML is well-formed as a whole (a strict decoder reads it).
	dec := xml.NewDecoder(bytes.NewReader(body))
	for {
		if _, err := dec.Token(); err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("Atom feed is not well-formed: %v", err)
			}
			break
		}
	}
}

func TestJSONFeedShape(t *testing.T) {
	ts := newTestSite(t, fixture())
	var doc map[string]any
	if err := json.Unmarshal(ts.get(t, "/feed.json").Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["version"] != "https://jsonfeed.org/version/1.1" || doc["feed_url"] != "http://example.com/feed.json" || doc["home_page_url"] != "http://example.com/" {
		t.Errorf("feed header %v", doc)
	}
	items := doc["items"].([]any)
	first := items[0].(map[string]any)
	if first["external_url"] != "https://www.nato.int/cps/en/natohq/news_237412.htm" {
		t.Errorf("external_url %v", first["external_url"])
	}
	ext := first["_communique"].(map[string]any)
	if ext["organization"] != "NATO" || ext["retrieved"] != "2025-09-08T13:00:00Z" {
		t.Errorf("_communique %v", ext)
	}
	// A link-only item still has content (JSON Feed requires it): the credit.
	link := items[3].(map[string]any)
	if link["content_html"] != nil || !strings.Contains(link["content_text"].(string), "View the original at https://www.icrc.org/") {
		t.Errorf("link-only item %v", link)
	}
}

func TestFeedBaseURLAndPaging(t *testing.T) {
	ts := newTestSite(t, fixture(), func(c *Config) { c.BaseURL = "https://wire.example.org/" })
	var doc map[string]any
	rec := ts.get(t, "/feed.json?limit=2")
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["feed_url"] != "https://wire.example.org/feed.json" || len(doc["items"].([]any)) != 2 {
		t.Errorf("feed_url %v, %d items", doc["feed_url"], len(doc["items"].([]any)))
	}
	if doc["next_url"] != "https://wire.example.org/feed.json?cursor=2&limit=2" {
		t.Errorf("next_url %v", doc["next_url"])
	}
	if body := ts.get(t, "/feed.atom?limit=2").Body.String(); !strings.Contains(body, `<link href="https://wire.example.org/feed.atom?cursor=2&amp;limit=2" rel="next"`) {
		t.Errorf("Atom feed has no rel=next link")
	}
	if body := ts.get(t, "/feed.rss?limit=2").Body.String(); !strings.Contains(body, `<atom:link href="https://wire.example.org/feed.rss?cursor=2&amp;limit=2" rel="next"`) {
		t.Errorf("RSS feed has no rel=next link")
	}
	if rec := ts.get(t, "/feed.rss?limit=0"); rec.Code != 400 {
		t.Errorf("limit=0: %d", rec.Code)
	}
}

// feedparserResult is what python3-feedparser makes of one feed.
type feedparserResult struct {
	Bozo      bool
	Exception string
	Version   string
	Entries   []struct {
		ID, Link, Author, Source string
		Links                    []string
		Published, Updated       bool
	}
}

// runFeedparser runs Debian's python3-feedparser, an independent parser,
// over feeds (file extension → body) and returns its reading of each. It
// skips the test where python3 or feedparser is absent.
func runFeedparser(t *testing.T, exts []string, feeds [][]byte) []feedparserResult {
	t.Helper()
	py := ""
	for _, cand := range []string{"/usr/bin/python3", "python3"} {
		p, err := exec.LookPath(cand)
		if err != nil {
			continue
		}
		if exec.Command(p, "-c", "import feedparser").Run() == nil {
			py = p
			break
		}
	}
	if py == "" {
		t.Skip("python3 with feedparser is not installed (apt-get install python3-feedparser)")
	}
	dir := t.TempDir()
	var files []string
	for i, body := range feeds {
		name := filepath.Join(dir, fmt.Sprintf("%d.%s", i, exts[i]))
		if err := os.WriteFile(name, body, 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, name)
	}
	// feedparser 6.0 reads RSS and Atom; it has no JSON Feed parser, so
	// JSON Feeds are checked against the JSON Feed 1.1 rules here, with
	// feedparser's own date parser.
	const script = `
import json, sys, feedparser
from feedparser.datetimes import _parse_date
def jsonfeed(name):
    errs = []
    try:
        d = json.load(open(name, encoding="utf-8"))
    except Exception as e:
        return {"bozo": True, "exception": str(e), "version": "", "entries": []}
    if d.get("version") != "https://jsonfeed.org/version/1.1": errs.append("version")
    for k in ("title", "home_page_url", "feed_url"):
        if not isinstance(d.get(k), str) or not d[k]: errs.append("feed " + k)
    entries = []
    for it in d.get("items", None) or []:
        if not isinstance(it.get("id"), str) or not it["id"]: errs.append("item id")
        if not (it.get("content_html") or it.get("content_text")): errs.append("item content")
        for k in ("date_published", "date_modified"):
            if k in it and _parse_date(it[k]) is None: errs.append("item " + k)
        for a in it.get("authors", []):
            if not a.get("name") and not a.get("url"): errs.append("author")
        entries.append({"id": it.get("id", ""), "link": it.get("url", ""), "links": [it.get("url", ""), it.get("external_url", "")],
                        "published": _parse_date(it.get("date_published", "")) is not None,
                        "updated": _parse_date(it.get("date_modified", "")) is not None,
                        "author": (it.get("authors") or [{}])[0].get("name", ""), "source": ""})
    if "items" not in d: errs.append("items")
    return {"bozo": bool(errs), "exception": ", ".join(errs), "version": "json11" if not errs else "", "entries": entries}
out = []
for name in sys.argv[1:]:
    if name.endswith(".json"):
        out.append(jsonfeed(name))
        continue
    d = feedparser.parse(name)
    out.append({
        "bozo": bool(d.bozo),
        "exception": str(d.get("bozo_exception", "")),
        "version": d.version,
        "entries": [{"id": e.get("id", ""), "link": e.get("link", ""), "links": [l.get("href", "") for l in e.get("links", [])],
                     "published": e.get("published_parsed") is not None, "updated": e.get("updated_parsed") is not None,
                     "author": e.get("author", ""), "source": e.get("source", {}).get("title", "")} for e in d.entries],
    })
json.dump(out, sys.stdout)
`
	cmd := exec.Command(py, append([]string{"-c", script}, files...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	outb, err := cmd.Output()
	if err != nil {
		t.Fatalf("feedparser: %v\n%s", err, stderr.String())
	}
	var results []feedparserResult
	if err := json.Unmarshal(outb, &results); err != nil {
		t.Fatal(err)
	}
	if len(results) != len(feeds) {
		t.Fatalf("feedparser read %d feeds of %d", len(results), len(feeds))
	}
	return results
}

var feedparserVersion = map[string]string{"rss": "rss20", "atom": "atom10", "json": "json11"}

// TestFeedsParseWithFeedparser requires feedparser to read every format of
// every listing with no bozo flag, and to find the attribution in it.
func TestFeedsParseWithFeedparser(t *testing.T) {
	ts := newTestSite(t, fixture())
	var exts []string
	var bodies [][]byte
	for _, l := range feedListings {
		for _, f := range feedFormats {
			exts = append(exts, f.ext)
			bodies = append(bodies, ts.get(t, l.base+"."+f.ext+l.query).Body.Bytes())
		}
	}
	// The harness must see a broken feed as broken.
	exts = append(exts, "rss", "json")
	bodies = append(bodies, []byte(`<rss version="2.0"><channel><title>x</title><item><title>a & b</title></item></channel></rss>`),
		[]byte(`{"version":"https://jsonfeed.org/version/1.1","title":"x","items":[{"id":"1"}]}`))
	results := runFeedparser(t, exts, bodies)
	if broken := results[len(results)-2:]; !broken[0].Bozo || !broken[1].Bozo {
		t.Fatalf("feedparser harness accepts broken feeds: %+v", broken)
	}
	i := 0
	for _, l := range feedListings {
		for _, f := range feedFormats {
			r := results[i]
			i++
			name := l.base + "." + f.ext + l.query
			if r.Bozo {
				t.Errorf("%s: feedparser bozo: %s", name, r.Exception)
			}
			if r.Version != feedparserVersion[f.ext] {
				t.Errorf("%s: feedparser version %q, want %q", name, r.Version, feedparserVersion[f.ext])
			}
			if len(r.Entries) != len(l.want) {
				t.Errorf("%s: %d entries, want %d", name, len(r.Entries), len(l.want))
				continue
			}
			for j, e := range r.Entries {
				rel := releaseByID(ts.store, l.want[j])
				if !strings.Contains(strings.Join(append(e.Links, e.Link), " "), rel.URL) {
					t.Errorf("%s entry %d: no link to the original %s (%v)", name, j, rel.URL, e.Links)
				}
				if !e.Published || !e.Updated {
					t.Errorf("%s entry %d: published %v, updated %v", name, j, e.Published, e.Updated)
				}
				if e.Author != rel.Organization {
					t.Errorf("%s entry %d: author %q, want %q", name, j, e.Author, rel.Organization)
				}
				if f.ext == "atom" && e.Source != rel.Organization {
					t.Errorf("%s entry %d: source %q, want %q", name, j, e.Source, rel.Organization)
				}
			}
		}
	}
}

// TestFeedWritersOverPlainValues renders the writers directly, with
// characters XML cannot carry.
func TestFeedWritersOverPlainValues(t *testing.T) {
	f := &feed{
		Title: "T", HomeURL: "https://x.test/", SelfURL: "https://x.test/feed", SiteName: "S", SiteURL: "https://x.test/",
		Updated: t0,
		Items: []feedItem{{
			Permalink: "https://x.test/releases/1", Original: "https://o.test/a?b=1&c=2", Title: "ctrl \x01 char & <b>",
			Organization: "O & P", OrgFeed: "https://x.test/org/O/feed.atom", Published: t0, Retrieved: t0.Add(time.Minute),
			Summary: "s", ContentHTML: "<p>c</p>", SiteName: "S",
		}},
	}
	for _, ff := range feedFormats {
		var buf bytes.Buffer
		if err := ff.render(&buf, f); err != nil {
			t.Fatalf("%s: %v", ff.name, err)
		}
		parsed, err := gofeed.NewParser().ParseString(buf.String())
		if err != nil {
			t.Fatalf("%s does not parse: %v\n%s", ff.name, err, buf.String())
		}
		if got := parsed.Items[0].Title; !strings.Contains(got, "char & <b>") {
			t.Errorf("%s title %q", ff.name, got)
		}
		if ff.ext != "json" && strings.Contains(buf.String(), "\x01") {
			t.Errorf("%s carries a control character XML forbids", ff.name)
		}
	}
}

func TestFeedConditionalGet(t *testing.T) {
	ts := newTestSite(t, fixture())
	rec := ts.get(t, "/feed.atom")
	etag := rec.Header().Get("ETag")
	if etag == "" || rec.Header().Get("Last-Modified") != "Mon, 08 Sep 2025 13:00:00 GMT" {
		t.Fatalf("ETag %q, Last-Modified %q", etag, rec.Header().Get("Last-Modified"))
	}
	if rec := ts.get(t, "/feed.atom", "If-None-Match", etag); rec.Code != 304 || rec.Body.Len() != 0 {
		t.Errorf("If-None-Match: %d, %d bytes", rec.Code, rec.Body.Len())
	}
	if rec := ts.get(t, "/feed.atom", "If-None-Match", `"other"`); rec.Code != 200 {
		t.Errorf("If-None-Match with another tag: %d", rec.Code)
	}
	// A new release changes the tag.
	r := *ts.store.releases[0]
	r.ID, r.URL, r.Published = 42, r.URL+"?new", t0.Add(time.Hour)
	ts.store.releases = append(ts.store.releases, &r)
	if rec := ts.get(t, "/feed.atom", "If-None-Match", etag); rec.Code != 200 || rec.Header().Get("ETag") == etag {
		t.Errorf("after a new release: %d, same tag %v", rec.Code, rec.Header().Get("ETag") == etag)
	}
}

// TestSearchFeedsMatchPage checks that the feeds a search page advertises
// hold the page's results.
func TestSearchFeedsMatchPage(t *testing.T) {
	ts := newTestSite(t, fixture())
	page := ts.get(t, "/search?q=iraq&sort=date").Body.String()
	onPage := regexp.MustCompile(`<h2 class="release-title"><a href="/releases/(\d+)">`).FindAllStringSubmatch(page, -1)
	if len(onPage) == 0 {
		t.Fatal("no results on the search page")
	}
	for typ, href := range alternates(t, page) {
		rec := ts.get(t, strings.ReplaceAll(href, "&amp;", "&"))
		f, err := gofeed.NewParser().Parse(bytes.NewReader(rec.Body.Bytes()))
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if len(f.Items) != len(onPage) {
			t.Errorf("%s has %d items, the page %d results", typ, len(f.Items), len(onPage))
			continue
		}
		for i, it := range f.Items {
			if want := "http://example.com/releases/" + onPage[i][1]; it.GUID != want {
				t.Errorf("%s item %d is %s, the page has %s", typ, i, it.GUID, want)
			}
		}
	}
}
