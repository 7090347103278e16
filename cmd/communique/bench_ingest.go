package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/communique-news/communique"
)

func init() {
	benches["ingest"] = command{"end-to-end ingest from a synthetic loopback origin: releases/s, per stage", runBenchIngest}
}

// benchOrigin serves S sources of R releases each, every source on a
// loopback address of its own (127.0.0.2, 127.0.0.3, …) so that per-host
// politeness does not serialise the whole run.
type benchOrigin struct {
	servers  []*http.Server
	urls     []string // feed URL of each source
	releases int      // per source
}

var benchWords = strings.Fields(`the of and to in a is that for on with as by at from this be are was it an
	which or has have will its their minister ministry government council agreement security cooperation
	development economic summit meeting president secretary general mission partners support region
	countries international national policy statement committee delegation visit talks defence trade
	health energy climate finance bank inflation rates programme report agency humanitarian aid refugees
	peace stability dialogue framework strategy reform investment infrastructure education research`)

// benchPage is the release page j of source i: a realistic official page
// of 300–700 words.
func benchPage(i, j int) string {
	r := rand.New(rand.NewPCG(uint64(i), uint64(j)))
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Release %d of source %d | Ministry %d</title>
<meta property="article:published_time" content="%s"></head><body><header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/about">About</a></nav></header>
<main><article><h1>Release %d of source %d on cooperation and security</h1><p class="date">%s</p>`,
		j, i, i, time.Date(2025, 9, 1+j%28, 10, 0, 0, 0, time.UTC).Format(time.RFC3339), j, i,
		time.Date(2025, 9, 1+j%28, 0, 0, 0, 0, time.UTC).Format("2 January 2006"))
	words := 300 + r.IntN(400)
	for w := 0; w < words; {
		b.WriteString("<p>")
		n := 40 + r.IntN(40)
		for k := 0; k < n && w < words; k, w = k+1, w+1 {
			if k == 0 {
				fmt.Fprintf(&b, "Minister %d ", i)
			}
			b.WriteString(benchWords[r.IntN(len(benchWords))])
			b.WriteByte(' ')
			if k%12 == 11 {
				fmt.Fprintf(&b, "s%dr%d. ", i, j)
			}
		}
		b.WriteString("</p>")
	}
	b.WriteString(`</article></main><footer><p>Ministry contact: press office. All rights reserved.</p></footer></body></html>`)
	return b.String()
}

func benchFeed(base string, i, releases int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Source %d</title><link>%s/</link><description>bench</description>`, i, base)
	for j := 0; j < releases; j++ {
		fmt.Fprintf(&b, `<item><title>Release %d of source %d on cooperation and security</title><link>%s/releases/%d.html</link><guid>%s/releases/%d.html</guid><pubDate>%s</pubDate></item>`,
			j, i, base, j, base, j, time.Date(2025, 9, 1+j%28, 10, 0, 0, 0, time.UTC).Format(time.RFC1123Z))
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

func startBenchOrigin(sources, releases int) (*benchOrigin, error) {
	o := &benchOrigin{releases: releases}
	for i := 0; i < sources; i++ {
		addr := fmt.Sprintf("127.0.%d.%d:0", (i+2)/250, (i+2)%250+1)
		l, err := net.Listen("tcp", addr)
		if err != nil {
			o.Close()
			return nil, fmt.Errorf("synthetic origin on %s: %w", addr, err)
		}
		base := "http://" + l.Addr().String()
		i := i
		mux := http.NewServeMux()
		mux.HandleFunc("/feed.xml", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			io.WriteString(w, benchFeed(base, i, releases))
		})
		mux.HandleFunc("/releases/", func(w http.ResponseWriter, r *http.Request) {
			var j int
			if _, err := fmt.Sscanf(r.URL.Path, "/releases/%d.html", &j); err != nil || j < 0 || j >= releases {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, benchPage(i, j))
		})
		mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "User-agent: *\nAllow: /\n") })
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(l)
		o.servers = append(o.servers, srv)
		o.urls = append(o.urls, base+"/feed.xml")
	}
	return o, nil
}

