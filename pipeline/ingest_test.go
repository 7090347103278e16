package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/enrich"
)

// The seed pair: NATO's page and Mirage News's copy of it (a copy of
// ../shared/corpus/seed in testdata/seed). Each is served at its real path by
// an origin named after its real host, with the real hosts in the pages
// rewritten to the test origins, so that the copy's "View in full here" link
// leads to the test's NATO origin.
const (
	natoPath   = "/cps/en/natohq/news_237412.htm"
	miragePath = "/nato-chief-welcomes-iraqi-prime-minister-1529944/"
)

type seed struct {
	e                 *env
	nato, mirage      *origin
	natoSrc, mirSrc   *communique.Source
	natoHTML, mirHTML string
	natoURL, mirURL   string
}

func newSeed(t *testing.T) *seed {
	t.Helper()
	e := newEnv(t, "www.nato.int", "www.miragenews.com")
	s := &seed{e: e, nato: e.origin("www.nato.int"), mirage: e.origin("www.miragenews.com")}
	fix := strings.NewReplacer("https://www.nato.int", s.nato.URL, "https://www.miragenews.com", s.mirage.URL)
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata", "seed", name))
		if err != nil {
			t.Fatal(err)
		}
		return fix.Replace(string(b))
	}
	s.natoHTML, s.mirHTML = read("nato-original.html"), read("mirage-copy.html")
	s.nato.set(natoPath, "text/html; charset=utf-8", s.natoHTML)
	s.mirage.set(miragePath, "text/html; charset=utf-8", s.mirHTML)
	s.natoURL, s.mirURL = s.nato.URL+natoPath, s.mirage.URL+miragePath
	s.natoSrc = e.addSource(communique.Source{Kind: communique.KindFeed, URL: s.nato.URL + "/feed.xml", Organization: "NATO"})
	s.mirSrc = e.addSource(communique.Source{Kind: communique.KindFeed, URL: s.mirage.URL + "/feed.xml", Organization: "Mirage News"})
	return s
}

func (s *seed) natoItem() communique.Item {
	return communique.Item{Key: "guid:nato-237412", URL: s.natoURL, Title: "NATO Chief welcomes Iraqi Prime Minister", Published: time.Date(2025, 9, 8, 12, 0, 0, 0, time.UTC)}
}

func (s *seed) mirageItem() communique.Item {
	return communique.Item{Key: "guid:mirage-1529944", URL: s.mirURL, Title: "NATO Chief Welcomes Iraqi Prime Minister", Published: time.Date(2025, 9, 8, 14, 0, 0, 0, time.UTC)}
}

// checkOne checks that the store holds one release, at NATO's URL, with the
// Mirage copy attached and one revision.
func (s *seed) checkOne(t *testing.T) *communique.Release {
	t.Helper()
	rels := s.e.releases()
	if len(rels) != 1 {
		var us []string
		for _, r := range rels {
			us = append(us, r.URL)
		}
		t.Fatalf("%d releases, want 1: %v", len(rels), us)
	}
	r := s.e.release(rels[0].ID)
	if r.URL != communique.CanonicalURL(s.natoURL) {
		t.Errorf("release URL %s, want the originator's %s", r.URL, s.natoURL)
	}
	if !hasCopy(r, s.mirURL) {
		t.Errorf("copies %+v lack %s", r.Copies, s.mirURL)
	}
	if hasCopy(r, s.natoURL) {
		t.Errorf("the original is listed among its own copies: %+v", r.Copies)
	}
	if r.Organization != "NATO" {
		t.Errorf("organisation %q", r.Organization)
	}
	if r.Revisions != 1 {
		t.Errorf("%d revisions, want 1", r.Revisions)
	}
	if strings.Contains(r.Text, "View in full here") || strings.Contains(r.Text, "Mirage.News does not take") {
		t.Error("the republisher's footer is in the release text")
	}
	if !strings.Contains(r.Text, "Secretary General Mark Rutte welcomed Prime Minister") {
		t.Error("the release text lost the body")
	}
	return r
}

