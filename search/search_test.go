package search

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/communique-news/communique"
)

var now = time.Date(2025, 10, 15, 12, 0, 0, 0, time.UTC)

// show renders a node as an S-expression for comparison.
func show(n *communique.Node) string {
	if n == nil {
		return "<nil>"
	}
	prefix := ""
	if n.Field != "" {
		prefix = n.Field + ":"
	}
	switch n.Op {
	case communique.OpAnd, communique.OpOr:
		op := "and"
		if n.Op == communique.OpOr {
			op = "or"
		}
		parts := []string{op}
		for _, c := range n.Children {
			parts = append(parts, show(c))
		}
		return "(" + strings.Join(parts, " ") + ")"
	case communique.OpNot:
		return "(not " + show(n.Children[0]) + ")"
	case communique.OpTerm:
		return prefix + n.Text
	case communique.OpPhrase:
		return prefix + `"` + n.Text + `"`
	case communique.OpPrefix:
		return prefix + n.Text + "*"
	case communique.OpField:
		return "[" + n.Field + "=" + n.Text + "]"
	}
	return "?"
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, want     string
		since, until string // RFC 3339, empty for zero
	}{
		{in: "", want: "<nil>"},
		{in: "   ", want: "<nil>"},
		{in: "nato", want: "nato"},
		{in: "NATO summit", want: "(and NATO summit)"},
		{in: `"exact phrase" word`, want: `(and "exact phrase" word)`},
		{in: "nato -russia", want: "(and nato (not russia))"},
		{in: `nato -"press conference"`, want: `(and nato (not "press conference"))`},
		{in: "-org:NATO iraq", want: "(and (not [org=NATO]) iraq)"},
		{in: "iraq OR syria", want: "(or iraq syria)"},
		{in: "a b OR c", want: "(or (and a b) c)"},
		{in: "(iraq OR syria) nato", want: "(and (or iraq syria) nato)"},
		{in: "-(iraq OR syria)", want: "(not (or iraq syria))"},
		{in: "nato*", want: "nato*"},
		{in: "al-Sudani", want: `"al Sudani"`},
		{in: "al-Sud*", want: "al Sud*"},
		{in: "title:summit", want: "title:summit"},
		{in: `title:"defence plans"`, want: `title:"defence plans"`},
		{in: "title:def*", want: "title:def*"},
		{in: `org:"European Central Bank" rates`, want: "(and [org=European Central Bank] rates)"},
		{in: "source:gov.uk country:FR person:Rutte lang:en", want: "(and [source=gov.uk] [country=FR] [person=Rutte] [lang=en])"},
		{in: "ORG:nato", want: "[org=nato]"},
		{in: "rates since:2025-09-01", want: "rates", since: "2025-09-01T00:00:00Z"},
		{in: "since:2025-09 until:2025-09", want: "<nil>", since: "2025-09-01T00:00:00Z", until: "2025-10-01T00:00:00Z"},
		{in: "until:2025-09-30", want: "<nil>", until: "2025-10-01T00:00:00Z"},
		{in: "since:7d", want: "<nil>", since: "2025-10-08T12:00:00Z"},
		{in: "since:2w until:1m", want: "<nil>", since: "2025-10-01T12:00:00Z", until: "2025-09-15T12:00:00Z"},
		{in: "since:1y", want: "<nil>", since: "2024-10-15T12:00:00Z"},
		{in: "a AND b", want: "(and a b)"},
		{in: "NOT a b", want: "(and (not a) b)"},
		{in: "Bundesministerium für Gesundheit", want: "(and Bundesministerium für Gesundheit)"},
		{in: "https://www.nato.int/x", want: `"https www nato int x"`},
		{in: "10:30", want: `"10 30"`},
		{in: "a - b", want: "(and a b)"},
		{in: "!!! nato", want: "nato"},
		{in: "every release mentioning al-Sudani since:2025-09 -source:gov.uk", want: `(and every release mentioning "al Sudani" (not [source=gov.uk]))`, since: "2025-09-01T00:00:00Z"},
	} {
		q, err := Parse(tc.in, now)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if got := show(q.Text); got != tc.want {
			t.Errorf("Parse(%q) = %s, want %s", tc.in, got, tc.want)
		}
		for _, c := range []struct {
			name string
			got  time.Time
			want string
		}{{"Since", q.Since, tc.since}, {"Until", q.Until, tc.until}} {
			var want time.Time
			if c.want != "" {
				want, _ = time.Parse(time.RFC3339, c.want)
			}
			if !c.got.Equal(want) {
				t.Errorf("Parse(%q).%s = %v, want %v", tc.in, c.name, c.got, want)
			}
		}
	}
}

