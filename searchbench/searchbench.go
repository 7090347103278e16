// Package searchbench measures a store's search at scale (SQLite by
// default, PostgreSQL with Config.Postgres): it builds
// a store of synthetic releases and times a fixed mix of queries. It backs
// `communique bench search` and the store's go test benchmarks.
//
// The synthetic corpus is deterministic for a seed: a vocabulary of 50,000
// made-up words drawn with a Zipf distribution (a few words are in nearly
// every release, most are rare), 300–1500 words a release, ~200
// organisations (themselves Zipf-distributed), 50 sources, five languages,
// and publication dates spread over five years.
package searchbench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/communique-news/communique"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/communique-news/communique/postgres"
	"github.com/communique-news/communique/search"
	"github.com/communique-news/communique/sqlite"
)

// End is the newest publication date of the corpus; dates go back five years.
var End = time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)

const (
	vocabulary    = 50000
	organisations = 200
	sources       = 50
	span          = 5 * 365 * 24 * time.Hour
)

// Generator makes synthetic releases.
type Generator struct {
	seed     uint64
	releases int
	words    []string
	orgs     []string
}

// NewGenerator makes the vocabulary and organisations for seed, for a corpus
// of n releases (which spreads their dates, see Release).
func NewGenerator(seed uint64, n int) *Generator {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	syll := []string{"ka", "lo", "mi", "ne", "ta", "ri", "so", "vu", "de", "fa", "gi", "ho", "ju", "be", "ca", "po", "qua", "ze", "xi", "wa", "ly", "str", "an", "el", "or"}
	g := &Generator{seed: seed, releases: max(n, 1)}
	seen := map[string]bool{}
	for len(g.words) < vocabulary {
		n := 1 + r.IntN(4)
		if len(g.words) < 200 {
			n = 1 + r.IntN(2) // the frequent words are short
		}
		var b strings.Builder
		for range n {
			b.WriteString(syll[r.IntN(len(syll))])
		}
		if w := b.String(); !seen[w] && len(w) > 1 {
			seen[w] = true
			g.words = append(g.words, w)
		}
	}
	kinds := []string{"Ministry of", "Agency for", "Office of", "Council on", "Bank of", "Commission for", "Institute of", "Department of"}
	for i := range organisations {
		g.orgs = append(g.orgs, fmt.Sprintf("%s %s %s", kinds[i%len(kinds)], title(g.words[300+i*7]), title(g.words[301+i*11])))
	}
	return g
}

func title(w string) string { return strings.ToUpper(w[:1]) + w[1:] }

// Word is the word of frequency rank i (0 is the most frequent).
func (g *Generator) Word(i int) string { return g.words[i] }

// Org is organisation i.
func (g *Generator) Org(i int) string { return g.orgs[i] }

// Jitter is how far a release's date strays from its place in the corpus.
const Jitter = 7 * 24 * time.Hour

// Release makes release i (0-based) deterministically, for the source IDs
// given.
//
// Release i of n is published about i/n of the way through the five years,
// give or take Jitter: a newswire stores releases when they appear, so its
// storage order follows publication order, as the pipeline's does (a late
// find or a feed's backlog strays by days). Stores lay rows out in the order
// they are added, so this decides where the newest releases of a query are.
func (g *Generator) Release(i int, sourceIDs []int64) *communique.Release {
	r := rand.New(rand.NewPCG(g.seed, uint64(i)))
	zw := rand.NewZipf(r, 1.07, 2, vocabulary-1)
	zo := rand.NewZipf(r, 1.2, 4, organisations-1)
	n := 300 + r.IntN(1201)
	var text, html strings.Builder
	html.WriteString("<p>")
	var lede string
	sentence := 0
	for k := range n {
		w := g.words[zw.Uint64()]
		if sentence == 0 {
			w = title(w)
		}
		text.WriteString(w)
		html.WriteString(w)
		sentence++
		switch {
		case k == n-1:
			text.WriteString(".")
			html.WriteString(".</p>")
		case sentence > 8 && r.IntN(8) == 0:
			sentence = 0
			if lede == "" {
				lede = text.String() + "."
			}
			if r.IntN(5) == 0 {
				text.WriteString(".\n\n")
				html.WriteString(".</p><p>")
			} else {
				text.WriteString(". ")
				html.WriteString(". ")
			}
		default:
			text.WriteString(" ")
			html.WriteString(" ")
		}
	}
	tw := 5 + r.IntN(8)
	tt := make([]string, tw)
	for k := range tt {
		tt[k] = g.words[zw.Uint64()]
	}
	tt[0] = title(tt[0])
	lang := "en"
	switch x := r.IntN(20); {
	case x == 0:
		lang = "fr"
	case x == 1:
		lang = "de"
	case x == 2:
		lang = "es"
	case x == 3:
		lang = "en-GB"
	}
	org := int(zo.Uint64())
	at := time.Duration(float64(span)*float64(min(i, g.releases))/float64(g.releases)) + time.Duration(r.Int64N(int64(2*Jitter))) - Jitter
	pub := End.Add(-span + min(span, max(0, at))).Truncate(time.Second)
	var src int64
	if len(sourceIDs) > 0 {
		src = sourceIDs[org%len(sourceIDs)]
	}
	return &communique.Release{
		SourceID: src, URL: fmt.Sprintf("https://org%d.example/releases/%d", org, i), Organization: g.orgs[org],
		Title: strings.Join(tt, " "), Language: lang, Published: pub, Retrieved: pub.Add(time.Hour),
		Lede: lede, HTML: html.String(), Text: text.String(), WordCount: n, Licence: communique.LicenceFull,
		ContentHash: fmt.Sprintf("h%d", i), Fingerprint: r.Uint64(),
	}
}