func (o *benchOrigin) Close() {
	for _, s := range o.servers {
		s.Close()
	}
}

// benchStall ends a run whose stored count has not grown for this long:
// every release of the synthetic origin is ingested at the first attempt,
// so a stall is a fault to report, not something to wait out.
const benchStall = 2 * time.Minute

type ingestReport struct {
	Store          string             `json:"store"`
	Workers        int                `json:"workers"`
	Concurrency    int                `json:"concurrency"`
	Run            int                `json:"run"`
	Sources        int                `json:"sources"`
	Releases       int                `json:"releases"`
	Seconds        float64            `json:"seconds"`
	ReleasesPerSec float64            `json:"releases_per_s"`
	StageMsPerItem map[string]float64 `json:"stage_ms_per_release,omitempty"`
	db             string             // the configuration's, to tell stores apart
}

// ingestConfig is one configuration that bench ingest measures.
type ingestConfig struct {
	db      string // postgres://…, or "" for SQLite
	workers int
}

func (c ingestConfig) store() string {
	if c.db == "" {
		return "sqlite"
	}
	return "postgres"
}

// ingestSummary is the figure of one configuration over its runs.
type ingestSummary struct {
	Store   string  `json:"store"`
	Workers int     `json:"workers"`
	Runs    int     `json:"runs"`
	Median  float64 `json:"median_releases_per_s"`
	Min     float64 `json:"min_releases_per_s"`
	Max     float64 `json:"max_releases_per_s"`
	// Ratio is Median over that of the store's first worker count, when
	// several are compared (2 workers against 1).
	Ratio float64 `json:"ratio,omitempty"`
	// Of is the worker count Ratio compares with.
	Of int `json:"ratio_of_workers,omitempty"`
}

