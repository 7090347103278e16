package postgres

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/communique-news/communique"
)

func TestSearchBasics(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	s := &communique.Source{Kind: communique.KindFeed, URL: "https://a.example/feed", Licence: communique.LicenceFull, Organization: "NATO"}
	if err := db.CreateSource(ctx, s); err != nil {
		t.Fatal(err)
	}
	due, err := db.DueSources(ctx, time.Now(), 10)
	if err != nil || len(due) != 1 {
		t.Fatal(due, err)
	}
	st := due[0].State
	st.NextPoll = time.Now().Add(time.Hour)
	st.LastSuccess = time.Now()
	if err := db.RecordPoll(ctx, s.ID, st); err != nil {
		t.Fatal(err)
	}
	r := &communique.Release{SourceID: s.ID, URL: "https://a.example/r1", Organization: "NATO", Title: "NATO Chief welcomes Iraqi Prime Minister",
		Text: "Secretary General Mark Rutte welcomed Prime Minister al-Sudani of Iraq. Café security", Lede: "Rutte welcomed", Published: time.Now().Add(-time.Hour), Language: "en",
		Entities: &communique.Entities{Countries: []string{"IQ"}, People: []communique.Person{{Name: "Mark Rutte"}}}, Fingerprint: 0xdeadbeef}
	if err := db.CreateRelease(ctx, r); err != nil {
		t.Fatal(err)
	}
	for _, q := range []communique.Query{
		{Text: &communique.Node{Op: communique.OpTerm, Text: "welcoming"}, Facets: true},
		{Text: &communique.Node{Op: communique.OpPhrase, Text: "al-Sudani"}},
		{Text: &communique.Node{Op: communique.OpTerm, Text: "cafe"}},
		{Text: &communique.Node{Op: communique.OpPrefix, Text: "secur"}},
		{Text: &communique.Node{Op: communique.OpTerm, Text: "chief", Field: "title"}},
		{Text: &communique.Node{Op: communique.OpField, Field: "country", Text: "iq"}},
		{Text: &communique.Node{Op: communique.OpAnd, Children: []*communique.Node{{Op: communique.OpTerm, Text: "rutte"}, {Op: communique.OpNot, Children: []*communique.Node{{Op: communique.OpField, Field: "org", Text: "un"}}}}}},
	} {
		p, err := db.Releases(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Releases) != 1 {
			t.Errorf("query %+v: %d results", q.Text, len(p.Releases))
		}
		t.Logf("snippets %v facets %+v", p.Snippets, p.Facets)
	}
	m, err := db.Match(ctx, communique.MatchQuery{Fingerprint: 0xdeadbeef ^ 0b101, MaxDistance: 3, Limit: 5})
	if err != nil || len(m.Similar) != 1 {
		t.Error(m, err)
	}
	if err := db.ReviseRelease(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err := db.Release(ctx, r.ID)
	if err != nil || got.Revisions != 2 {
		t.Error(got, err)
	}
	srcs, err := db.Sources(ctx)
	if err == nil {
		err = db.CountSourceReleases(ctx, srcs)
	}
	if err != nil || srcs[0].Releases != 1 {
		t.Error(srcs, err)
	}
}

// TestSearchPlannedForItsWords: the statements whose best plan depends on
// how common the query's words are never become prepared statements, which
// PostgreSQL may run with a generic plan (blind to the words) after five
// executions.
func TestSearchPlannedForItsWords(t *testing.T) {
	cfg := testSchema(t)
	cfg.MaxConns = 1 // every statement on the connection inspected below
	db, err := OpenConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.caps = caps{count: 2, rank: 2, facet: 2, window: 2, recheck: 2}
	ctx := context.Background()
	for i := range 10 {
		r := &communique.Release{URL: fmt.Sprintf("https://x.example/%d", i), Title: "Release", Text: "common words here",
			Published: time.Date(2025, 9, 1, i, 0, 0, 0, time.UTC)}
		if err := db.CreateRelease(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for range 7 {
		for _, sort := range []communique.Sort{communique.SortRelevance, communique.SortDate} {
			q := communique.Query{Text: &communique.Node{Op: communique.OpTerm, Text: "common"}, Sort: sort, Limit: 3, Facets: true}
			if _, err := db.Releases(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
	}
	var prepared []string
	rows, err := db.pool.Query(ctx, `SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%@@%' AND statement NOT LIKE '%r.id = ANY%'`)
	if err != nil {
		t.Fatal(err)
	}
	if prepared, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	if len(prepared) > 0 {
		t.Errorf("text searches prepared (planned generically after five runs): %q", prepared)
	}
}

func TestSnippetWindow(t *testing.T) {
	filler := strings.Repeat("Les États membres se réunissent. ", 300) // ~10,000 bytes, not ASCII
	long := &communique.Release{Text: filler + "The Secretary General welcomed the agreement. " + filler}
	w := snippetWindow(long, []string{"secretary"})
	if !strings.Contains(w, "Secretary General welcomed") || len(w) > SnippetChars || !utf8.ValidString(w) {
		t.Errorf("window around a match deep in the text: %d bytes, valid %v, %q…", len(w), utf8.ValidString(w), w[:min(80, len(w))])
	}
	// Stemming keeps the first letters: "welcoming" finds "welcomed".
	if w := snippetWindow(long, []string{"welcoming"}); !strings.Contains(w, "welcomed") {
		t.Errorf("a stemmed word's window misses it")
	}
	if w := snippetWindow(long, []string{"absent"}); !strings.HasPrefix(long.Text, w) || len(w) > SnippetChars || !utf8.ValidString(w) {
		t.Errorf("no match: the window should be the start of the text, got %q…", w[:min(80, len(w))])
	}
	short := &communique.Release{Lede: "A short lede about NATO."}
	if w := snippetWindow(short, []string{"nato"}); w != short.Lede {
		t.Errorf("a release without body: %q, want its lede", w)
	}
}

// TestSearchVectorsInline checks that the search vectors are written with
// unaccent() inlined (migration 009): in their plan, and in the trigger that
// writes them for a new release, which must give what Reindex's
// communique_search_vector gives.
// Left as calls of a SQL function (a function that cannot be inlined is run
// through an executor of its own each call), they cost every new release
// three such calls.
func TestSearchVectorsInline(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	text := explain(t, db, `EXPLAIN VERBOSE SELECT communique_search_vector(t, l, b) FROM (VALUES ('Café', 'Zürich', 'Genève')) AS v(t, l, b)`)
	if strings.Contains(text, "communique_") || strings.Count(text, "unaccent(") != 3 {
		t.Errorf("the search vector is not inlined to three calls of unaccent():\n%s", text)
	}
	r := &communique.Release{URL: "https://a.example/accents", Title: "Café talks", Lede: "In Zürich", Text: "Ministers met in Genève.", Published: time.Now()}
	if err := db.CreateRelease(ctx, r); err != nil {
		t.Fatal(err)
	}
	var stored, want string
	err := db.pool.QueryRow(ctx, `SELECT s.search::text, communique_search_vector(r.title, r.lede, r.body)::text
		FROM release_search s JOIN releases r USING (id) WHERE id = $1`, r.ID).Scan(&stored, &want)
	if err != nil {
		t.Fatal(err)
	}
	if stored != want || !strings.Contains(stored, "'cafe':1A") || !strings.Contains(stored, "'zurich'") || !strings.Contains(stored, "'genev'") {
		t.Errorf("the trigger wrote %s; Reindex would write %s; want both folded ('cafe':1A, 'zurich', 'genev')", stored, want)
	}

	// The trigger itself: PostgreSQL counts the calls of SQL functions it
	// did not inline (track_functions), and none of ours should be among them.
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SET LOCAL track_functions = 'all'`); err != nil {
		t.Skipf("counting function calls needs a superuser: %v", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO releases (url, title, lede, body, published, retrieved, updated)
		VALUES ('https://a.example/counted', 'Café', 'Zürich', 'Genève', now(), now(), now())`); err != nil {
		t.Fatal(err)
	}
	rows, err := tx.Query(ctx, `SELECT funcname || ' ' || calls FROM pg_stat_xact_user_functions
		WHERE funcname LIKE 'communique%' AND funcname <> 'communique_release_search'`)
	if err != nil {
		t.Fatal(err)
	}
	calls, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) > 0 {
		t.Errorf("a new release's search trigger called SQL functions it should have inlined: %v", calls)
	}
}
