package extract

import (
	"bytes"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/communique-news/communique/internal/spaces"
)

// parse decodes body to UTF-8 (BOM, <meta charset> in the first KiB, else
// UTF-8 when valid, else Windows-1252, per the HTML standard's prescan),
// normalises it to NFC and parses it.
func parse(body []byte) (*html.Node, error) {
	enc, name, _ := charset.DetermineEncoding(body, "text/html")
	if name != "utf-8" && utf8.Valid(body) && hasMultibyte(body) {
		// Valid UTF-8 with multi-byte sequences is UTF-8 whatever the page
		// declares: text in a legacy encoding is almost never valid UTF-8.
		name = "utf-8"
	}
	if name != "utf-8" || !utf8.Valid(body) {
		if name == "utf-8" {
			body = bytes.ToValidUTF8(body, []byte("\uFFFD"))
		} else if dec, _, err := transform.Bytes(enc.NewDecoder(), body); err == nil {
			body = dec
		}
	}
	if !norm.NFC.IsNormal(body) {
		body = norm.NFC.Bytes(body)
	}
	return html.Parse(bytes.NewReader(body))
}

// facts is what one walk over the document finds: the metadata
// candidates that title, date, author and language are chosen from.
type facts struct {
	lang      string
	docTitle  string            // <title>
	meta      map[string]string // first content of each meta property/name/itemprop, keys lower-case
	canonical string
	h1        []string     // text of the h1 elements, in order
	h1node    *html.Node   // the first h1
	h1nodes   []*html.Node // the h1 elements of h1
	pBytes    int          // bytes of text in the body's paragraphs and content list items
	pCount    int          // number of <p> elements
	jsonLD    []string     // raw JSON-LD scripts
	times     []timeElem
	body      *html.Node
}

type timeElem struct {
	datetime string
	text     string
	pubdate  bool // itemprop=datePublished, class with "publish" or pubdate attribute
	modified bool
}

func collect(doc *html.Node) *facts {
	f := &facts{meta: map[string]string{}}
	var walk func(n *html.Node, inHead bool)
	walk = func(n *html.Node, inHead bool) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			switch c.DataAtom {
			case atom.Html:
				if l := attr(c, "lang"); l != "" {
					f.lang = l
				}
			case atom.Head:
				walk(c, true)
				continue
			case atom.Body:
				f.body = c
			case atom.Title:
				if f.docTitle == "" && !inSVG(c) {
					f.docTitle = clean(textOf(c))
				}
				continue
			case atom.Meta:
				content := attr(c, "content")
				if content == "" {
					content = attr(c, "datetime")
				}
				if content == "" {
					continue
				}
				for _, k := range []string{"property", "name", "itemprop", "http-equiv"} {
					if key := strings.ToLower(strings.TrimSpace(attr(c, k))); key != "" {
						if _, seen := f.meta[key]; !seen {
							f.meta[key] = content
						}
					}
				}
				continue
			case atom.Link:
				if f.canonical == "" && strings.EqualFold(strings.TrimSpace(attr(c, "rel")), "canonical") {
					f.canonical = strings.TrimSpace(attr(c, "href"))
				}
				continue
			case atom.Script:
				if strings.Contains(strings.ToLower(attr(c, "type")), "ld+json") && c.FirstChild != nil {
					f.jsonLD = append(f.jsonLD, c.FirstChild.Data)
				}
				continue
			case atom.Style, atom.Noscript, atom.Template:
				continue
			case atom.H1:
				if t := clean(textOf(c)); t != "" && len(f.h1) < 8 {
					f.h1 = append(f.h1, t)
					f.h1nodes = append(f.h1nodes, c)
					if f.h1node == nil {
						f.h1node = c
					}
				}
			case atom.P:
				f.pCount++
				if !inComments(c) {
					f.pBytes += textLen(c)
				}
			case atom.Li:
				if !inFurniture(c) {
					if l := textLen(c); l > 40 && linkLen(c)*2 < l {
						f.pBytes += l
					}
				}
			case atom.Time:
				if len(f.times) < 32 {
					te := timeElem{datetime: strings.TrimSpace(attr(c, "datetime")), text: clean(textOf(c))}
					hint := strings.ToLower(attr(c, "itemprop") + " " + attr(c, "class") + " " + attr(c.Parent, "class"))
					_, hasPubdate := hasAttr(c, "pubdate")
					te.pubdate = hasPubdate || strings.Contains(hint, "publish") || strings.Contains(hint, "datecreated")
					te.modified = strings.Contains(hint, "modif") || strings.Contains(hint, "update") ||
						rxUpdatedLabel.MatchString(textBefore(c, 40))
					f.times = append(f.times, te)
				}
			}
			walk(c, inHead)
		}
	}
	walk(doc, false)
	return f
}

