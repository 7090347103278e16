// Package search parses Communiqué's query language into a communique.Query,
// which each store compiles into its own engine's terms.
//
// The language:
//
//	nato summit            both words (implicit AND)
//	"exact phrase"         the words next to each other, in order
//	-excluded -"a phrase"  releases without the word or phrase
//	iraq OR syria          either; OR binds looser than AND
//	(iraq OR syria) nato   parentheses group
//	nato*                  a word prefix
//	al-Sudani              a hyphenated word is the phrase of its parts
//	title:word title:"a phrase" title:pre*
//	org:NATO org:"European Central Bank" source:gov.uk country:FR
//	person:"Mark Rutte" lang:en
//	since:2025-09-01 until:2025-09 since:7d (d, w, m, y: relative to now)
//
// Filters may be negated (-org:X) and grouped like words, except since: and
// until:, which bound the whole query.
package search

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/communique-news/communique"
)

// Limits on what a query may be, so that a hostile query costs little.
const (
	MaxLength = 1000 // bytes
	MaxDepth  = 16   // nested parentheses
	MaxTerms  = 64   // words, phrases and filters
)

// Error is a syntax error in a query: where (a byte offset into the query),
// what, and a hint at how to fix it.
type Error struct {
	Pos     int
	Message string
	Hint    string
}

func (e *Error) Error() string {
	if e.Hint == "" {
		return fmt.Sprintf("%s at position %d", e.Message, e.Pos)
	}
	return fmt.Sprintf("%s at position %d (%s)", e.Message, e.Pos, e.Hint)
}

// Position is the byte offset of the error in the query.
func (e *Error) Position() int { return e.Pos }

// Unwrap makes a syntax error a communique EINVALID error, so that callers
// mapping error codes (HTTP 400) need not know this package.
func (e *Error) Unwrap() error {
	return &communique.Error{Code: communique.EINVALID, Message: e.Error()}
}

// Fields are the field filters the language knows, besides title, since and until.
var Fields = []string{"org", "source", "country", "person", "lang"}

func isField(f string) bool {
	for _, k := range Fields {
		if f == k {
			return true
		}
	}
	return false
}

const fieldHint = "known fields: title, org, source, country, person, lang, since, until; quote the word to search for it as text"

// Parse parses the query string s. Relative dates (since:7d) count back from now.
// An empty query (or one with no searchable word) gives a Query with a nil Text.
func Parse(s string, now time.Time) (communique.Query, error) {
	var q communique.Query
	if len(s) > MaxLength {
		return q, &Error{Pos: MaxLength, Message: "query too long", Hint: fmt.Sprintf("at most %d characters", MaxLength)}
	}
	p := &parser{s: s, now: now, q: &q}
	p.lex()
	if p.err != nil {
		return communique.Query{}, p.err
	}
	n := p.or(0)
	if p.err == nil && p.i < len(p.toks) {
		t := p.toks[p.i]
		p.fail(t.pos, "unexpected )", "remove it or add the ( it closes")
	}
	if p.err != nil {
		return communique.Query{}, p.err
	}
	q.Text = simplify(n)
	return q, nil
}

type tokKind int

const (
	tWord   tokKind = iota // a bare word, maybe with field: and *
	tPhrase                // "…"
	tLParen
	tRParen
	tOr
	tNot // a leading - or NOT
)

type token struct {
	kind  tokKind
	pos   int
	text  string // word or phrase text (phrase without quotes)
	field string // for a field:value token
	quote bool   // the field value was quoted
}

type parser struct {
	s     string
	now   time.Time
	q     *communique.Query
	toks  []token
	i     int
	err   *Error
	terms int
}

func (p *parser) fail(pos int, msg, hint string) {
	if p.err == nil {
		p.err = &Error{Pos: pos, Message: msg, Hint: hint}
	}
}

func isSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' || b == '\v'
}