func TestSeedOriginalThenCopy(t *testing.T) {
	s := newSeed(t)
	out, rel := s.e.ingest(s.natoSrc, s.natoItem())
	if out != OutcomeNew {
		t.Fatalf("original: %s", out)
	}
	text := s.e.release(rel.ID).Text
	out, rel2 := s.e.ingest(s.mirSrc, s.mirageItem())
	if out != OutcomeCopy || rel2.ID != rel.ID {
		t.Errorf("copy after the original: %s, release %d (want copy of %d)", out, rel2.ID, rel.ID)
	}
	r := s.checkOne(t)
	if r.Text != text {
		t.Error("a republisher's copy changed the original's text")
	}
	// The copy's page was read; the original was not fetched again.
	if n := s.nato.hit(natoPath); n != 1 {
		t.Errorf("the original was fetched %d times", n)
	}
}

func TestSeedCopyThenOriginal(t *testing.T) {
	s := newSeed(t)
	out, rel := s.e.ingest(s.mirSrc, s.mirageItem())
	if out != OutcomeNew {
		t.Fatalf("copy: %s", out)
	}
	if rel.URL != communique.CanonicalURL(s.natoURL) {
		t.Errorf("a copy naming its original was stored at %s", rel.URL)
	}
	if n := s.nato.hit(natoPath); n != 1 {
		t.Errorf("the original named by the copy was fetched %d times, want 1", n)
	}
	out, rel2 := s.e.ingest(s.natoSrc, s.natoItem())
	if rel2.ID != rel.ID || out == OutcomeNew || out == OutcomeRevision {
		t.Errorf("original after its copy: %s, release %d (want %d)", out, rel2.ID, rel.ID)
	}
	s.checkOne(t)
}

func TestSeedRepointFromCopyToOriginal(t *testing.T) {
	s := newSeed(t)
	// NATO's site is down when the copy arrives: the copy's text stands in,
	// under the original's URL.
	s.nato.status(natoPath, 500)
	out, rel := s.e.ingest(s.mirSrc, s.mirageItem())
	if out != OutcomeNew {
		t.Fatalf("copy: %s", out)
	}
	stored := s.e.release(rel.ID)
	if stored.SiteName != "Mirage News" {
		t.Fatalf("expected the copy's text to stand in; site %q", stored.SiteName)
	}

	s.nato.set(natoPath, "text/html; charset=utf-8", s.natoHTML)
	s.e.clock.Add(time.Hour)
	out, rel2 := s.e.ingest(s.natoSrc, s.natoItem())
	if out != OutcomeRepointed || rel2.ID != rel.ID {
		t.Fatalf("original after a stand-in copy: %s, release %d (want repointed %d)", out, rel2.ID, rel.ID)
	}
	r := s.checkOne(t)
	if r.SiteName == "Mirage News" {
		t.Error("the release still has the copy's page")
	}
	if r.Title != "NATO Chief welcomes Iraqi Prime Minister" {
		t.Errorf("title %q, want the original's", r.Title)
	}
	// The copy arrives again (a second feed entry): nothing changes.
	if out, _ := s.e.ingest(s.mirSrc, communique.Item{Key: "guid:again", URL: s.mirURL + "?utm_source=x"}); out != OutcomeCopy && out != OutcomeUnchanged {
		t.Errorf("the copy again: %s", out)
	}
	if got := s.checkOne(t); got.Text != r.Text || len(got.Copies) != len(r.Copies) {
		t.Error("the copy arriving again changed the release")
	}
}

func TestSeedEnriched(t *testing.T) {
	s := newSeed(t)
	en, err := enrich.New()
	if err != nil {
		t.Fatal(err)
	}
	s.e.p.Enricher = en
	s.e.ingest(s.mirSrc, s.mirageItem())
	s.e.ingest(s.natoSrc, s.natoItem())
	r := s.checkOne(t)
	if r.Entities == nil {
		t.Fatal("not enriched")
	}
	found := false
	for _, p := range r.Entities.People {
		found = found || p.Name == "Mark Rutte"
	}
	if !found {
		t.Errorf("Mark Rutte not among %+v", r.Entities.People)
	}
	if r.Language != "en" {
		t.Errorf("language %q", r.Language)
	}
}