// listFlag is a flag that may be given more than once.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func runBenchIngest(ctx context.Context, e env) error {
	fs := newFlags(e, "bench ingest", "bench ingest --sources S --releases-per-source R [--db sqlite|postgres://…]… [--workers N[,N…]] [--runs K] [--json]")
	nSources := fs.Int("sources", 20, "synthetic sources")
	perSource := fs.Int("releases-per-source", 25, "releases per source")
	var dbs listFlag
	fs.Var(&dbs, "db", "`store` to measure: sqlite (the default, in a temporary directory) or postgres://… (in a schema of its own, dropped after); give it more than once to measure each")
	workerList := fs.String("workers", "1", "worker processes, or counts to compare (1,2); PostgreSQL only: SQLite runs in this process")
	runs := fs.Int("runs", 1, "runs of each configuration, in rounds that each start one configuration further on (1 2, 2 1, …) so that the machine's drift and each run's aftermath fall on all alike, PostgreSQL given a CHECKPOINT before each of its runs; the summary gives each one's median")
	concurrency := fs.Int("concurrency", 8, "concurrent ingests per worker")
	asJSON := fs.Bool("json", false, "print a JSON document (every run, and the summary) instead of the table")
	cpuprofile := fs.String("cpuprofile", "", "write this process's CPU profile to FILE (on SQLite the whole pipeline runs in it; on PostgreSQL worker N's goes to FILE.workerN)")
	if err := parseFlags(fs, e); err != nil {
		return err
	}
	configs, err := ingestConfigs(dbs, *workerList)
	if err != nil {
		return err
	}
	if *runs < 1 || *nSources < 1 || *perSource < 1 || *concurrency < 1 {
		return fmt.Errorf("--runs, --sources, --releases-per-source and --concurrency must be at least 1")
	}
	if *cpuprofile != "" && len(configs)**runs > 1 {
		return fmt.Errorf("--cpuprofile profiles one run: give one store, one worker count and --runs 1")
	}
	stop, err := cpuProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
	origin, err := startBenchOrigin(*nSources, *perSource)
	if err != nil {
		return err
	}
	defer origin.Close()

	var reps []ingestReport
	asked := map[string]bool{} // PostgreSQL servers asked for a CHECKPOINT: a refusal is told once
	for run := 1; run <= *runs; run++ {
		for i := range configs {
			// Each round starts one configuration further on, so that
			// each follows each other as often (over a multiple of
			// len(configs) runs). Each run starts on a settled server:
			// the WAL and dirty pages of the one before written out.
			// In a fixed order (SQLite, 1 worker, 2), 1 worker after
			// SQLite had a median of 342/s, and after 2 workers (order
			// SQLite, 2, 1) 318/s: the order was worth as much as what
			// was being compared.
			c := configs[(i+run-1)%len(configs)]
			if c.db != "" {
				if err := checkpoint(ctx, c.db); err != nil && !asked[c.db] {
					fmt.Fprintf(e.stderr, "bench ingest: no CHECKPOINT between runs (%v): a run may pay for the one before it\n", err)
				}
				asked[c.db] = true
			}
			rep, err := benchIngestOnce(ctx, e, origin, c, *concurrency, *cpuprofile, !*asJSON)
			if err != nil {
				return fmt.Errorf("%s with %d worker(s), run %d: %w", c.store(), c.workers, run, err)
			}
			rep.Run = run
			reps = append(reps, rep)
			if !*asJSON {
				fmt.Fprintf(e.stdout, "%s, %d worker process(es) × %d: %d releases from %d sources in %.1fs = %.0f releases/s\n",
					rep.Store, rep.Workers, rep.Concurrency, rep.Releases, rep.Sources, rep.Seconds, rep.ReleasesPerSec)
				if len(configs)**runs == 1 {
					printStages(e.stdout, rep.StageMsPerItem)
				}
			}
		}
	}
	sum := summarizeIngest(configs, reps)
	if !*asJSON {
		if len(reps) > 1 {
			fmt.Fprintf(e.stdout, "\n%-9s %7s %4s %10s %15s\n", "store", "workers", "runs", "median/s", "min–max")
			for _, s := range sum {
				fmt.Fprintf(e.stdout, "%-9s %7d %4d %10.0f %9.0f–%.0f", s.Store, s.Workers, s.Runs, s.Median, s.Min, s.Max)
				if s.Of > 0 {
					fmt.Fprintf(e.stdout, "   %.2f × the median with %d", s.Ratio, s.Of)
				}
				fmt.Fprintln(e.stdout)
			}
		}
		return nil
	}
	return json.NewEncoder(e.stdout).Encode(struct {
		Runs    []ingestReport  `json:"runs"`
		Summary []ingestSummary `json:"summary"`
	}{reps, sum})
}

// ingestConfigs is the list of configurations that the flags ask for: each
// store, PostgreSQL with each worker count, SQLite with its one process.
func ingestConfigs(dbs []string, workerList string) ([]ingestConfig, error) {
	var counts []int
	for f := range strings.SplitSeq(workerList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("--workers %q: want a count of processes, or counts separated by commas (1,2)", workerList)
		}
		if !slices.Contains(counts, n) {
			counts = append(counts, n)
		}
	}
	if len(dbs) == 0 {
		dbs = []string{"sqlite"}
	}
	var out []ingestConfig
	pg := false
	for _, db := range dbs {
		switch {
		case db == "sqlite":
			out = append(out, ingestConfig{workers: 1})
		case strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://"):
			pg = true
			for _, n := range counts {
				out = append(out, ingestConfig{db: db, workers: n})
			}
		default:
			return nil, fmt.Errorf("--db %q: want sqlite or a postgres://… URL", db)
		}
	}
	if !pg && (len(counts) > 1 || counts[0] != 1) {
		return nil, fmt.Errorf("--workers other than 1 needs --db postgres://… (SQLite serves one process)")
	}
	return out, nil
}

