// Package storetest is the conformance suite every communique.Store must
// pass: the SQLite store runs it on a temporary file, the PostgreSQL store on
// a temporary schema, unchanged.
package storetest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/search"
)

// Run runs the suite. open returns a new, empty store for each subtest; the
// caller closes it (with t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) communique.Store) {
	for _, tc := range []struct {
		name string
		f    func(t *testing.T, st communique.Store)
	}{
		{"Sources", testSources},
		{"PollState", testPollState},
		{"DueSources", testDueSources},
		{"Items", testItems},
		{"Releases", testReleases},
		{"Copies", testCopies},
		{"Revisions", testRevisions},
		{"Similar", testSimilar},
		{"DeleteSourceKeepsReleases", testDeleteSource},
		{"Listing", testListing},
		{"Search", testSearch},
		{"SearchOrder", testSearchOrder},
		{"SearchPages", testSearchPages},
		{"SearchDates", testSearchDates},
		{"Snippets", testSnippets},
		{"EntityFilters", testEntityFilters},
		{"IndexMaintenance", testIndexMaintenance},
		{"Facets", testFacets},
		{"Stories", testStories},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.f(t, open(t)) })
	}
}

// T0 is the suite's reference time; stores keep microseconds.
var T0 = time.Date(2025, 9, 8, 12, 0, 0, 0, time.UTC)

var ctx = context.Background()

func wantCode(t *testing.T, err error, code, what string) {
	t.Helper()
	if communique.ErrorCode(err) != code {
		t.Errorf("%s: error %v, want code %q", what, err, code)
	}
}

func mustSource(t *testing.T, st communique.Store, url string) *communique.Source {
	t.Helper()
	s := &communique.Source{Kind: communique.KindFeed, URL: url, Organization: "NATO", Licence: communique.LicenceFull}
	if err := st.CreateSource(ctx, s); err != nil {
		t.Fatalf("CreateSource(%s): %v", url, err)
	}
	return s
}

func mustRelease(t *testing.T, st communique.Store, r *communique.Release) *communique.Release {
	t.Helper()
	if r.Retrieved.IsZero() {
		r.Retrieved = T0
	}
	if r.Licence == "" {
		r.Licence = communique.LicenceFull
	}
	if err := st.CreateRelease(ctx, r); err != nil {
		t.Fatalf("CreateRelease(%s): %v", r.URL, err)
	}
	if r.ID == 0 {
		t.Fatalf("CreateRelease(%s) set no ID", r.URL)
	}
	return r
}