func TestIngestRevisionAndCosmeticChange(t *testing.T) {
	e := newEnv(t, "www.gov.example")
	o := e.origin("www.gov.example")
	src := e.addSource(communique.Source{Kind: communique.KindFeed, URL: o.URL + "/feed.xml", Organization: "Gov"})
	pub := e.clock.Now().Add(-time.Hour)
	paras := paragraphs(42, 5)
	paras[1] = `The minister said: "the council's decision is final" -- and it takes effect today.`
	o.set("/news/1", "text/html", page("Gov", "Council decides", pub, paras))
	it := communique.Item{Key: "guid:1", URL: o.URL + "/news/1", Title: "Council decides", Published: pub}
	out, rel := e.ingest(src, it)
	if out != OutcomeNew {
		t.Fatalf("first: %s", out)
	}

	// Cosmetic: curly quotes, an em dash, the text reflowed.
	cosmetic := append([]string(nil), paras...)
	cosmetic[1] = "The minister  said:\n “the council’s decision is final” — and it takes effect today."
	cosmetic[3] = "  " + strings.ReplaceAll(paras[3], " ", "\n  ") + "  "
	o.set("/news/1", "text/html", page("Gov", "Council decides", pub, cosmetic))
	e.clock.Add(time.Hour)
	if out, _ := e.ingest(src, it); out != OutcomeUnchanged {
		t.Errorf("a cosmetic change: %s, want unchanged", out)
	}
	if n := len(e.revisions(rel.ID)); n != 1 {
		t.Errorf("a cosmetic change made %d revisions", n)
	}

	// A changed paragraph is a revision, the old text kept.
	changed := append([]string(nil), paras...)
	changed[2] = "Correction: the decision applies from next month, not from today, after a vote of the committee on the transitional arrangements."
	o.set("/news/1", "text/html", page("Gov", "Council decides", pub, changed))
	e.clock.Add(time.Hour)
	out, rel2 := e.ingest(src, it)
	if out != OutcomeRevision || rel2.ID != rel.ID {
		t.Fatalf("a changed paragraph: %s (release %d, want %d)", out, rel2.ID, rel.ID)
	}
	revs := e.revisions(rel.ID)
	if len(revs) != 2 {
		t.Fatalf("%d revisions, want 2", len(revs))
	}
	if strings.Contains(revs[0].Text, "Correction:") || !strings.Contains(revs[1].Text, "Correction:") || revs[0].Number != 1 || revs[1].Number != 2 {
		t.Errorf("revisions out of order or wrong: %q / %q", revs[0].Text[:40], revs[1].Text[:40])
	}
	r := e.release(rel.ID)
	if !strings.Contains(r.Text, "Correction:") || r.Revisions != 2 {
		t.Errorf("the release's text is not the revised one (%d revisions)", r.Revisions)
	}
	if !r.Updated.Equal(e.clock.Now()) || r.Retrieved.Equal(r.Updated) {
		t.Errorf("retrieved %v, updated %v (now %v)", r.Retrieved, r.Updated, e.clock.Now())
	}
	if len(e.releases()) != 1 {
		t.Error("a revision made a new release")
	}
}

func TestIngestTwiceDoublesNothing(t *testing.T) {
	// A crash after the release was stored but before MarkItem: the job
	// runs again with the same item.
	s := newSeed(t)
	for range 2 {
		if _, _, err := s.e.p.Ingest(s.e.ctx, s.natoSrc, s.natoItem(), false); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if _, _, err := s.e.p.Ingest(s.e.ctx, s.mirSrc, s.mirageItem(), false); err != nil {
			t.Fatal(err)
		}
	}
	r := s.checkOne(t)
	if len(r.Copies) != 1 {
		t.Errorf("%d copies, want 1: %+v", len(r.Copies), r.Copies)
	}
	for _, c := range []struct {
		src *communique.Source
		it  communique.Item
	}{{s.natoSrc, s.natoItem()}, {s.mirSrc, s.mirageItem()}} {
		if seen, err := s.e.seen(c.src.ID, c.it.Key, c.it.URL); err != nil || !seen {
			t.Errorf("item %s not marked: %v", c.it.URL, err)
		}
	}
}

