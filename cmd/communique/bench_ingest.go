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
	"sort"
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
	servers []*http.Server
	urls    []string // feed URL of each source
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
	o := &benchOrigin{}
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
	Sources        int                `json:"sources"`
	Releases       int                `json:"releases"`
	Seconds        float64            `json:"seconds"`
	ReleasesPerSec float64            `json:"releases_per_s"`
	StageMsPerItem map[string]float64 `json:"stage_ms_per_release,omitempty"`
}

func runBenchIngest(ctx context.Context, e env) error {
	fs := newFlags(e, "bench ingest", "bench ingest --sources S --releases-per-source R [--db postgres://…] [--workers N] [--json]")
	nSources := fs.Int("sources", 20, "synthetic sources")
	perSource := fs.Int("releases-per-source", 25, "releases per source")
	db := fs.String("db", "", "postgres://… to measure the PostgreSQL store (default: SQLite in a temporary directory)")
	workers := fs.Int("workers", 1, "worker processes (PostgreSQL only; SQLite runs in this process)")
	concurrency := fs.Int("concurrency", 8, "concurrent ingests per worker")
	asJSON := fs.Bool("json", false, "print only the JSON line")
	cpuprofile := fs.String("cpuprofile", "", "write this process's CPU profile to FILE (on SQLite the whole pipeline runs in it; on PostgreSQL worker N's goes to FILE.workerN)")
	if err := parseFlags(fs, e); err != nil {
		return err
	}
	stop, err := cpuProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
	if *db == "" && *workers != 1 {
		return fmt.Errorf("--workers > 1 needs --db postgres://… (SQLite serves one process)")
	}
	origin, err := startBenchOrigin(*nSources, *perSource)
	if err != nil {
		return err
	}
	defer origin.Close()
	dir, err := os.MkdirTemp("", "communique-bench-ingest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// Sources are polled when added (AddSource enqueues the first poll) and
	// not again (minPoll an hour), so the scheduler keeps its default tick.
	// At the 100 ms it had here, its periodic job made 620 of River's 706
	// insert statements in a run of 8,000 releases (pg_stat_statements):
	// work that no installation does.
	cfg := config{dataDir: dir, addr: "127.0.0.1:0", adminToken: "bench", logLevel: "error", allowPrivate: true,
		hostDelay: -1, minPoll: time.Hour, maxPoll: 2 * time.Hour, workers: *concurrency, scheduleEvery: 15 * time.Second,
		jobPoll: time.Second, db: *db, work: *db == "", role: "all"}
	if *db != "" {
		cfg.role = "web" // this process only enqueues; worker processes do the work
		url, drop, err := benchSchema(ctx, *db)
		if err != nil {
			return err
		}
		defer drop()
		cfg.db, *db = url, url
	}
	a, err := openApp(ctx, cfg, os.Stderr)
	if err != nil {
		return err
	}
	defer a.Close()

	var procs []*exec.Cmd
	var scrape []string
	if *db != "" {
		self, err := os.Executable()
		if err != nil {
			return err
		}
		for w := 0; w < *workers; w++ {
			cmd := exec.CommandContext(ctx, self, "serve", "--role", "worker", "--db", *db, "--addr", "127.0.0.1:0",
				"--data", dir, "--admin-token", "bench", "--allow-private-addresses", "--host-delay", "0s", "--no-default-sources",
				"--log-level", "error", "--workers", fmt.Sprint(*concurrency))
			if *cpuprofile != "" {
				cmd.Args = append(cmd.Args, "--cpuprofile", fmt.Sprintf("%s.worker%d", *cpuprofile, w+1))
			}
			cmd.Stderr = e.stderr
			dieWithParent(cmd)
			out, err := cmd.StdoutPipe()
			if err != nil {
				return err
			}
			if err := cmd.Start(); err != nil {
				return err
			}
			procs = append(procs, cmd)
			line, _ := bufio.NewReader(out).ReadString('\n')
			if i := strings.Index(line, "http://"); i >= 0 {
				scrape = append(scrape, strings.Fields(line[i:])[0]+"/metrics")
			}
		}
		defer func() {
			for _, p := range procs {
				p.Process.Signal(os.Interrupt)
				p.Wait()
			}
		}()
	} else {
		if err := a.listen(); err != nil {
			return err
		}
		rctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); a.run(rctx) }()
		defer func() { cancel(); wg.Wait() }()
	}

	want := *nSources * *perSource
	start := time.Now()
	stored, progressed := 0, start
	for _, u := range origin.urls {
		s := &communique.Source{Kind: communique.KindFeed, URL: u, Licence: communique.LicenceFull, Organization: "Bench"}
		// As a user adds a source (CLI, API, admin page): stored, and its
		// first poll enqueued at once rather than at the scheduler's next tick.
		if err := a.sources.AddSource(ctx, s); err != nil {
			return err
		}
	}
	for {
		p, err := a.store.Releases(ctx, communique.Query{Limit: 1})
		if err != nil {
			return err
		}
		if !*asJSON {
			fmt.Fprintf(e.stderr, "\r%d/%d releases", p.Total, want)
		}
		if p.Total >= want {
			break
		}
		if p.Total > stored {
			stored, progressed = p.Total, time.Now()
		} else if time.Since(progressed) > benchStall {
			return fmt.Errorf("no release stored for %s (%d of %d): the workers' log (--log-level error) and the sources' last errors say why", benchStall, stored, want)
		}
		// Counting is a query on the store being measured (a count of
		// release_search on PostgreSQL, ~2 ms at 8,000 releases): ten a
		// second were ~2% of its time, for a resolution a run of a minute
		// does not need.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	elapsed := time.Since(start)
	if !*asJSON {
		fmt.Fprintln(e.stderr)
	}
	rep := ingestReport{Store: "sqlite", Workers: *workers, Sources: *nSources, Releases: want,
		Seconds: elapsed.Seconds(), ReleasesPerSec: float64(want) / elapsed.Seconds(), StageMsPerItem: map[string]float64{}}
	if *db != "" {
		rep.Store = "postgres"
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
	if !*asJSON {
		stages := make([]string, 0, len(rep.StageMsPerItem))
		for s := range rep.StageMsPerItem {
			stages = append(stages, s)
		}
		sort.Strings(stages)
		fmt.Fprintf(e.stdout, "%s, %d worker process(es) × %d: %d releases from %d sources in %.1fs = %.0f releases/s\n",
			rep.Store, *workers, *concurrency, want, *nSources, rep.Seconds, rep.ReleasesPerSec)
		for _, s := range stages {
			fmt.Fprintf(e.stdout, "  %-12s %7.2f ms per release (%.0f releases/s on one core)\n", s, rep.StageMsPerItem[s], 1000/rep.StageMsPerItem[s])
		}
	}
	return json.NewEncoder(e.stdout).Encode(rep)
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
	return url + sep + "search_path=" + schema + ",public", drop, nil
}
