package sqlite

import (
	"strings"
	"unicode"
	"unicode/utf8"

	porterstemmer "github.com/blevesearch/go-porterstemmer"
	"golang.org/x/text/unicode/norm"

	"github.com/communique-news/communique"
)

// Snippets are cut here, in Go, as FTS5's snippet() cuts them, from the
// texts the page's releases were read with. snippet() tokenized and stemmed
// each release's whole body twice (to find sentences, then to highlight):
// a quarter of the CPU of bench search's query mix at a million releases,
// about 10 ms of every query of 20 results. Here only the tokens whose first
// letter is that of a query word are folded and stemmed.

// snippetTokens is the length of a snippet in tokens (snippet()'s nToken).
const snippetTokens = 32

// A highlighter finds a query's words in text as the search index's
// tokenizer (porter unicode61 remove_diacritics 2) sees them: tokens of
// letters, numbers and marks, folded (lower case, no diacritics), and
// Porter-stemmed from 3 to 64 bytes.
type highlighter struct {
	leaves []hlLeaf
	first  map[rune]bool     // first letters, folded, of the leaves' first tokens
	stems  map[string]string // of tokens seen, as they are in the text
	toks   []span
}

// hlLeaf is a word, phrase or prefix of the query.
type hlLeaf struct {
	stems  []string
	prefix bool // the last stem is a prefix
	title  bool // title: only
}

// newHighlighter returns the highlighter of the positive words, phrases and
// prefixes of q (those leafExprs finds), nil if there are none.
func newHighlighter(q *communique.Node) *highlighter {
	h := &highlighter{first: map[rune]bool{}, stems: map[string]string{}}
	var walk func(n *communique.Node)
	walk = func(n *communique.Node) {
		switch n.Op {
		case communique.OpTerm, communique.OpPhrase, communique.OpPrefix:
			toks := tokens(n.Text)
			if len(toks) == 0 {
				return
			}
			l := hlLeaf{prefix: n.Op == communique.OpPrefix, title: n.Field == "title"}
			for _, t := range toks {
				l.stems = append(l.stems, stem(fold(t)))
			}
			r, _ := utf8.DecodeRuneInString(l.stems[0])
			h.first[r] = true
			h.leaves = append(h.leaves, l)
		case communique.OpAnd, communique.OpOr:
			for _, ch := range n.Children {
				walk(ch)
			}
		}
	}
	if q != nil {
		walk(q)
	}
	if len(h.leaves) == 0 {
		return nil
	}
	return h
}

// fold lower-cases t and removes its diacritics.
func fold(t string) string {
	ascii := true
	for i := 0; i < len(t); i++ {
		if t[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(t)
	}
	var b strings.Builder
	for _, r := range norm.NFD.String(t) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// stem is the index's Porter stem of a folded token. FTS5 stems bytes: each
// byte of a letter beyond ASCII is a consonant ("straße" is "straß").
func stem(t string) string {
	if len(t) < 3 || len(t) > 64 {
		return t
	}
	rs := make([]rune, len(t))
	for i := 0; i < len(t); i++ {
		rs[i] = rune(t[i])
	}
	rs = porterstemmer.StemWithoutLowerCasing(rs)
	b := make([]byte, len(rs))
	for i, r := range rs {
		b[i] = byte(r)
	}
	return string(b)
}

// isTokenRune reports whether r is part of a token for FTS5's unicode61
// tokenizer (categories L*, N*, Co, and the marks it removes).
func isTokenRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Co, r)
}

// asciiToken marks the ASCII letters and digits.
var asciiToken = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
	}
	return t
}()

// span is a token's bytes in the text.
type span struct{ start, end int }

// tokenSpans appends the tokens of s to out.
func tokenSpans(s string, out []span) []span {
	start := -1
	for i := 0; i < len(s); {
		var in bool
		size := 1
		if c := s[i]; c < utf8.RuneSelf {
			in = asciiToken[c]
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			in = isTokenRune(r)
		}
		if in {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			out = append(out, span{start, i})
			start = -1
		}
		i += size
	}
	if start >= 0 {
		out = append(out, span{start, len(s)})
	}
	return out
}

// instance is a match of leaf in tokens [start, end).
type instance struct{ leaf, start, end int }

