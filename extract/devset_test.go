package extract

import (
	"context"
	"flag"
	"os"
	"runtime/pprof"
	"sort"
	"testing"
)

var (
	devset      = flag.Bool("devset", false, "run the whole development set (../../shared/corpus/wcxb-dev-articles) and check the quality targets; slow")
	devsetWorst = flag.Int("devset.worst", 0, "with -devset: log the N worst pages and every title and date miss")
	devsetOurs  = flag.Bool("devset.oursonly", false, "with -devset: skip plain go-trafilatura")
	devsetProf  = flag.String("devset.cpuprofile", "", "with -devset: write a CPU profile of our extraction to FILE")
)

const devDir = "../../shared/corpus/wcxb-dev-articles"

// TestDevSet measures ours and plain go-trafilatura on the development set
// and fails below the targets of issue 3. Run it with -devset.
func TestDevSet(t *testing.T) {
	if !*devset {
		t.Skip("the development set run is slow; enable it with -devset")
	}
	if _, err := os.Stat(devDir); err != nil {
		t.Skipf("development set not available at %s: %v", devDir, err)
	}
	pages, err := LoadDataset(devDir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if *devsetProf != "" {
		f, err := os.Create(*devsetProf)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
	}
	exs := []Named{{"communique", Ours(Options{})}}
	if !*devsetOurs {
		exs = append(exs, Named{"go-trafilatura", Plain})
	}
	scores := EvaluateAll(ctx, pages, 0, exs...)
	if *devsetProf != "" {
		pprof.StopCPUProfile()
	}
	ours, plain := scores[0], Score{Name: "go-trafilatura (skipped)"}
	if len(scores) > 1 {
		plain = scores[1]
	}
	for _, s := range []Score{plain, ours} {
		t.Logf("%-15s F1 %.3f (p %.3f r %.3f) title %.3f date %.3f (of %d; published or modified %.3f; none-ok %.3f) %.1f pages/s errors %d",
			s.Name, s.F1, s.Precision, s.Recall, s.TitleExact, s.DateExact, s.DatePages, s.DateEither, s.DateNoneOK, s.PagesPerSec, s.Errors)
	}
	t.Logf("speed %.2f× go-trafilatura", ours.PagesPerSec/plain.PagesPerSec)
	if *devsetWorst > 0 {
		byID := map[string]Page{}
		for _, p := range pages {
			byID[p.ID] = p
		}
		per := append([]PageScore(nil), ours.PerPage...)
		sort.Slice(per, func(i, j int) bool { return per[i].F1 < per[j].F1 })
		for i := 0; i < *devsetWorst && i < len(per); i++ {
			t.Logf("f1 %s %.3f p=%.3f r=%.3f %s", per[i].ID, per[i].F1, per[i].Precision, per[i].Recall, per[i].Err)
		}
		for _, ps := range ours.PerPage {
			if !ps.TitleOK {
				t.Logf("title %s got %q want %q", ps.ID, ps.Title, byID[ps.ID].Title)
			}
		}
		for _, ps := range ours.PerPage {
			if ps.HasDate && !ps.DateOK {
				t.Logf("date %s got %q want %q", ps.ID, ps.Date, byID[ps.ID].Date)
			}
		}
	}
	if ours.F1 < 0.95 {
		t.Errorf("body F1 %.3f, want ≥ 0.95", ours.F1)
	}
	if ours.TitleExact < 0.85 {
		t.Errorf("title exact %.3f, want ≥ 0.85", ours.TitleExact)
	}
	if ours.DateExact < 0.92 {
		t.Errorf("date exact %.3f, want ≥ 0.92", ours.DateExact)
	}
}
