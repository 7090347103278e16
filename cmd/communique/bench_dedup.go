package main

import (
	"context"
	"fmt"

	"github.com/communique-news/communique/dedup"
)

func init() {
	benches["dedup"] = command{"near-duplicate lookup time and index memory: --releases N", runBenchDedup}
}

func runBenchDedup(ctx context.Context, e env) error {
	fs := newFlags(e, "bench dedup", "bench dedup [--releases N] [--queries Q]")
	n := fs.Int("releases", 1_000_000, "fingerprints in the index")
	q := fs.Int("queries", 100_000, "lookups to time")
	seed := fs.Uint64("seed", 1, "random seed")
	if err := parseFlags(fs, e); err != nil {
		return err
	}
	if *n <= 0 || *q <= 0 || *n > 100_000_000 {
		return fmt.Errorf("--releases must be between 1 and 100000000 and --queries positive")
	}
	res, err := dedup.RunBench(ctx, e.stderr, *n, *q, *seed)
	if err != nil {
		return err
	}
	fmt.Fprint(e.stdout, res)
	return nil
}
