package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/communique-news/communique/searchbench"
)

func init() {
	benches["search"] = command{"index and query N synthetic releases: bench search --releases N [--db postgres://…] [--json] [--keep | --reuse DIR|SCHEMA]", runBenchSearch}
}

func runBenchSearch(ctx context.Context, e env) error {
	fs := newFlags(e, "bench search", "bench search --releases N [--db postgres://…] [--json] [--dir DIR] [--rounds N] [--batch N] [--keep | --reuse DIR|SCHEMA]")
	n := fs.Int("releases", 20000, "synthetic releases to index")
	dir := fs.String("dir", "", "directory for the temporary store (default: the system's temporary directory)")
	asJSON := fs.Bool("json", false, "print only the JSON line (no progress)")
	rounds := fs.Int("rounds", 30, "repetitions of each kind of query")
	batch := fs.Int("batch", 1000, "releases per transaction while loading")
	seed := fs.Uint64("seed", 1, "corpus seed")
	db := fs.String("db", "", "postgres://… to measure the PostgreSQL store (in a temporary schema) instead of SQLite")
	keep := fs.Bool("keep", false, "keep the store at the end (its location is printed) to measure it again with --reuse")
	reuse := fs.String("reuse", "", "measure the queries on a store kept with --keep (its directory, or its schema with --db), without loading")
	cpuprofile := fs.String("cpuprofile", "", "write this process's CPU profile (loading and queries) to FILE")
	if err := parseFlags(fs, e); err != nil {
		return err
	}
	stop, err := cpuProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
	var log io.Writer = e.stderr
	if *asJSON {
		log = nil
	}
	res, err := searchbench.Run(ctx, searchbench.Config{Releases: *n, Dir: *dir, Rounds: *rounds, Batch: *batch, Seed: *seed, Log: log, Postgres: *db, Keep: *keep, Reuse: *reuse})
	if err != nil {
		return err
	}
	if !*asJSON {
		for k, v := range res.Kinds {
			fmt.Fprintf(e.stderr, "%-12s p50 %7.2f ms  p99 %7.2f ms\n", k, v[0], v[1])
		}
	}
	res.Kinds = nil // printed above
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, string(b))
	return nil
}
