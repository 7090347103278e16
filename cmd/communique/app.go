package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/enrich"
	"github.com/communique-news/communique/fetch"
	"github.com/communique-news/communique/pipeline"
	"github.com/communique-news/communique/postgres"
	"github.com/communique-news/communique/search"
	"github.com/communique-news/communique/sqlite"
	"github.com/communique-news/communique/web"
)

// config is what serve and demo are started with.
type config struct {
	dataDir        string
	addr           string
	adminToken     string
	baseURL        string
	attribution    string
	allowPrivate   bool
	allowHosts     []string
	hostDelay      time.Duration
	minPoll        time.Duration
	maxPoll        time.Duration
	workers        int
	scheduleEvery  time.Duration
	jobPoll        time.Duration
	jobTimeout     time.Duration
	defaultSources bool
	db             string // postgres://… selects PostgreSQL; empty means SQLite in dataDir
	role           string // all, web or worker
	work           bool   // run the workers and the scheduler (serve, demo); CLI tools only enqueue
	logLevel       string
	// lookupIP replaces DNS in tests, which must not leave the machine.
	lookupIP func(ctx context.Context, host string) ([]netip.Addr, error)
}

// fetchHostDelay is --host-delay as fetch.Options takes it: there zero
// means the 1 s default and a negative delay none, while the flag's 0 means
// no delay, as the PostgreSQL store's limiter takes it.
func (c config) fetchHostDelay() time.Duration {
	if c.hostDelay <= 0 {
		return -1
	}
	return c.hostDelay
}

// serverFlags binds the flags shared by serve and demo.
func serverFlags(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.dataDir, "data", "./data", "data directory (SQLite databases, admin token)")
	fs.StringVar(&c.addr, "addr", "localhost:8080", "address to serve on, HOST:PORT")
	fs.StringVar(&c.adminToken, "admin-token", os.Getenv("COMMUNIQUE_ADMIN_TOKEN"), "token for writes (API and admin page); default $COMMUNIQUE_ADMIN_TOKEN, else one generated on first start and kept in the data directory")
	fs.StringVar(&c.baseURL, "base-url", "", "public base URL of this site, for absolute links in feeds (default: from each request)")
	fs.StringVar(&c.attribution, "attribution", "", "attribution line shown on every release page ({organization} is replaced)")
	fs.BoolVar(&c.allowPrivate, "allow-private-addresses", false, "let the fetcher connect to private, loopback and link-local addresses")
	fs.DurationVar(&c.hostDelay, "host-delay", time.Second, "minimum delay between two requests to one host (0 for none); a poll's new items are also queued this far apart, and at least 5ms")
	fs.DurationVar(&c.minPoll, "min-poll", 5*time.Minute, "shortest interval between two polls of a source")
	fs.DurationVar(&c.maxPoll, "max-poll", 24*time.Hour, "longest interval between two polls of a source")
	fs.IntVar(&c.workers, "workers", 8, "concurrent page fetches")
	fs.DurationVar(&c.scheduleEvery, "schedule-every", 15*time.Second, "how often the scheduler looks for sources due for a poll")
	fs.DurationVar(&c.jobPoll, "job-poll", time.Second, "how often idle workers look for new jobs")
	fs.DurationVar(&c.jobTimeout, "job-timeout", 5*time.Minute, "longest a job may run; the job of a worker that died is retried elsewhere after twice this")
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error")
	dbFlag(fs, c)
	fs.StringVar(&c.role, "role", "all", "all (web and workers), web (pages, feeds and API; never fetches) or worker (scheduler and pipeline; serves only /healthz and /metrics)")
}

// dbFlag binds --db.
func dbFlag(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.db, "db", os.Getenv("COMMUNIQUE_DB"), "database: postgres://… for PostgreSQL (default $COMMUNIQUE_DB, else SQLite in the data directory)")
}

// app is one running Communiqué: store, queue, pipeline and web server.
// The end-to-end tests start it on port 0 with a temporary data directory.
type app struct {
	cfg      config
	logger   *slog.Logger
	store    communique.Store
	queueDB  *sql.DB // SQLite only
	pg       *postgres.DB
	queue    *pipeline.Queue
	pipe     *pipeline.Pipeline
	sources  *pipeline.Sources
	handler  http.Handler
	listener net.Listener
	server   *http.Server
}

