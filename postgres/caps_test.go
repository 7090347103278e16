package postgres

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/communique-news/communique"
)

// TestCaps runs queries past the bounds (lowered here) that keep work
// bounded at scale, through windows of newest releases (two at a time):
// date order stays exact and pages complete, Total is -1, relevance ranks
// the newest matches, and facets count the newest matches.
func TestCaps(t *testing.T) {
	db := testDB(t)
	db.caps = caps{count: 5, rank: 4, facet: 6, window: 2, recheck: 8}
	ctx := context.Background()
	t0 := time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)
	var rs []*communique.Release
	for i := range 40 {
		// Publication order differs from insertion order.
		pub := t0.Add(time.Duration((i*7)%40) * time.Hour)
		org := "NATO"
		if i%2 == 1 {
			org = "OSCE"
		}
		text := "other words"
		if i%3 != 0 {
			text = "common words"
		}
		switch 39 - (i*7)%40 { // rank by date, 0 for the newest
		case 5, 20, 30, 35, 36, 37, 38:
			text += " sparse"
		}
		title := "Release"
		if i == 17 {
			title = "Common release" // a title match
		}
		r := &communique.Release{URL: fmt.Sprintf("https://x.example/%d", i), Title: title, Text: text, Organization: org, Published: pub, Language: "en"}
		if err := db.CreateRelease(ctx, r); err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	byDate := slices.Clone(rs)
	slices.SortFunc(byDate, func(a, b *communique.Release) int { return b.Published.Compare(a.Published) })
	matching := func(word string) []*communique.Release {
		var out []*communique.Release
		for _, r := range byDate {
			if slices.Contains(tokens(lower(r.Title+" "+r.Text)), word) {
				out = append(out, r)
			}
		}
		return out
	}
	ids := func(rs []*communique.Release) []int64 {
		var out []int64
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	all := func(q communique.Query) []int64 {
		var got []int64
		for {
			p, err := db.Releases(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if q.Text != nil && p.Total != -1 {
				t.Errorf("Total = %d past the count bound, want -1", p.Total)
			}
			got = append(got, ids(p.Releases)...)
			if p.Next == "" {
				return got
			}
			q.Cursor = p.Next
		}
	}
	// Windows start at a date from the planner's histogram of dates, or,
	// before the table is analysed, at the date found by walking the date
	// index.
	for _, stats := range []bool{false, true} {
		if stats {
			if _, err := db.pool.Exec(ctx, `ANALYZE release_search`); err != nil {
				t.Fatal(err)
			}
			db.hist.read = time.Time{}
		}
		t.Run(map[bool]string{false: "walk", true: "histogram"}[stats], func(t *testing.T) {
			term := func(w string) *communique.Node { return &communique.Node{Op: communique.OpTerm, Text: w} }

			// Date order is exact, whether the first window holds the page
			// ("common" is in two releases of three) or only the whole store does
			// ("sparse": one in the first window, most among the oldest).
			for _, w := range []string{"common", "sparse"} {
				if got, want := all(communique.Query{Text: term(w), Sort: communique.SortDate, Limit: 3}), ids(matching(w)); !slices.Equal(got, want) {
					t.Errorf("%q by date past the bounds = %v, want %v", w, got, want)
				}
			}
			if got, want := all(communique.Query{Sort: communique.SortDate, Limit: 7}), ids(byDate); !slices.Equal(got, want) {
				t.Errorf("listing by date = %v, want %v", got, want)
			}

			// The whole store is counted exactly, past the bound (the home page, and
			// migrate's check of what it copied).
			if p, err := db.Releases(ctx, communique.Query{Limit: 1}); err != nil || p.Total != 40 {
				t.Errorf("listing everything: Total %v (%v), want 40", p, err)
			}

			// Relevance ranks the 4 newest matches, and its pages follow one another.
			common := matching("common")
			p, err := db.Releases(ctx, communique.Query{Text: term("common"), Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			got := ids(p.Releases)
			if want := ids(common[:4]); !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
				t.Errorf("relevance past the rank bound ranked %v, want the 4 newest matches %v", got, want)
			}
			if paged := all(communique.Query{Text: term("common"), Limit: 3}); !slices.Equal(paged, got) {
				t.Errorf("relevance pages %v, one page %v", paged, got)
			}

			// A phrase re-reads text vectors: with more candidates than the recheck
			// bound (releases with both words) it is not counted, relevance ranks
			// the matches among the newest 8 or so releases, and date order stays
			// exact.
			phrase := &communique.Node{Op: communique.OpPhrase, Text: "common words"}
			p, err = db.Releases(ctx, communique.Query{Text: phrase, Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			newest9 := map[int64]bool{}
			for _, r := range byDate[:9] {
				newest9[r.ID] = true
			}
			if p.Total != -1 || len(p.Releases) == 0 {
				t.Errorf("a phrase past the recheck bound: Total %d, %d releases; want -1 and some", p.Total, len(p.Releases))
			}
			for _, r := range p.Releases {
				if !newest9[r.ID] || !slices.Contains(ids(common), r.ID) {
					t.Errorf("a phrase past the recheck bound ranked release %d (%q), not a match among the newest 9", r.ID, r.Text)
				}
			}
			if got, want := all(communique.Query{Text: phrase, Sort: communique.SortDate, Limit: 4}), ids(common); !slices.Equal(got, want) {
				t.Errorf("a phrase by date past the recheck bound = %v, want %v", got, want)
			}
			// A title: prefix re-reads vectors too; its candidates are the releases
			// with the prefix anywhere (27 here, past the bound).
			titled := &communique.Node{Op: communique.OpPrefix, Field: "title", Text: "comm"}
			if p, err := db.Releases(ctx, communique.Query{Text: titled}); err != nil || p.Total != -1 || len(p.Releases) != 1 || p.Releases[0].ID != rs[17].ID {
				t.Errorf("title:comm* = %+v, %v; want Total -1 and release %d", p, err, rs[17].ID)
			}

			// Under it, a phrase is counted: seven releases have "words sparse"
			// (counted when the planner expects at most EstimateFactor of the
			// bound: 7 of 10).
			db.caps.count, db.caps.recheck = 100, 10
			if p, err := db.Releases(ctx, communique.Query{Text: &communique.Node{Op: communique.OpPhrase, Text: "words sparse"}}); err != nil || p.Total != 7 || len(p.Releases) != 4 {
				t.Errorf(`"words sparse": %v, want Total 7 and the 4 newest ranked (got %+v)`, err, p)
			}
			db.caps.count, db.caps.recheck = 5, 8

			// Facets count the 6 newest matches.
			p, err = db.Releases(ctx, communique.Query{Text: term("common"), Facets: true})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]int{}
			for _, r := range common[:6] {
				want[r.Organization]++
			}
			gotFacets := map[string]int{}
			for _, f := range p.Facets.Organizations {
				gotFacets[f.Value] = f.Count
			}
			if fmt.Sprint(gotFacets) != fmt.Sprint(want) || len(p.Facets.Languages) != 1 || p.Facets.Languages[0].Count != 6 {
				t.Errorf("facets past the bound: %+v, want organisations %v", p.Facets, want)
			}
		})
		if h, _ := db.dates(ctx); stats != (len(h) > 2) {
			t.Errorf("stats %v, histogram of %d dates", stats, len(h))
		}
	}
}

func TestWindowFrom(t *testing.T) {
	d := func(day int) time.Time { return time.Date(2025, 1, day, 0, 0, 0, 0, time.UTC) }
	h := []time.Time{d(1), d(5), d(9), d(13), d(17)} // four buckets of a quarter each
	for _, c := range []struct {
		upper time.Time
		share float64
		want  time.Time
	}{
		{time.Time{}, 0.25, d(13)},    // the newest quarter
		{time.Time{}, 0.125, d(15)},   // half of the newest bucket
		{time.Time{}, 1, time.Time{}}, // everything: no bound
		{d(9), 0.25, d(5)},            // a quarter below the middle
		{d(11), 0.25, d(7)},           // from within a bucket
		{d(30), 0.25, d(13)},          // above the newest date
		{d(3), 0.5, time.Time{}},      // more than there is below
		{d(1), 0.1, time.Time{}},      // nothing below
	} {
		if got := windowFrom(h, c.upper, c.share); !got.Equal(c.want) {
			t.Errorf("windowFrom(%v, %v) = %v, want %v", c.upper.Format("2006-01-02"), c.share, got, c.want)
		}
	}
}
