package communique

import (
	"slices"
	"strings"
	"time"
)

// Query is a request for releases: a listing (no Text) or a search. It is
// what the search package parses a query string into, and what every Store
// compiles into its own engine's terms.
type Query struct {
	// Text is the boolean tree of the query's words, phrases and field
	// filters; nil matches every release.
	Text *Node

	// Plain filters, as a listing's URL parameters give them. They are ANDed
	// with Text.
	Organization string
	SourceID     int64
	StoryID      int64     // releases of one story
	Since        time.Time // inclusive, on Published
	Until        time.Time // exclusive, on Published

	Sort   Sort
	Limit  int    // 0 means the store's default (50); the store caps it at 500
	Cursor string // opaque, from a previous ResultPage.Next

	// Facets asks for facet counts over the whole result set.
	Facets bool
}

// Sort is the order of results.
type Sort string

const (
	SortDate      Sort = "date"      // newest first (the default without Text)
	SortRelevance Sort = "relevance" // best first (the default with Text)
)

// NodeOp is the kind of a query node.
type NodeOp int

const (
	OpAnd    NodeOp = iota // all Children
	OpOr                   // any of Children
	OpNot                  // not Children[0]
	OpTerm                 // a word (Text), optionally restricted to Field "title"
	OpPhrase               // an exact phrase (Text), optionally restricted to Field "title"
	OpPrefix               // a word prefix (Text without the *), optionally restricted to Field "title"
	OpField                // a field filter: Field is org, source, country, person, lang; Text its value
)

// Node is one node of a parsed query.
type Node struct {
	Op       NodeOp
	Children []*Node
	Field    string // for OpField, and "title" for OpTerm/OpPhrase/OpPrefix
	Text     string
	Pos      int // byte offset in the query string, for error messages
}

// ResultPage is one page of releases.
type ResultPage struct {
	Releases []*Release
	// Snippets maps release ID to a highlighted snippet (search only):
	// plain text with matches wrapped in \x02 … \x03, for the caller to
	// render safely.
	Snippets map[int64]string
	Next     string // cursor of the next page, empty at the end
	Total    int    // number of matching releases (-1 if not counted)
	Facets   *Facets
}

// Facets are counts over a result set.
type Facets struct {
	Organizations []FacetCount `json:"organizations"`
	Countries     []FacetCount `json:"countries"`
	Languages     []FacetCount `json:"languages"`
	Months        []FacetCount `json:"months"` // Value "2025-09"
}

// FacetCount is one facet value and how many results have it.
type FacetCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// TopFacets is the n most frequent values of counts, most frequent first
// (ties by value), or with byValue the n greatest values, greatest first
// (months); all of them when n <= 0. Every store's facets come through it.
func TopFacets(counts map[string]int, n int, byValue bool) []FacetCount {
	out := make([]FacetCount, 0, len(counts))
	for v, c := range counts {
		out = append(out, FacetCount{Value: v, Count: c})
	}
	slices.SortFunc(out, func(a, b FacetCount) int {
		if !byValue && a.Count != b.Count {
			return b.Count - a.Count
		}
		if byValue {
			return strings.Compare(b.Value, a.Value)
		}
		return strings.Compare(a.Value, b.Value)
	})
	if n > 0 && len(out) > n {
		out = out[:n]
	}
	return out
}