// Config is what a benchmark run needs.
type Config struct {
	Releases int
	Dir      string // where the temporary store goes; "" for the system's temporary directory
	Seed     uint64
	Batch    int       // releases per transaction while loading; 0 means 1000
	Rounds   int       // repetitions of each kind of query; 0 means 30
	Log      io.Writer // progress, may be nil
	// Postgres, a postgres:// URL, measures the PostgreSQL store instead, in
	// a schema of its own that is dropped at the end.
	Postgres string
	// Keep leaves the store in place at the end (its location goes to Log),
	// and Reuse measures the queries on a store kept earlier (a directory,
	// or a schema with Postgres) without loading: building a million
	// releases takes a quarter of an hour on SQLite, an hour on PostgreSQL.
	Keep  bool
	Reuse string
}

// Bulk is a store that can load many releases in one transaction.
type Bulk interface {
	communique.Store
	CreateReleases(ctx context.Context, rs []*communique.Release) error
}

// tempStore opens the temporary store a run measures, and says how to size
// it (after the load) and remove it.
func tempStore(ctx context.Context, cfg Config) (st Bulk, size func() (int64, error), done func(), err error) {
	if cfg.Postgres != "" {
		return tempPostgres(ctx, cfg)
	}
	dir := cfg.Reuse
	if dir == "" {
		if dir, err = os.MkdirTemp(cfg.Dir, "communique-bench-search-"); err != nil {
			return nil, nil, nil, err
		}
	} else if _, err := os.Stat(filepath.Join(dir, "communique.db")); err != nil {
		// Opening it would make an empty store, and measure that.
		return nil, nil, nil, fmt.Errorf("--reuse %s: no store kept there (make one with --keep): %w", dir, err)
	}
	remove := func() {
		if cfg.Keep || cfg.Reuse != "" {
			logf(cfg.Log, "kept the store in %s (--reuse %s)\n", dir, dir)
			return
		}
		os.RemoveAll(dir)
	}
	path := filepath.Join(dir, "communique.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		remove()
		return nil, nil, nil, err
	}
	size = func() (int64, error) {
		if err := db.Optimize(ctx); err != nil {
			return 0, err
		}
		if err := db.Checkpoint(ctx); err != nil {
			return 0, err
		}
		var n int64
		for _, p := range []string{path, path + "-wal"} {
			if fi, err := os.Stat(p); err == nil {
				n += fi.Size()
			}
		}
		return n, nil
	}
	return db, size, func() { db.Close(); remove() }, nil
}

func logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}