func TestParsePositions(t *testing.T) {
	q, err := Parse(`nato "a b" org:x`, now)
	if err != nil {
		t.Fatal(err)
	}
	want := []int{0, 5, 11}
	for i, c := range q.Text.Children {
		if c.Pos != want[i] {
			t.Errorf("child %d at %d, want %d", i, c.Pos, want[i])
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		pos  int
		want string
	}{
		{`nato "summit`, 5, "unclosed quote"},
		{`org:"European`, 4, "unclosed quote"},
		{`(nato summit`, 0, "unclosed parenthesis"},
		{`nato)`, 4, "unexpected )"},
		{`((a) b`, 0, "unclosed parenthesis"},
		{`()`, 0, "empty parentheses"},
		{`foo:bar`, 0, "unknown field"},
		{`nato since:yesterday`, 11, "bad date"},
		{`since:2025-13-01`, 6, "bad date"},
		{`until:7x`, 6, "bad date"},
		{`a OR`, 2, "OR needs a word"},
		{`OR a`, 0, "OR needs a word"},
		{`a OR OR b`, 2, "OR needs a word"},
		{`(a OR) b`, 3, "OR needs a word"},
		{`nato -`, 5, ""}, // a lone - at the end is just punctuation
		{`org:`, 0, "needs a value"},
		{`title:`, 0, "needs a word"},
		{`-since:7d`, 1, "bounds the whole query"},
		{`(since:7d nato)`, 1, "bounds the whole query"},
		{`a NOT`, 2, "nothing to exclude"},
		{strings.Repeat("(", 40) + "a" + strings.Repeat(")", 40), 16, "too many nested"},
		{strings.Repeat("w ", 70), 128, "too many terms"},
		{strings.Repeat("x", 2000), 1000, "too long"},
	} {
		_, err := Parse(tc.in, now)
		if tc.want == "" {
			if err != nil {
				t.Errorf("Parse(%q): %v, want no error", tc.in, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Parse(%q) error = %v, want *Error", tc.in, err)
			continue
		}
		if e.Pos != tc.pos || !strings.Contains(e.Message, tc.want) {
			t.Errorf("Parse(%q) = %q at %d, want %q at %d", tc.in, e.Message, e.Pos, tc.want, tc.pos)
		}
		if !strings.Contains(err.Error(), "position") {
			t.Errorf("Parse(%q) error %q does not say where", tc.in, err)
		}
		if communique.ErrorCode(err) != communique.EINVALID {
			t.Errorf("Parse(%q) error code %q, want %q", tc.in, communique.ErrorCode(err), communique.EINVALID)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`nato "a b" -c OR (d e*) org:"X Y" since:7d title:z`, `((`, `"`, `-`, `a OR`, `since:2025-01`, "al-Sudani", "\xff:\"x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s, now)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q): error %v is not *Error", s, err)
			}
			if e.Pos < 0 || e.Pos > len(s) {
				t.Fatalf("Parse(%q): position %d outside 0..%d", s, e.Pos, len(s))
			}
			return
		}
		var walk func(n *communique.Node, depth int)
		walk = func(n *communique.Node, depth int) {
			if n == nil {
				t.Fatalf("Parse(%q): nil node in tree", s)
			}
			if depth > 2*MaxDepth+4 {
				t.Fatalf("Parse(%q): tree too deep", s)
			}
			if n.Pos < 0 || n.Pos > len(s) {
				t.Fatalf("Parse(%q): node position %d outside the query", s, n.Pos)
			}
			switch n.Op {
			case communique.OpTerm, communique.OpPhrase, communique.OpPrefix:
				if len(Tokens(n.Text)) == 0 {
					t.Fatalf("Parse(%q): empty text node", s)
				}
			case communique.OpNot:
				if len(n.Children) != 1 {
					t.Fatalf("Parse(%q): NOT with %d children", s, len(n.Children))
				}
			}
			for _, c := range n.Children {
				walk(c, depth+1)
			}
		}
		if q.Text != nil {
			walk(q.Text, 0)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := Parse(`every release mentioning al-Sudani since:2025-09 -source:gov.uk (iraq OR syria) nato* title:"defence plans"`, now); err != nil {
			b.Fatal(err)
		}
	}
}
