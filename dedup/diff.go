package dedup

import (
	"html"
	"html/template"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Op is what an Edit does.
type Op int

const (
	Equal  Op = iota // in both texts
	Delete           // only in the old text
	Insert           // only in the new text
)

func (o Op) String() string {
	switch o {
	case Delete:
		return "delete"
	case Insert:
		return "insert"
	}
	return "equal"
}

// Edit is a run of text that a revision kept, removed or added.
type Edit struct {
	Op   Op
	Text string
}

// MaxDiffEdits bounds the work of Diff: when more than this many words
// changed, the changed middle is shown as one deletion and one insertion.
const MaxDiffEdits = 1000

// Diff compares two texts word by word (Myers' algorithm) and returns the
// edits that turn oldText into newText. Words are compared in normalised
// form (NormalizeText), so typography and white space changes are not
// edits; Equal runs carry the new text's spelling. Adjacent edits of one Op
// are merged. Concatenating the Equal and Insert texts gives newText.
func Diff(oldText, newText string) []Edit {
	a, b := tokens(oldText), tokens(newText)
	ka, kb := keys(a), keys(b)
	// Common prefix and suffix cost nothing.
	pre := 0
	for pre < len(ka) && pre < len(kb) && ka[pre] == kb[pre] {
		pre++
	}
	suf := 0
	for suf < len(ka)-pre && suf < len(kb)-pre && ka[len(ka)-1-suf] == kb[len(kb)-1-suf] {
		suf++
	}
	var out []Edit
	add := func(op Op, s string) {
		if s == "" {
			return
		}
		if n := len(out); n > 0 && out[n-1].Op == op {
			out[n-1].Text += s
			return
		}
		out = append(out, Edit{op, s})
	}
	for _, t := range b[:pre] {
		add(Equal, t)
	}
	ops := myers(ka[pre:len(ka)-suf], kb[pre:len(kb)-suf])
	i, j := pre, pre
	for _, op := range ops {
		switch op {
		case Equal:
			add(Equal, b[j])
			i++
			j++
		case Delete:
			add(Delete, a[i])
			i++
		case Insert:
			add(Insert, b[j])
			j++
		}
	}
	for _, t := range b[len(b)-suf:] {
		add(Equal, t)
	}
	return out
}

// tokens splits text into words and the white space between them.
func tokens(s string) []string {
	var out []string
	start := 0
	inSpace := false
	for i, r := range s {
		sp := unicode.IsSpace(r)
		if i > start && sp != inSpace {
			out = append(out, s[start:i])
			start = i
		}
		inSpace = sp
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// keys are the comparison forms of tokens: white space is one key
// (paragraph breaks another), words are normalised.
func keys(ts []string) []string {
	k := make([]string, len(ts))
	for i, t := range ts {
		r, _ := utf8.DecodeRuneInString(t)
		switch {
		case unicode.IsSpace(r) && strings.Count(t, "\n") >= 2:
			k[i] = "\n\n"
		case unicode.IsSpace(r):
			k[i] = " "
		default:
			k[i] = NormalizeText(t)
		}
	}
	return k
}

// myers returns the shortest edit script from a to b, or, beyond
// MaxDiffEdits, all deletions then all insertions.
func myers(a, b []string) []Op {
	n, m := len(a), len(b)
	max := n + m
	if max == 0 {
		return nil
	}
	limit := min(max, MaxDiffEdits)
	off := limit + 1
	v := make([]int, 2*limit+3)
	var trace [][]int
	found := -1
	for d := 0; d <= limit && found < 0; d++ {
		trace = append(trace, append([]int(nil), v[off-d-1:off+d+2]...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				found = d
				break
			}
		}
	}
	if found < 0 {
		ops := make([]Op, 0, n+m)
		for range n {
			ops = append(ops, Delete)
		}
		for range m {
			ops = append(ops, Insert)
		}
		return ops
	}
	// Walk back through the saved frontiers. trace[d] holds v before step d
	// for diagonals -d-1..d+1.
	var rev []Op
	x, y := n, m
	for d := found; d > 0; d-- {
		prev := trace[d] // v after step d-1, diagonals -d-1..d+1
		at := func(k int) int { return prev[k+d+1] }
		k := x - y
		var pk int
		if k == -d || (k != d && at(k-1) < at(k+1)) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := at(pk)
		py := px - pk
		for x > px && y > py {
			rev = append(rev, Equal)
			x--
			y--
		}
		if pk == k+1 {
			rev = append(rev, Insert)
		} else {
			rev = append(rev, Delete)
		}
		x, y = px, py
	}
	for x > 0 && y > 0 {
		rev = append(rev, Equal)
		x--
		y--
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev
}

// DiffHTML renders edits as escaped HTML for the "updated" view: paragraphs
// in <p>, deletions in <del>, insertions in <ins>. Paragraph breaks inside
// an edit close and reopen its element, so the markup is always balanced.
func DiffHTML(edits []Edit) template.HTML {
	var b strings.Builder
	b.WriteString("<p>")
	for _, e := range edits {
		tag := ""
		switch e.Op {
		case Delete:
			tag = "del"
		case Insert:
			tag = "ins"
		}
		parts := paraBreak(e.Text)
		for i, p := range parts {
			if i > 0 {
				b.WriteString("</p>\n<p>")
			}
			if p == "" {
				continue
			}
			if tag != "" {
				b.WriteString("<" + tag + ">")
			}
			b.WriteString(html.EscapeString(p))
			if tag != "" {
				b.WriteString("</" + tag + ">")
			}
		}
	}
	b.WriteString("</p>")
	return template.HTML(b.String())
}

// paraBreak splits s at white space holding a blank line; the breaks
// themselves are dropped, other white space becomes one space.
func paraBreak(s string) []string {
	var out []string
	var cur strings.Builder
	for _, t := range tokens(s) {
		r, _ := utf8.DecodeRuneInString(t)
		switch {
		case unicode.IsSpace(r) && strings.Count(t, "\n") >= 2:
			out = append(out, cur.String())
			cur.Reset()
		case unicode.IsSpace(r):
			cur.WriteByte(' ')
		default:
			cur.WriteString(t)
		}
	}
	return append(out, cur.String())
}