// lex splits s into tokens.
func (p *parser) lex() {
	s := p.s
	for i := 0; i < len(s) && p.err == nil; {
		c := s[i]
		switch {
		case isSpace(c):
			i++
		case c == '(':
			p.toks = append(p.toks, token{kind: tLParen, pos: i})
			i++
		case c == ')':
			p.toks = append(p.toks, token{kind: tRParen, pos: i})
			i++
		case c == '"':
			end := strings.IndexByte(s[i+1:], '"')
			if end < 0 {
				p.fail(i, "unclosed quote", `close the phrase with "`)
				return
			}
			p.toks = append(p.toks, token{kind: tPhrase, pos: i, text: s[i+1 : i+1+end]})
			i += end + 2
		case c == '-' && i+1 < len(s) && !isSpace(s[i+1]) && s[i+1] != ')' && s[i+1] != '-':
			p.toks = append(p.toks, token{kind: tNot, pos: i})
			i++
		default:
			j := i
			for j < len(s) && !isSpace(s[j]) && s[j] != '(' && s[j] != ')' && s[j] != '"' {
				j++
			}
			w := s[i:j]
			switch w {
			case "OR", "|", "||":
				p.toks = append(p.toks, token{kind: tOr, pos: i})
				i = j
				continue
			case "NOT":
				p.toks = append(p.toks, token{kind: tNot, pos: i})
				i = j
				continue
			case "AND", "&&":
				i = j
				continue
			}
			if k := strings.IndexByte(w, ':'); k > 0 && isFieldName(w[:k]) {
				field := strings.ToLower(w[:k])
				t := token{kind: tWord, pos: i, field: field, text: w[k+1:]}
				if t.text == "" && j < len(s) && s[j] == '"' {
					end := strings.IndexByte(s[j+1:], '"')
					if end < 0 {
						p.fail(j, "unclosed quote", `close the value with "`)
						return
					}
					t.text, t.quote = s[j+1:j+1+end], true
					j += end + 2
				}
				p.toks = append(p.toks, t)
				i = j
				continue
			}
			p.toks = append(p.toks, token{kind: tWord, pos: i, text: w})
			i = j
		}
	}
}

// isFieldName reports whether w looks like a field name (letters only),
// and is not a URL scheme.
func isFieldName(w string) bool {
	for _, r := range w {
		if r > unicode.MaxASCII || !unicode.IsLetter(r) {
			return false
		}
	}
	lw := strings.ToLower(w)
	return lw != "http" && lw != "https"
}

func (p *parser) peek() (token, bool) {
	if p.i < len(p.toks) {
		return p.toks[p.i], true
	}
	return token{}, false
}

// or := and ("OR" and)*
func (p *parser) or(depth int) *communique.Node {
	var kids []*communique.Node
	pos := len(p.s)
	if t, ok := p.peek(); ok {
		pos = t.pos
	}
	first := true
	for p.err == nil {
		if !first {
			t, ok := p.peek()
			if !ok || t.kind != tOr {
				break
			}
			p.i++
			if nt, ok := p.peek(); !ok || nt.kind == tOr || nt.kind == tRParen {
				p.fail(t.pos, "OR needs a word on each side", "write a OR b")
				return nil
			}
		} else if t, ok := p.peek(); ok && t.kind == tOr {
			p.fail(t.pos, "OR needs a word on each side", "write a OR b")
			return nil
		}
		first = false
		kids = append(kids, p.and(depth))
	}
	if len(kids) == 1 {
		return kids[0]
	}
	return &communique.Node{Op: communique.OpOr, Children: kids, Pos: pos}
}

// and := unary+
func (p *parser) and(depth int) *communique.Node {
	n := &communique.Node{Op: communique.OpAnd}
	if t, ok := p.peek(); ok {
		n.Pos = t.pos
	}
	for p.err == nil {
		t, ok := p.peek()
		if !ok || t.kind == tOr || t.kind == tRParen {
			break
		}
		if c := p.unary(depth, false); c != nil {
			n.Children = append(n.Children, c)
		}
	}
	return n
}

// unary := ("-" | "NOT") primary | primary
func (p *parser) unary(depth int, negated bool) *communique.Node {
	t, _ := p.peek()
	if t.kind == tNot {
		p.i++
		nt, ok := p.peek()
		if !ok || nt.kind == tOr || nt.kind == tRParen || nt.kind == tNot {
			p.fail(t.pos, "nothing to exclude", "write -word, -\"a phrase\" or -org:NAME")
			return nil
		}
		c := p.unary(depth, !negated)
		if c == nil {
			return nil
		}
		return &communique.Node{Op: communique.OpNot, Children: []*communique.Node{c}, Pos: t.pos}
	}
	return p.primary(depth, negated)
}

func (p *parser) primary(depth int, negated bool) *communique.Node {
	t, _ := p.peek()
	p.i++
	switch t.kind {
	case tLParen:
		if depth >= MaxDepth {
			p.fail(t.pos, "too many nested parentheses", fmt.Sprintf("at most %d levels", MaxDepth))
			return nil
		}
		n := p.or(depth + 1)
		if p.err != nil {
			return nil
		}
		if c, ok := p.peek(); !ok || c.kind != tRParen {
			p.fail(t.pos, "unclosed parenthesis", "add the ) that closes it")
			return nil
		}
		p.i++
		if n.Op == communique.OpAnd && len(n.Children) == 0 {
			p.fail(t.pos, "empty parentheses", "put words inside or remove them")
			return nil
		}
		return n
	case tPhrase:
		return p.text(communique.OpPhrase, "", t.text, t.pos)
	case tWord:
		if t.field != "" {
			return p.field(t, negated, depth)
		}
		return p.word(t.text, "", t.pos)
	}
	p.fail(t.pos, "unexpected "+map[tokKind]string{tRParen: ")", tOr: "OR"}[t.kind], "")
	return nil
}