// summarizeIngest gives each configuration's median, least and greatest
// rate over its runs, and on a store measured with several worker counts
// each count's median over that of the first.
func summarizeIngest(configs []ingestConfig, reps []ingestReport) []ingestSummary {
	var out []ingestSummary
	first := map[string]ingestSummary{} // by db: the summary of its first worker count
	for _, c := range configs {
		var rates []float64
		for _, r := range reps {
			if r.db == c.db && r.Workers == c.workers {
				rates = append(rates, r.ReleasesPerSec)
			}
		}
		if len(rates) == 0 {
			continue
		}
		slices.Sort(rates)
		s := ingestSummary{Store: c.store(), Workers: c.workers, Runs: len(rates), Min: rates[0], Max: rates[len(rates)-1]}
		s.Median = (rates[(len(rates)-1)/2] + rates[len(rates)/2]) / 2
		if f, ok := first[c.db]; !ok {
			first[c.db] = s
		} else if f.Median > 0 {
			s.Ratio, s.Of = s.Median/f.Median, f.Workers
		}
		out = append(out, s)
	}
	return out
}

func printStages(w io.Writer, stages map[string]float64) {
	names := make([]string, 0, len(stages))
	for s := range stages {
		names = append(names, s)
	}
	sort.Strings(names)
	for _, s := range names {
		if stages[s] == 0 {
			fmt.Fprintf(w, "  %-12s %7.2f ms per release\n", s, 0.0) // under the clock's resolution
			continue
		}
		fmt.Fprintf(w, "  %-12s %7.2f ms per release (%.0f releases/s on one core)\n", s, stages[s], 1000/stages[s])
	}
}