func TestIngestFetchFailures(t *testing.T) {
	e := newEnv(t, "www.gov.example")
	o := e.origin("www.gov.example")
	src := e.addSource(communique.Source{Kind: communique.KindFeed, URL: o.URL + "/feed.xml", Organization: "Gov"})
	o.status("/news/1", 502)
	it := communique.Item{Key: "guid:1", URL: o.URL + "/news/1", Title: "Ports reopen", Published: e.clock.Now(),
		Summary: "The ports reopen on Monday after the storm, the ministry of transport announced in a statement today."}

	// A transient failure is returned so that the job is retried...
	if _, _, err := e.p.Ingest(e.ctx, src, it, false); err == nil {
		t.Fatal("a 502 was not an error")
	}
	if len(e.releases()) != 0 {
		t.Fatal("a failed ingest stored a release")
	}
	if seen, _ := e.seen(src.ID, it.Key, it.URL); seen {
		t.Fatal("a failed ingest marked the item")
	}
	// ...and on the last attempt the feed's content stands in.
	out, rel, err := e.p.Ingest(e.ctx, src, it, true)
	if err != nil || out != OutcomeNew {
		t.Fatalf("last attempt: %s, %v", out, err)
	}
	if r := e.release(rel.ID); !r.Fallback || !strings.Contains(r.Text, "ports reopen") {
		t.Errorf("fallback %v, text %q", r.Fallback, r.Text)
	}

	// A page that is gone (404) is no reason to retry.
	it2 := communique.Item{Key: "guid:2", URL: o.URL + "/news/2", Title: "Bridge closed", Published: e.clock.Now(),
		Summary: "The old bridge over the river is closed to heavy lorries from tomorrow for inspection and repairs."}
	out, rel, err = e.p.Ingest(e.ctx, src, it2, false)
	if err != nil || out != OutcomeNew || !rel.Fallback {
		t.Errorf("a 404 page: %s, %v", out, err)
	}
}

// republished renders paras as a republisher's page: its own wrapper, a
// shouting headline, the last paragraph cut, and a footer of its own.
func republished(title string, paras []string) string {
	body := append([]string{"By our newsroom staff."}, paras[:len(paras)-1]...)
	body = append(body, "This article was republished from a public release. Republish Daily takes no position on the matter. Subscribe to our newsletter for more.")
	return strings.Replace(page("Republish Daily", strings.ToUpper(title), time.Time{}, body), "<main>", `<main><div class="share">Share this</div>`, 1)
}

func TestNearDuplicateCopies(t *testing.T) {
	for _, copyFirst := range []bool{false, true} {
		name := "original first"
		if copyFirst {
			name = "copy first"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, "www.gov.example", "www.republish.example")
			gov, rep := e.origin("www.gov.example"), e.origin("www.republish.example")
			govSrc := e.addSource(communique.Source{Kind: communique.KindFeed, URL: gov.URL + "/feed.xml", Organization: "Gov"})
			repSrc := e.addSource(communique.Source{Kind: communique.KindFeed, URL: rep.URL + "/feed.xml", Organization: "Republish Daily"})
			pub := e.clock.Now().Add(-2 * time.Hour)
			paras := paragraphs(77, 6)
			gov.set("/news/77", "text/html", page("Gov", "Ministry announces new harbour rules", pub, paras))
			rep.set("/2026/03/harbour-rules", "text/html", republished("Ministry announces new harbour rules", paras))
			orig := communique.Item{Key: "guid:77", URL: gov.URL + "/news/77", Title: "Ministry announces new harbour rules", Published: pub}
			cp := communique.Item{Key: "guid:rep-1", URL: rep.URL + "/2026/03/harbour-rules", Title: "MINISTRY ANNOUNCES NEW HARBOUR RULES", Published: pub.Add(time.Hour)}

			// A different release of the same originator is no copy.
			gov.set("/news/78", "text/html", page("Gov", "Ministry announces new harbour fees", pub, paragraphs(78, 6)))
			if out, _ := e.ingest(govSrc, communique.Item{Key: "guid:78", URL: gov.URL + "/news/78", Published: pub}); out != OutcomeNew {
				t.Fatalf("another release: %s", out)
			}

			var id int64
			if copyFirst {
				out, rel := e.ingest(repSrc, cp)
				if out != OutcomeNew {
					t.Fatalf("copy: %s", out)
				}
				id = rel.ID
				out, rel = e.ingest(govSrc, orig)
				if out != OutcomeRepointed || rel.ID != id {
					t.Fatalf("original after its copy: %s (release %d, want %d)", out, rel.ID, id)
				}
			} else {
				out, rel := e.ingest(govSrc, orig)
				if out != OutcomeNew {
					t.Fatalf("original: %s", out)
				}
				id = rel.ID
				text := e.release(id).Text
				out, rel = e.ingest(repSrc, cp)
				if out != OutcomeCopy || rel.ID != id {
					t.Fatalf("copy after the original: %s (release %d, want %d)", out, rel.ID, id)
				}
				if e.release(id).Text != text {
					t.Error("the copy changed the original's text")
				}
			}
			r := e.release(id)
			if r.URL != communique.CanonicalURL(orig.URL) || !hasCopy(r, cp.URL) || len(r.Copies) != 1 {
				t.Errorf("release at %s with copies %+v", r.URL, r.Copies)
			}
			if r.Revisions != 1 || strings.Contains(r.Text, "Republish Daily") || r.Organization != "Gov" {
				t.Errorf("%d revisions, organisation %q, text has the republisher's footer: %v", r.Revisions, r.Organization, strings.Contains(r.Text, "Republish Daily"))
			}
			if n := len(e.releases()); n != 2 {
				t.Errorf("%d releases, want 2", n)
			}
		})
	}
}

