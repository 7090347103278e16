package dedup

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/communique-news/communique"
)

func TestRunBenchSmall(t *testing.T) {
	res, err := RunBench(context.Background(), io.Discard, 20000, 2000, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%v", res)
	if res.CopiesFound != 1 {
		t.Errorf("a copy sharing two blocks was not always found: %.4f", res.CopiesFound)
	}
	if res.PerLookup <= 0 || res.BytesPerRelease <= 0 || res.Fingerprint <= 0 {
		t.Errorf("missing figures: %+v", res)
	}
	if _, err := RunBench(context.Background(), io.Discard, 0, 1, 1); err == nil {
		t.Error("RunBench accepted 0 releases")
	}
}

func BenchmarkFingerprint(b *testing.B) {
	text := benchText(rand.New(rand.NewPCG(1, 1)), 600)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Fingerprint(text, nil)
	}
}

func BenchmarkContentHash(b *testing.B) {
	text := benchText(rand.New(rand.NewPCG(1, 1)), 600)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		ContentHash(text)
	}
}

func BenchmarkIndexNear(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	ix := NewIndex()
	const n = 200000
	for i := range n {
		ix.Add(int64(i), r.Uint64())
	}
	qs := make([]uint64, 1024)
	for i := range qs {
		qs[i] = r.Uint64()
	}
	i := 0
	for b.Loop() {
		ix.Near(qs[i%len(qs)], MaxDistance)
		i++
	}
}

func BenchmarkDiff(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 3))
	old := benchText(r, 600)
	w := strings.Fields(old)
	for i := 0; i < len(w); i += 37 {
		w[i] = "changed"
	}
	changed := strings.Join(w, " ")
	for b.Loop() {
		Diff(old, changed)
	}
}

func BenchmarkResemble(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 4))
	a := benchText(r, 600)
	c := a[:len(a)*4/5]
	for b.Loop() {
		Resemble(a, c, nil)
	}
}

func FuzzFingerprint(f *testing.F) {
	f.Add("NATO Secretary General Mark Rutte welcomed the Prime Minister.\n\nAbout NATO\n\nNATO is an alliance.")
	f.Add("")
	f.Add("\u00a0\u2014\u201c\xff\xfe https://x.org/?utm_source=a")
	f.Fuzz(func(t *testing.T, s string) {
		fp := Fingerprint(s, nil)
		if fp != Fingerprint(s, nil) {
			t.Fatal("Fingerprint is not deterministic")
		}
		if ContentHash(s) != ContentHash(NormalizeText(s)) {
			t.Fatalf("NormalizeText is not idempotent for hashing: %q -> %q", s, NormalizeText(s))
		}
		bp := NewBoilerplate([]string{s, s + "\n\nx"})
		Fingerprint(s, bp)
		Resemble(s, s, bp)
	})
}

func FuzzDiff(f *testing.F) {
	f.Add("The meeting took place on Monday.", "The meeting took place on Tuesday.\n\nMore.")
	f.Add("", "a")
	f.Add("a  b\n\nc", "")
	f.Fuzz(func(t *testing.T, a, b string) {
		edits := Diff(a, b)
		var rebuilt strings.Builder
		for _, e := range edits {
			if e.Text == "" {
				t.Fatal("empty edit")
			}
			if e.Op != Delete {
				rebuilt.WriteString(e.Text)
			}
		}
		if rebuilt.String() != b {
			t.Fatalf("equal and inserted runs give %q, want %q", rebuilt.String(), b)
		}
		h := string(DiffHTML(edits))
		if strings.Count(h, "<p>") != strings.Count(h, "</p>") {
			t.Fatalf("unbalanced paragraphs in %q", h)
		}
	})
}

// BenchmarkDecideSimilar decides a new release against eight candidates
// that share fingerprint blocks but are other releases: the new text's
// profile is taken once, each candidate's once.
func BenchmarkDecideSimilar(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 5))
	in := &communique.Release{URL: "https://a.example/new", Text: benchText(r, 600)}
	var similar []*communique.Release
	for i := range 8 {
		similar = append(similar, &communique.Release{URL: fmt.Sprintf("https://a.example/%d", i), Text: benchText(r, 600)})
	}
	for b.Loop() {
		if v := DecideWith(in, nil, nil, similar, nil); v.Kind != New {
			b.Fatalf("verdict %v, want New", v.Kind)
		}
	}
}

func BenchmarkNumbers(b *testing.B) {
	text := strings.Repeat("In 2025 the rate rose 4.3% to 12,000 on 8/9/2025 at 16:30, said the bank. ", 40)
	for b.Loop() {
		numbers(text)
	}
}