// benchIngestOnce ingests the whole synthetic origin once into a new store
// of configuration c, and reports its rate and each stage's time per release.
func benchIngestOnce(ctx context.Context, e env, origin *benchOrigin, c ingestConfig, concurrency int, cpuprofile string, progress bool) (ingestReport, error) {
	rep := ingestReport{Store: c.store(), Workers: c.workers, Concurrency: concurrency, db: c.db, StageMsPerItem: map[string]float64{}}
	dir, err := os.MkdirTemp("", "communique-bench-ingest-")
	if err != nil {
		return rep, err
	}
	defer os.RemoveAll(dir)

	// Sources are polled when added (AddSource enqueues the first poll) and
	// not again (minPoll an hour), so the scheduler keeps its default tick.
	// At the 100 ms it had here, its periodic job made 620 of River's 706
	// insert statements in a run of 8,000 releases (pg_stat_statements):
	// work that no installation does.
	cfg := config{dataDir: dir, addr: "127.0.0.1:0", adminToken: "bench", logLevel: "error", allowPrivate: true,
		hostDelay: -1, minPoll: time.Hour, maxPoll: 2 * time.Hour, workers: concurrency, scheduleEvery: 15 * time.Second,
		jobPoll: time.Second, work: c.db == "", role: "all"}
	db := ""
	if c.db != "" {
		cfg.role = "web" // this process only enqueues; worker processes do the work
		url, drop, err := benchSchema(ctx, c.db)
		if err != nil {
			return rep, err
		}
		defer drop()
		cfg.db, db = url, url
	}
	a, err := openApp(ctx, cfg, os.Stderr)
	if err != nil {
		return rep, err
	}
	defer a.Close()

	var procs []*exec.Cmd
	var scrape []string
	if db != "" {
		self, err := os.Executable()
		if err != nil {
			return rep, err
		}
		defer func() {
			for _, p := range procs {
				p.Process.Signal(os.Interrupt)
				p.Wait()
			}
		}()
		for w := 0; w < c.workers; w++ {
			cmd := exec.CommandContext(ctx, self, "serve", "--role", "worker", "--db", db, "--addr", "127.0.0.1:0",
				"--data", dir, "--admin-token", "bench", "--allow-private-addresses", "--host-delay", "0s", "--no-default-sources",
				"--log-level", "error", "--workers", fmt.Sprint(concurrency))
			if cpuprofile != "" {
				cmd.Args = append(cmd.Args, "--cpuprofile", fmt.Sprintf("%s.worker%d", cpuprofile, w+1))
			}
			cmd.Stderr = e.stderr
			dieWithParent(cmd)
			out, err := cmd.StdoutPipe()
			if err != nil {
				return rep, err
			}
			if err := cmd.Start(); err != nil {
				return rep, err
			}
			procs = append(procs, cmd)
			line, _ := bufio.NewReader(out).ReadString('\n')
			i := strings.Index(line, "http://")
			if i < 0 {
				return rep, fmt.Errorf("worker process %d did not start (its errors are above)", w+1)
			}
			scrape = append(scrape, strings.Fields(line[i:])[0]+"/metrics")
		}
	} else {
		if err := a.listen(); err != nil {
			return rep, err
		}
		rctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); a.run(rctx) }()
		defer func() { cancel(); wg.Wait() }()
	}

	want := len(origin.urls) * origin.releases
	start := time.Now()
	stored, progressed := 0, start
	for _, u := range origin.urls {
		s := &communique.Source{Kind: communique.KindFeed, URL: u, Licence: communique.LicenceFull, Organization: "Bench"}
		// As a user adds a source (CLI, API, admin page): stored, and its
		// first poll enqueued at once rather than at the scheduler's next tick.
		if err := a.sources.AddSource(ctx, s); err != nil {
			return rep, err
		}
	}
	for {
		p, err := a.store.Releases(ctx, communique.Query{Limit: 1})
		if err != nil {
			return rep, err
		}
		if progress {
			fmt.Fprintf(e.stderr, "\r%d/%d releases", p.Total, want)
		}
		if p.Total >= want {
			break
		}
		if p.Total > stored {
			stored, progressed = p.Total, time.Now()
		} else if time.Since(progressed) > benchStall {
			return rep, fmt.Errorf("no release stored for %s (%d of %d): the workers' log (--log-level error) and the sources' last errors say why", benchStall, stored, want)
		}
		// Counting is a query on the store being measured (a count of
		// release_search on PostgreSQL, ~2 ms at 8,000 releases): ten a
		// second were ~2% of its time, for a resolution a run of a minute
		// does not need.
		select {
		case <-ctx.Done():
			return rep, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	rep.Sources, rep.Releases, rep.Seconds = len(origin.urls), want, time.Since(start).Seconds()
	rep.ReleasesPerSec = float64(want) / rep.Seconds
	if progress {
		fmt.Fprintln(e.stderr)
	}
	if db != "" {
		for _, u := range scrape {
			for stage, sec := range scrapeStages(u) {
				rep.StageMsPerItem[stage] += sec * 1000 / float64(want)
			}
		}
	} else {
		for stage, d := range a.pipe.Metrics.StageTotals() {
			rep.StageMsPerItem[stage] = float64(d.Milliseconds()) / float64(want)
		}
	}
	return rep, nil
}

// scrapeStages reads the per-stage time sums from a worker's /metrics.
func scrapeStages(url string) map[string]float64 {
	out := map[string]float64{}
	resp, err := http.Get(url)
	if err != nil {
		return out
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		const prefix = `communique_stage_duration_seconds_sum{stage="`
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		rest := line[len(prefix):]
		name, val, ok := strings.Cut(rest, `"} `)
		if !ok {
			continue
		}
		var v float64
		fmt.Sscanf(val, "%g", &v)
		out[name] = v
	}
	return out
}

// checkpoint has the PostgreSQL server at url write out its WAL and dirty
// pages (CHECKPOINT needs a superuser or, from PostgreSQL 15, the
// pg_checkpoint role).
func checkpoint(ctx context.Context, url string) error {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, "CHECKPOINT")
	return err
}

// benchSchema makes a schema of its own for a benchmark run in the database
// at url, so that nothing of an installation is touched, and returns a URL
// whose connections use it, and the function that drops it.
func benchSchema(ctx context.Context, url string) (string, func(), error) {
	// The URL may carry the pool's own settings (pool_max_conns, which the
	// README suggests): pgxpool's parser takes them off, where pgx.Connect
	// would send them to the server as settings it refuses.
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return "", nil, err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
	if err != nil {
		return "", nil, err
	}
	schema := fmt.Sprintf("communique_bench_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		conn.Close(ctx)
		return "", nil, err
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	drop := func() {
		conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		conn.Close(context.Background())
	}
	return url + sep + "search_path=" + schema, drop, nil
}
