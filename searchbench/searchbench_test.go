package searchbench

import (
	"context"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/communique-news/communique/internal/pgtest"
)

func TestGenerator(t *testing.T) {
	g := NewGenerator(1, 300)
	a, b := g.Release(5, []int64{1, 2}), NewGenerator(1, 300).Release(5, []int64{1, 2})
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the generator is not deterministic")
	}
	if reflect.DeepEqual(a, g.Release(6, []int64{1, 2})) {
		t.Fatal("two releases are the same")
	}
	orgs := map[string]bool{}
	counts := map[string]int{}
	for i := range 300 {
		r := g.Release(i, nil)
		if n := len(strings.Fields(r.Text)); n < 300 || n > 1500 || n != r.WordCount {
			t.Errorf("release %d has %d words (WordCount %d), want 300–1500", i, n, r.WordCount)
		}
		if r.Published.After(End) || r.Published.Before(End.Add(-span)) {
			t.Errorf("release %d published %v, outside five years", i, r.Published)
		}
		// Stored in publication order, give or take Jitter.
		place := End.Add(-span + span/300*time.Duration(i))
		if d := r.Published.Sub(place); d > Jitter || d < -Jitter-time.Second {
			t.Errorf("release %d of 300 published %v, %v from its place %v", i, r.Published, d, place)
		}
		if r.Lede == "" || r.Title == "" || !strings.HasPrefix(r.HTML, "<p>") {
			t.Errorf("release %d incomplete: %q %q", i, r.Title, r.Lede)
		}
		orgs[r.Organization] = true
		for _, w := range strings.Fields(strings.ToLower(strings.ReplaceAll(r.Text, ".", ""))) {
			counts[w]++
		}
	}
	if len(orgs) < 30 {
		t.Errorf("only %d organisations in 300 releases", len(orgs))
	}
	// Zipf: the most frequent word is far more frequent than a mid-rank one.
	if counts[g.Word(0)] < 20*counts[g.Word(1000)] {
		t.Errorf("word 0 seen %d times, word 1000 %d times: not a Zipf distribution", counts[g.Word(0)], counts[g.Word(1000)])
	}
}

func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a store of 200 releases")
	}
	res, err := Run(context.Background(), Config{Releases: 200, Dir: t.TempDir(), Rounds: 3, Batch: 50})
	if err != nil {
		t.Fatal(err)
	}
	if res.Releases != 200 || res.IndexPerS <= 0 || res.DBBytesPerRelease <= 0 || res.P99Ms < res.P50Ms || res.FacetsP99Ms <= 0 {
		t.Errorf("implausible result %+v", res)
	}
	if len(res.Kinds) != 8 {
		t.Errorf("kinds %v, want the 8 kinds of query", res.Kinds)
	}
	if PeakRSS() <= 0 {
		t.Log("no /proc/self/status: rss_mb is 0")
	}
}

func TestQueriesFindSomething(t *testing.T) {
	g := NewGenerator(1, 300)
	qs := Queries(g, 2)
	for _, kind := range []string{"word", "two_words", "phrase", "word_org", "word_dates", "rare_word", "common_word", "facets"} {
		if len(qs[kind]) != 2 {
			t.Errorf("kind %s: %d queries", kind, len(qs[kind]))
		}
	}
}

// Any number of rounds gives queries (rare words once ran past the
// vocabulary at 49 rounds).
func TestQueriesManyRounds(t *testing.T) {
	g := NewGenerator(1, 300)
	qs := Queries(g, 500)
	if len(qs["rare_word"]) != 500 || qs["rare_word"][0] != g.Word(20000) || qs["rare_word"][48] != g.Word(20000+48*613) {
		t.Errorf("rare words: %d, first %q", len(qs["rare_word"]), qs["rare_word"][0])
	}
}

// --reuse of a directory with no store fails, and makes none there:
// opened, it would be an empty store, and its queries measured.
func TestRunReuseNothingKept(t *testing.T) {
	dir := t.TempDir()
	_, err := Run(context.Background(), Config{Releases: 10, Rounds: 1, Reuse: dir})
	if err == nil || !strings.Contains(err.Error(), "no store kept") {
		t.Fatalf("--reuse of an empty directory: %v", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("--reuse of an empty directory left %d files in it", len(left))
	}
}

// A PostgreSQL store kept with Keep is measured again with Reuse, and a
// schema with no store is refused.
func TestRunKeepReusePostgres(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	admin := pgtest.Conn(t)
	var log strings.Builder
	if _, err := Run(ctx, Config{Releases: 100, Rounds: 1, Batch: 50, Postgres: url, Keep: true, Log: &log}); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`kept the store in schema (\S+)`).FindStringSubmatch(log.String())
	if m == nil {
		t.Fatalf("no kept schema in the log:\n%s", log.String())
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{m[1]}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("dropping the kept schema: %v", err)
		}
	})
	res, err := Run(ctx, Config{Releases: 100, Rounds: 1, Postgres: url, Reuse: m[1]})
	if err != nil {
		t.Fatal(err)
	}
	if res.IndexPerS != 0 || res.P99Ms <= 0 || res.DBBytesPerRelease <= 0 {
		t.Errorf("reused store: %+v, want queries measured and nothing loaded", res)
	}

	missing := "communique_searchbench_none"
	if _, err := Run(ctx, Config{Releases: 100, Rounds: 1, Postgres: url, Reuse: missing}); err == nil || !strings.Contains(err.Error(), "no store kept") {
		t.Errorf("--reuse of a missing schema: %v", err)
	}
	var made bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = $1)`, missing).Scan(&made); err != nil || made {
		t.Errorf("--reuse of a missing schema made it (%v)", err)
	}
}
