package spaces

import (
	"strings"
	"testing"
)

var cases = []string{
	"", " ", "a", "a b", " a", "a ", "a  b", "a\tb", "a\nb", "a\u00a0b", "a\u2003b", "a\u0085b",
	"NATO Secretary General Mark Rutte", "  Prime\n\nMinister \u00a0 of Iraq  ", "caf\u00e9 \u00e0 Paris",
	"bad \xff bytes", "\xff", "a \xff", "trailing\u3000", "\u200bzero-width is not a space",
}

// TestCollapse holds Collapse and CountWords to their definitions, and
// Collapse to returning its argument when nothing changes.
func TestCollapse(t *testing.T) {
	for _, s := range cases {
		want := strings.Join(strings.Fields(s), " ")
		got := Collapse(s)
		if got != want {
			t.Errorf("Collapse(%q) = %q, want %q", s, got, want)
		}
		if collapsed(s) != (s == want) {
			t.Errorf("collapsed(%q) = %v, want %v", s, collapsed(s), s == want)
		}
		if n := CountWords(s); n != len(strings.Fields(s)) {
			t.Errorf("CountWords(%q) = %d, want %d", s, n, len(strings.Fields(s)))
		}
	}
	s := "already one space between words"
	if n := testing.AllocsPerRun(10, func() { Collapse(s) }); n != 0 {
		t.Errorf("Collapse of a collapsed string allocated %v times", n)
	}
}

func FuzzCollapse(f *testing.F) {
	for _, s := range cases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := strings.Join(strings.Fields(s), " ")
		if got := Collapse(s); got != want {
			t.Fatalf("Collapse(%q) = %q, want %q", s, got, want)
		}
		if collapsed(s) != (s == want) {
			t.Fatalf("collapsed(%q) = %v", s, collapsed(s))
		}
		if n := CountWords(s); n != len(strings.Fields(s)) {
			t.Fatalf("CountWords(%q) = %d", s, n)
		}
	})
}

// BenchmarkCollapse collapses a paragraph that is already collapsed (the
// common case) and one with runs of white space; .../join is what Collapse
// replaced.
func BenchmarkCollapse(b *testing.B) {
	clean := strings.TrimSpace(strings.Repeat("The North Atlantic Council met on Monday in Brussels. ", 20))
	messy := strings.ReplaceAll(clean, ". ", ".\n\t ")
	for _, c := range []struct{ name, s string }{{"collapsed", clean}, {"messy", messy}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Collapse(c.s)
			}
		})
		b.Run(c.name+"/join", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				strings.Join(strings.Fields(c.s), " ")
			}
		})
	}
}
