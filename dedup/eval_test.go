package dedup

import (
	"fmt"
	"hash/fnv"
	"math/bits"
	"sort"
	"strings"
	"testing"
)

// evalResult counts one method's answers over the evaluation set.
type evalResult struct {
	tp, fp, fn int
	// origTP and origFN count the pairs of an original and one of its
	// copies, the case the pipeline meets; the others pair two copies.
	origTP, origFN int
	// noCandidate counts the false negatives that the fingerprint lookup
	// did not propose (the rest were rejected on the text).
	noCandidate int
	missed      map[string]int // false negatives by transformation kind
	wrong       []string
}

func (r evalResult) precision() float64 {
	if r.tp+r.fp == 0 {
		return 1
	}
	return float64(r.tp) / float64(r.tp+r.fp)
}
func (r evalResult) recall() float64 {
	if r.tp+r.fn == 0 {
		return 1
	}
	return float64(r.tp) / float64(r.tp+r.fn)
}

func (r evalResult) String() string {
	return fmt.Sprintf("precision %.4f recall %.4f (tp %d, fp %d, fn %d, of which not proposed %d); original-copy pairs recall %.4f (%d/%d); missed by kind %v",
		r.precision(), r.recall(), r.tp, r.fp, r.fn, r.noCandidate, float64(r.origTP)/float64(max(1, r.origTP+r.origFN)), r.origTP, r.origTP+r.origFN, r.missed)
}

// evaluate runs duplicate detection over every pair of the set as the
// pipeline does: each text is looked up among all the others by its
// fingerprint (candidates), and a candidate is a duplicate when dup says so.
// Pairs are counted once; the truth is "same Base".
func evaluate(docs []evalDoc, fps []uint64, candidates func(i int) []int, dup func(i, j int) bool) evalResult {
	res := evalResult{missed: map[string]int{}}
	found := map[[2]int]bool{}
	for i := range docs {
		for _, j := range candidates(i) {
			if j == i {
				continue
			}
			a, b := min(i, j), max(i, j)
			if _, done := found[[2]int{a, b}]; done {
				continue
			}
			found[[2]int{a, b}] = dup(a, b)
		}
	}
	for i := range docs {
		for j := i + 1; j < len(docs); j++ {
			truth := docs[i].Base == docs[j].Base
			got, proposed := found[[2]int{i, j}]
			orig := docs[i].Kind == "original" || docs[j].Kind == "original"
			switch {
			case truth && got:
				res.tp++
				if orig {
					res.origTP++
				}
			case truth:
				res.fn++
				if orig {
					res.origFN++
				}
				if !proposed {
					res.noCandidate++
				}
				k := docs[j].Kind
				if k == "original" {
					k = docs[i].Kind
				}
				res.missed[k]++
			case got:
				res.fp++
				res.wrong = append(res.wrong, docs[i].ID+"~"+docs[j].ID)
			}
		}
	}
	return res
}

// learnBoilerplate learns each site's boilerplate from the originals of
// that site, as the pipeline would from a source's recent releases.
func learnBoilerplate(docs []evalDoc) map[string]*Boilerplate {
	bySite := map[string][]string{}
	for _, d := range docs {
		if d.Kind == "original" {
			bySite[d.Site] = append(bySite[d.Site], d.Text)
		}
	}
	out := map[string]*Boilerplate{}
	for s, texts := range bySite {
		out[s] = NewBoilerplate(texts)
	}
	return out
}

