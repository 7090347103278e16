package web

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/dedup"
	"github.com/communique-news/communique/search"
	"github.com/communique-news/communique/sqlite"
)

// entitySite is a real SQLite store with enriched releases: two
// originators' releases about one meeting (a story), a release naming a
// hostile person and an organisation whose name needs escaping in a path,
// and a revised release.
type entitySite struct {
	*testSite
	st                        communique.Store
	nato, iraq, un, revisedID int64
	oldText, newText          string
}

const hostileOrg = "AC/DC? Relief & Co"

func newEntitySite(t testing.TB) *entitySite {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	es := &entitySite{st: db}
	src := &communique.Source{Kind: communique.KindFeed, URL: "https://www.nato.int/rss.xml", Organization: "NATO", Country: "BE", Licence: communique.LicenceFull}
	if err := db.CreateSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	mk := func(n int, org, title string, published time.Time, story int64, e *communique.Entities) *communique.Release {
		body := title + ". " + strings.Repeat("The release says more here. ", 4)
		r := &communique.Release{
			SourceID: src.ID, URL: fmt.Sprintf("https://example.org/%d", n), Organization: org, Title: title, Language: "en",
			Published: published, Retrieved: published.Add(time.Hour), Lede: title + ".", HTML: "<p>" + html.EscapeString(body) + "</p>", Text: body,
			WordCount: len(strings.Fields(body)), Licence: communique.LicenceFull, ContentHash: fmt.Sprintf("h%d", n), StoryID: story, Entities: e,
		}
		if err := db.CreateRelease(ctx, r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	rutte := communique.Person{Name: "Mark Rutte", Title: "Secretary General", Affiliation: "NATO"}
	sudani := communique.Person{Name: "Mohammed Shia' al-Sudani", Title: "Prime Minister", Affiliation: "Iraq"}
	iraq := communique.Place{Name: "Iraq", Kind: communique.PlaceCountry, Country: "IQ"}
	es.nato = mk(1, "NATO", "NATO Chief Welcomes Iraqi Prime Minister", time.Date(2025, 9, 8, 10, 0, 0, 0, time.UTC), 7, &communique.Entities{
		People:        []communique.Person{rutte, sudani},
		Organizations: []communique.Organization{{Name: "NATO Mission Iraq", Acronym: "NMI"}},
		Places:        []communique.Place{iraq, {Name: "Middle East", Kind: communique.PlaceRegion}},
		Countries:     []string{"IQ"},
	}).ID
	es.iraq = mk(2, "Government of Iraq", "Prime Minister meets NATO Secretary General", time.Date(2025, 9, 8, 14, 0, 0, 0, time.UTC), 7, &communique.Entities{
		People:        []communique.Person{sudani, rutte},
		Organizations: []communique.Organization{{Name: "North Atlantic Treaty Organization", Acronym: "NATO"}},
		Places:        []communique.Place{iraq},
		Countries:     []string{"IQ"},
	}).ID
	es.un = mk(3, "United Nations", "Relief convoy reaches Lyon", time.Date(2025, 8, 20, 9, 0, 0, 0, time.UTC), 0, &communique.Entities{
		People:        []communique.Person{{Name: "<script>alert(1)</script>", Title: `"><img src=x onerror=alert(2)>`}, rutte},
		Organizations: []communique.Organization{{Name: hostileOrg}},
		Places:        []communique.Place{{Name: "Lyon", Kind: communique.PlaceCity, Country: "FR"}},
		Countries:     []string{"FR"},
	}).ID
	revised := mk(4, "NATO", "Allies agree defence plans", time.Date(2025, 9, 1, 9, 0, 0, 0, time.UTC), 0, nil)
	es.revisedID, es.oldText = revised.ID, revised.Text
	next := *revised
	next.Title = "Allies agree new defence plans"
	next.Text = strings.Replace(revised.Text, "says more", "says a great deal more", 1)
	next.HTML = "<p>" + html.EscapeString(next.Text) + "</p>"
	next.ContentHash = "h4b"
	next.Updated = time.Date(2025, 9, 2, 9, 0, 0, 0, time.UTC)
	if err := db.ReviseRelease(ctx, &next); err != nil {
		t.Fatal(err)
	}
	es.newText = next.Text
	h, err := New(Config{Store: db, Parse: search.Parse, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return time.Date(2025, 9, 10, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	es.testSite = &testSite{h: h}
	return es
}

func (es *entitySite) page(t *testing.T, path string, code int) string {
	t.Helper()
	rec := es.get(t, path)
	if rec.Code != code {
		t.Fatalf("GET %s: %d, want %d\n%s", path, rec.Code, code, rec.Body)
	}
	return rec.Body.String()
}

// section is the part of a page from the first marker to the next.
func section(body, from, to string) string {
	i := strings.Index(body, from)
	if i < 0 {
		return ""
	}
	body = body[i:]
	if j := strings.Index(body, to); j >= 0 {
		body = body[:j]
	}
	return body
}

func TestPersonPage(t *testing.T) {
	es := newEntitySite(t)
	body := es.page(t, "/person/Mark%20Rutte", 200)
	mustContain(t, "person page", body, "Person · Secretary General, NATO</p>", "<h1>Mark Rutte</h1>", "NATO Chief Welcomes Iraqi Prime Minister", "Prime Minister meets NATO Secretary General",
		"Relief convoy reaches Lyon", "3 releases", "Releases over time", "September 2025", "August 2025")
	mustNotContain(t, "person page", body, "Allies agree")
	// Newest first.
	if i, j := strings.Index(body, "Prime Minister meets"), strings.Index(body, "NATO Chief Welcomes"); i < 0 || j < 0 || i > j {
		t.Errorf("person page is not newest first")
	}
	// Over time: two releases in September, one in August, oldest month first.
	months := section(body, `id="months-h"`, "</table>")
	mustContain(t, "months", months, `<th scope="row">August 2025</th><td><span class="bar w50" aria-hidden="true"></span> <span class="num">1</span>`,
		`<th scope="row">September 2025</th><td><span class="bar w100" aria-hidden="true"></span> <span class="num">2</span>`)
	if strings.Index(months, "August") > strings.Index(months, "September") {
		t.Error("months are not oldest first")
	}
	// Appears with: each co-mentioned entity once per release, linking to
	// its page, never the person itself.
	with := section(body, `id="with-h"`, "</aside>")
	mustContain(t, "appears with", with,
		`<a href="/person/Mohammed%20Shia%27%20al-Sudani">Mohammed Shia&#39; al-Sudani</a> <span class="note">Prime Minister</span> <span class="count">2</span>`,
		`<a href="/org/NATO%20Mission%20Iraq">NATO Mission Iraq</a> <span class="note">NMI</span> <span class="count">1</span>`,
		`<a href="/org/North%20Atlantic%20Treaty%20Organization">North Atlantic Treaty Organization</a>`,
		`<a href="/country/IQ">Iraq</a> <span class="count">2</span>`, `<a href="/country/FR">France</a> <span class="count">1</span>`,
		"Named most often in these 3 releases")
	mustNotContain(t, "appears with", with, `href="/person/Mark%20Rutte"`)
	if strings.Index(with, "al-Sudani") > strings.Index(with, "&lt;script&gt;") {
		t.Error("appears with is not most frequent first")
	}
	// Feeds are advertised and served.
	alt := alternates(t, body)
	for _, f := range feedFormats {
		want := "/person/Mark%20Rutte/feed." + f.ext
		if alt[f.mime] != want {
			t.Errorf("person page advertises %s at %q, want %q", f.mime, alt[f.mime], want)
		}
		feedItems(t, es.testSite, want, 3)
	}
	// A case difference finds the same person (the store's filter folds case).
	mustContain(t, "lower-case person", es.page(t, "/person/mark%20rutte", 200), "NATO Chief Welcomes")
	es.page(t, "/person/Nobody%20Known", 404)
	es.page(t, "/person/"+strings.Repeat("x", 201), 404)
	if rec := es.get(t, "/person/Nobody/feed.rss"); rec.Code != 404 {
		t.Errorf("feed of an unknown person: %d", rec.Code)
	}
}

// feedItems fetches a feed, parses it with gofeed and checks its number of
// items and that each credits its originator.
func feedItems(t *testing.T, ts *testSite, path string, n int) *gofeed.Feed {
	t.Helper()
	rec := ts.get(t, path)
	if rec.Code != 200 {
		t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
	}
	f, err := gofeed.NewParser().Parse(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(f.Items) != n {
		t.Errorf("%s: %d items, want %d", path, len(f.Items), n)
	}
	for _, it := range f.Items {
		if len(it.Authors) == 0 || it.Authors[0].Name == "" {
			t.Errorf("%s: item %q has no originator", path, it.Title)
		}
	}
	return f
}

func TestEntityNamesEscaped(t *testing.T) {
	es := newEntitySite(t)
	hostile := "<script>alert(1)</script>"
	path := personPath(hostile)
	if path != "/person/%3Cscript%3Ealert%281%29%3C%2Fscript%3E" {
		t.Errorf("personPath(%q) = %q", hostile, path)
	}
	body := es.page(t, path, 200)
	mustContain(t, "hostile person page", body, "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>", "Relief convoy reaches Lyon")
	mustNotContain(t, "hostile person page", body, hostile, "<img src=x")
	for _, f := range feedFormats {
		rec := es.get(t, path+"/feed."+f.ext)
		if rec.Code != 200 {
			t.Fatalf("hostile person feed %s: %d", f.ext, rec.Code)
		}
		if f.ext != "json" {
			mustNotContain(t, "hostile person feed", rec.Body.String(), hostile)
		}
		feedItems(t, es.testSite, path+"/feed."+f.ext, 1)
	}
	// The release page and the pages it appears with escape it too.
	rel := es.page(t, releasePath(es.un), 200)
	mustNotContain(t, "release with a hostile person", rel, hostile, "<img src=x")
	mustContain(t, "release with a hostile person", rel, `href="/person/%3Cscript%3Ealert%281%29%3C%2Fscript%3E"`)
	with := es.page(t, "/person/Mark%20Rutte", 200)
	mustNotContain(t, "appears with a hostile person", with, hostile)

	// An organisation with / and ? in its name: the link escapes them, and
	// the page reads the name back whole.
	href := orgPath(hostileOrg)
	if href != "/org/AC%2FDC%3F%20Relief%20&%20Co" {
		t.Errorf("orgPath(%q) = %q", hostileOrg, href)
	}
	mustContain(t, "release naming the organisation", rel, `href="/org/AC%2FDC%3F%20Relief%20&amp;%20Co"`)
	org := es.page(t, href, 200)
	mustContain(t, "organisation with / and ?", org, "<h1>AC/DC? Relief &amp; Co</h1>", "Relief convoy reaches Lyon")
	mustNotContain(t, "organisation with / and ?", org, "NATO Chief Welcomes")
	feedItems(t, es.testSite, href+"/feed.atom", 1)
}

func TestCountryPage(t *testing.T) {
	es := newEntitySite(t)
	body := es.page(t, "/country/IQ", 200)
	mustContain(t, "country page", body, "<h1>Iraq</h1>", "Country · IQ", "NATO Chief Welcomes", "Prime Minister meets", "2 releases",
		`<a href="/person/Mark%20Rutte">Mark Rutte</a>`)
	mustNotContain(t, "country page", body, "Relief convoy", `<a href="/country/IQ">`)
	if alt := alternates(t, body); alt["application/feed+json"] != "/country/IQ/feed.json" {
		t.Errorf("country page advertises %v", alt)
	}
	feedItems(t, es.testSite, "/country/IQ/feed.rss", 2)
	feedItems(t, es.testSite, "/country/FR/feed.json", 1)

	// The code is upper case in the canonical path.
	rec := es.get(t, "/country/iq")
	if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/country/IQ" {
		t.Errorf("/country/iq: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	// A country without releases has a page; a code that is no country has none.
	mustContain(t, "empty country", es.page(t, "/country/NZ", 200), "<h1>New Zealand</h1>", "No release names New Zealand yet.")
	for _, p := range []string{"/country/ZZ", "/country/Q1", "/country/IRQ", "/country/%3Cb%3E", "/country/AA/feed.atom"} {
		if rec := es.get(t, p); rec.Code != 404 {
			t.Errorf("GET %s: %d, want 404", p, rec.Code)
		}
	}
}

func TestOrgPageMentions(t *testing.T) {
	es := newEntitySite(t)
	body := es.page(t, "/org/NATO", 200)
	// NATO's own releases, and the Iraqi government's that names NATO (by acronym).
	mustContain(t, "org page", body, "NATO Chief Welcomes", "Allies agree new defence plans", "Prime Minister meets NATO Secretary General",
		`href="/org/NATO?own=1"`, "Releases over time", "Appears with")
	// Appears with leaves out NATO itself, named by its acronym.
	mustNotContain(t, "org page appears with", section(body, `id="with-h"`, "</aside>"), "North Atlantic Treaty Organization")
	own := es.page(t, "/org/NATO?own=1", 200)
	mustContain(t, "own releases", own, "NATO Chief Welcomes", "Allies agree new defence plans", `href="/org/NATO"`)
	mustNotContain(t, "own releases", own, "Prime Minister meets")
	if alt := alternates(t, own); alt["application/rss+xml"] != "/org/NATO/feed.rss?own=1" {
		t.Errorf("own releases advertise %v", alt)
	}
	feedItems(t, es.testSite, "/org/NATO/feed.rss", 3)
	feedItems(t, es.testSite, "/org/NATO/feed.rss?own=1", 2)
	// By a name the release gives, case-insensitively.
	mustContain(t, "mentioned org", es.page(t, "/org/nato%20mission%20iraq", 200), "NATO Chief Welcomes")
	es.page(t, "/org/Nobody%20At%20All", 404)
}

func TestStories(t *testing.T) {
	es := newEntitySite(t)
	rel := es.page(t, releasePath(es.nato), 200)
	mustContain(t, "release in a story", rel, `<dt>Story</dt><dd><a href="/stories/7">Part of a story: 2 releases from 2 organisations</a></dd>`)
	alone := es.page(t, releasePath(es.un), 200)
	mustNotContain(t, "release alone", alone, "Part of a story")
	// A city names its country; a country named only by its code links to its page.
	mustContain(t, "release alone", alone, `<a href="/search?q=%22Lyon%22">Lyon</a> <span class="note">France</span>`, `<a href="/country/FR">France</a>`)

	body := es.page(t, "/stories/7", 200)
	mustContain(t, "story page", body, "Story: NATO Chief Welcomes Iraqi Prime Minister", "2 releases from 2 organisations",
		`<a href="/org/Government%20of%20Iraq">Government of Iraq</a>`, `<a class="org" href="/org/NATO">NATO</a>`, "Prime Minister meets NATO Secretary General")
	mustNotContain(t, "story page", body, "Relief convoy", "Allies agree")
	if alt := alternates(t, body); alt["application/rss+xml"] != "/stories/7/feed.rss" || alt["application/feed+json"] != "/stories/7/feed.json" {
		t.Errorf("story page advertises %v", alt)
	}
	for _, f := range feedFormats {
		fd := feedItems(t, es.testSite, "/stories/7/feed."+f.ext, 2)
		if f.ext == "atom" && (fd.Items[0].Authors[0].Name != "Government of Iraq" || fd.Items[1].Authors[0].Name != "NATO") {
			t.Errorf("story feed credits %q, %q", fd.Items[0].Authors[0].Name, fd.Items[1].Authors[0].Name)
		}
	}
	es.page(t, "/stories/8", 404)
	es.page(t, "/stories/x", 404)

	// The home page by story: the story once, its releases under it, the
	// others alone; the default stays releases.
	home := es.page(t, "/", 200)
	mustContain(t, "home", home, `<a href="/?view=stories">stories</a>`)
	mustNotContain(t, "home", home, `href="/stories/7"`)
	stories := es.page(t, "/?view=stories", 200)
	mustContain(t, "stories view", stories, `<a href="/">releases</a>`, `<p class="story-head"><a href="/stories/7">Story: 2 releases from 2 organisations</a></p>`,
		"Relief convoy reaches Lyon", "Allies agree new defence plans")
	if n := strings.Count(stories, `href="/stories/7"`); n != 1 {
		t.Errorf("the story is shown %d times", n)
	}
	group := section(stories, `href="/stories/7"`, "</ol>")
	mustContain(t, "story group", group, "NATO Chief Welcomes", "Prime Minister meets")
	es.page(t, "/?view=bogus", 400)

	// The API.
	var st struct {
		ID            int64 `json:"id"`
		Total         int   `json:"total"`
		Organizations []struct {
			Name     string `json:"name"`
			Releases int    `json:"releases"`
		} `json:"organizations"`
		Releases []apiRelease `json:"releases"`
	}
	if err := json.Unmarshal([]byte(es.page(t, "/api/v1/stories/7", 200)), &st); err != nil {
		t.Fatal(err)
	}
	if st.ID != 7 || st.Total != 2 || len(st.Releases) != 2 || len(st.Organizations) != 2 || st.Releases[0].Organization != "Government of Iraq" || st.Releases[1].StoryID != 7 {
		t.Errorf("API story: %+v", st)
	}
	page := decode[map[string]any](t, []byte(es.page(t, "/api/v1/stories/7?limit=1", 200)))
	if page["next"] == "" || !strings.HasPrefix(page["next_url"].(string), "http://example.com/api/v1/stories/7?cursor=") {
		t.Errorf("API story page: next %v, next_url %v", page["next"], page["next_url"])
	}
	es.page(t, "/api/v1/stories/8", 404)
}

func TestAPIReleaseStoryRevisionsEntities(t *testing.T) {
	es := newEntitySite(t)
	one := decode[map[string]any](t, []byte(es.page(t, fmt.Sprintf("/api/v1/releases/%d", es.nato), 200)))
	ents, _ := one["entities"].(map[string]any)
	people, _ := ents["people"].([]any)
	if one["story_id"] != 7.0 || one["story"] != "http://example.com/api/v1/stories/7" || one["revisions"] != 1.0 || len(people) != 2 {
		t.Errorf("API release: story_id %v, story %v, revisions %v, entities %v", one["story_id"], one["story"], one["revisions"], one["entities"])
	}
	if c, ok := one["copies"].([]any); !ok || len(c) != 0 {
		t.Errorf("API release copies: %v", one["copies"])
	}
	rev := decode[map[string]any](t, []byte(es.page(t, fmt.Sprintf("/api/v1/releases/%d", es.revisedID), 200)))
	if rev["revisions"] != 2.0 || rev["story_id"] != nil {
		t.Errorf("API revised release: revisions %v, story_id %v", rev["revisions"], rev["story_id"])
	}
}

func TestRevisedRelease(t *testing.T) {
	es := newEntitySite(t)
	body := es.page(t, releasePath(es.revisedID), 200)
	mustContain(t, "revised release", body, `<dt>Updated</dt><dd><time datetime="2025-09-02T09:00:00Z">2 Sep 2025 09:00 UTC</time>`,
		fmt.Sprintf(`href="/releases/%d/revisions">(2 revisions: what changed)</a>`, es.revisedID))
	mustNotContain(t, "unrevised release", es.page(t, releasePath(es.nato), 200), "<dt>Updated</dt>")
	// The diff view shows dedup.DiffHTML of the two texts.
	revs := es.page(t, releasePath(es.revisedID)+"/revisions", 200)
	want := string(dedup.DiffHTML(dedup.Diff(es.oldText, es.newText)))
	if !strings.Contains(want, "<ins>") {
		t.Fatalf("the test's revision changes nothing: %s", want)
	}
	mustContain(t, "revisions", revs, `<div class="diff">`+want+`</div>`, "Title changed to “Allies agree new defence plans”", "The first text retrieved.")

	// The feeds mark the revised entry, and only it.
	rss := es.page(t, "/feed.rss", 200)
	var doc struct {
		Items []struct {
			Title      string `xml:"title"`
			Updated    string `xml:"http://www.w3.org/2005/Atom updated"`
			Categories []struct {
				Domain string `xml:"domain,attr"`
				Value  string `xml:",chardata"`
			} `xml:"category"`
		} `xml:"channel>item"`
	}
	if err := xml.Unmarshal([]byte(rss), &doc); err != nil {
		t.Fatal(err)
	}
	marked := 0
	for _, it := range doc.Items {
		if it.Updated == "" {
			continue
		}
		marked++
		if it.Title != "Allies agree new defence plans" || it.Updated != "2025-09-02T09:00:00Z" || len(it.Categories) != 1 || it.Categories[0].Value != "Updated" {
			t.Errorf("RSS marks %q updated %q, categories %v", it.Title, it.Updated, it.Categories)
		}
	}
	if marked != 1 {
		t.Errorf("RSS marks %d items updated, want 1", marked)
	}
	mustContain(t, "RSS", rss, "see what changed", `<source url="http://example.com/org/NATO/feed.rss?own=1">NATO</source>`)
	mustContain(t, "Atom", es.page(t, "/feed.atom", 200), `<id>http://example.com/org/NATO/feed.atom?own=1</id>`)
	for _, ext := range []string{"atom", "json"} {
		fd := feedItems(t, es.testSite, "/feed."+ext, 4)
		for _, it := range fd.Items {
			isRevised := it.Title == "Allies agree new defence plans"
			if it.UpdatedParsed == nil {
				t.Errorf("%s: %q has no updated date", ext, it.Title)
				continue
			}
			if got := it.UpdatedParsed.UTC(); isRevised && !got.Equal(time.Date(2025, 9, 2, 9, 0, 0, 0, time.UTC)) || !isRevised && !got.Equal(it.PublishedParsed.Add(time.Hour)) {
				t.Errorf("%s: %q updated %v (published %v)", ext, it.Title, got, it.PublishedParsed)
			}
		}
	}
	js := decode[map[string]any](t, []byte(es.page(t, "/feed.json", 200)))
	for _, x := range js["items"].([]any) {
		it := x.(map[string]any)
		if it["title"] == "Allies agree new defence plans" && (it["date_modified"] != "2025-09-02T09:00:00Z" || !strings.Contains(it["content_html"].(string), "see what changed")) {
			t.Errorf("JSON Feed revised item: %v", it["date_modified"])
		}
	}
}

func TestSearchFacetsLinkEntityPages(t *testing.T) {
	es := newEntitySite(t)
	body := es.page(t, "/search?q="+url.QueryEscape("minister"), 200)
	facets := section(body, `class="facets"`, "</aside>")
	mustContain(t, "facets", facets, `<a href="/search?q=minister&#43;country%3AIQ">Iraq</a> <span class="count">2</span> <a class="entity-link" href="/country/IQ" aria-label="The page of Iraq"`,
		`href="/org/Government%20of%20Iraq"`)
}

// BenchmarkEntityPage renders a person's page over a real SQLite store of
// 300 enriched releases, 200 of which name the person: the page with its
// facets and the co-mention sample of 60 releases.
func BenchmarkEntityPage(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "c.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for i := range 300 {
		e := &communique.Entities{
			People:        []communique.Person{{Name: fmt.Sprintf("Person %d", i%7)}, {Name: fmt.Sprintf("Other %d", i%13)}},
			Organizations: []communique.Organization{{Name: fmt.Sprintf("Org %d", i%5), Acronym: fmt.Sprintf("O%d", i%5)}},
			Countries:     []string{[]string{"IQ", "FR", "DE", "US"}[i%4]},
		}
		if i%3 != 0 {
			e.People = append(e.People, communique.Person{Name: "Mark Rutte", Title: "Secretary General"})
		}
		body := strings.Repeat("The Secretary General welcomed the Prime Minister. ", 60)
		r := &communique.Release{URL: fmt.Sprintf("https://example.org/%d", i), Organization: "NATO", Title: fmt.Sprintf("Release %d", i), Language: "en",
			Published: t0.Add(-time.Duration(i) * 24 * time.Hour), Retrieved: t0, Lede: "A lede.", HTML: "<p>" + body + "</p>", Text: body,
			WordCount: 480, Licence: communique.LicenceFull, ContentHash: fmt.Sprintf("h%d", i), Entities: e}
		if err := db.CreateRelease(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
	h, err := New(Config{Store: db, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	ts := &testSite{h: h}
	rec := ts.get(b, "/person/Mark%20Rutte")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "200 releases") {
		b.Fatalf("person page: %d", rec.Code)
	}
	req, _ := http.NewRequest("GET", "/person/Mark%20Rutte", nil)
	b.SetBytes(int64(rec.Body.Len()))
	b.ReportAllocs()
	for b.Loop() {
		w := &discardWriter{h: make(http.Header)}
		h.ServeHTTP(w, req)
	}
}

func TestMonthBars(t *testing.T) {
	f := &communique.Facets{Months: []communique.FacetCount{{Value: "2025-09", Count: 4}, {Value: "2025-06", Count: 1}, {Value: "2024-12", Count: 2}}}
	bars := monthBars(f)
	var got []string
	for _, b := range bars {
		got = append(got, fmt.Sprintf("%s:%d:%d", b.Month, b.Count, b.Width))
	}
	want := "2024-12:2:50 2025-01:0:0 2025-02:0:0 2025-03:0:0 2025-04:0:0 2025-05:0:0 2025-06:1:25 2025-07:0:0 2025-08:0:0 2025-09:4:100"
	if strings.Join(got, " ") != want {
		t.Errorf("monthBars:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	// Beyond three years, only the months with releases.
	f.Months = append(f.Months, communique.FacetCount{Value: "2020-01", Count: 3})
	if n := len(monthBars(f)); n != 4 {
		t.Errorf("a span of six years gives %d bars, want 4", n)
	}
	if monthBars(nil) != nil || monthBars(&communique.Facets{}) != nil {
		t.Error("no months should give no bars")
	}
}

// TestEntityPagination pages through a person's releases: the pages link
// to each other, and "appears with" counts over the newest page on every
// page.
func TestEntityPagination(t *testing.T) {
	st := benchStore(pageSize + 5)
	for i, r := range st.releases {
		r.Entities = &communique.Entities{People: []communique.Person{{Name: "Mark Rutte"}, {Name: fmt.Sprintf("Guest %d", i%2)}}}
		if i >= pageSize {
			// Only the older releases name this one: it is not counted.
			r.Entities.People = append(r.Entities.People, communique.Person{Name: "Old Friend"})
		}
	}
	ts := newTestSite(t, st)
	first := ts.get(t, "/person/Mark%20Rutte")
	if first.Code != 200 {
		t.Fatalf("first page: %d", first.Code)
	}
	body := first.Body.String()
	mustContain(t, "first page", body, fmt.Sprintf("Named most often in the %d newest releases", pageSize), `<a href="/person/Guest%200">Guest 0</a> <span class="count">15</span>`)
	mustNotContain(t, "first page", body, "Old Friend")
	m := regexp.MustCompile(`<a href="(/person/Mark%20Rutte\?cursor=[^"]+)" rel="next">`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("first page has no link to the next")
	}
	second := ts.get(t, html.UnescapeString(m[1]))
	if second.Code != 200 {
		t.Fatalf("second page: %d", second.Code)
	}
	body = second.Body.String()
	mustContain(t, "second page", body, fmt.Sprintf("Release %d:", pageSize+4), `<a href="/person/Guest%200">Guest 0</a> <span class="count">15</span>`)
	mustNotContain(t, "second page", body, "Release 0:", "Old Friend", `rel="next"`)
}

// TestEntityFeedsParseWithFeedparser has feedparser read the feeds of the
// entity and story pages, with the revised release, without a bozo flag.
func TestEntityFeedsParseWithFeedparser(t *testing.T) {
	es := newEntitySite(t)
	var exts []string
	var bodies [][]byte
	for _, l := range []string{"/person/Mark%20Rutte/feed", "/country/IQ/feed", "/org/NATO/feed", "/stories/7/feed", "/person/%3Cscript%3Ealert%281%29%3C%2Fscript%3E/feed"} {
		for _, f := range feedFormats {
			rec := es.get(t, l+"."+f.ext)
			if rec.Code != 200 {
				t.Fatalf("%s.%s: %d", l, f.ext, rec.Code)
			}
			exts = append(exts, f.ext)
			bodies = append(bodies, rec.Body.Bytes())
		}
	}
	for i, r := range runFeedparser(t, exts, bodies) {
		if r.Bozo || r.Version != feedparserVersion[exts[i]] || len(r.Entries) == 0 {
			t.Errorf("feed %d (%s): bozo %v %s, version %q, %d entries", i, exts[i], r.Bozo, r.Exception, r.Version, len(r.Entries))
		}
	}
}
