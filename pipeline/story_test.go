package pipeline

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/enrich"
)

// storyRelease is one entry of testdata/stories.json (a copy of
// dedup/testdata/stories.json): releases of two originators about one
// visit, a NATO release about something else, and a late one.
type storyRelease struct {
	ID           string    `json:"id"`
	Story        string    `json:"story"`
	Organization string    `json:"organization"`
	URL          string    `json:"url"`
	Published    time.Time `json:"published"`
	Title        string    `json:"title"`
	Text         string    `json:"text"`
}

func TestStoryGroupsTwoOriginators(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "stories.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rs []storyRelease
	if err := json.Unmarshal(b, &rs); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, "www.nato.int", "www.pmo.iq")
	en, err := enrich.New()
	if err != nil {
		t.Fatal(err)
	}
	e.p.Enricher = en
	sources := map[string]*communique.Source{}
	ids := map[string]int64{}
	for _, r := range rs {
		u, err := url.Parse(r.URL)
		if err != nil {
			t.Fatal(err)
		}
		o := e.origin(u.Hostname())
		o.set(u.Path, "text/html; charset=utf-8", page(strings.SplitN(r.Organization, ",", 2)[0], r.Title, r.Published, strings.Split(r.Text, "\n\n")))
		src := sources[r.Organization]
		if src == nil {
			src = e.addSource(communique.Source{Kind: communique.KindFeed, URL: o.URL + "/feed.xml", Organization: r.Organization})
			sources[r.Organization] = src
		}
		out, rel := e.ingest(src, communique.Item{Key: "guid:" + r.ID, URL: o.URL + u.Path, Title: r.Title, Published: r.Published})
		if out != OutcomeNew {
			t.Fatalf("%s: %s", r.ID, out)
		}
		ids[r.ID] = rel.ID
	}
	story := map[string]int64{}
	for id, rid := range ids {
		story[id] = e.release(rid).StoryID
	}
	if story["nato-sudani-visit"] == 0 || story["nato-sudani-visit"] != story["iraq-pmo-visit"] {
		t.Errorf("NATO's and Iraq's releases about the visit are not one story: %v", story)
	}
	if s := story["nato-nmi-command"]; s != 0 && s == story["nato-sudani-visit"] {
		t.Errorf("a release about something else joined the story: %v", story)
	}
	if s := story["nato-sudani-visit-late"]; s != 0 && s == story["nato-sudani-visit"] {
		t.Errorf("a release twelve days later joined the story: %v", story)
	}
}

// readCounter counts the releases read back one by one.
type readCounter struct {
	communique.Store
	reads int
}

func (c *readCounter) Release(ctx context.Context, id int64) (*communique.Release, error) {
	c.reads++
	return c.Store.Release(ctx, id)
}

// A new release is grouped as the pipeline holds it: reading it back cost
// three queries a release on PostgreSQL. A release is read whole only when
// its story is written.
func TestNewReleaseIsNotReadBack(t *testing.T) {
	e := newEnv(t, "www.nato.int")
	en, err := enrich.New()
	if err != nil {
		t.Fatal(err)
	}
	e.p.Enricher = en
	rc := &readCounter{Store: e.store}
	e.p.Store = rc
	o := e.origin("www.nato.int")
	pub := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	o.set("/news/1.html", "text/html; charset=utf-8", page("NATO", "Secretary General welcomes the Prime Minister of Iraq", pub,
		[]string{"NATO Secretary General Mark Rutte welcomed the Prime Minister of Iraq, Mohammed Shia' al-Sudani, to NATO Headquarters in Brussels on Monday.",
			"They discussed the NATO Mission Iraq and regional security."}))
	src := e.addSource(communique.Source{Kind: communique.KindFeed, URL: o.URL + "/feed.xml", Organization: "NATO"})
	out, rel := e.ingest(src, communique.Item{Key: "guid:1", URL: o.URL + "/news/1.html", Published: pub})
	if out != OutcomeNew {
		t.Fatalf("ingest: %s", out)
	}
	if rel.Entities == nil || len(rel.Entities.People) == 0 {
		t.Fatalf("no people found, so no story was looked for: %+v", rel.Entities)
	}
	if rc.reads != 0 {
		t.Errorf("ingesting a new release read %d releases back", rc.reads)
	}
}
