package pipeline

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"html"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/communique-news/communique"
)

// listingPage renders one page of an HTML listing: entries n in [from, to),
// each linking to /news/n, and a "Next" link to next when set.
func listingPage(from, to int, at time.Time, next string) string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html><head><title>News</title></head><body><header><nav><a href="/">Home</a> <a href="/about">About</a></nav></header><main><h1>News</h1><ul class="news-list">`)
	for i := from; i < to; i++ {
		d := at.Add(-time.Duration(i) * 24 * time.Hour)
		fmt.Fprintf(&b, `<li class="news-item"><h3 class="title"><a href="/news/%d">Release number %d about the council</a></h3><span class="date">%s</span></li>`, i, i, d.Format("2 January 2006"))
	}
	b.WriteString(`</ul>`)
	if next != "" {
		fmt.Fprintf(&b, `<div class="pager"><a class="next" href="%s">Next</a></div>`, html.EscapeString(next))
	}
	b.WriteString(`</main><footer><a href="/contact">Contact</a></footer></body></html>`)
	return b.String()
}

var listingSelectors = communique.Selectors{Item: "li.news-item", Link: "a", Title: ".title", Date: ".date", Next: "a.next"}

func sortedURLs(found []Found) []string {
	u := urls(found)
	sort.Strings(u)
	return u
}

func wantNews(o *origin, ns ...int) []string {
	var out []string
	for _, n := range ns {
		out = append(out, fmt.Sprintf("%s/news/%d", o.URL, n))
	}
	sort.Strings(out)
	return out
}

func TestListingPagination(t *testing.T) {
	e := newEnv(t, "www.gov.example")
	o := e.origin("www.gov.example")
	now := e.clock.Now()
	o.set("/news", "text/html", listingPage(0, 3, now, "/news?page=2"))
	o.set("/news?page=2", "text/html", listingPage(3, 6, now, "/news?page=3"))
	// The last page's "next" leads back to the first.
	o.set("/news?page=3", "text/html", listingPage(6, 9, now, "/news"))
	sel := listingSelectors
	src := e.addSource(communique.Source{Kind: communique.KindHTML, URL: o.URL + "/news", Selectors: &sel})

	found, src := e.mustPoll(src)
	if got, want := sortedURLs(found), wantNews(o, 0, 1, 2, 3, 4, 5, 6, 7, 8); !slices.Equal(got, want) {
		t.Fatalf("first poll found %v, want %v", got, want)
	}
	for _, p := range []string{"/news", "/news?page=2", "/news?page=3"} {
		if n := o.hit(p); n != 1 {
			t.Errorf("%s fetched %d times", p, n)
		}
	}
	for _, f := range found {
		if f.Item.Title == "" || f.Item.DateMissing || f.Item.Published.IsZero() {
			t.Errorf("item %s: title %q, date %v (missing %v)", f.Item.URL, f.Item.Title, f.Item.Published, f.Item.DateMissing)
		}
	}
	e.mark(src, found)

	// Later polls read the first page only.
	o.set("/news", "text/html", listingPage(-1, 3, now, "/news?page=2"))
	e.clock.Add(time.Hour)
	found, _ = e.mustPoll(src)
	if got, want := sortedURLs(found), wantNews(o, -1); !slices.Equal(got, want) {
		t.Errorf("second poll found %v, want %v", got, want)
	}
	if o.hit("/news?page=2") != 1 {
		t.Error("a later poll followed the next link")
	}
}

func TestListingPageCap(t *testing.T) {
	e := newEnv(t, "www.gov.example")
	o := e.origin("www.gov.example")
	now := e.clock.Now()
	for p := 1; p <= 10; p++ {
		path := "/news"
		if p > 1 {
			path = fmt.Sprintf("/news?page=%d", p)
		}
		o.set(path, "text/html", listingPage(p*10, p*10+2, now, fmt.Sprintf("/news?page=%d", p+1)))
	}
	sel := listingSelectors
	sel.MaxPages = 3
	src := e.addSource(communique.Source{Kind: communique.KindHTML, URL: o.URL + "/news", Selectors: &sel})
	found, _ := e.mustPoll(src)
	if got, want := sortedURLs(found), wantNews(o, 10, 11, 20, 21, 30, 31); !slices.Equal(got, want) {
		t.Errorf("found %v, want %v", got, want)
	}
	if o.hit("/news?page=4") != 0 {
		t.Error("read past MaxPages")
	}

	// Without a cap on the source, the pipeline's default.
	e2 := newEnv(t, "www.gov.example")
	o2 := e2.origin("www.gov.example")
	for p := 1; p <= 10; p++ {
		path := "/news"
		if p > 1 {
			path = fmt.Sprintf("/news?page=%d", p)
		}
		o2.set(path, "text/html", listingPage(p*10, p*10+1, now, fmt.Sprintf("/news?page=%d", p+1)))
	}
	e2.p.MaxListingPages = 4
	sel2 := listingSelectors
	src2 := e2.addSource(communique.Source{Kind: communique.KindHTML, URL: o2.URL + "/news", Selectors: &sel2})
	found, _ = e2.mustPoll(src2)
	if len(found) != 4 || o2.hit("/news?page=5") != 0 {
		t.Errorf("MaxListingPages 4: found %d items, page 5 read %d times", len(found), o2.hit("/news?page=5"))
	}
}

func TestListingMarkupChanges(t *testing.T) {
	e := newEnv(t, "www.gov.example")
	o := e.origin("www.gov.example")
	now := e.clock.Now()
	o.set("/news", "text/html", listingPage(0, 2, now, ""))
	for i := range 2 {
		o.article(fmt.Sprintf("/news/%d", i), "Gov", fmt.Sprintf("Release number %d about the council", i), now.Add(-time.Duration(i)*24*time.Hour), uint64(i+1))
	}
	sel := listingSelectors
	src := e.addSource(communique.Source{Kind: communique.KindHTML, URL: o.URL + "/news", Selectors: &sel, Organization: "Gov"})
	found, src := e.mustPoll(src)
	if len(found) != 2 {
		t.Fatalf("found %d", len(found))
	}
	var ids []int64
	for _, f := range found {
		out, rel := e.ingest(src, f.Item)
		if out != OutcomeNew {
			t.Fatalf("%s: %s", f.Item.URL, out)
		}
		ids = append(ids, rel.ID)
	}
	before := map[int64]string{}
	for _, id := range ids {
		before[id] = e.release(id).Text
	}

	// The site is redesigned: the list is now made of <article class="card">.
	redesign := strings.NewReplacer(`<li class="news-item">`, `<article class="card">`, `</li>`, `</article>`, `<ul class="news-list">`, `<div class="cards">`, `</ul>`, `</div>`)
	o.set("/news", "text/html", redesign.Replace(listingPage(0, 3, now, "")))
	e.clock.Add(time.Hour)
	found, st, err, src := e.poll(src)
	if err == nil || len(found) != 0 {
		t.Fatalf("a listing whose selectors match nothing polled fine: %d items, err %v", len(found), err)
	}
	if communique.ErrorCode(err) != communique.EINVALID {
		t.Errorf("error code %q, want EINVALID: %v", communique.ErrorCode(err), err)
	}
	if !strings.Contains(src.State.LastError, "li.news-item") || st.ConsecutiveErrors != 1 {
		t.Errorf("the source's state does not show the broken selector: %+v", src.State)
	}
	if src.Selectors == nil || src.Selectors.Item != "li.news-item" {
		t.Errorf("the user's selectors were replaced: %+v", src.Selectors)
	}
	for id, text := range before {
		if r := e.release(id); r.Text != text {
			t.Errorf("release %d changed", id)
		}
	}
	if len(e.releases()) != 2 {
		t.Error("releases changed")
	}
	for _, f := range found {
		if seen, _ := e.seen(src.ID, f.Item.Key, f.Item.URL); !seen {
			t.Errorf("item %s forgotten", f.Item.URL)
		}
	}

	// A title selector that no longer matches is an error too.
	o.set("/news", "text/html", strings.ReplaceAll(listingPage(0, 3, now, ""), `class="title"`, `class="heading"`))
	e.clock.Add(time.Hour)
	_, _, err, src = e.poll(src)
	if err == nil || !strings.Contains(src.State.LastError, ".title") {
		t.Errorf("a title selector matching nothing: err %v, state %q", err, src.State.LastError)
	}

	// The user fixes the selectors: the source recovers.
	src.Selectors = &communique.Selectors{Item: "article.card", Link: "a", Title: ".title", Date: ".date"}
	if err := e.store.UpdateSource(e.ctx, src); err != nil {
		t.Fatal(err)
	}
	o.set("/news", "text/html", redesign.Replace(listingPage(0, 3, now, "")))
	found, src = e.mustPoll(e.source(src.ID))
	if got, want := sortedURLs(found), wantNews(o, 2); !slices.Equal(got, want) {
		t.Errorf("after the fix found %v, want %v", got, want)
	}
	if src.State.LastError != "" {
		t.Errorf("error kept after recovery: %q", src.State.LastError)
	}
}

func TestListingDetectsSelectors(t *testing.T) {
	e := newEnv(t, "www.gov.example")
	o := e.origin("www.gov.example")
	now := e.clock.Now()
	o.set("/news", "text/html", listingPage(0, 6, now, ""))
	src := e.addSource(communique.Source{Kind: communique.KindHTML, URL: o.URL + "/news"})
	found, src := e.mustPoll(src)
	if got, want := sortedURLs(found), wantNews(o, 0, 1, 2, 3, 4, 5); !slices.Equal(got, want) {
		t.Fatalf("found %v, want %v", got, want)
	}
	if src.Selectors == nil || src.Selectors.Item == "" {
		t.Fatalf("detected selectors not saved on the source: %+v", src.Selectors)
	}
	for _, f := range found {
		if f.Item.DateMissing {
			t.Errorf("%s: the date was not found with the detected selectors %+v", f.Item.URL, *src.Selectors)
		}
	}
	// The saved selectors read the page as the detection did.
	e.mark(src, found)
	o.set("/news", "text/html", listingPage(-1, 6, now, ""))
	e.clock.Add(time.Hour)
	found, _ = e.mustPoll(src)
	if got, want := sortedURLs(found), wantNews(o, -1); !slices.Equal(got, want) {
		t.Errorf("second poll with saved selectors found %v, want %v", got, want)
	}
}

func TestListingNoListingIsAnError(t *testing.T) {
	e := newEnv(t, "www.gov.example")
	o := e.origin("www.gov.example")
	o.set("/about", "text/html", page("Gov", "About us", time.Time{}, paragraphs(1, 2)))
	src := e.addSource(communique.Source{Kind: communique.KindHTML, URL: o.URL + "/about"})
	_, _, err, src := e.poll(src)
	if err == nil || src.State.LastError == "" || src.Selectors != nil {
		t.Errorf("a page with no listing: err %v, state %q, selectors %+v", err, src.State.LastError, src.Selectors)
	}
}

// sitemap XML.

type smURL struct {
	Loc     string
	LastMod time.Time
	NewsPub time.Time
	Title   string
}

func urlset(urls ...smURL) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">` + "\n")
	for _, u := range urls {
		fmt.Fprintf(&b, "<url><loc>%s</loc>", html.EscapeString(u.Loc))
		if !u.LastMod.IsZero() {
			fmt.Fprintf(&b, "<lastmod>%s</lastmod>", u.LastMod.UTC().Format(time.RFC3339))
		}
		if u.Title != "" {
			fmt.Fprintf(&b, "<news:news><news:publication><news:name>Gov</news:name><news:language>en</news:language></news:publication><news:publication_date>%s</news:publication_date><news:title>%s</news:title></news:news>",
				u.NewsPub.UTC().Format(time.RFC3339), html.EscapeString(u.Title))
		}
		b.WriteString("</url>\n")
	}
	b.WriteString("</urlset>\n")
	return b.String()
}

