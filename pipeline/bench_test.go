package pipeline

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/communique-news/communique"
)

// BenchmarkIngest measures one new release through the whole stage: fetch
// over loopback (no host delay), extract, edit, fingerprint, de-duplicate
// against what is stored, store. Each iteration is a different page, so
// each is a new release and the store grows as it would.
func BenchmarkIngest(b *testing.B) {
	e := newEnv(b, "www.gov.example")
	o := e.origin("www.gov.example")
	pub := e.clock.Now().Add(-time.Hour)
	o.handlePrefix("/a/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/a/"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page("Gov", fmt.Sprintf("Release %d of the ministry", n), pub, paragraphs(uint64(n)+1, 8)))
	}))
	src := e.addSource(communique.Source{Kind: communique.KindFeed, URL: o.URL + "/feed.xml", Organization: "Gov"})
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		u := fmt.Sprintf("%s/a/%d", o.URL, n)
		n++
		out, rel, err := e.p.Ingest(e.ctx, src, communique.Item{Key: "url:" + u, URL: u, Published: pub}, false)
		if err != nil {
			b.Fatalf("%s: %v", u, err)
		}
		if out != OutcomeNew || rel.Fallback || rel.WordCount < 100 {
			b.Fatalf("%s: %s (fallback %v, %d words)", u, out, rel.Fallback, rel.WordCount)
		}
	}
}

// BenchmarkPoll measures polling a 50-item feed whose items are all seen:
// fetch (no validator, so the body comes every time), parse, 50 lookups.
func BenchmarkPoll(b *testing.B) {
	e := newEnv(b, "www.gov.example")
	o := e.origin("www.gov.example")
	body := rss("", "", feedItems(o, 0, 50, e.clock.Now())...)
	o.handle("/feed.xml", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, body)
	}))
	src := e.addSource(communique.Source{Kind: communique.KindFeed, URL: o.URL + "/feed.xml"})
	found, _, err := e.p.Poll(e.ctx, src)
	if err != nil || len(found) != 50 {
		b.Fatalf("first poll: %d items, %v", len(found), err)
	}
	e.mark(src, found)
	b.ReportAllocs()
	for b.Loop() {
		found, _, err := e.p.Poll(e.ctx, src)
		if err != nil || len(found) != 0 {
			b.Fatalf("%d items, %v", len(found), err)
		}
	}
}