// instances finds the leaves in the tokens of text. Only tokens that start
// with the first letter of a leaf (which stemming keeps) are folded and
// stemmed, once per query.
func (h *highlighter) instances(text string, toks []span, title bool) []instance {
	stemAt := func(i int) string {
		t := text[toks[i].start:toks[i].end]
		s, ok := h.stems[t]
		if !ok {
			s = stem(fold(t))
			h.stems[t] = s
		}
		return s
	}
	var out []instance
	for i, t := range toks {
		r, _ := utf8.DecodeRuneInString(text[t.start:])
		if r < utf8.RuneSelf {
			r = unicode.ToLower(r)
		} else {
			r, _ = utf8.DecodeRuneInString(fold(text[t.start:t.end]))
		}
		if !h.first[r] {
			continue
		}
		for li, l := range h.leaves {
			if l.title && !title || i+len(l.stems) > len(toks) {
				continue
			}
			ok := true
			for j, want := range l.stems {
				got := stemAt(i + j)
				if j == len(l.stems)-1 && l.prefix {
					ok = strings.HasPrefix(got, want)
				} else {
					ok = got == want
				}
				if !ok {
					break
				}
			}
			if ok {
				out = append(out, instance{li, i, i + len(l.stems)})
			}
		}
	}
	return out
}

// snippet is what FTS5's snippet(…, char(2), char(3), '…', 32) gives for
// text: the 32 tokens around its best matches, the matches between \x02 and
// \x03, "…" where text was cut; ok is false when text has no match (then the
// snippet is its first 32 tokens). title says that text is the title, where
// title: words are also matched.
func (h *highlighter) snippet(text string, title bool) (string, bool) {
	h.toks = tokenSpans(text, h.toks[:0])
	toks := h.toks
	inst := h.instances(text, toks, title)
	n := len(toks)
	// The window: as snippet() scores it, 1000 for each leaf seen in it
	// and 1 for each repeat; around each instance, centred, and from the
	// start of the instance's sentence, with 100 more (120 for the text's
	// first sentence).
	best, bestScore := 0, 0
	seen := make([]bool, len(h.leaves))
	var sentences []int
	if len(inst) > 0 && n > snippetTokens {
		sentences = sentenceStarts(text, toks)
	}
	score := func(from int) (int, int, int) {
		clear(seen)
		s, first, last := 0, -1, 0
		for _, in := range inst {
			if in.start < from || in.start >= from+snippetTokens {
				continue
			}
			if seen[in.leaf] {
				s++
			} else {
				s += 1000
				seen[in.leaf] = true
			}
			if first < 0 {
				first = in.start
			}
			last = in.end
		}
		return s, first, last
	}
	for _, in := range inst {
		s, first, last := score(in.start)
		if s > bestScore {
			adj := first - (snippetTokens-(last-first))/2
			adj = max(0, min(adj, n-snippetTokens))
			best, bestScore = adj, s
		}
		if len(sentences) > 0 {
			j := 0
			for j < len(sentences)-1 && sentences[j+1] <= in.start {
				j++
			}
			if sentences[j] < in.start {
				s, _, _ := score(sentences[j])
				if sentences[j] == 0 {
					s += 120
				} else {
					s += 100
				}
				if s > bestScore {
					best, bestScore = sentences[j], s
				}
			}
		}
	}
	return cut(text, toks, coalesce(inst), best), len(inst) > 0
}

// sentenceStarts are the tokens that start a sentence: the first, and each
// after a '.' or ':' and white space.
func sentenceStarts(text string, toks []span) []int {
	out := []int{0}
	for i := 1; i < len(toks); i++ {
		j := toks[i].start - 1
		for j >= 0 && (text[j] == ' ' || text[j] == '\t' || text[j] == '\n' || text[j] == '\r') {
			j--
		}
		if j >= 0 && j != toks[i].start-1 && (text[j] == '.' || text[j] == ':') {
			out = append(out, i)
		}
	}
	return out
}

// coalesce merges overlapping instances, in order of their first token.
func coalesce(inst []instance) []instance {
	var out []instance
	for _, in := range inst {
		if k := len(out) - 1; k >= 0 && in.start < out[k].end {
			out[k].end = max(out[k].end, in.end)
			continue
		}
		out = append(out, in)
	}
	return out
}

// cut writes the snippetTokens tokens of text from token from, with the
// instances marked.
func cut(text string, toks []span, inst []instance, from int) string {
	if len(toks) == 0 {
		return text
	}
	last := min(from+snippetTokens, len(toks)) - 1
	var b strings.Builder
	off := 0
	if from > 0 {
		b.WriteString("…")
		off = toks[from].start
	}
	for _, in := range inst {
		if in.end <= from || in.start > last {
			continue
		}
		s, e := max(in.start, from), min(in.end, last+1)
		b.WriteString(text[off:toks[s].start])
		b.WriteByte('\x02')
		b.WriteString(text[toks[s].start:toks[e-1].end])
		b.WriteByte('\x03')
		off = toks[e-1].end
	}
	if last >= len(toks)-1 {
		b.WriteString(text[off:])
	} else {
		b.WriteString(text[off:toks[last].end])
		b.WriteString("…")
	}
	return b.String()
}