func sitemapIndex(children map[string]time.Time) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	var locs []string
	for l := range children {
		locs = append(locs, l)
	}
	sort.Strings(locs)
	for _, l := range locs {
		fmt.Fprintf(&b, "<sitemap><loc>%s</loc><lastmod>%s</lastmod></sitemap>\n", l, children[l].UTC().Format(time.RFC3339))
	}
	b.WriteString("</sitemapindex>\n")
	return b.String()
}

func gz(t testing.TB, s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestSitemapIndexGzipChildren(t *testing.T) {
	e := newEnv(t, "www.gov.example")
	o := e.origin("www.gov.example")
	t0 := e.clock.Now()
	o.set("/sitemap.xml", "application/xml", sitemapIndex(map[string]time.Time{
		o.URL + "/sitemap-1.xml.gz": t0.Add(-2 * time.Hour),
		o.URL + "/sitemap-2.xml.gz": t0.Add(-time.Hour),
	}))
	o.set("/sitemap-1.xml.gz", "application/gzip", gz(t, urlset(
		smURL{Loc: o.URL + "/news/1", LastMod: t0.Add(-48 * time.Hour)},
		smURL{Loc: o.URL + "/news/2", LastMod: t0.Add(-30 * time.Hour)})))
	o.set("/sitemap-2.xml.gz", "application/x-gzip", gz(t, urlset(
		smURL{Loc: o.URL + "/news/3", LastMod: t0.Add(-3 * time.Hour)})))
	src := e.addSource(communique.Source{Kind: communique.KindSitemap, URL: o.URL + "/sitemap.xml"})

	found, src := e.mustPoll(src)
	if got, want := sortedURLs(found), wantNews(o, 1, 2, 3); !slices.Equal(got, want) {
		t.Fatalf("found %v, want %v", got, want)
	}
	for _, f := range found {
		if f.Recheck || f.Item.DateMissing {
			t.Errorf("%s: recheck %v, date missing %v", f.Item.URL, f.Recheck, f.Item.DateMissing)
		}
	}
	e.mark(src, found)

	// An hour later, one child changed, with one new URL; the other child
	// is not read again.
	e.clock.Add(time.Hour)
	o.set("/sitemap.xml", "application/xml", sitemapIndex(map[string]time.Time{
		o.URL + "/sitemap-1.xml.gz": t0.Add(-2 * time.Hour),
		o.URL + "/sitemap-2.xml.gz": t0.Add(30 * time.Minute),
	}))
	o.set("/sitemap-2.xml.gz", "application/x-gzip", gz(t, urlset(
		smURL{Loc: o.URL + "/news/3", LastMod: t0.Add(-3 * time.Hour)},
		smURL{Loc: o.URL + "/news/4", LastMod: t0.Add(20 * time.Minute)})))
	found, _ = e.mustPoll(src)
	if got, want := sortedURLs(found), wantNews(o, 4); !slices.Equal(got, want) {
		t.Errorf("second poll found %v, want %v", got, want)
	}
	if n := o.hit("/sitemap-1.xml.gz"); n != 1 {
		t.Errorf("an unchanged child sitemap was read %d times", n)
	}
}

func TestSitemapNews(t *testing.T) {
	e := newEnv(t, "www.gov.example")
	o := e.origin("www.gov.example")
	t0 := e.clock.Now()
	pub1, pub2 := t0.Add(-5*time.Hour), t0.Add(-2*time.Hour)
	o.set("/news-sitemap.xml", "application/xml", urlset(
		smURL{Loc: o.URL + "/news/1", NewsPub: pub1, Title: "Minister opens the new harbour"},
		smURL{Loc: o.URL + "/news/2", NewsPub: pub2, Title: "Council adopts the budget &amp; the reform"}))
	src := e.addSource(communique.Source{Kind: communique.KindSitemap, URL: o.URL + "/news-sitemap.xml"})
	found, src := e.mustPoll(src)
	if len(found) != 2 {
		t.Fatalf("found %v", urls(found))
	}
	byURL := map[string]communique.Item{}
	for _, f := range found {
		byURL[f.Item.URL] = f.Item
	}
	if it := byURL[o.URL+"/news/1"]; it.Title != "Minister opens the new harbour" || !it.Published.Equal(pub1) {
		t.Errorf("news/1: %q %v", it.Title, it.Published)
	}
	if it := byURL[o.URL+"/news/2"]; it.Title != "Council adopts the budget & the reform" || !it.Published.Equal(pub2) {
		t.Errorf("news/2: %q %v", it.Title, it.Published)
	}
	e.mark(src, found)

	// Later: only what was published since the last poll.
	e.clock.Add(time.Hour)
	pub3 := t0.Add(30 * time.Minute)
	o.set("/news-sitemap.xml", "application/xml", urlset(
		smURL{Loc: o.URL + "/news/1", NewsPub: pub1, Title: "Minister opens the new harbour"},
		smURL{Loc: o.URL + "/news/2", NewsPub: pub2, Title: "Council adopts the budget &amp; the reform"},
		smURL{Loc: o.URL + "/news/3", NewsPub: pub3, Title: "Elections called"}))
	found, _ = e.mustPoll(src)
	if got, want := sortedURLs(found), wantNews(o, 3); !slices.Equal(got, want) {
		t.Errorf("second poll found %v, want %v", got, want)
	}
}

func TestSitemapLastmodRecheckMakesRevision(t *testing.T) {
	e := newEnv(t, "www.gov.example")
	o := e.origin("www.gov.example")
	t0 := e.clock.Now()
	paras := paragraphs(7, 5)
	o.set("/news/1", "text/html", page("Gov", "The council meets on Monday", t0.Add(-4*time.Hour), paras))
	o.article("/news/2", "Gov", "Budget adopted", t0.Add(-3*time.Hour), 8)
	o.set("/sitemap.xml", "application/xml", urlset(
		smURL{Loc: o.URL + "/news/1", LastMod: t0.Add(-4 * time.Hour)},
		smURL{Loc: o.URL + "/news/2", LastMod: t0.Add(-3 * time.Hour)}))
	src := e.addSource(communique.Source{Kind: communique.KindSitemap, URL: o.URL + "/sitemap.xml", Organization: "Gov"})
	found, src := e.mustPoll(src)
	if len(found) != 2 {
		t.Fatalf("found %v", urls(found))
	}
	var id int64
	for _, f := range found {
		out, rel := e.ingest(src, f.Item)
		if out != OutcomeNew {
			t.Fatalf("%s: %s", f.Item.URL, out)
		}
		if f.Item.URL == o.URL+"/news/1" {
			id = rel.ID
		}
	}

	// The page is corrected, and the sitemap says so.
	e.clock.Add(2 * time.Hour)
	paras[2] = "Correction: the meeting was moved to Tuesday at the request of the delegation, and the press conference will follow it in the main hall."
	o.set("/news/1", "text/html", page("Gov", "The council meets on Monday", t0.Add(-4*time.Hour), paras))
	o.set("/sitemap.xml", "application/xml", urlset(
		smURL{Loc: o.URL + "/news/1", LastMod: t0.Add(time.Hour)},
		smURL{Loc: o.URL + "/news/2", LastMod: t0.Add(-3 * time.Hour)}))
	found, src = e.mustPoll(src)
	if len(found) != 1 || found[0].Item.URL != o.URL+"/news/1" || !found[0].Recheck {
		t.Fatalf("second poll: %+v", found)
	}
	out, rel := e.ingest(src, found[0].Item)
	if out != OutcomeRevision || rel.ID != id {
		t.Fatalf("recheck of a changed page: %s (release %d, want %d)", out, rel.ID, id)
	}
	if revs := e.revisions(id); len(revs) != 2 || !strings.Contains(revs[1].Text, "moved to Tuesday") || strings.Contains(revs[0].Text, "moved to Tuesday") {
		t.Errorf("revisions: %d", len(revs))
	}
	if r := e.release(id); !strings.Contains(r.Text, "moved to Tuesday") || r.Revisions != 2 {
		t.Errorf("the release's text is not the new one (%d revisions)", r.Revisions)
	}

	// The lastmod moves again but the text did not change: no revision.
	e.clock.Add(2 * time.Hour)
	o.set("/sitemap.xml", "application/xml", urlset(
		smURL{Loc: o.URL + "/news/1", LastMod: t0.Add(3 * time.Hour)},
		smURL{Loc: o.URL + "/news/2", LastMod: t0.Add(-3 * time.Hour)}))
	found, _ = e.mustPoll(src)
	if len(found) != 1 || !found[0].Recheck {
		t.Fatalf("third poll: %+v", found)
	}
	if out, _ := e.ingest(src, found[0].Item); out != OutcomeUnchanged {
		t.Errorf("recheck of an unchanged page: %s", out)
	}
	if n := len(e.revisions(id)); n != 2 {
		t.Errorf("%d revisions, want 2", n)
	}
}

func TestSitemapFirstPollTakesNewest(t *testing.T) {
	e := newEnv(t, "www.gov.example")
	o := e.origin("www.gov.example")
	t0 := e.clock.Now()
	var us []smURL
	for i := range maxFirstSitemapItems + 50 {
		us = append(us, smURL{Loc: fmt.Sprintf("%s/news/%d", o.URL, i), LastMod: t0.Add(-time.Duration(i) * time.Hour)})
	}
	// Listed oldest first, as many sites do.
	slices.Reverse(us)
	o.set("/sitemap.xml", "application/xml", urlset(us...))
	src := e.addSource(communique.Source{Kind: communique.KindSitemap, URL: o.URL + "/sitemap.xml"})
	found, _ := e.mustPoll(src)
	if len(found) != maxFirstSitemapItems {
		t.Fatalf("first poll of a %d-URL sitemap took %d", len(us), len(found))
	}
	for _, f := range found {
		if f.Item.Updated.Before(t0.Add(-time.Duration(maxFirstSitemapItems-1) * time.Hour)) {
			t.Errorf("an old URL was taken before newer ones: %s (%v)", f.Item.URL, f.Item.Updated)
			break
		}
	}
}

func TestSitemapBrokenChild(t *testing.T) {
	e := newEnv(t, "www.gov.example")
	o := e.origin("www.gov.example")
	t0 := e.clock.Now()
	o.set("/sitemap.xml", "application/xml", sitemapIndex(map[string]time.Time{
		o.URL + "/sitemap-1.xml.gz": t0.Add(-time.Hour),
		o.URL + "/sitemap-2.xml":    t0.Add(-time.Hour),
		o.URL + "/sitemap-old.xml":  t0.Add(-900 * time.Hour), // gone: 404
	}))
	o.set("/sitemap-1.xml.gz", "application/gzip", "\x1f\x8b\x08\x00broken")
	o.set("/sitemap-2.xml", "application/xml", urlset(smURL{Loc: o.URL + "/news/1", LastMod: t0}))
	src := e.addSource(communique.Source{Kind: communique.KindSitemap, URL: o.URL + "/sitemap.xml"})

	// The children that can be read are read: one broken or stale child
	// does not stop the source for good.
	found, _, err, src := e.poll(src)
	if err != nil {
		t.Fatalf("a corrupt and a missing child failed the whole index: %v", err)
	}
	if got, want := sortedURLs(found), wantNews(o, 1); !slices.Equal(got, want) {
		t.Errorf("found %v, want %v", got, want)
	}
	if o.hit("/sitemap-old.xml") != 1 {
		t.Error("the stale child was not tried")
	}

	// An index none of whose children can be read is an error on the
	// source, naming a child; its validator is not kept.
	e2 := newEnv(t, "www.gov.example")
	o2 := e2.origin("www.gov.example")
	o2.set("/sitemap.xml", "application/xml", sitemapIndex(map[string]time.Time{o2.URL + "/sitemap-1.xml.gz": t0}))
	o2.set("/sitemap-1.xml.gz", "application/gzip", "\x1f\x8b\x08\x00broken")
	src2 := e2.addSource(communique.Source{Kind: communique.KindSitemap, URL: o2.URL + "/sitemap.xml"})
	found, _, err, src2 = e2.poll(src2)
	if err == nil || len(found) != 0 || !strings.Contains(src2.State.LastError, "sitemap-1.xml.gz") {
		t.Errorf("an index of broken children: %d found, err %v, state %q", len(found), err, src2.State.LastError)
	}
	if src2.State.ETag != "" {
		t.Error("the index's validator was kept although its children were not read")
	}

	// A child failing for a while (a 502) fails the poll, to be read again.
	o2.set("/sitemap-1.xml.gz", "application/gzip", gz(t, urlset(smURL{Loc: o2.URL + "/news/1", LastMod: t0})))
	o2.set("/sitemap.xml", "application/xml", sitemapIndex(map[string]time.Time{o2.URL + "/sitemap-1.xml.gz": t0, o2.URL + "/sitemap-2.xml": t0}))
	o2.status("/sitemap-2.xml", 502)
	e2.clock.Add(time.Hour)
	if _, _, err, _ = e2.poll(src2); err == nil {
		t.Error("a 502 on a child sitemap was skipped")
	}
}

// A URL can appear in a sitemap after a poll with a date before it (the
// sitemap is regenerated or cached for a few minutes after the page is
// published): it is still taken by the next poll.
func TestSitemapLateEntryNotLost(t *testing.T) {
	e := newEnv(t, "www.gov.example")
	o := e.origin("www.gov.example")
	t0 := e.clock.Now()
	o.set("/news-sitemap.xml", "application/xml", urlset(
		smURL{Loc: o.URL + "/news/1", NewsPub: t0.Add(-3 * time.Hour), Title: "One"}))
	src := e.addSource(communique.Source{Kind: communique.KindSitemap, URL: o.URL + "/news-sitemap.xml"})
	found, src := e.mustPoll(src)
	e.mark(src, found)

	// Published five minutes before that poll, listed only after it.
	o.set("/news-sitemap.xml", "application/xml", urlset(
		smURL{Loc: o.URL + "/news/1", NewsPub: t0.Add(-3 * time.Hour), Title: "One"},
		smURL{Loc: o.URL + "/news/2", NewsPub: t0.Add(-5 * time.Minute), Title: "Two"}))
	e.clock.Add(30 * time.Minute)
	found, src = e.mustPoll(src)
	if got, want := sortedURLs(found), wantNews(o, 2); !slices.Equal(got, want) {
		t.Fatalf("second poll found %v, want %v", got, want)
	}
	e.mark(src, found)
	// Seen URLs within that margin are not taken again, nor rechecked.
	e.clock.Add(30 * time.Minute)
	if found, _ = e.mustPoll(src); len(found) != 0 {
		t.Errorf("third poll found %+v", found)
	}
}

// A next link that leads to a page without the listing (an empty last page,
// a page that is gone) ends the pagination; it does not fail the source,
// which would otherwise never have a first successful poll.
func TestListingBrokenLaterPage(t *testing.T) {
	e := newEnv(t, "www.gov.example")
	o := e.origin("www.gov.example")
	now := e.clock.Now()
	o.set("/news", "text/html", listingPage(0, 3, now, "/news?page=2"))
	o.set("/news?page=2", "text/html", listingPage(3, 6, now, "/news?page=3"))
	o.set("/news?page=3", "text/html", `<html><body><main><p>No results.</p><a class="next" href="/news?page=4">Next</a></main></body></html>`)
	o.status("/news?page=4", 404)
	sel := listingSelectors
	src := e.addSource(communique.Source{Kind: communique.KindHTML, URL: o.URL + "/news", Selectors: &sel})
	found, _, err, src := e.poll(src)
	if err != nil {
		t.Fatalf("a broken third page failed the source: %v", err)
	}
	if got, want := sortedURLs(found), wantNews(o, 0, 1, 2, 3, 4, 5); !slices.Equal(got, want) {
		t.Errorf("found %v, want %v", got, want)
	}
	if src.State.LastSuccess.IsZero() {
		t.Error("no success recorded")
	}

	// A later page that fails for a while (a 502) fails the poll: the next
	// one is a first poll again, and reads all pages.
	e3 := newEnv(t, "www.gov.example")
	o3 := e3.origin("www.gov.example")
	o3.set("/news", "text/html", listingPage(0, 3, now, "/news?page=2"))
	o3.status("/news?page=2", 502)
	src3 := e3.addSource(communique.Source{Kind: communique.KindHTML, URL: o3.URL + "/news", Selectors: &sel})
	if _, _, err, src3 = e3.poll(src3); err == nil || !src3.State.LastSuccess.IsZero() {
		t.Fatalf("a 502 on page 2: err %v", err)
	}
	o3.set("/news?page=2", "text/html", listingPage(3, 5, now, ""))
	e3.clock.Add(time.Hour)
	if found, _ := e3.mustPoll(src3); len(found) != 5 {
		t.Errorf("the retried first poll found %v", urls(found))
	}

	// A broken first page is still an error.
	e2 := newEnv(t, "www.gov.example")
	o2 := e2.origin("www.gov.example")
	o2.set("/news", "text/html", `<html><body><p>No results.</p></body></html>`)
	src2 := e2.addSource(communique.Source{Kind: communique.KindHTML, URL: o2.URL + "/news", Selectors: &sel})
	if _, _, err, _ := e2.poll(src2); err == nil {
		t.Error("a first page without the listing polled fine")
	}
}
