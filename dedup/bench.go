package dedup

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"time"
)

// IndexFixedBytes is the memory of an empty Index: four tables of 65,536
// slice headers.
const IndexFixedBytes = 4 << 16 * 24

// BenchResult is what RunBench measured.
type BenchResult struct {
	Releases        int
	Queries         int
	BuildTime       time.Duration
	BytesPerRelease float64       // heap growth of the index over Releases
	PerLookup       time.Duration // mean time of one Near
	Candidates      float64       // mean ids returned by Near at MaxDistance
	CopiesFound     float64       // share of near-copy queries whose entry Near returned
	Fingerprint     time.Duration // mean time of Fingerprint on a 600-word release
}

// RunBench fills an Index with n fingerprints and measures lookups: half
// the queries are copies of an indexed release (two of its four blocks
// changed, as by a resemblance of about 0.5), half are new releases. The
// fingerprints are random 64-bit values, which is what MinHash blocks of
// distinct texts are; shared boilerplate, which makes some block values
// common, is left out of fingerprints by design (Boilerplate). Progress goes
// to w.
func RunBench(ctx context.Context, w io.Writer, n, queries int, seed uint64) (BenchResult, error) {
	res := BenchResult{Releases: n, Queries: queries}
	if n <= 0 || queries <= 0 {
		return res, fmt.Errorf("releases and queries must be positive")
	}
	r := rand.New(rand.NewPCG(seed, 6))
	fps := make([]uint64, n)
	for i := range fps {
		fps[i] = r.Uint64()
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	ix := NewIndex()
	for i, fp := range fps {
		if i%65536 == 0 && ctx.Err() != nil {
			return res, ctx.Err()
		}
		ix.Add(int64(i), fp)
	}
	res.BuildTime = time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	res.BytesPerRelease = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
	fmt.Fprintf(w, "indexed %d fingerprints in %v\n", n, res.BuildTime.Round(time.Millisecond))

	qs := make([]uint64, queries)
	want := make([]int64, queries)
	for i := range qs {
		if i%2 == 0 {
			j := r.IntN(n)
			keep := uint64(0xffff) << (16 * r.IntN(4))
			keep |= uint64(0xffff) << (16 * r.IntN(4))
			qs[i] = fps[j]&keep | r.Uint64()&^keep
			want[i] = int64(j)
		} else {
			qs[i] = r.Uint64()
			want[i] = -1
		}
	}
	found, copies, cands := 0, 0, 0
	start = time.Now()
	for i, q := range qs {
		ids := ix.Near(q, MaxDistance)
		cands += len(ids)
		if want[i] >= 0 {
			copies++
			for _, id := range ids {
				if id == want[i] {
					found++
					break
				}
			}
		}
	}
	el := time.Since(start)
	res.PerLookup = el / time.Duration(queries)
	res.Candidates = float64(cands) / float64(queries)
	res.CopiesFound = float64(found) / float64(max(copies, 1))
	runtime.KeepAlive(ix)

	text := benchText(r, 600)
	const rounds = 200
	start = time.Now()
	for range rounds {
		Fingerprint(text, nil)
	}
	res.Fingerprint = time.Since(start) / rounds
	return res, nil
}

// String reports the figures on one line each.
func (b BenchResult) String() string {
	return fmt.Sprintf("releases            %d\nlookups             %d\nper lookup          %v (target ≤ 1ms)\nindex per release   %.1f bytes (target ≤ 64; includes the fixed 6 MiB of bucket tables, %.1f bytes/release at this N)\ncandidates/lookup   %.2f\ncopies found        %.4f\nfingerprint (600 w) %v\n",
		b.Releases, b.Queries, b.PerLookup, b.BytesPerRelease, float64(IndexFixedBytes)/float64(max(b.Releases, 1)), b.Candidates, b.CopiesFound, b.Fingerprint)
}

var benchVocabulary = strings.Fields(`the of and to in a is that for on with as by at from this be are was it an
	minister ministry government council agreement security cooperation development economic summit
	meeting president secretary general mission partners support region countries international national
	policy statement committee delegation visit talks defence trade health energy climate finance bank
	inflation rates programme report agency humanitarian aid refugees Iraq NATO Brussels Baghdad alliance`)

func benchText(r *rand.Rand, words int) string {
	var b strings.Builder
	for i := range words {
		if i > 0 {
			if i%80 == 0 {
				b.WriteString(".\n\n")
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString(benchVocabulary[r.IntN(len(benchVocabulary))])
	}
	return b.String()
}
