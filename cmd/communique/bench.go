package main

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"sort"
)

func init() {
	commands["bench"] = command{"measure a figure: communique bench extract|search|dedup|ingest", runBench}
}

// benches is the table of `communique bench` subcommands. Add one line per benchmark.
var benches = map[string]command{}

func runBench(ctx context.Context, e env) error {
	if len(e.args) == 0 || e.args[0] == "-h" || e.args[0] == "--help" {
		fmt.Fprintln(e.stdout, "Usage: communique bench NAME [flags]   (communique bench NAME --help)")
		names := make([]string, 0, len(benches))
		for n := range benches {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(e.stdout, "  %-8s %s\n", n, benches[n].summary)
		}
		return nil
	}
	b, ok := benches[e.args[0]]
	if !ok {
		return fmt.Errorf("unknown benchmark %q (communique bench --help lists them)", e.args[0])
	}
	return b.run(ctx, env{args: e.args[1:], stdout: e.stdout, stderr: e.stderr})
}

// cpuProfile starts writing this process's CPU profile to path (nothing
// when path is empty) and returns the function that ends it: the benches'
// --cpuprofile.
func cpuProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