func inSVG(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.Data == "svg" {
			return true
		}
	}
	return false
}

func attr(n *html.Node, key string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// rxUpdatedLabel is a label that makes the date after it a modification
// date: "Updated:", "Last updated on", "Modified".
var rxUpdatedLabel = regexp.MustCompile(`(?i)(?:updated|modified|revised|edited)(?:\s+on)?\s*:?\s*$`)

// textBefore is the last max bytes or so of the text just before n: its
// preceding siblings', then its parent's ("<span>Updated:</span> <time>",
// "<p>Updated: <time>"). It reads backwards and stops once it has enough,
// so a long article before a <time> costs nothing.
func textBefore(n *html.Node, max int) string {
	var parts []string // nearest first
	size := 0
	var back func(*html.Node)
	back = func(n *html.Node) {
		for ; n != nil && size < max; n = n.PrevSibling {
			switch n.Type {
			case html.TextNode:
				parts = append(parts, n.Data)
				size += len(n.Data)
			case html.ElementNode:
				if n.DataAtom != atom.Script && n.DataAtom != atom.Style && n.DataAtom != atom.Noscript {
					back(n.LastChild)
				}
			}
		}
	}
	for level, c := 0, n; level < 2 && c != nil && size < max; level, c = level+1, c.Parent {
		back(c.PrevSibling)
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteString(parts[i])
		b.WriteByte(' ')
	}
	out := strings.TrimSpace(b.String())
	if len(out) > max {
		out = out[len(out)-max:]
	}
	return out
}

// textOf is the text content of n, scripts and styles left out.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				b.WriteString(c.Data)
			case html.ElementNode:
				if c.DataAtom == atom.Script || c.DataAtom == atom.Style || c.DataAtom == atom.Noscript {
					continue
				}
				if c.DataAtom == atom.Br {
					b.WriteByte(' ')
				}
				walk(c)
			}
		}
	}
	walk(n)
	return b.String()
}

// clean collapses white space (including no-break spaces) and trims.
func clean(s string) string {
	return spaces.Collapse(s) // no-break spaces are white space too
}

func hasMultibyte(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// inComments reports whether n is inside a readers' comment section.
func inComments(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type != html.ElementNode || p.DataAtom == atom.Body || p.DataAtom == atom.Html {
			// A page's body class ("has-comments", "comments-open")
			// says the page takes comments, not that it is one.
			continue
		}
		for _, a := range p.Attr {
			if (a.Key == "id" || a.Key == "class") && (strings.Contains(strings.ToLower(a.Val), "comment") || strings.Contains(a.Val, "disqus")) {
				return true
			}
		}
	}
	return false
}

// textLen is the number of bytes of non-space text under n, without
// building the text.
func textLen(n *html.Node) int {
	total := 0
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			total += len(c.Data) - asciiSpaces(c.Data)
		case html.ElementNode:
			if c.DataAtom != atom.Script && c.DataAtom != atom.Style {
				total += textLen(c)
			}
		}
	}
	return total
}

func asciiSpaces(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r', '\f':
			n++
		}
	}
	return n
}

// inFurniture reports whether n is inside navigation, a header, a footer,
// an aside or a readers' comment section.
func inFurniture(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		switch p.DataAtom {
		case atom.Nav, atom.Header, atom.Footer, atom.Aside, atom.Menu:
			return true
		}
	}
	return inComments(n)
}

// linkLen is the number of bytes of text inside links under n.
func linkLen(n *html.Node) int {
	total := 0
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			if c.DataAtom == atom.A {
				total += textLen(c)
			} else {
				total += linkLen(c)
			}
		}
	}
	return total
}