func tempPostgres(ctx context.Context, c Config) (Bulk, func() (int64, error), func(), error) {
	url := c.Postgres
	admin, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, nil, nil, err
	}
	schema := c.Reuse
	if schema == "" {
		schema = fmt.Sprintf("communique_searchbench_%d", time.Now().UnixNano())
	}
	quoted := pgx.Identifier{schema}.Sanitize()
	if c.Reuse == "" {
		if _, err := admin.Exec(ctx, "CREATE SCHEMA "+quoted); err != nil {
			admin.Close()
			return nil, nil, nil, err
		}
	} else {
		// Opened, a schema without a store would be given an empty one
		// and measured, and a missing schema would fail to migrate with
		// "no schema has been selected to create in".
		var kept bool
		err := admin.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, quoted+".release_search").Scan(&kept)
		if err == nil && !kept {
			err = fmt.Errorf("--reuse %s: no store kept in that schema (make one with --keep)", schema)
		}
		if err != nil {
			admin.Close()
			return nil, nil, nil, err
		}
	}
	drop := func() {
		if c.Keep || c.Reuse != "" {
			logf(c.Log, "kept the store in schema %s (--reuse %s)\n", schema, schema)
		} else {
			admin.Exec(context.Background(), "DROP SCHEMA "+quoted+" CASCADE")
		}
		admin.Close()
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		drop()
		return nil, nil, nil, err
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = quoted
	db, err := postgres.OpenConfig(ctx, cfg)
	if err != nil {
		drop()
		return nil, nil, nil, err
	}
	size := func() (int64, error) {
		for _, t := range []string{"releases", "release_search"} {
			if _, err := admin.Exec(ctx, "VACUUM ANALYZE "+quoted+"."+t); err != nil {
				return 0, err
			}
		}
		var n int64
		err := admin.QueryRow(ctx, `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c
			JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'm')`, schema).Scan(&n)
		return n, err
	}
	return db, size, func() { db.Close(); drop() }, nil
}

// Result is the one-line summary of a run.
type Result struct {
	Releases          int     `json:"releases"`
	IndexPerS         float64 `json:"index_per_s"`
	P50Ms             float64 `json:"p50_ms"`
	P99Ms             float64 `json:"p99_ms"`
	FacetsP99Ms       float64 `json:"facets_p99_ms"`
	DBBytesPerRelease float64 `json:"db_bytes_per_release"`
	RSSMB             float64 `json:"rss_mb"`
	OptimizeS         float64 `json:"optimize_s"`
	// IndexPerCPUS is releases indexed per second of this process's CPU
	// time: the figure that does not depend on what else the machine runs.
	IndexPerCPUS float64 `json:"index_per_cpu_s"`
	// Per kind of query, p50 and p99 in milliseconds.
	Kinds map[string][2]float64 `json:"kinds,omitempty"`
}

// Load fills db with n synthetic releases in transactions of batch, from
// loaders goroutines at once, and returns how long the inserts took: with
// one loader, the time spent in the store; with more, the wall-clock time of
// the whole load (PostgreSQL indexes in its own processes, so two loaders
// keep both cores busy).
func Load(ctx context.Context, db Bulk, g *Generator, n, batch, loaders int, log io.Writer) (time.Duration, error) {
	if batch <= 0 {
		batch = 1000
	}
	var ids []int64
	for i := range sources {
		s := &communique.Source{Kind: communique.KindFeed, URL: fmt.Sprintf("https://src%d.example/feed", i), Title: fmt.Sprintf("Source %d", i), Licence: communique.LicenceFull}
		if err := db.CreateSource(ctx, s); err != nil {
			return 0, err
		}
		ids = append(ids, s.ID)
	}
	var (
		mu     sync.Mutex
		spent  time.Duration
		loaded int
		next   atomic.Int64
	)
	wall := time.Now()
	eg, ctx := errgroup.WithContext(ctx)
	for range max(1, loaders) {
		eg.Go(func() error {
			rs := make([]*communique.Release, 0, batch)
			for {
				first := int(next.Add(int64(batch))) - batch
				if first >= n {
					return nil
				}
				rs = rs[:0]
				for i := first; i < min(n, first+batch); i++ {
					rs = append(rs, g.Release(i, ids))
				}
				start := time.Now()
				if err := db.CreateReleases(ctx, rs); err != nil {
					return err
				}
				mu.Lock()
				spent += time.Since(start)
				if loaders > 1 {
					spent = time.Since(wall)
				}
				loaded += len(rs)
				if log != nil && (loaded%(batch*20) == 0 || loaded == n) {
					fmt.Fprintf(log, "loaded %d/%d releases (%.0f/s)\n", loaded, n, float64(loaded)/spent.Seconds())
				}
				mu.Unlock()
			}
		})
	}
	err := eg.Wait()
	return spent, err
}