// openApp opens everything but does not start serving or working.
func openApp(ctx context.Context, cfg config, logw *os.File) (*app, error) {
	a := &app{cfg: cfg}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	a.logger = slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: level}))
	if err := os.MkdirAll(cfg.dataDir, 0o750); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	if err := a.open(ctx, level, logw); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func (a *app) open(ctx context.Context, level slog.Level, logw *os.File) error {
	switch a.cfg.role {
	case "", "all", "web", "worker":
	default:
		return fmt.Errorf("--role %q: want all, web or worker", a.cfg.role)
	}
	var err error
	if a.cfg.db != "" {
		if !strings.HasPrefix(a.cfg.db, "postgres://") && !strings.HasPrefix(a.cfg.db, "postgresql://") {
			return fmt.Errorf("--db %q: only postgres://… URLs are supported (SQLite needs no --db)", a.cfg.db)
		}
		open := postgres.Open
		if a.cfg.role == "worker" {
			open = postgres.OpenWorker // only job writes, redone if lost
		}
		if a.pg, err = open(ctx, a.cfg.db); err != nil {
			return err
		}
		a.store = a.pg
	} else {
		if a.store, err = sqlite.Open(ctx, filepath.Join(a.cfg.dataDir, "communique.db")); err != nil {
			return err
		}
	}
	store := a.store
	if a.cfg.adminToken == "" {
		if a.cfg.adminToken, err = adminToken(a.cfg.dataDir, a.logger); err != nil {
			return err
		}
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := pipeline.NewMetrics(reg)
	fopts := fetch.Options{
		AllowPrivate: a.cfg.allowPrivate,
		AllowHosts:   a.cfg.allowHosts,
		HostDelay:    a.cfg.fetchHostDelay(),
		Observe:      metrics.ObserveFetch,
		LookupIP:     a.cfg.lookupIP,
	}
	if a.pg != nil {
		// Politeness holds across every worker process sharing the database.
		fopts.Limiter = &postgres.HostLimiter{DB: a.pg, Delay: max(a.cfg.hostDelay, 0)}
	}
	fetcher := fetch.New(fopts)
	enricher, err := enrich.New()
	if err != nil {
		return err
	}
	a.pipe = &pipeline.Pipeline{
		Store:    store,
		Fetcher:  fetcher,
		Enricher: enricher,
		Policy:   pipeline.PollPolicy{Min: a.cfg.minPoll, Max: a.cfg.maxPoll},
		Metrics:  metrics,
		Logger:   a.logger,
		// WebSub needs a public URL for hubs to call back.
		CallbackBase: a.cfg.baseURL,
		Poster:       fetcher,
	}
	qopts := pipeline.QueueOptions{
		Work:              a.cfg.work && a.cfg.role != "web",
		IngestWorkers:     a.cfg.workers,
		ScheduleEvery:     a.cfg.scheduleEvery,
		FetchPollInterval: a.cfg.jobPoll,
		JobTimeout:        a.cfg.jobTimeout,
		SpreadIngest:      max(a.cfg.hostDelay, 0),
		// River reports its own workings at info; keep warnings and errors.
		Logger: slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: max(level, slog.LevelWarn)})).With("component", "queue"),
	}
	if a.pg != nil {
		a.queue, err = pipeline.OpenPostgresQueue(ctx, a.pg.Pool(), a.pipe, qopts)
	} else {
		a.queueDB, err = sqlite.OpenDB(sqlite.DSN(filepath.Join(a.cfg.dataDir, "queue.db")))
		if err == nil {
			a.queue, err = pipeline.OpenSQLiteQueue(ctx, a.queueDB, a.pipe, qopts)
		}
	}
	if err != nil {
		return err
	}
	reg.MustRegister(a.queue.Collector())
	a.sources = &pipeline.Sources{P: a.pipe, Q: a.queue}

	site, err := web.New(web.Config{
		Store:       store,
		Sources:     a.sources,
		Parse:       search.Parse,
		AdminToken:  a.cfg.adminToken,
		BaseURL:     a.cfg.baseURL,
		Attribution: a.cfg.attribution,
		Metrics:     promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
		Health:      a.health,
		Logger:      a.logger.With("component", "web"),
	})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	if a.cfg.role == "worker" {
		// A worker serves only what an orchestrator probes.
		mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		mux.Handle("/healthz", site)
	} else {
		mux.Handle("/websub/", a.queue.WebSubHandler())
		mux.Handle("/", site)
	}
	a.handler = mux
	return nil
}

// health checks the databases.
func (a *app) health(ctx context.Context) error {
	if _, err := a.store.Sources(ctx); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	// SQLite's background checkpoint, which no request sees fail.
	if h, ok := a.store.(interface{ Health() error }); ok {
		if err := h.Health(); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}
	if _, err := a.queue.Counts(ctx); err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	return nil
}

// listen binds the address (":0" picks a free port).
func (a *app) listen() error {
	l, err := net.Listen("tcp", a.cfg.addr)
	if err != nil {
		return err
	}
	a.listener = l
	a.server = &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	return nil
}

// URL is where the app serves.
func (a *app) URL() string { return "http://" + a.listener.Addr().String() }

// run starts the workers and serves until ctx is done, then shuts down
// gracefully: the web server stops taking requests, running jobs finish.
func (a *app) run(ctx context.Context) error {
	if a.listener == nil {
		if err := a.listen(); err != nil {
			return err
		}
	}
	if err := a.queue.Start(ctx); err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- a.server.Serve(a.listener) }()
	a.logger.Info("serving", "url", a.URL(), "data", a.cfg.dataDir)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := a.server.Shutdown(sctx)
	if qerr := a.queue.Stop(sctx); qerr != nil && err == nil {
		err = qerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Close releases the databases.
func (a *app) Close() error {
	var errs []error
	if a.queueDB != nil {
		errs = append(errs, a.queueDB.Close())
	}
	if a.store != nil {
		errs = append(errs, a.store.Close())
	}
	return errors.Join(errs...)
}

// adminToken reads the data directory's admin token, making one on first
// start and printing it once.
func adminToken(dir string, logger *slog.Logger) (string, error) {
	path := filepath.Join(dir, "admin-token")
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), nil
	}
	if err != nil && !os.IsNotExist(err) {
		return "", err
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	tok := hex.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", err
	}
	fmt.Fprintf(os.Stderr, "\nAdmin token (kept in %s; set --admin-token or COMMUNIQUE_ADMIN_TOKEN to choose one):\n  %s\n\n", path, tok)
	logger.Info("generated an admin token", "file", path)
	return tok, nil
}
