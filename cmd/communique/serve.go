package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/demo"
	"github.com/communique-news/communique/sources"
)

func init() {
	commands["serve"] = command{"run Communiqué: web site, feeds, API, and the workers that follow the sources", runServe}
	commands["demo"] = command{"run Communiqué with a built-in sample origin, offline, filled within seconds", runDemo}
}

func runServe(ctx context.Context, e env) error {
	var cfg config
	fs := newFlags(e, "serve", "serve [--data DIR] [--addr HOST:PORT] [flags]")
	serverFlags(fs, &cfg)
	noDefaults := fs.Bool("no-default-sources", false, "start with no sources (by default the first start subscribes a curated list of official sources)")
	cpuprofile := fs.String("cpuprofile", "", "write the CPU profile of this process, from start to shutdown, to FILE")
	if err := parseFlags(fs, e); err != nil {
		return err
	}
	stop, err := cpuProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
	cfg.defaultSources = !*noDefaults
	cfg.work = true
	a, err := openApp(ctx, cfg, os.Stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	if cfg.defaultSources {
		if err := subscribeDefaults(ctx, a); err != nil {
			return err
		}
	}
	if err := a.listen(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Communiqué is serving on %s (data in %s)\n", a.URL(), cfg.dataDir)
	return a.run(ctx)
}

// subscribeDefaults adds the curated sources on the first start of a data
// directory only: a user who removes them does not get them back.
func subscribeDefaults(ctx context.Context, a *app) error {
	marker := filepath.Join(a.cfg.dataDir, "defaults-subscribed")
	if _, err := os.Stat(marker); err == nil {
		return nil
	}
	for _, d := range sources.Defaults() {
		s := &communique.Source{
			Kind: communique.SourceKind(d.Kind), URL: d.URL, Organization: d.Organization,
			Country: d.Country, Licence: communique.Licence(d.Licence), Selectors: d.Selectors,
		}
		// Stored as listed, without fetching: the first poll checks them, and
		// offline their errors show on the sources page.
		if err := a.store.CreateSource(ctx, s); err != nil && communique.ErrorCode(err) != communique.ECONFLICT {
			return fmt.Errorf("subscribing %s: %w", d.URL, err)
		}
	}
	return os.WriteFile(marker, []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o640)
}

func runDemo(ctx context.Context, e env) error {
	var cfg config
	fs := newFlags(e, "demo", "demo [--data DIR] [--addr HOST:PORT] [--origin-addr HOST:PORT]")
	serverFlags(fs, &cfg)
	origin := fs.String("origin-addr", "127.0.0.1:8089", "loopback address of the built-in sample origin")
	fs.Lookup("data").DefValue = "./data-demo"
	if err := fs.Set("data", "./data-demo"); err != nil {
		return err
	}
	if err := parseFlags(fs, e); err != nil {
		return err
	}
	l, err := net.Listen("tcp", *origin)
	if err != nil {
		return fmt.Errorf("starting the sample origin on %s: %w (choose another with --origin-addr)", *origin, err)
	}
	originSrv := &http.Server{Handler: demo.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go originSrv.Serve(l)
	defer originSrv.Close()
	base := "http://" + l.Addr().String()

	// The demo's own origin is on loopback: allow that address, and only it.
	cfg.allowHosts = append(cfg.allowHosts, l.Addr().String())
	if !flagSet(fs, "host-delay") {
		cfg.hostDelay = 20 * time.Millisecond // our own origin: no need to be gentle
	}
	if !flagSet(fs, "schedule-every") {
		cfg.scheduleEvery = 2 * time.Second
	}
	if !flagSet(fs, "job-poll") {
		cfg.jobPoll = 100 * time.Millisecond
	}
	cfg.work = true
	a, err := openApp(ctx, cfg, os.Stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := subscribeDemo(ctx, a, base); err != nil {
		return err
	}
	if err := a.listen(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Communiqué demo is serving on %s (sample origin on %s, data in %s)\n", a.URL(), base, cfg.dataDir)
	return a.run(ctx)
}

// subscribeDemo subscribes the sample origin's feeds, listing and sitemap.
func subscribeDemo(ctx context.Context, a *app, base string) error {
	for _, f := range demo.Feeds() {
		s := &communique.Source{
			Kind: communique.SourceKind(f.Kind), URL: base + f.Path, Organization: f.Organization,
			Country: f.Country, Licence: communique.Licence(f.Licence),
		}
		if f.Item != "" {
			s.Selectors = &communique.Selectors{Item: f.Item, Link: f.Link, Title: f.Title, Date: f.Date, Next: f.Next}
		}
		err := a.store.CreateSource(ctx, s)
		if communique.ErrorCode(err) == communique.ECONFLICT {
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// flagSet reports whether the flag was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
