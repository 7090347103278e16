package enrich

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func seedDoc(tb testing.TB) Doc {
	b, err := os.ReadFile(filepath.Join("testdata", "nato-iraq-2025-09-08.mirage.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	text := string(b)
	if k := strings.Index(text, "/Public Release."); k > 0 {
		text = text[:k]
	}
	title, body := splitRelease(text)
	return Doc{Title: title, Text: body, Lang: "en", Originator: "NATO"}
}

// BenchmarkEnrich enriches the seed release (about 3,300 bytes), language
// given as the pipeline does once extraction has detected it.
func BenchmarkEnrich(b *testing.B) {
	e := newEnricher(b)
	d := seedDoc(b)
	b.SetBytes(int64(len(d.Text)))
	b.ReportAllocs()
	for b.Loop() {
		e.Enrich(d)
	}
}

// BenchmarkEnrichDetectLanguage is BenchmarkEnrich with the language
// detected too.
func BenchmarkEnrichDetectLanguage(b *testing.B) {
	e := newEnricher(b)
	d := seedDoc(b)
	d.Lang = ""
	b.SetBytes(int64(len(d.Text)))
	b.ReportAllocs()
	for b.Loop() {
		e.Enrich(d)
	}
}

// BenchmarkNew parses the embedded gazetteers (what New costs once per
// process).
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := load(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLanguage(b *testing.B) {
	d := seedDoc(b)
	b.ReportAllocs()
	for b.Loop() {
		Language(d.Text)
	}
}