// Queries is the fixed mix of queries, by kind, for a corpus made by g.
func Queries(g *Generator, rounds int) map[string][]string {
	q := map[string][]string{}
	for k := range rounds {
		mid := func(j int) string { return g.Word(100 + (k*37+j*101)%900) }
		org := g.Org((k * 7) % 20)
		from := End.AddDate(0, -3-(k%48), 0)
		q["word"] = append(q["word"], mid(0))
		q["two_words"] = append(q["two_words"], mid(0)+" "+mid(1))
		q["phrase"] = append(q["phrase"], `"`+g.Word(k%50)+" "+g.Word(1+(k*3)%50)+`"`)
		q["word_org"] = append(q["word_org"], mid(2)+` org:"`+org+`"`)
		q["word_dates"] = append(q["word_dates"], mid(3)+" since:"+from.Format("2006-01")+" until:"+from.AddDate(0, 2, 0).Format("2006-01"))
		// Ranks 20,000-49,999, the same words as before for up to 48 rounds.
		q["rare_word"] = append(q["rare_word"], g.Word(20000+(k*613)%(vocabulary-20000)))
		q["common_word"] = append(q["common_word"], g.Word(k%3))
		q["facets"] = append(q["facets"], mid(4))
	}
	return q
}

// Run builds a temporary store of cfg.Releases releases, runs the query mix,
// and removes the store.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Releases <= 0 {
		return nil, communique.Errorf(communique.EINVALID, "--releases must be positive")
	}
	if cfg.Rounds <= 0 {
		cfg.Rounds = 30
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	db, size, done, err := tempStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer done()
	g := NewGenerator(cfg.Seed, cfg.Releases)
	cpu0 := cpuTime()
	loaders := 1 // SQLite has one writer
	if cfg.Postgres != "" {
		loaders = 2
	}
	var spent time.Duration
	if cfg.Reuse == "" {
		if spent, err = Load(ctx, db, g, cfg.Releases, cfg.Batch, loaders, cfg.Log); err != nil {
			return nil, err
		}
	}
	cpu := cpuTime() - cpu0
	res := &Result{Releases: cfg.Releases, Kinds: map[string][2]float64{}}
	if spent > 0 {
		res.IndexPerS = round(float64(cfg.Releases)/spent.Seconds(), 1)
	}
	if spent > 0 && cpu > 0 && cfg.Postgres == "" {
		// The CPU time includes generating the releases (PostgreSQL's
		// indexing happens in the server process, not counted here).
		res.IndexPerCPUS = round(float64(cfg.Releases)/cpu.Seconds(), 1)
	}
	start := time.Now()
	bytes, err := size()
	if err != nil {
		return nil, err
	}
	res.OptimizeS = round(time.Since(start).Seconds(), 2)
	res.DBBytesPerRelease = round(float64(bytes)/float64(cfg.Releases), 0)

	var all, facets []time.Duration
	type timed struct {
		kind, text string
		d          time.Duration
	}
	var slowest []timed
	qs := Queries(g, cfg.Rounds)
	kinds := make([]string, 0, len(qs))
	for k := range qs {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, kind := range kinds {
		var times []time.Duration
		for _, text := range qs[kind] {
			q, err := search.Parse(text, End)
			if err != nil {
				return nil, fmt.Errorf("query %q: %w", text, err)
			}
			q.Limit = 20
			q.Facets = kind == "facets"
			start := time.Now()
			p, err := db.Releases(ctx, q)
			if err != nil {
				return nil, fmt.Errorf("query %q: %w", text, err)
			}
			d := time.Since(start)
			if cfg.Log != nil && len(times) == 0 {
				fmt.Fprintf(cfg.Log, "%-12s %-50q %6d results %8.2f ms\n", kind, text, p.Total, ms(d))
			}
			times = append(times, d)
			slowest = append(slowest, timed{kind, text, d})
		}
		if kind == "facets" {
			facets = append(facets, times...)
		} else {
			all = append(all, times...)
		}
		res.Kinds[kind] = [2]float64{round(ms(percentile(times, 50)), 2), round(ms(percentile(times, 99)), 2)}
	}
	if cfg.Log != nil {
		slices.SortFunc(slowest, func(a, b timed) int { return int(b.d - a.d) })
		fmt.Fprintln(cfg.Log, "slowest queries:")
		for _, t := range slowest[:min(8, len(slowest))] {
			fmt.Fprintf(cfg.Log, "  %-12s %-50q %8.2f ms\n", t.kind, t.text, ms(t.d))
		}
	}
	res.P50Ms = round(ms(percentile(all, 50)), 2)
	res.P99Ms = round(ms(percentile(all, 99)), 2)
	res.FacetsP99Ms = round(ms(percentile(facets, 99)), 2)
	res.RSSMB = round(float64(PeakRSS())/(1<<20), 1)
	return res, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func round(v float64, digits int) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', digits, 64), 64)
	return f
}

// percentile is the p-th percentile (nearest rank) of ds.
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (p*len(s) + 99) / 100
	return s[max(0, min(len(s)-1, i-1))]
}

// PeakRSS is the process's peak resident set size in bytes (VmHWM), or 0
// where /proc is not available.
func PeakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
