package sqlite_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/search"
	"github.com/communique-news/communique/searchbench"
	"github.com/communique-news/communique/sqlite"
)

func open(b *testing.B) *sqlite.DB {
	db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "communique.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// BenchmarkCreateRelease is one release per transaction, as the pipeline
// stores them.
func BenchmarkCreateRelease(b *testing.B) {
	db := open(b)
	g := searchbench.NewGenerator(1, 100000)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		b.StopTimer()
		r := g.Release(i, nil)
		i++
		b.StartTimer()
		if err := db.CreateRelease(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreateReleasesBatch is a bulk load, 100 releases a transaction;
// the figure is per release.
func BenchmarkCreateReleasesBatch(b *testing.B) {
	db := open(b)
	g := searchbench.NewGenerator(1, 100000)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		b.StopTimer()
		rs := make([]*communique.Release, 100)
		for k := range rs {
			rs[k] = g.Release(i, nil)
			i++
		}
		b.StartTimer()
		if err := db.CreateReleases(ctx, rs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(i), "ns/release")
}

var (
	corpusOnce sync.Once
	corpusDB   *sqlite.DB
	corpusGen  *searchbench.Generator
	corpusErr  error
)

// corpus is a store of 3000 synthetic releases shared by the query benchmarks.
func corpus(b *testing.B) (*sqlite.DB, *searchbench.Generator) {
	corpusOnce.Do(func() {
		ctx := context.Background()
		corpusDB, corpusErr = sqlite.Open(ctx, filepath.Join(b.TempDir(), "corpus.db"))
		if corpusErr != nil {
			return
		}
		corpusGen = searchbench.NewGenerator(1, 3000)
		if _, corpusErr = searchbench.Load(ctx, corpusDB, corpusGen, 3000, 500, 1, nil); corpusErr == nil {
			corpusErr = corpusDB.Optimize(ctx)
		}
	})
	if corpusErr != nil {
		b.Fatal(corpusErr)
	}
	return corpusDB, corpusGen
}

func benchQuery(b *testing.B, text string, facets bool, sort communique.Sort) {
	db, _ := corpus(b)
	q, err := search.Parse(text, searchbench.End)
	if err != nil {
		b.Fatal(err)
	}
	q.Limit, q.Facets, q.Sort = 20, facets, sort
	ctx := context.Background()
	for b.Loop() {
		if _, err := db.Releases(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkListing(b *testing.B) { benchQuery(b, "", false, "") }

func BenchmarkListingOrg(b *testing.B) {
	_, g := corpus(b)
	benchQuery(b, `org:"`+g.Org(3)+`"`, false, "")
}

func BenchmarkSearchWord(b *testing.B) {
	_, g := corpus(b)
	benchQuery(b, g.Word(300), false, "")
}

func BenchmarkSearchCommonWord(b *testing.B) {
	_, g := corpus(b)
	benchQuery(b, g.Word(0), false, "")
}

func BenchmarkSearchCommonWordByDate(b *testing.B) {
	_, g := corpus(b)
	benchQuery(b, g.Word(0), false, communique.SortDate)
}

func BenchmarkSearchPhrase(b *testing.B) {
	_, g := corpus(b)
	benchQuery(b, `"`+g.Word(1)+" "+g.Word(2)+`"`, false, "")
}

func BenchmarkFacets(b *testing.B) {
	_, g := corpus(b)
	benchQuery(b, g.Word(300), true, "")
}

// BenchmarkMatch is the de-duplication decision's lookup, once per ingested
// release: its URL, its content hash and the fingerprints that share a
// block with its own.
func BenchmarkMatch(b *testing.B) {
	db, g := corpus(b)
	ctx := context.Background()
	qs := make([]communique.MatchQuery, 100)
	for i := range qs {
		r := g.Release(i*30, nil)
		qs[i] = communique.MatchQuery{URLs: []string{r.URL + "/new"}, Hash: r.ContentHash + "x", Fingerprint: r.Fingerprint ^ 1<<33, MaxDistance: 12, Limit: 5}
	}
	i := 0
	for b.Loop() {
		m, err := db.Match(ctx, qs[i%len(qs)])
		i++
		if err != nil {
			b.Fatal(err)
		}
		if len(m.Similar) == 0 {
			b.Fatal("the release was not found by its fingerprint")
		}
	}
}
