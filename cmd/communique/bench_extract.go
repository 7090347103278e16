package main

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"sort"

	"github.com/communique-news/communique/extract"
)

func init() {
	benches["extract"] = command{"extraction quality and speed on a WCXB-style dataset, ours and plain go-trafilatura", runBenchExtract}
}

func runBenchExtract(ctx context.Context, e env) error {
	fs := newFlags(e, "bench extract", "bench extract --dataset DIR [--workers N] [--json] [--only ours|plain] [--worst N] [--cpuprofile FILE]")
	dataset := fs.String("dataset", "", "dataset directory holding html/ID.html.gz and ground-truth/ID.json (required)")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "extraction goroutines (default: all cores)")
	asJSON := fs.Bool("json", false, "print the figures as one JSON object")
	only := fs.String("only", "", "run only one extractor: ours or plain")
	worst := fs.Int("worst", 0, "also list the N pages with the lowest body F1 and the title/date misses of ours (to stderr)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the run to FILE")
	if err := parseFlags(fs, e); err != nil {
		return err
	}
	if *dataset == "" {
		fs.Usage()
		return errUsage
	}
	pages, err := extract.LoadDataset(*dataset)
	if err != nil {
		return err
	}
	stop, err := cpuProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
	var exs []extract.Named
	if *only == "" || *only == "plain" {
		exs = append(exs, extract.Named{Name: "go-trafilatura", Ex: extract.Plain})
	}
	if *only == "" || *only == "ours" {
		exs = append(exs, extract.Named{Name: "communique", Ex: extract.Ours(extract.Options{})})
	}
	if len(exs) == 0 {
		return fmt.Errorf("--only must be ours or plain, not %q", *only)
	}
	// Both run in one pass, page by page, so that a shared machine's load
	// falls on both alike.
	scores := extract.EvaluateAll(ctx, pages, *workers, exs...)
	if err := ctx.Err(); err != nil {
		return err
	}
	if *worst > 0 {
		s := scores[len(scores)-1]
		per := append([]extract.PageScore(nil), s.PerPage...)
		sort.Slice(per, func(i, j int) bool { return per[i].F1 < per[j].F1 })
		for i := 0; i < *worst && i < len(per); i++ {
			fmt.Fprintf(e.stderr, "f1 %s %.3f p=%.3f r=%.3f %s\n", per[i].ID, per[i].F1, per[i].Precision, per[i].Recall, per[i].Err)
		}
		byID := map[string]extract.Page{}
		for _, p := range pages {
			byID[p.ID] = p
		}
		for _, ps := range s.PerPage {
			if !ps.TitleOK {
				fmt.Fprintf(e.stderr, "title %s got %q want %q\n", ps.ID, ps.Title, byID[ps.ID].Title)
			}
		}
		for _, ps := range s.PerPage {
			if ps.HasDate && !ps.DateOK {
				fmt.Fprintf(e.stderr, "date %s got %q want %q\n", ps.ID, ps.Date, byID[ps.ID].Date)
			}
		}
	}
	if *asJSON {
		out := map[string]any{"dataset": *dataset, "pages": len(pages), "workers": *workers, "scores": scores}
		if len(scores) == 2 && scores[0].PagesPerSec > 0 {
			out["speedup"] = scores[1].PagesPerSec / scores[0].PagesPerSec
		}
		return json.NewEncoder(e.stdout).Encode(out)
	}
	fmt.Fprintf(e.stdout, "%d pages from %s, %d workers\n", len(pages), *dataset, *workers)
	fmt.Fprintf(e.stdout, "%-16s %7s %7s %7s %7s %7s %9s %9s %8s %6s\n", "extractor", "F1", "prec", "recall", "title", "date", "date|mod", "date-none", "pages/s", "errors")
	for _, s := range scores {
		fmt.Fprintf(e.stdout, "%-16s %7.3f %7.3f %7.3f %7.3f %7.3f %9.3f %9.3f %8.1f %6d\n", s.Name, s.F1, s.Precision, s.Recall, s.TitleExact, s.DateExact, s.DateEither, s.DateNoneOK, s.PagesPerSec, s.Errors)
	}
	if len(scores) == 2 && scores[0].PagesPerSec > 0 {
		fmt.Fprintf(e.stdout, "speed: %.2f× go-trafilatura\n", scores[1].PagesPerSec/scores[0].PagesPerSec)
	}
	fmt.Fprintf(e.stdout, "(F1: WCXB word-level F1 of the body, mean over pages; title: exact after folding white space, quotes and dashes; date: YYYY-MM-DD of the published date exact over the %d pages whose ground truth has a date; date|mod: the same, counting the modified date too; date-none: no date found where none is stated)\n", scoresDatePages(scores))
	return nil
}

func scoresDatePages(s []extract.Score) int {
	if len(s) == 0 {
		return 0
	}
	return s[0].DatePages
}
