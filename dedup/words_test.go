package dedup

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// wordsCases are texts whose words are easy to get wrong: typography,
// apostrophes, links, invisible characters, other scripts, broken UTF-8.
var wordsCases = []string{
	"",
	"NATO Secretary General Mark Rutte welcomed the Prime Minister of Iraq.",
	"Don\u2019t \u201cquote\u201d me \u2014 it\u2019s 4.3% \u2026 or 12,000\u00a0people",
	"rock `n' roll \u00b4acute\u00b4 \u2032prime\u2032 \u00abguillemets\u00bb",
	"co\u00adoper\u200bation \ufeffBOM zero\u200dwidth \u200cnon-joiner",
	"ht\u00adtps://example.org/a?utm_source=x joined by a soft hyphen",
	"See https://www.NATO.int/cps/en/natohq/news.htm?utm_source=rss&id=1. Or HTTP://X.ORG/A",
	"\ufb01nance \u2460 \uff21\uff22\uff23 \u00bd ligatures, circled, full-width, fractions",
	"\u0130stanbul \u0049\u0307 ISTANBUL stra\u00dfe \u03a3\u039f\u03a6\u0399\u0391 \u0130",
	"\u0627\u0644\u0633\u0648\u062f\u0627\u0646\u064a \u0661\u0662\u0663 \u0928\u092e\u0938\u094d\u0924\u0947 \u4e2d\u6587\u65b0\u95fb",
	"e\u0301le\u0300ve  cafe\u0301 \u0301 combining marks",
	"bad \xff\xfe bytes \xe2\x80 cut \xc3",
	"--- dashes -- and\u2013ranges 2024\u20132025 \u2212minus",
	"'''leading and trailing apostrophes'''",
}

// TestWords holds Words to what it is defined as: NormalizeText's folding,
// apostrophes removed, split on everything but letters and digits.
func TestWords(t *testing.T) {
	texts := slices.Clone(wordsCases)
	for _, d := range readEval(t) {
		texts = append(texts, d.Text)
	}
	r := rand.New(rand.NewPCG(3, 9))
	texts = append(texts, benchText(r, 600))
	for _, text := range texts {
		if got, want := Words(text), splitWords(NormalizeText(text)); !slices.Equal(got, want) {
			t.Errorf("Words(%.80q):\n got %q\nwant %q", text, got, want)
		}
	}
	if got := Words("Don\u2019t \u201cstop\u201d \u2014 NATO\u2019s"); !slices.Equal(got, []string{"dont", "stop", "natos"}) {
		t.Errorf("Words = %q", got)
	}
}

func FuzzWords(f *testing.F) {
	for _, c := range wordsCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if got, want := Words(text), splitWords(NormalizeText(text)); !slices.Equal(got, want) {
			t.Fatalf("Words(%q):\n got %q\nwant %q", text, got, want)
		}
	})
}

// BenchmarkWords splits a release of 600 words; .../composed does it as
// NormalizeText, removing apostrophes and splitting, which Words replaced.
func BenchmarkWords(b *testing.B) {
	text := benchText(rand.New(rand.NewPCG(1, 4)), 600)
	b.Run("onepass", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Words(text)
		}
	})
	b.Run("composed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			splitWords(NormalizeText(text))
		}
	})
}

// TestFingerprintStable pins fingerprints: they are stored, and a release
// stored by one version must be found by the next. Change these values only
// with a migration that recomputes the stored ones.
func TestFingerprintStable(t *testing.T) {
	for _, c := range []struct {
		text string
		want uint64
	}{
		{benchText(rand.New(rand.NewPCG(1, 4)), 600), 0x56f9c8442ea13780},
		{"NATO Secretary General Mark Rutte welcomed the Prime Minister of Iraq, Mohammed Shia\u2019 al-Sudani, to NATO Headquarters on Monday (8 September 2025). \u201cIraq is a valued partner\u201d \u2014 said Mr Rutte \u2026 They discussed NATO\u2019s Mission Iraq (NMI), which advises Iraqi security institutions at the request of the Iraqi government.", 0x35092b43b5df90b6},
	} {
		if got := Fingerprint(c.text, nil); got != c.want {
			t.Errorf("Fingerprint(%.40q…) = %#x, want %#x", c.text, got, c.want)
		}
	}
}