// word makes a term, a prefix or (for hyphenated words) a phrase.
func (p *parser) word(w, field string, pos int) *communique.Node {
	if strings.HasSuffix(w, "*") {
		w = strings.TrimRight(w, "*")
		if len(Tokens(w)) == 0 {
			return nil
		}
		return p.text(communique.OpPrefix, field, w, pos)
	}
	return p.text(communique.OpTerm, field, w, pos)
}

// text makes a text node from the tokens of s; nil if s has none.
func (p *parser) text(op communique.NodeOp, field, s string, pos int) *communique.Node {
	toks := Tokens(s)
	if len(toks) == 0 {
		return nil
	}
	if op == communique.OpTerm && len(toks) > 1 {
		op = communique.OpPhrase
	}
	p.terms++
	if p.terms > MaxTerms {
		p.fail(pos, "too many terms", fmt.Sprintf("at most %d words, phrases and filters", MaxTerms))
		return nil
	}
	return &communique.Node{Op: op, Field: field, Text: strings.Join(toks, " "), Pos: pos}
}

func (p *parser) field(t token, negated bool, depth int) *communique.Node {
	val := strings.TrimSpace(t.text)
	switch t.field {
	case "title":
		if val == "" {
			p.fail(t.pos, "title: needs a word", `write title:word or title:"a phrase"`)
			return nil
		}
		if t.quote {
			return p.text(communique.OpPhrase, "title", val, t.pos)
		}
		return p.word(val, "title", t.pos)
	case "since", "until":
		if negated || depth > 0 {
			p.fail(t.pos, t.field+": bounds the whole query", "move it out of parentheses and negation")
			return nil
		}
		from, to, err := parseDate(val, p.now)
		if err != "" {
			p.fail(t.pos+len(t.field)+1, "bad date "+strconv.Quote(val), err)
			return nil
		}
		if t.field == "since" {
			if p.q.Since.IsZero() || from.After(p.q.Since) {
				p.q.Since = from
			}
		} else if p.q.Until.IsZero() || to.Before(p.q.Until) {
			p.q.Until = to
		}
		return nil
	}
	if !isField(t.field) {
		p.fail(t.pos, "unknown field "+strconv.Quote(t.field+":"), fieldHint)
		return nil
	}
	if val == "" {
		p.fail(t.pos, t.field+": needs a value", fmt.Sprintf(`write %s:VALUE or %s:"two words"`, t.field, t.field))
		return nil
	}
	p.terms++
	if p.terms > MaxTerms {
		p.fail(t.pos, "too many terms", fmt.Sprintf("at most %d words, phrases and filters", MaxTerms))
		return nil
	}
	return &communique.Node{Op: communique.OpField, Field: t.field, Text: val, Pos: t.pos}
}

const dateHint = "use YYYY-MM-DD, YYYY-MM, YYYY, or a number of days, weeks, months or years ago: 7d, 2w, 3m, 1y"

// parseDate reads an absolute or relative date: from is its first instant,
// to the first instant after it (for until:, which is exclusive).
func parseDate(v string, now time.Time) (from, to time.Time, hint string) {
	now = now.UTC()
	for _, f := range []struct {
		layout string
		next   func(time.Time) time.Time
	}{
		{"2006-01-02", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
		{"2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
		{"2006", func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
	} {
		if len(v) == len(f.layout) {
			if t, err := time.Parse(f.layout, v); err == nil {
				return t, f.next(t), ""
			}
		}
	}
	if len(v) >= 2 && len(v) <= 5 {
		n, err := strconv.Atoi(v[:len(v)-1])
		if err == nil && n >= 0 {
			var t time.Time
			switch v[len(v)-1] {
			case 'd':
				t = now.AddDate(0, 0, -n)
			case 'w':
				t = now.AddDate(0, 0, -7*n)
			case 'm':
				t = now.AddDate(0, -n, 0)
			case 'y':
				t = now.AddDate(-n, 0, 0)
			default:
				return from, to, dateHint
			}
			return t, t, ""
		}
	}
	return from, to, dateHint
}

// Tokens splits s into the words a full-text index sees: runs of letters,
// digits and combining marks. Everything else separates words.
func Tokens(s string) []string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, " ")
	}
	return strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r)
	})
}

// simplify drops empty ANDs and unwraps single-child ANDs and ORs.
func simplify(n *communique.Node) *communique.Node {
	if n == nil {
		return nil
	}
	switch n.Op {
	case communique.OpAnd, communique.OpOr:
		kids := n.Children[:0]
		for _, c := range n.Children {
			if c = simplify(c); c != nil {
				kids = append(kids, c)
			}
		}
		n.Children = kids
		switch len(kids) {
		case 0:
			return nil
		case 1:
			return kids[0]
		}
	case communique.OpNot:
		if len(n.Children) != 1 {
			return nil
		}
		c := simplify(n.Children[0])
		if c == nil {
			return nil
		}
		n.Children[0] = c
	}
	return n
}
