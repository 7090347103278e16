package sqlite

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/communique-news/communique"
)

// TestCaps runs queries past the bounds (lowered here) that keep work
// bounded at scale: date order stays exact, pagination complete, Total -1,
// relevance ranks the newest matches, and facets count a sample.
func TestCaps(t *testing.T) {
	db := testDB(t)
	db.caps = caps{count: 5, rank: 4, facet: 6, df: 1000}
	ctx := context.Background()
	t0 := time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)
	var rs []*communique.Release
	for i := range 20 {
		// Publication order differs from insertion order.
		pub := t0.Add(time.Duration((i*7)%20) * time.Hour)
		org := "NATO"
		if i%2 == 1 {
			org = "OSCE"
		}
		text := "common words here"
		if i == 0 {
			text = "common common common common common words" // the best match, added first
		}
		title := "Release"
		if i == 17 {
			title = "Common release" // the only title match
		}
		r := &communique.Release{URL: fmt.Sprintf("https://x.example/%d", i), Title: title, Text: text, Organization: org, Published: pub, Language: "en"}
		if err := db.CreateRelease(ctx, r); err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	byDate := slices.Clone(rs)
	slices.SortFunc(byDate, func(a, b *communique.Release) int { return b.Published.Compare(a.Published) })
	var want []int64
	for _, r := range byDate {
		want = append(want, r.ID)
	}
	word := &communique.Node{Op: communique.OpTerm, Text: "common"}

	for _, q := range []communique.Query{
		{Text: word, Sort: communique.SortDate, Limit: 3},
		{Sort: communique.SortDate, Limit: 3},
	} {
		var got []int64
		for {
			p, err := db.Releases(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if q.Text != nil && p.Total != -1 {
				t.Errorf("Total = %d past the count bound, want -1", p.Total)
			}
			for _, r := range p.Releases {
				got = append(got, r.ID)
			}
			if p.Next == "" {
				break
			}
			q.Cursor = p.Next
		}
		if !slices.Equal(got, want) {
			t.Errorf("date order past the bounds (text %v) = %v, want %v", q.Text != nil, got, want)
		}
	}

	// Relevance ranks only the 4 newest matches: the best match, added
	// first, is not among them.
	p, err := db.Releases(ctx, communique.Query{Text: word, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Releases) != 4 {
		t.Fatalf("relevance past the rank bound gave %d releases, want 4", len(p.Releases))
	}
	for _, r := range p.Releases {
		if r.ID <= rs[15].ID {
			t.Errorf("release %d ranked, but it is not among the 4 newest matches", r.ID)
		}
	}
	// Past the count bound, ranking is by title and lede matches, then recency.
	if p.Releases[0].ID != rs[17].ID {
		t.Errorf("first result %d, want %d (the title match)", p.Releases[0].ID, rs[17].ID)
	}
	for i := 2; i < len(p.Releases); i++ {
		if p.Releases[i].Published.After(p.Releases[i-1].Published) {
			t.Errorf("results after the title match are not newest first")
		}
	}
	// Its pages follow one another.
	var paged []int64
	for q := (communique.Query{Text: word, Limit: 3}); ; {
		pg, err := db.Releases(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range pg.Releases {
			paged = append(paged, r.ID)
		}
		if pg.Next == "" {
			break
		}
		q.Cursor = pg.Next
	}
	var one []int64
	for _, r := range p.Releases {
		one = append(one, r.ID)
	}
	if !slices.Equal(paged, one) {
		t.Errorf("pages %v, one page %v", paged, one)
	}
	// Under the bounds, bm25 ranks every match: the best body is among
	// the results again.
	db.caps = caps{count: 100, rank: 100, facet: 6, df: 1000}
	if p, _ := db.Releases(ctx, communique.Query{Text: word, Limit: 30}); len(p.Releases) != 20 {
		t.Errorf("under the bounds: %d results, want 20", len(p.Releases))
	}
	// A word in more releases than the df bound is ranked the quick way too.
	db.caps = caps{count: 100, rank: 100, facet: 6, df: 10}
	newest := byDate[0]
	if newest.ID == rs[17].ID {
		newest = byDate[1]
	}
	if p, _ := db.Releases(ctx, communique.Query{Text: word, Limit: 30}); len(p.Releases) != 20 || p.Releases[0].ID != rs[17].ID || p.Releases[1].ID != newest.ID {
		t.Errorf("a common word under the count bound: first %d, %d; want %d (title match) then %d (newest)", p.Releases[0].ID, p.Releases[1].ID, rs[17].ID, newest.ID)
	}
	db.caps = caps{count: 5, rank: 4, facet: 6, df: 1000}

	// Facets count a sample of 6.
	p, err = db.Releases(ctx, communique.Query{Text: word, Facets: true})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range p.Facets.Organizations {
		n += f.Count
	}
	if n != 6 || len(p.Facets.Languages) != 1 || p.Facets.Languages[0].Count != 6 {
		t.Errorf("facets past the bound: %+v", p.Facets)
	}

	// A phrase works within a tenth of the bounds: with a count bound of 30,
	// the 20 releases with "common words" are counted as a word's would be,
	// not as a phrase's (3).
	db.caps = caps{count: 30, rank: 20, facet: 30, df: 1000}
	if p, err := db.Releases(ctx, communique.Query{Text: &communique.Node{Op: communique.OpTerm, Text: "words"}}); err != nil || p.Total != 20 {
		t.Errorf("a word under the bound: %+v, %v; want Total 20", p, err)
	}
	p, err = db.Releases(ctx, communique.Query{Text: &communique.Node{Op: communique.OpPhrase, Text: "common words"}})
	if err != nil || p.Total != -1 || len(p.Releases) == 0 || len(p.Releases) > 2 {
		t.Errorf("a phrase past a tenth of the bound: Total %d, %d releases (%v); want -1 and the 2 ranked", p.Total, len(p.Releases), err)
	}
}

// TestSearchReadsReleaseKeys runs each kind of search (ranked by bm25 and by
// quickRank, by date, with a filter on the row, with facets) and the
// near-duplicate lookup, then checks the plan of every statement they ran
// that joins matches to releases: each match's columns come from the
// covering index releases_keys, not from its row (see releaseKeys).
func TestSearchReadsReleaseKeys(t *testing.T) {
	db := testDB(t)
	db.read.SetMaxOpenConns(1) // one connection, whose statement cache holds every statement run
	ctx := context.Background()
	for i := range 10 {
		r := &communique.Release{URL: fmt.Sprintf("https://x.example/%d", i), Title: "Release", Text: "common words here",
			Organization: "NATO", Published: time.Date(2025, 9, 1+i, 0, 0, 0, 0, time.UTC), Language: "en", Fingerprint: uint64(i)}
		if err := db.CreateRelease(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	word := &communique.Node{Op: communique.OpTerm, Text: "common"}
	run := func(c caps, q communique.Query) {
		t.Helper()
		db.caps = c
		if _, err := db.Releases(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	run(caps{count: 100, rank: 100, facet: 100, df: 1000}, communique.Query{Text: word, Facets: true}) // bm25
	run(caps{count: 100, rank: 100, facet: 100, df: 1}, communique.Query{Text: word})                  // quickRank
	run(caps{count: 100, rank: 100, facet: 100, df: 1000}, communique.Query{Text: word, Sort: communique.SortDate})
	run(caps{count: 100, rank: 100, facet: 100, df: 1000}, communique.Query{Text: word, StoryID: 7}) // a condition on r
	if _, err := db.Match(ctx, communique.MatchQuery{Fingerprint: 3, MaxDistance: 3}); err != nil {
		t.Fatal(err)
	}

	conn, err := db.read.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var stmts []string
	if err := conn.Raw(func(dc any) error {
		for q := range dc.(*cacheConn).idle {
			if strings.Contains(q, "releases_fts") && strings.Contains(q, "releases r") {
				stmts = append(stmts, q)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// count and date order (from), bm25, quickRank, facets, the filtered
	// count, similarBlocks: at least six.
	if len(stmts) < 6 {
		t.Fatalf("%d statements join matches to releases, want at least 6: %q", len(stmts), stmts)
	}
	for _, q := range stmts {
		for _, step := range queryPlan(t, conn, q) {
			if strings.HasPrefix(step, "SEARCH r ") && !strings.Contains(step, "COVERING INDEX releases_keys") {
				t.Errorf("reads each match's row: %s\n%s", step, q)
			}
		}
	}
}