// minhashEval evaluates Fingerprint, Index and Resemble as Decide uses
// them; figures=false drops the figures check (for the ablation).
func minhashEval(docs []evalDoc, bps map[string]*Boilerplate, figures bool) evalResult {
	bp := func(i int) *Boilerplate { return bps[docs[i].Site] }
	fps := make([]uint64, len(docs))
	hash := make([]string, len(docs))
	ix := NewIndex()
	byHash := map[string][]int{}
	for i, d := range docs {
		fps[i] = Fingerprint(d.Text, bp(i))
		ix.Add(int64(i), fps[i])
		hash[i] = ContentHash(d.Text)
		byHash[hash[i]] = append(byHash[hash[i]], i)
	}
	return evaluate(docs, fps, func(i int) []int {
		out := append([]int(nil), byHash[hash[i]]...)
		for _, id := range ix.Near(fps[i], MaxDistance) {
			out = append(out, int(id))
		}
		return out
	}, func(i, j int) bool {
		if hash[i] == hash[j] {
			return true
		}
		// The incoming text's source boilerplate; a copy from another
		// source is compared with the boilerplate of neither.
		b := bp(i)
		if docs[i].Site != docs[j].Site {
			b = nil
		}
		r := Resemble(docs[i].Text, docs[j].Text, b)
		if !figures {
			r.NumA, r.NumB = 0, 0
		}
		return r.Duplicate()
	})
}

// simhash is the alternative measured against MinHash: Charikar's SimHash
// over the same shingles, 64 bits.
func simhash(text string) uint64 {
	var v [64]int
	for _, h := range shingles(Words(stripFooterText(text))) {
		h = mix(h)
		for b := range 64 {
			if h>>b&1 == 1 {
				v[b]++
			} else {
				v[b]--
			}
		}
	}
	var fp uint64
	for b := range 64 {
		if v[b] > 0 {
			fp |= 1 << b
		}
	}
	return fp
}

func stripFooterText(text string) string { return (*Boilerplate)(nil).Strip(text) }

func simhashEval(docs []evalDoc, k int) evalResult {
	fps := make([]uint64, len(docs))
	for i, d := range docs {
		fps[i] = simhash(d.Text)
	}
	return evaluate(docs, fps, func(i int) []int {
		var out []int
		for j := range docs {
			if bits.OnesCount64(fps[i]^fps[j]) <= k {
				out = append(out, j)
			}
		}
		return out
	}, func(i, j int) bool { return true })
}

// TestEvaluation measures precision and recall of duplicate detection on
// testdata/eval.jsonl.gz and holds them at 0.98 or better. Run with -v to
// print the figures, and those of SimHash for comparison.
func TestEvaluation(t *testing.T) {
	docs := readEval(t)
	kinds := map[string]int{}
	for _, d := range docs {
		kinds[d.Kind]++
	}
	t.Logf("%d texts: %v", len(docs), kinds)
	withBP := minhashEval(docs, learnBoilerplate(docs), true)
	noBP := minhashEval(docs, nil, true)
	t.Logf("MinHash 4x16 + Resemble, learnt boilerplate: %v", withBP)
	t.Logf("MinHash 4x16 + Resemble, no boilerplate:     %v", noBP)
	// How many blocks an original and its copy share: a copy sharing one
	// block competes, in a large store, with the random one-block matches
	// (4N/65536 of them); two or more are rare by chance.
	var shared [5]int
	orig := map[string]string{}
	for _, d := range docs {
		if d.Kind == "original" {
			orig[d.Base] = d.Text
		}
	}
	for _, d := range docs {
		if o, ok := orig[d.Base]; ok && d.Kind != "original" {
			shared[SharedBlocks(Fingerprint(o, nil), Fingerprint(d.Text, nil))]++
		}
	}
	t.Logf("original-copy pairs by shared blocks (0..4): %v", shared)
	if testing.Verbose() {
		t.Logf("ablation, no figures check, no boilerplate: %v", minhashEval(docs, nil, false))
		for _, k := range []int{3, 6, 10, 14} {
			t.Logf("SimHash 64, Hamming <= %2d:                  %v", k, simhashEval(docs, k))
		}
	}
	for name, r := range map[string]evalResult{"with boilerplate": withBP, "without boilerplate": noBP} {
		if r.precision() < 0.98 || r.recall() < 0.98 {
			sort.Strings(r.wrong)
			t.Errorf("%s: %v; false positives %s", name, r, strings.Join(r.wrong[:min(10, len(r.wrong))], " "))
		}
	}
}

var _ = fnv.New64a