func testSources(t *testing.T, st communique.Store) {
	s := &communique.Source{Kind: communique.KindHTML, URL: "https://www.nato.int/cps/en/natohq/news.htm", Title: "NATO news",
		Organization: "NATO", Country: "BE", Licence: communique.LicenceSummary,
		Selectors: &communique.Selectors{Item: "div.event", Link: "a", Title: "h3", Date: "time", Next: "a.next", MaxPages: 3}}
	if err := st.CreateSource(ctx, s); err != nil {
		t.Fatal(err)
	}
	if s.ID == 0 || s.Created.IsZero() {
		t.Fatalf("CreateSource set ID %d, Created %v", s.ID, s.Created)
	}
	got, err := st.Source(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.URL != s.URL || got.Kind != s.Kind || got.Title != s.Title || got.Organization != s.Organization ||
		got.Country != s.Country || got.Licence != s.Licence || !reflect.DeepEqual(got.Selectors, s.Selectors) ||
		!got.Created.Equal(s.Created) {
		t.Errorf("Source = %+v\nwant %+v", got, s)
	}
	wantCode(t, st.CreateSource(ctx, &communique.Source{Kind: communique.KindFeed, URL: s.URL, Licence: communique.LicenceFull}), communique.ECONFLICT, "second source with the same URL")

	s2 := mustSource(t, st, "https://www.un.org/press/en/feed")
	s.Title, s.Organization, s.Selectors, s.Kind = "NATO press", "North Atlantic Treaty Organization", nil, communique.KindFeed
	if err := st.UpdateSource(ctx, s); err != nil {
		t.Fatal(err)
	}
	if got, _ = st.Source(ctx, s.ID); got.Title != "NATO press" || got.Organization != s.Organization || got.Selectors != nil || got.Kind != communique.KindFeed {
		t.Errorf("after UpdateSource: %+v", got)
	}
	s.URL = s2.URL
	wantCode(t, st.UpdateSource(ctx, s), communique.ECONFLICT, "UpdateSource to another source's URL")
	wantCode(t, st.UpdateSource(ctx, &communique.Source{ID: 9999, Kind: communique.KindFeed, URL: "https://x.example/", Licence: communique.LicenceFull}), communique.ENOTFOUND, "UpdateSource of a missing source")

	mustRelease(t, st, &communique.Release{SourceID: s2.ID, URL: "https://www.un.org/press/1", Title: "One", Published: T0})
	mustRelease(t, st, &communique.Release{SourceID: s2.ID, URL: "https://www.un.org/press/2", Title: "Two", Published: T0})
	all, err := st.Sources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].ID != s.ID || all[1].ID != s2.ID {
		t.Fatalf("Sources = %v, want the two sources in ID order", all)
	}
	if all[0].Releases != 0 || all[1].Releases != 0 {
		t.Errorf("Sources release counts %d, %d; want 0, 0 (not counted)", all[0].Releases, all[1].Releases)
	}
	gone := &communique.Source{ID: 9999, Releases: 7}
	if err := st.CountSourceReleases(ctx, []*communique.Source{all[1], all[0], gone}); err != nil {
		t.Fatal(err)
	}
	if all[0].Releases != 0 || all[1].Releases != 2 || gone.Releases != 0 {
		t.Errorf("CountSourceReleases: %d, %d, and %d for a missing source; want 0, 2, 0", all[0].Releases, all[1].Releases, gone.Releases)
	}
	if err := st.CountSourceReleases(ctx, nil); err != nil {
		t.Errorf("CountSourceReleases of no sources: %v", err)
	}
	if got, _ := st.Source(ctx, s2.ID); got.Releases != 0 {
		t.Errorf("Source(%d).Releases = %d, want 0 (not counted)", s2.ID, got.Releases)
	}
	// A source whose item led to a release first seen elsewhere counts it.
	two, err := st.ReleaseByURL(ctx, "https://www.un.org/press/2")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.MarkItem(ctx, s.ID, "guid:2", "https://www.un.org/press/2", two.ID); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkItem(ctx, s2.ID, "guid:2", "https://www.un.org/press/2", two.ID); err != nil {
		t.Fatal(err)
	}
	if err := st.CountSourceReleases(ctx, all); err != nil {
		t.Fatal(err)
	}
	if all[0].Releases != 1 {
		t.Errorf("a source whose item found a stored release: %d releases, want 1", all[0].Releases)
	}
	if all[1].Releases != 2 {
		t.Errorf("a release both first seen and marked is counted once: %d releases, want 2", all[1].Releases)
	}

	if err := st.DeleteSource(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	_, err = st.Source(ctx, s.ID)
	wantCode(t, err, communique.ENOTFOUND, "Source after DeleteSource")
	wantCode(t, st.DeleteSource(ctx, s.ID), communique.ENOTFOUND, "DeleteSource twice")
	_, err = st.Source(ctx, 12345)
	wantCode(t, err, communique.ENOTFOUND, "Source(12345)")
}

func testPollState(t *testing.T, st communique.Store) {
	s := mustSource(t, st, "https://www.ecb.europa.eu/rss/press.html")
	want := communique.PollState{
		ETag: `W/"abc"`, LastModified: "Mon, 08 Sep 2025 12:00:00 GMT",
		LastFetch: T0, LastSuccess: T0.Add(-time.Hour), LastStatus: 503, LastError: "HTTP 503 Service Unavailable",
		ConsecutiveErrors: 3, NextPoll: T0.Add(40 * time.Minute), Interval: 20 * time.Minute,
		HubURL: "https://pubsubhubbub.appspot.com/", TopicURL: "https://www.ecb.europa.eu/rss/press.xml",
		WebSubSecret: "s3cret", WebSubLeaseUntil: T0.Add(240 * time.Hour),
	}
	if err := st.RecordPoll(ctx, s.ID, want); err != nil {
		t.Fatal(err)
	}
	got, err := st.Source(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !pollEqual(got.State, want) {
		t.Errorf("poll state round trip:\n got %+v\nwant %+v", got.State, want)
	}
	// Recovery clears the error; zero times stay zero.
	want = communique.PollState{LastFetch: T0.Add(time.Hour), LastSuccess: T0.Add(time.Hour), LastStatus: 200, NextPoll: T0.Add(2 * time.Hour), Interval: time.Hour}
	if err := st.RecordPoll(ctx, s.ID, want); err != nil {
		t.Fatal(err)
	}
	got, _ = st.Source(ctx, s.ID)
	if !pollEqual(got.State, want) {
		t.Errorf("poll state after recovery:\n got %+v\nwant %+v", got.State, want)
	}
	wantCode(t, st.RecordPoll(ctx, 9999, want), communique.ENOTFOUND, "RecordPoll of a missing source")
}

func pollEqual(a, b communique.PollState) bool {
	return a.ETag == b.ETag && a.LastModified == b.LastModified && a.LastFetch.Equal(b.LastFetch) &&
		a.LastSuccess.Equal(b.LastSuccess) && a.LastStatus == b.LastStatus && a.LastError == b.LastError &&
		a.ConsecutiveErrors == b.ConsecutiveErrors && a.NextPoll.Equal(b.NextPoll) && a.Interval == b.Interval &&
		a.HubURL == b.HubURL && a.TopicURL == b.TopicURL && a.WebSubSecret == b.WebSubSecret &&
		a.WebSubLeaseUntil.Equal(b.WebSubLeaseUntil)
}

func testDueSources(t *testing.T, st communique.Store) {
	never := mustSource(t, st, "https://a.example/feed")
	past := mustSource(t, st, "https://b.example/feed")
	future := mustSource(t, st, "https://c.example/feed")
	if err := st.RecordPoll(ctx, past.ID, communique.PollState{NextPoll: T0.Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordPoll(ctx, future.ID, communique.PollState{NextPoll: T0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	due, err := st.DueSources(ctx, T0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, s := range due {
		ids = append(ids, s.ID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []int64{never.ID, past.ID}) {
		t.Errorf("DueSources = %v, want %v (never polled, and past due)", ids, []int64{never.ID, past.ID})
	}
	if due, _ := st.DueSources(ctx, T0, 1); len(due) != 1 {
		t.Errorf("DueSources with limit 1 gave %d", len(due))
	}
	if due, _ := st.DueSources(ctx, T0.Add(time.Hour), 10); len(due) != 3 {
		t.Errorf("DueSources an hour later gave %d, want 3", len(due))
	}
}

func testItems(t *testing.T, st communique.Store) {
	s := mustSource(t, st, "https://a.example/feed")
	o := mustSource(t, st, "https://b.example/feed")
	seen := func(src int64, refs ...communique.ItemRef) []bool {
		t.Helper()
		got, err := st.ItemsSeen(ctx, src, refs)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(refs) {
			t.Fatalf("ItemsSeen of %d items gave %d answers", len(refs), len(got))
		}
		return got
	}
	if seen(s.ID, communique.ItemRef{Key: "guid-1", URL: "https://a.example/1"})[0] {
		t.Fatal("a new item is seen")
	}
	if got := seen(s.ID); len(got) != 0 {
		t.Errorf("ItemsSeen of no items = %v", got)
	}
	r := mustRelease(t, st, &communique.Release{SourceID: s.ID, URL: "https://a.example/1", Title: "One"})
	if err := st.MarkItem(ctx, s.ID, "guid-1", "https://a.example/1", r.ID); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkItem(ctx, s.ID, "guid-1", "https://a.example/1", r.ID); err != nil {
		t.Fatalf("marking an item twice: %v", err)
	}
	if err := st.MarkItem(ctx, s.ID, "guid-2", "", 0); err != nil {
		t.Fatalf("marking an item that led to nothing: %v", err)
	}
	cases := []struct {
		src  int64
		ref  communique.ItemRef
		want bool
	}{
		{s.ID, communique.ItemRef{Key: "guid-1"}, true},
		{s.ID, communique.ItemRef{Key: "guid-3"}, false},
		{s.ID, communique.ItemRef{Key: "guid-1", URL: "https://a.example/other"}, true},
		{s.ID, communique.ItemRef{Key: "changed-guid", URL: "https://a.example/1"}, true}, // feeds that change GUIDs
		{s.ID, communique.ItemRef{Key: "guid-3", URL: "https://a.example/3"}, false},
		{s.ID, communique.ItemRef{Key: "guid-2"}, true},
		{o.ID, communique.ItemRef{Key: "guid-1", URL: "https://a.example/1"}, false}, // items belong to their source
	}
	var refs []communique.ItemRef
	for _, c := range cases {
		if got := seen(c.src, c.ref)[0]; got != c.want {
			t.Errorf("ItemsSeen(%d, %+v) = %v, want %v", c.src, c.ref, got, c.want)
		}
		if c.src == s.ID {
			refs = append(refs, c.ref)
		}
	}
	// All at once: the answers in the items' order.
	got := seen(s.ID, refs...)
	for i, c := range cases[:len(refs)] {
		if got[i] != c.want {
			t.Errorf("ItemsSeen of %d items: item %d (%+v) = %v, want %v", len(refs), i, c.ref, got[i], c.want)
		}
	}
}

// sample is a release with every field set.
func sample(sourceID int64) *communique.Release {
	return &communique.Release{
		SourceID: sourceID, URL: "https://www.nato.int/cps/en/natohq/news_237412.htm", Organization: "NATO", Country: "BE",
		Title: "NATO Secretary General welcomes the Prime Minister of Iraq", Author: "NATO Press", Language: "en",
		Image: "https://www.nato.int/a.jpg", SiteName: "NATO", Published: T0, DateEstimated: false,
		Modified: T0.Add(30 * time.Minute), Retrieved: T0.Add(time.Hour), Updated: T0.Add(time.Hour),
		Lede:      "Secretary General Mark Rutte welcomed Prime Minister Mohammed Shia' al-Sudani of Iraq.",
		HTML:      "<p>Secretary General Mark Rutte welcomed Prime Minister Mohammed Shia' al-Sudani of Iraq.</p>",
		Text:      "Secretary General Mark Rutte welcomed Prime Minister Mohammed Shia' al-Sudani of Iraq.",
		WordCount: 13, Licence: communique.LicenceFull, Fallback: true, ContentHash: "sha256:abc",
		Fingerprint: 0xfedcba9876543210, StoryID: 7,
		Entities: &communique.Entities{
			People:        []communique.Person{{Name: "Mark Rutte", Title: "Secretary General", Affiliation: "NATO"}},
			Organizations: []communique.Organization{{Name: "North Atlantic Treaty Organization", Acronym: "NATO"}},
			Places:        []communique.Place{{Name: "Iraq", Kind: communique.PlaceCountry, Country: "IQ"}},
			Dates:         []communique.DateMention{{Text: "8 September 2025", Date: "2025-09-08"}},
			Countries:     []string{"IQ"}, Regions: []string{"Middle East"},
		},
	}
}

// sameRelease compares the stored fields of two releases.
func sameRelease(t *testing.T, what string, got, want *communique.Release) {
	t.Helper()
	g, w := *got, *want
	for _, p := range []*communique.Release{&g, &w} {
		p.Copies, p.Revisions = nil, 0
	}
	times := []struct {
		name string
		a, b time.Time
	}{{"Published", g.Published, w.Published}, {"Modified", g.Modified, w.Modified}, {"Retrieved", g.Retrieved, w.Retrieved}, {"Updated", g.Updated, w.Updated}}
	for _, tm := range times {
		if !tm.a.Equal(tm.b) {
			t.Errorf("%s: %s = %v, want %v", what, tm.name, tm.a, tm.b)
		}
	}
	g.Published, g.Modified, g.Retrieved, g.Updated = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	w.Published, w.Modified, w.Retrieved, w.Updated = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, g, w)
	}
}

func testReleases(t *testing.T, st communique.Store) {
	s := mustSource(t, st, "https://www.nato.int/rss")
	r := sample(s.ID)
	if err := st.CreateRelease(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err := st.Release(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameRelease(t, "Release", got, r)
	if got.Revisions != 1 {
		t.Errorf("a new release has %d revisions, want 1", got.Revisions)
	}
	dup := sample(s.ID)
	wantCode(t, st.CreateRelease(ctx, dup), communique.ECONFLICT, "a second release with the same URL")

	if got, err := st.ReleaseByURL(ctx, r.URL); err != nil || got.ID != r.ID {
		t.Errorf("ReleaseByURL = %v, %v", got, err)
	}
	_, err = st.ReleaseByURL(ctx, "https://www.nato.int/other")
	wantCode(t, err, communique.ENOTFOUND, "ReleaseByURL of an unknown URL")
	if err := st.AddCopy(ctx, &communique.Copy{ReleaseID: r.ID, URL: "https://republisher.example/1", Publisher: "R", FirstSeen: T0}); err != nil {
		t.Fatal(err)
	}
	m, err := st.Match(ctx, communique.MatchQuery{URLs: []string{"https://www.nato.int/other", r.URL, "https://republisher.example/1"}, Hash: "sha256:abc"})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.ByURL) != 3 || m.ByURL[0] != nil || m.ByURL[1] == nil || m.ByURL[1].ID != r.ID || m.ByURL[2] == nil || m.ByURL[2].ID != r.ID {
		t.Errorf("Match by an unknown URL, the release's and its copy's = %v, want nil, %d, %d", m.ByURL, r.ID, r.ID)
	} else {
		sameRelease(t, "Match by URL", m.ByURL[1], &communique.Release{ID: r.ID, SourceID: r.SourceID, URL: r.URL, Organization: r.Organization,
			Country: r.Country, Title: r.Title, Author: r.Author, Language: r.Language, Image: r.Image, SiteName: r.SiteName,
			Published: r.Published, DateEstimated: r.DateEstimated, Modified: r.Modified, Retrieved: r.Retrieved, Updated: r.Updated,
			Lede: r.Lede, HTML: r.HTML, Text: r.Text, WordCount: r.WordCount, Licence: r.Licence, Fallback: r.Fallback,
			ContentHash: r.ContentHash, Fingerprint: r.Fingerprint, StoryID: r.StoryID, Entities: r.Entities})
	}
	if m.ByHash == nil || m.ByHash.ID != r.ID {
		t.Errorf("Match by hash = %v, want release %d", m.ByHash, r.ID)
	}
	if m, err := st.Match(ctx, communique.MatchQuery{URLs: []string{"https://www.nato.int/other"}, Hash: "sha256:other"}); err != nil || m.ByHash != nil || m.ByURL[0] != nil {
		t.Errorf("Match of an unknown URL and hash = %+v, %v, want nothing", m, err)
	}
	_, err = st.Release(ctx, r.ID+100)
	wantCode(t, err, communique.ENOTFOUND, "Release of an unknown ID")

	// A release with no date takes its retrieval time and says so.
	nodate := mustRelease(t, st, &communique.Release{URL: "https://www.nato.int/nodate", Title: "No date", Retrieved: T0})
	if got, _ := st.Release(ctx, nodate.ID); !got.Published.Equal(T0) || !got.DateEstimated || got.SourceID != 0 || got.Entities != nil {
		t.Errorf("undated release read back as Published %v, DateEstimated %v, SourceID %d, Entities %v", got.Published, got.DateEstimated, got.SourceID, got.Entities)
	}

	// UpdateRelease re-points and re-enriches without a revision.
	r.URL = "https://www.nato.int/cps/en/natohq/news_237412.htm?selectedLocale=en"
	r.Organization, r.StoryID, r.Entities = "North Atlantic Treaty Organization", 9, nil
	if err := st.UpdateRelease(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, _ = st.Release(ctx, r.ID)
	sameRelease(t, "after UpdateRelease", got, r)
	if got.Revisions != 1 {
		t.Errorf("UpdateRelease made a revision: %d", got.Revisions)
	}
	wantCode(t, st.UpdateRelease(ctx, &communique.Release{ID: r.ID + 100, URL: "https://x.example/"}), communique.ENOTFOUND, "UpdateRelease of an unknown release")
	nodate.URL = r.URL
	wantCode(t, st.UpdateRelease(ctx, nodate), communique.ECONFLICT, "UpdateRelease to another release's URL")

	if err := st.DeleteRelease(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	_, err = st.Release(ctx, r.ID)
	wantCode(t, err, communique.ENOTFOUND, "Release after DeleteRelease")
	wantCode(t, st.DeleteRelease(ctx, r.ID), communique.ENOTFOUND, "DeleteRelease twice")
}

func testCopies(t *testing.T, st communique.Store) {
	mirage := mustSource(t, st, "https://www.miragenews.com/feed/")
	r := mustRelease(t, st, sample(0))
	c := &communique.Copy{ReleaseID: r.ID, SourceID: mirage.ID, URL: "https://www.miragenews.com/nato-chief-welcomes-iraqi-prime-minister/", Publisher: "Mirage News", FirstSeen: T0.Add(2 * time.Hour)}
	if err := st.AddCopy(ctx, c); err != nil {
		t.Fatal(err)
	}
	again := *c
	again.ID, again.FirstSeen = 0, T0.Add(5*time.Hour)
	if err := st.AddCopy(ctx, &again); err != nil {
		t.Fatalf("adding the same copy twice: %v", err)
	}
	wantCode(t, st.AddCopy(ctx, &communique.Copy{ReleaseID: r.ID + 100, URL: "https://x.example/"}), communique.ENOTFOUND, "AddCopy to an unknown release")
	got, err := st.Release(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Copies) != 1 {
		t.Fatalf("Copies = %+v, want one", got.Copies)
	}
	gc := got.Copies[0]
	if gc.ID == 0 || gc.ReleaseID != r.ID || gc.SourceID != mirage.ID || gc.URL != c.URL || gc.Publisher != "Mirage News" || !gc.FirstSeen.Equal(c.FirstSeen) {
		t.Errorf("Copy = %+v, want %+v", gc, c)
	}
	byCopy, err := st.ReleaseByURL(ctx, c.URL)
	if err != nil || byCopy.ID != r.ID {
		t.Errorf("ReleaseByURL(copy URL) = %v, %v; want release %d", byCopy, err, r.ID)
	}
	if err == nil && len(byCopy.Copies) != 1 {
		t.Errorf("ReleaseByURL does not fill Copies: %+v", byCopy.Copies)
	}
	// A copy outlives its source.
	if err := st.DeleteSource(ctx, mirage.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Release(ctx, r.ID); len(got.Copies) != 1 || got.Copies[0].SourceID != 0 {
		t.Errorf("after deleting the copy's source: %+v", got.Copies)
	}
}

func testRevisions(t *testing.T, st communique.Store) {
	r := mustRelease(t, st, sample(0))
	first := *r
	r.Title = "NATO Secretary General welcomes Iraqi Prime Minister (updated)"
	r.Text, r.HTML, r.ContentHash = r.Text+" They discussed NATO Mission Iraq.", r.HTML+"<p>They discussed NATO Mission Iraq.</p>", "sha256:def"
	r.Updated = T0.Add(3 * time.Hour)
	if err := st.ReviseRelease(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err := st.Release(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != r.Title || got.Text != r.Text || got.ContentHash != "sha256:def" || !got.Updated.Equal(r.Updated) || !got.Retrieved.Equal(first.Retrieved) {
		t.Errorf("after ReviseRelease: title %q, hash %q, updated %v, retrieved %v", got.Title, got.ContentHash, got.Updated, got.Retrieved)
	}
	if got.Revisions != 2 {
		t.Errorf("Revisions count %d, want 2", got.Revisions)
	}
	revs, err := st.Revisions(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(revs) != 2 {
		t.Fatalf("Revisions = %d, want 2", len(revs))
	}
	if revs[0].Number != 1 || revs[0].Title != first.Title || revs[0].Text != first.Text || revs[0].ContentHash != "sha256:abc" || !revs[0].Retrieved.Equal(first.Retrieved) {
		t.Errorf("first revision %+v", revs[0])
	}
	if revs[1].Number != 2 || revs[1].Title != r.Title || revs[1].HTML != r.HTML || revs[1].ContentHash != "sha256:def" || !revs[1].Retrieved.Equal(r.Updated) || revs[1].ReleaseID != r.ID {
		t.Errorf("second revision %+v", revs[1])
	}
	// A third revision: the second keeps its own text.
	second := *r
	r.Text, r.HTML, r.ContentHash = second.Text+" A third fetch.", second.HTML+"<p>A third fetch.</p>", "sha256:ghi"
	r.Updated = T0.Add(5 * time.Hour)
	if err := st.ReviseRelease(ctx, r); err != nil {
		t.Fatal(err)
	}
	if revs, err = st.Revisions(ctx, r.ID); err != nil || len(revs) != 3 {
		t.Fatalf("Revisions after a third = %d, %v", len(revs), err)
	}
	for i, want := range []communique.Release{first, second, *r} {
		if v := revs[i]; v.Number != i+1 || v.Text != want.Text || v.HTML != want.HTML || v.ContentHash != want.ContentHash {
			t.Errorf("revision %d of 3: number %d, hash %q, text %q, want %q", i+1, v.Number, v.ContentHash, v.Text, want.Text)
		}
	}
	if m, err := st.Match(ctx, communique.MatchQuery{Hash: "sha256:abc"}); err != nil || m.ByHash != nil {
		t.Errorf("Match finds an earlier revision's hash: %+v, %v", m, err)
	}
	if m, err := st.Match(ctx, communique.MatchQuery{Hash: "sha256:ghi"}); err != nil || m.ByHash == nil || m.ByHash.ID != r.ID {
		t.Errorf("Match(current hash) = %+v, %v", m, err)
	}
	wantCode(t, st.ReviseRelease(ctx, &communique.Release{ID: r.ID + 100, URL: "https://x.example/"}), communique.ENOTFOUND, "ReviseRelease of an unknown release")
	if revs, err := st.Revisions(ctx, r.ID+100); err != nil || len(revs) != 0 {
		t.Errorf("Revisions of an unknown release = %v, %v", revs, err)
	}
}

func testSimilar(t *testing.T, st communique.Store) {
	base := uint64(0x0123456789abcdef)
	mk := func(url string, fp uint64) int64 {
		return mustRelease(t, st, &communique.Release{URL: url, Title: url, Fingerprint: fp, Published: T0}).ID
	}
	same := mk("https://a.example/same", base)
	one := mk("https://a.example/one", base^1<<40)
	three := mk("https://a.example/three", base^(1|1<<20|1<<63)) // one bit in three blocks
	mk("https://a.example/far", ^base)                           // shares no block
	near := mk("https://a.example/near", base^1<<50)             // as near as one, later
	similar := func(maxDistance, limit int) []int64 {
		t.Helper()
		m, err := st.Match(ctx, communique.MatchQuery{Fingerprint: base, MaxDistance: maxDistance, Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		if m.ByHash != nil || len(m.ByURL) != 0 { // these releases have no hash: "" matches nothing
			t.Errorf("Match of no hash and no URL found %v, %v", m.ByHash, m.ByURL)
		}
		var ids []int64
		for _, r := range m.Similar {
			ids = append(ids, r.ID)
		}
		return ids
	}
	if got, want := similar(3, 10), []int64{same, one, near, three}; !slices.Equal(got, want) {
		t.Errorf("similar within 3 bits = %v, want %v nearest first, then oldest", got, want)
	}
	if got := similar(1, 10); len(got) != 3 {
		t.Errorf("similar within 1 bit: found %d, want 3", len(got))
	}
	if got := similar(3, 1); !slices.Equal(got, []int64{same}) {
		t.Errorf("similar with limit 1 = %v, want [%d]", got, same)
	}
	if got := similar(3, 0); len(got) != 4 {
		t.Errorf("similar with no limit: found %d, want 4", len(got))
	}
}

func testDeleteSource(t *testing.T, st communique.Store) {
	s := mustSource(t, st, "https://www.nato.int/rss")
	r := mustRelease(t, st, &communique.Release{SourceID: s.ID, URL: "https://www.nato.int/1", Title: "Kept", Published: T0})
	if err := st.MarkItem(ctx, s.ID, "k", r.URL, r.ID); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteSource(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	got, err := st.Release(ctx, r.ID)
	if err != nil {
		t.Fatalf("a release is gone with its source: %v", err)
	}
	if got.SourceID != 0 {
		t.Errorf("SourceID = %d after its source was removed, want 0", got.SourceID)
	}
	page, err := st.Releases(ctx, communique.Query{})
	if err != nil || len(page.Releases) != 1 {
		t.Errorf("listing after DeleteSource: %v, %v", page, err)
	}
}

// ids lists the IDs of a page.
func ids(p *communique.ResultPage) []int64 {
	out := make([]int64, len(p.Releases))
	for i, r := range p.Releases {
		out[i] = r.ID
	}
	return out
}

// all follows a query's cursors to the end, failing on a repeated release.
func all(t *testing.T, st communique.Store, q communique.Query) []int64 {
	t.Helper()
	var out []int64
	seen := map[int64]bool{}
	for i := 0; ; i++ {
		if i > 1000 {
			t.Fatal("pagination does not end")
		}
		p, err := st.Releases(ctx, q)
		if err != nil {
			t.Fatalf("Releases(%+v): %v", q, err)
		}
		for _, id := range ids(p) {
			if seen[id] {
				t.Fatalf("release %d repeated on page %d", id, i)
			}
			seen[id] = true
			out = append(out, id)
		}
		if p.Next == "" {
			return out
		}
		if len(p.Releases) == 0 {
			t.Fatal("an empty page with a next cursor")
		}
		q.Cursor = p.Next
	}
}

func testListing(t *testing.T, st communique.Store) {
	a := mustSource(t, st, "https://a.example/feed")
	b := mustSource(t, st, "https://b.example/feed")
	type rel struct {
		id  int64
		pub time.Time
		org string
		src int64
	}
	var rels []rel
	for i := range 60 {
		// Groups of three share a published time, to test the tie-break.
		pub := T0.Add(-time.Duration(i/3) * time.Hour)
		org, src := "NATO", a.ID
		if i%4 == 0 {
			org, src = "United Nations", b.ID
		}
		r := mustRelease(t, st, &communique.Release{SourceID: src, URL: fmt.Sprintf("https://x.example/%d", i), Title: fmt.Sprintf("Release %d", i), Organization: org, Published: pub})
		rels = append(rels, rel{r.ID, pub, org, src})
	}
	expect := func(keep func(rel) bool) []int64 {
		var rs []rel
		for _, r := range rels {
			if keep(r) {
				rs = append(rs, r)
			}
		}
		sort.Slice(rs, func(i, j int) bool {
			if !rs[i].pub.Equal(rs[j].pub) {
				return rs[i].pub.After(rs[j].pub)
			}
			return rs[i].id > rs[j].id
		})
		out := make([]int64, len(rs))
		for i, r := range rs {
			out[i] = r.id
		}
		return out
	}
	everything := func(rel) bool { return true }

	p, err := st.Releases(ctx, communique.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Releases) != 50 || p.Next == "" {
		t.Errorf("default page: %d releases, next %q; want 50 and a cursor", len(p.Releases), p.Next)
	}
	if p.Total != 60 {
		t.Errorf("Total = %d, want 60", p.Total)
	}
	if p.Releases[0].Title == "" || p.Releases[0].URL == "" {
		t.Errorf("listing releases are not filled: %+v", p.Releases[0])
	}
	if got := all(t, st, communique.Query{Limit: 7}); !slices.Equal(got, expect(everything)) {
		t.Errorf("pages of 7 = %v\nwant %v", got, expect(everything))
	}
	if got := all(t, st, communique.Query{Limit: 5, Organization: "united nations"}); !slices.Equal(got, expect(func(r rel) bool { return r.org == "United Nations" })) {
		t.Errorf("Organization filter (case-insensitive) = %v", got)
	}
	if got := all(t, st, communique.Query{Limit: 9, SourceID: a.ID}); !slices.Equal(got, expect(func(r rel) bool { return r.src == a.ID })) {
		t.Errorf("SourceID filter = %v", got)
	}
	since, until := T0.Add(-10*time.Hour), T0.Add(-5*time.Hour)
	if got := all(t, st, communique.Query{Limit: 4, Since: since, Until: until}); !slices.Equal(got, expect(func(r rel) bool { return !r.pub.Before(since) && r.pub.Before(until) })) {
		t.Errorf("Since/Until (inclusive/exclusive) = %v", got)
	}
	if p, err := st.Releases(ctx, communique.Query{Limit: 1000}); err != nil || len(p.Releases) != 60 {
		t.Errorf("Limit 1000 (capped at 500) gave %d, %v", len(p.Releases), err)
	}
	_, err = st.Releases(ctx, communique.Query{Cursor: "not a cursor!"})
	wantCode(t, err, communique.EINVALID, "a bad cursor")

	// A release added while paging does not disturb the pages after it.
	p1, _ := st.Releases(ctx, communique.Query{Limit: 10})
	mustRelease(t, st, &communique.Release{URL: "https://x.example/new", Title: "New", Published: T0.Add(time.Hour)})
	p2, _ := st.Releases(ctx, communique.Query{Limit: 10, Cursor: p1.Next})
	if want := expect(everything)[10:20]; !slices.Equal(ids(p2), want) {
		t.Errorf("second page after an insert = %v, want %v", ids(p2), want)
	}
}

// corpus is the search fixture: each release has a name.
type corpus struct {
	ids  map[string]int64
	name map[int64]string
}

func (c *corpus) names(p *communique.ResultPage) []string {
	out := make([]string, len(p.Releases))
	for i, r := range p.Releases {
		out[i] = c.name[r.ID]
	}
	return out
}

func searchCorpus(t *testing.T, st communique.Store) (*corpus, *communique.Source) {
	src := mustSource(t, st, "https://www.gov.uk/search/news-and-communications.atom")
	other := mustSource(t, st, "https://www.nato.int/cps/rss/en/natohq/rssFeed.xsl/rssFeed.xml")
	c := &corpus{ids: map[string]int64{}, name: map[int64]string{}}
	day := 24 * time.Hour
	for _, r := range []struct {
		name string
		rel  communique.Release
	}{
		{"sudani", communique.Release{SourceID: other.ID, Organization: "NATO", Language: "en", Published: T0,
			Title: "NATO Chief welcomes Iraqi Prime Minister",
			Lede:  "Secretary General Mark Rutte welcomed Prime Minister Mohammed Shia' al-Sudani of Iraq to NATO Headquarters.",
			Text:  "Secretary General Mark Rutte welcomed Prime Minister Mohammed Shia' al-Sudani of Iraq to NATO Headquarters. They discussed the NATO Mission in Iraq and regional security."}},
		{"defence", communique.Release{SourceID: other.ID, Organization: "NATO", Language: "en", Published: T0.Add(-1 * day),
			Title: "Allies agree new defence plans",
			Lede:  "Defence ministers met at NATO Headquarters on Monday.",
			Text:  "Defence ministers met at NATO Headquarters on Monday and agreed new regional plans. Ministers also discussed support for Ukraine."}},
		{"council", communique.Release{SourceID: src.ID, Organization: "United Nations", Language: "en", Published: T0.Add(-2 * day),
			Title: "Security Council extends mission in Iraq",
			Lede:  "The Security Council today extended the mandate of its assistance mission in Iraq.",
			Text:  "The Security Council today extended the mandate of its assistance mission in Iraq by one year, at the request of the Government."}},
		{"bce", communique.Release{SourceID: src.ID, Organization: "European Central Bank", Language: "fr", Published: T0.Add(-40 * day),
			Title: "Décisions de politique monétaire",
			Lede:  "Le Conseil des gouverneurs a décidé de maintenir les taux directeurs inchangés.",
			Text:  "Le Conseil des gouverneurs a décidé de maintenir les taux directeurs inchangés. L'économie de la zone euro a résisté. Élection du président."}},
		{"rates", communique.Release{SourceID: src.ID, Organization: "European Central Bank", Language: "en-GB", Published: T0.Add(-41 * day),
			Title: "Monetary policy decisions",
			Lede:  "The Governing Council today decided to keep the three key ECB interest rates unchanged.",
			Text:  "The Governing Council today decided to keep the three key ECB interest rates unchanged. Inflation is running close to target, and runners-up in the survey ran behind."}},
		{"drought-title", communique.Release{SourceID: src.ID, Organization: "FAO", Language: "en", Published: T0.Add(-400 * day),
			Title: "Drought emergency declared",
			Lede:  "An emergency was declared across the region.",
			Text:  "An emergency was declared across the region after months without rain. Crops failed and herds were moved."}},
		{"drought-body", communique.Release{SourceID: src.ID, Organization: "FAO", Language: "en", Published: T0.Add(-3 * day),
			Title: "Harvest outlook for the season",
			Lede:  "Cereal production is forecast to rise this season.",
			Text:  "Cereal production is forecast to rise this season in most countries. Some areas still face localized drought conditions, and markets remain volatile across the region for the coming months."}},
	} {
		rel := r.rel
		rel.URL = "https://example.org/" + r.name
		rel.HTML = "<p>" + rel.Text + "</p>"
		mustRelease(t, st, &rel)
		c.ids[r.name], c.name[rel.ID] = rel.ID, r.name
	}
	return c, src
}

// find runs a query string and returns the names of the results, in order.
func find(t *testing.T, st communique.Store, c *corpus, q string, sort communique.Sort) []string {
	t.Helper()
	query, err := search.Parse(q, T0)
	if err != nil {
		t.Fatalf("Parse(%q): %v", q, err)
	}
	query.Sort = sort
	query.Limit = 100
	p, err := st.Releases(ctx, query)
	if err != nil {
		t.Fatalf("Releases(%q): %v", q, err)
	}
	if p.Total != -1 && p.Total != len(p.Releases) {
		t.Errorf("%q: Total %d for %d results", q, p.Total, len(p.Releases))
	}
	return c.names(p)
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func testSearch(t *testing.T, st communique.Store) {
	c, src := searchCorpus(t, st)
	for _, tc := range []struct {
		q    string
		want []string // as a set
	}{
		{"iraq", []string{"council", "sudani"}},
		{"IRAQ", []string{"council", "sudani"}},
		{"nato iraq", []string{"sudani"}},
		{`"prime minister"`, []string{"sudani"}},
		{`"minister prime"`, nil},
		{"al-Sudani", []string{"sudani"}},
		{"sudani", []string{"sudani"}},
		{"iraq -council", []string{"sudani"}},
		{`iraq -"security council"`, []string{"sudani"}},
		{"-iraq -nato", []string{"bce", "drought-body", "drought-title", "rates"}},
		{"defence OR inflation", []string{"defence", "rates"}},
		{"(defence OR inflation) ministers", []string{"defence"}},
		{"defen*", []string{"defence"}},
		{"minist*", []string{"defence", "sudani"}},
		{"title:iraq", []string{"council"}},
		{"title:iraqi", []string{"sudani"}},
		{`title:"defence plans"`, []string{"defence"}},
		{"title:monetary", []string{"rates"}},
		{"title:monet*", []string{"bce", "rates"}}, // monétaire, folded
		{"title:iraq OR title:monetary", []string{"council", "rates"}},
		{"ministers", []string{"defence", "sudani"}}, // stemming: minister, ministers
		{"running", []string{"rates"}},
		{"decide", []string{"bce", "rates"}}, // decided, and décidé with its accents folded
		{"economie", []string{"bce"}},        // accents folded
		{"ÉCONOMIE", []string{"bce"}},
		{"election", []string{"bce"}},
		{"inchanges", []string{"bce"}},
		{"org:nato", []string{"defence", "sudani"}},
		{`org:"european central bank"`, []string{"bce", "rates"}},
		{"-org:nato", []string{"bce", "council", "drought-body", "drought-title", "rates"}},
		{"region -org:nato", []string{"drought-body", "drought-title"}},
		{"region OR org:fao", []string{"defence", "drought-body", "drought-title", "sudani"}},
		{"lang:fr", []string{"bce"}},
		{"lang:en decided", []string{"rates"}}, // en matches en-GB
		{fmt.Sprintf("source:%d", src.ID), []string{"bce", "council", "drought-body", "drought-title", "rates"}},
		{"source:gov.uk iraq", []string{"council"}},
		{"source:nato.int", []string{"defence", "sudani"}},
		{"mission since:2025-09-07", []string{"sudani"}},
		{"mission until:2025-09-07", []string{"council"}},
		{"since:2025-08", []string{"council", "defence", "drought-body", "sudani"}},
		{"country:IQ", nil}, // no entities yet
		{`person:"Mark Rutte"`, nil},
		{"zzyzx", nil},
	} {
		if got := sorted(find(t, st, c, tc.q, "")); !slices.Equal(got, sorted(tc.want)) {
			t.Errorf("search %q = %v, want %v", tc.q, got, sorted(tc.want))
		}
	}
}

func testSearchOrder(t *testing.T, st communique.Store) {
	c, _ := searchCorpus(t, st)
	// A word in the title outweighs the same word once in a long body,
	// though the body's release is newer.
	if got := find(t, st, c, "drought", communique.SortRelevance); !slices.Equal(got, []string{"drought-title", "drought-body"}) {
		t.Errorf("relevance order = %v, want the title match first", got)
	}
	if got := find(t, st, c, "drought", ""); !slices.Equal(got, []string{"drought-title", "drought-body"}) {
		t.Errorf("default order with words = %v, want relevance", got)
	}
	if got := find(t, st, c, "drought", communique.SortDate); !slices.Equal(got, []string{"drought-body", "drought-title"}) {
		t.Errorf("date order = %v, want newest first", got)
	}
	if got := find(t, st, c, "org:fao", ""); !slices.Equal(got, []string{"drought-body", "drought-title"}) {
		t.Errorf("filters alone = %v, want newest first", got)
	}
	// Two releases with the same words score by recency.
	if got := find(t, st, c, `"monetary policy" OR "politique monétaire"`, communique.SortRelevance); len(got) != 2 {
		t.Errorf("OR of phrases = %v", got)
	}
}

func testSearchPages(t *testing.T, st communique.Store) {
	var want []int64
	for i := range 23 {
		r := mustRelease(t, st, &communique.Release{URL: fmt.Sprintf("https://x.example/%d", i), Published: T0.Add(-time.Duration(i%5) * time.Hour),
			Title: "Summit " + strings.Repeat("summit ", i%4), Text: fmt.Sprintf("The summit number %d. %s", i, strings.Repeat("words ", i))})
		want = append(want, r.ID)
	}
	mustRelease(t, st, &communique.Release{URL: "https://x.example/other", Title: "Other", Published: T0})
	for _, sort := range []communique.Sort{communique.SortRelevance, communique.SortDate} {
		q, _ := search.Parse("summit", T0)
		q.Sort, q.Limit = sort, 4
		got := all(t, st, q)
		if !slices.Equal(sorted64(got), sorted64(want)) {
			t.Errorf("%s pages = %v, want every match once: %v", sort, got, want)
		}
		q.Limit = 100
		p, err := st.Releases(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(p), got) {
			t.Errorf("%s pages of 4 = %v, one page = %v", sort, got, ids(p))
		}
		if p.Total != 23 {
			t.Errorf("Total = %d, want 23", p.Total)
		}
	}
	q, _ := search.Parse("summit", T0)
	q.Sort, q.Limit = communique.SortDate, 4
	p, _ := st.Releases(ctx, q)
	q.Sort, q.Cursor = communique.SortRelevance, p.Next
	_, err := st.Releases(ctx, q)
	wantCode(t, err, communique.EINVALID, "a date cursor for a relevance query")
}

func sorted64(s []int64) []int64 {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func testSnippets(t *testing.T, st communique.Store) {
	c, _ := searchCorpus(t, st)
	q, _ := search.Parse("extended mandate", T0)
	p, err := st.Releases(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	id := c.ids["council"]
	if len(p.Releases) != 1 || p.Releases[0].ID != id {
		t.Fatalf("results %v", c.names(p))
	}
	s := p.Snippets[id]
	if !strings.Contains(s, "\x02") || strings.Count(s, "\x02") != strings.Count(s, "\x03") {
		t.Fatalf("snippet %q has no balanced \\x02…\\x03 highlight", s)
	}
	for _, part := range strings.Split(s, "\x02")[1:] {
		w := strings.ToLower(part[:strings.IndexByte(part, '\x03')])
		if !strings.HasPrefix(w, "extend") && !strings.HasPrefix(w, "mandate") {
			t.Errorf("highlighted %q, which the query does not match", w)
		}
	}
	if p, _ := st.Releases(ctx, communique.Query{}); len(p.Snippets) != 0 {
		t.Errorf("a listing has snippets: %v", p.Snippets)
	}
}

func testEntityFilters(t *testing.T, st communique.Store) {
	c, _ := searchCorpus(t, st)
	if got := find(t, st, c, "country:iq", ""); len(got) != 0 {
		t.Fatalf("country:iq before enrichment = %v", got)
	}
	r, err := st.Release(ctx, c.ids["sudani"])
	if err != nil {
		t.Fatal(err)
	}
	r.Entities = &communique.Entities{
		People:        []communique.Person{{Name: "Mark Rutte", Title: "Secretary General"}, {Name: "Mohammed Shia' al-Sudani"}},
		Organizations: []communique.Organization{{Name: "North Atlantic Treaty Organization", Acronym: "NATO"}, {Name: "Ministry of Defence of Iraq", Acronym: "MoD"}},
		Places:        []communique.Place{{Name: "Iraq", Kind: communique.PlaceCountry, Country: "IQ"}},
		Countries:     []string{"IQ"},
		Regions:       []string{"Middle East"},
	}
	if err := st.UpdateRelease(ctx, r); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"country:IQ", []string{"sudani"}},
		{"country:iq iraq", []string{"sudani"}},
		{"iraq -country:iq", []string{"council"}},
		{`person:"mark rutte"`, []string{"sudani"}},
		{"person:Rutte", nil}, // a person is matched by full name
		{`org:"Ministry of Defence of Iraq"`, []string{"sudani"}},
		{"org:mod", []string{"sudani"}}, // by acronym
	} {
		if got := sorted(find(t, st, c, tc.q, "")); !slices.Equal(got, sorted(tc.want)) {
			t.Errorf("search %q = %v, want %v", tc.q, got, tc.want)
		}
	}
	// Re-enrichment replaces the entities.
	r.Entities = &communique.Entities{Countries: []string{"BE"}}
	if err := st.UpdateRelease(ctx, r); err != nil {
		t.Fatal(err)
	}
	if got := find(t, st, c, "country:iq", ""); len(got) != 0 {
		t.Errorf("country:iq after re-enrichment = %v", got)
	}
	if got := find(t, st, c, "country:be", ""); !slices.Equal(got, []string{"sudani"}) {
		t.Errorf("country:be after re-enrichment = %v", got)
	}
	if err := st.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	if got := find(t, st, c, "country:be", ""); !slices.Equal(got, []string{"sudani"}) {
		t.Errorf("country:be after Reindex = %v", got)
	}
	// A release stored with its entities is found by them at once (the
	// pipeline enriches before it stores).
	born := &communique.Release{SourceID: r.SourceID, URL: "https://example.org/enriched", Organization: "NATO", Language: "en",
		Published: T0.Add(time.Hour), Title: "Secretary General visits Baghdad", Text: "The Secretary General met the Prime Minister in Baghdad.",
		Entities: &communique.Entities{People: []communique.Person{{Name: "Mark Rutte"}}, Countries: []string{"IQ"},
			Organizations: []communique.Organization{{Name: "Ministry of Defence of Iraq", Acronym: "MoD"}}}}
	mustRelease(t, st, born)
	c.ids["enriched"], c.name[born.ID] = born.ID, "enriched"
	for _, q := range []string{"country:iq", `person:"Mark Rutte"`, "org:mod"} {
		if got := find(t, st, c, q, ""); !slices.Equal(got, []string{"enriched"}) {
			t.Errorf("search %q for a release created with its entities = %v, want [enriched]", q, got)
		}
	}
}

func testIndexMaintenance(t *testing.T, st communique.Store) {
	c, _ := searchCorpus(t, st)
	if got := find(t, st, c, "hydrogen", ""); len(got) != 0 {
		t.Fatalf("hydrogen before = %v", got)
	}
	r := mustRelease(t, st, &communique.Release{URL: "https://example.org/hydrogen", Title: "Hydrogen strategy", Text: "A hydrogen strategy.", Published: T0})
	c.ids["hydrogen"], c.name[r.ID] = r.ID, "hydrogen"
	if got := find(t, st, c, "hydrogen", ""); !slices.Equal(got, []string{"hydrogen"}) {
		t.Errorf("a new release is not found: %v", got)
	}
	// A revision replaces the indexed text.
	r.Title, r.Text, r.Lede = "Ammonia strategy", "An ammonia strategy.", ""
	if err := st.ReviseRelease(ctx, r); err != nil {
		t.Fatal(err)
	}
	if got := find(t, st, c, "hydrogen", ""); len(got) != 0 {
		t.Errorf("the previous text of a revised release is still found: %v", got)
	}
	if got := find(t, st, c, "ammonia", ""); !slices.Equal(got, []string{"hydrogen"}) {
		t.Errorf("the new text of a revised release is not found: %v", got)
	}
	// So does an update without a revision.
	r.Title = "Methanol strategy"
	if err := st.UpdateRelease(ctx, r); err != nil {
		t.Fatal(err)
	}
	if got := find(t, st, c, "title:methanol", ""); !slices.Equal(got, []string{"hydrogen"}) {
		t.Errorf("an updated title is not found: %v", got)
	}
	if err := st.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	if got := find(t, st, c, "ammonia -title:ammonia", ""); !slices.Equal(got, []string{"hydrogen"}) {
		t.Errorf("after Reindex: %v", got)
	}
	if got := sorted(find(t, st, c, "iraq", "")); !slices.Equal(got, []string{"council", "sudani"}) {
		t.Errorf("after Reindex, iraq = %v", got)
	}
	if err := st.DeleteRelease(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if got := find(t, st, c, "ammonia", ""); len(got) != 0 {
		t.Errorf("a deleted release is found: %v", got)
	}
}

func testFacets(t *testing.T, st communique.Store) {
	c, _ := searchCorpus(t, st)
	r, _ := st.Release(ctx, c.ids["council"])
	r.Entities = &communique.Entities{Countries: []string{"IQ", "US"}}
	if err := st.UpdateRelease(ctx, r); err != nil {
		t.Fatal(err)
	}
	r, _ = st.Release(ctx, c.ids["sudani"])
	r.Entities = &communique.Entities{Countries: []string{"IQ"}}
	if err := st.UpdateRelease(ctx, r); err != nil {
		t.Fatal(err)
	}
	q, _ := search.Parse("region OR iraq OR decided", T0)
	q.Facets, q.Limit = true, 1 // facets count the whole result set, not the page
	p, err := st.Releases(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	// region: sudani, defence, drought-title, drought-body; iraq: council, sudani; decided: rates, bce (décidé).
	if p.Facets == nil {
		t.Fatal("no facets")
	}
	f := p.Facets
	check := func(name string, got, want []communique.FacetCount) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s facet = %v, want %v", name, got, want)
		}
	}
	check("organization", f.Organizations, []communique.FacetCount{fc("European Central Bank", 2), fc("FAO", 2), fc("NATO", 2), fc("United Nations", 1)})
	check("language", f.Languages, []communique.FacetCount{fc("en", 5), fc("en-GB", 1), fc("fr", 1)})
	check("country", f.Countries, []communique.FacetCount{fc("IQ", 2), fc("US", 1)})
	check("month", f.Months, []communique.FacetCount{fc("2025-09", 4), fc("2025-07", 2), fc("2024-08", 1)})
	if p.Total != 7 {
		t.Errorf("Total = %d, want 7", p.Total)
	}
	if p, _ := st.Releases(ctx, communique.Query{}); p.Facets != nil {
		t.Errorf("facets without asking: %+v", p.Facets)
	}
	orgs, err := st.Organizations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check("Organizations", orgs, []communique.FacetCount{fc("European Central Bank", 2), fc("FAO", 2), fc("NATO", 2), fc("United Nations", 1)})
}

func fc(v string, n int) communique.FacetCount { return communique.FacetCount{Value: v, Count: n} }

// testStories: Query.StoryID lists a story's releases, and only them.
func testStories(t *testing.T, st communique.Store) {
	a := mustRelease(t, st, &communique.Release{URL: "https://www.nato.int/s1", Organization: "NATO", Title: "Rutte meets al-Sudani", Published: T0})
	b := mustRelease(t, st, &communique.Release{URL: "https://pmo.iq/s1", Organization: "Prime Minister's Office", Title: "Al-Sudani meets Rutte", Published: T0.Add(time.Hour)})
	mustRelease(t, st, &communique.Release{URL: "https://www.un.org/other", Organization: "UN", Title: "Another event", Published: T0})
	for _, r := range []*communique.Release{a, b} {
		r.StoryID = a.ID
		if err := st.UpdateRelease(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	page, err := st.Releases(ctx, communique.Query{StoryID: a.ID})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, r := range page.Releases {
		ids = append(ids, r.ID)
		if r.StoryID != a.ID {
			t.Errorf("release %d in story %d has StoryID %d", r.ID, a.ID, r.StoryID)
		}
	}
	if len(ids) != 2 || ids[0] != b.ID || ids[1] != a.ID {
		t.Errorf("Releases(StoryID %d) = %v, want [%d %d] newest first", a.ID, ids, b.ID, a.ID)
	}
}

// testSearchDates checks words with date bounds at the edges of months, both
// whole months (which a store may answer from a month index) and not.
func testSearchDates(t *testing.T, st communique.Store) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	pubs := []string{"2025-06-30T23:59:59Z", "2025-07-01T00:00:00Z", "2025-07-15T12:00:00Z", "2025-08-31T23:59:59Z", "2025-09-01T00:00:00Z"}
	byPub := map[string]int64{}
	for i, p := range pubs {
		r := mustRelease(t, st, &communique.Release{URL: fmt.Sprintf("https://x.example/harbour/%d", i), Title: "Harbour works", Text: "The harbour reopens.", Published: at(p)})
		byPub[p] = r.ID
	}
	harbour := &communique.Node{Op: communique.OpTerm, Text: "harbour"}
	for _, c := range []struct {
		since, until string
		want         []string
	}{
		{"2025-07-01T00:00:00Z", "2025-09-01T00:00:00Z", []string{"2025-08-31T23:59:59Z", "2025-07-15T12:00:00Z", "2025-07-01T00:00:00Z"}},
		{"2025-07-01T00:00:00Z", "2025-08-01T00:00:00Z", []string{"2025-07-15T12:00:00Z", "2025-07-01T00:00:00Z"}},
		{"2025-07-01T00:00:01Z", "2025-09-01T00:00:00Z", []string{"2025-08-31T23:59:59Z", "2025-07-15T12:00:00Z"}},
		{"2025-06-30T23:59:59Z", "2025-08-31T23:59:59Z", []string{"2025-07-15T12:00:00Z", "2025-07-01T00:00:00Z", "2025-06-30T23:59:59Z"}},
	} {
		p, err := st.Releases(ctx, communique.Query{Text: harbour, Since: at(c.since), Until: at(c.until), Sort: communique.SortDate})
		if err != nil {
			t.Fatal(err)
		}
		var want []int64
		for _, w := range c.want {
			want = append(want, byPub[w])
		}
		if got := ids(p); !slices.Equal(got, want) || p.Total != len(want) {
			t.Errorf("harbour since %s until %s: %v (total %d), want %v", c.since, c.until, got, p.Total, want)
		}
	}
}