// An item that names no page is not published (there is no original to
// link to), and is marked seen so that no poll retries it.
func TestIngestItemWithoutLink(t *testing.T) {
	e := newEnv(t, "www.gov.example")
	o := e.origin("www.gov.example")
	src := e.addSource(communique.Source{Kind: communique.KindFeed, URL: o.URL + "/feed.xml", Organization: "Gov"})
	it := communique.Item{Key: "guid:abc-123", Title: "Statement on ports", Published: e.clock.Now(),
		Summary: "The ports reopen on Monday after the storm, the ministry of transport announced today."}
	out, rel, err := e.p.Ingest(e.ctx, src, it, false)
	if err != nil || out != OutcomeSkipped || rel != nil {
		t.Fatalf("an item without a link: %v %v %v, want skipped", out, rel, err)
	}
	if seen, err := e.seen(src.ID, it.Key, it.URL); err != nil || !seen {
		t.Errorf("a skipped item is not marked seen (%v): every poll would retry it", err)
	}
	if rels := e.releases(); len(rels) != 0 {
		t.Errorf("%d releases stored from an item without a link", len(rels))
	}
}

// Ingests of one release from several sources at once store it once: the
// others become its copies, not releases of their own.
func TestIngestConcurrentCopies(t *testing.T) {
	hosts := []string{"a.example", "b.example", "c.example", "d.example", "e.example", "f.example"}
	e := newEnv(t, hosts...)
	var srcs []*communique.Source
	var items []communique.Item
	for _, h := range hosts {
		o := e.origin(h)
		o.article("/news/1", "Site "+h, "Ports reopen after the storm", e.clock.Now(), 42)
		srcs = append(srcs, e.addSource(communique.Source{Kind: communique.KindFeed, URL: o.URL + "/feed.xml", Organization: "Ports Authority"}))
		items = append(items, communique.Item{Key: "guid:1", URL: o.URL + "/news/1", Title: "Ports reopen after the storm", Published: e.clock.Now()})
	}
	// Widen the window between looking up and storing, so that without
	// the one-decision-at-a-time rule the ingests would all find nothing.
	e.p.Store = slowLookups{e.p.Store}
	var wg sync.WaitGroup
	for i := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := e.p.Ingest(e.ctx, srcs[i], items[i], false); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if rels := e.releases(); len(rels) != 1 {
		t.Errorf("%d releases from %d simultaneous ingests of one text, want 1", len(rels), len(hosts))
	}
}

// slowLookups is a store whose matching takes a while.
type slowLookups struct{ communique.Store }

func (s slowLookups) Match(ctx context.Context, q communique.MatchQuery) (*communique.Matches, error) {
	time.Sleep(20 * time.Millisecond)
	return s.Store.Match(ctx, q)
}
