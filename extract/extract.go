// Package extract reads a release's page: its main text (as HTML and as
// plain text), headline, dates, author, language, lead image, canonical URL
// and site name, and, when the page is a republisher's copy, the
// republisher's footer with the originator and original URL it names.
//
// The main text: known furniture (comments, author, sharing, newsletter
// and cookie boxes) is pruned; go-trafilatura reads the page (with its
// go-readability comparison only when it kept under two thirds of the
// paragraph text); the densest paragraph container with its continuing
// siblings, cleaned of furniture, replaces trafilatura's text when it holds
// most of it; furniture lines, repeated paragraphs and a closing author
// biography are dropped. The metadata is chosen by this package from the
// page's own statements (OpenGraph, JSON-LD, <time>, h1, the date written
// near the headline), which measures better on the development set than
// trafilatura's metadata (see `communique bench extract`).
package extract

import (
	"fmt"
	nurl "net/url"
	"strings"
	"time"

	"github.com/markusmobius/go-htmldate"
	trafilatura "github.com/markusmobius/go-trafilatura"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/internal/spaces"
)

// maxQuadraticBytes bounds what go-trafilatura's quadratic paragraph pass
// would allocate on a page (paragraphs × paragraph text / 2): 32 MB, met
// by pages of about 600 paragraphs and 100 KB of text; larger pages are read
// by densest.
const maxQuadraticBytes = 32 << 20

// DefaultMaxBytes is the default size cap of a page: 5 MiB.
const DefaultMaxBytes = 5 << 20

// Options configures Extract. The zero value is ready to use.
type Options struct {
	// MaxBytes is the size cap of a page; larger pages are refused with
	// an EINVALID error. 0 means DefaultMaxBytes.
	MaxBytes int64
	// Rules are site-specific selectors, used only on their hosts.
	// nil means DefaultRules; an empty non-nil slice means none.
	Rules []Rule
	// Footers are the republisher footers recognised and removed.
	// nil means DefaultFooters; an empty non-nil slice means none.
	Footers []FooterPattern
}

// Extract reads the page body fetched from pageURL. It never returns an
// article without text: a page with no main text is an EINVALID error (the
// caller falls back on the feed's content, see FromItem).
func Extract(body []byte, pageURL string, opts Options) (*communique.Article, error) {
	max := opts.MaxBytes
	if max <= 0 {
		max = DefaultMaxBytes
	}
	if int64(len(body)) > max {
		return nil, communique.Errorf(communique.EINVALID, "page is %s, over the %s cap", sizeMB(int64(len(body))), sizeMB(max))
	}
	rules, footers := opts.Rules, opts.Footers
	if rules == nil {
		rules = DefaultRules
	}
	if footers == nil {
		footers = DefaultFooters
	}
	base := parseURL(pageURL)

	doc, err := parse(body)
	if err != nil {
		return nil, communique.Errorf(communique.EINVALID, "page is not readable HTML: %v", err)
	}
	f := collect(doc)
	host := ""
	if base != nil {
		host = strings.ToLower(base.Hostname())
	}

	a := &communique.Article{URL: pageURL}
	// The republisher's footer is read and removed before the main text is
	// chosen, so that its link and wording never reach the body.
	removeFooter(doc, f, host, base, footers, a)

	rule := ruleFor(rules, host)
	// Title and dates are read from the whole page before the furniture
	// is pruned: a byline box can hold the date.
	ld := parseJSONLD(f.jsonLD)
	a.Title = chooseTitle(f, ld, rule, doc, host)
	a.Published, a.Modified = chooseDates(doc, f, ld, pageURL, a)
	pruneFurniture(doc)

	var content *html.Node
	var res *trafilatura.ExtractResult
	if rule != nil && rule.Content != "" {
		content = rule.apply(doc)
	}
	if content == nil && f.pCount*f.pBytes/2 > maxQuadraticBytes {
		// go-trafilatura's content pass concatenates the text of every
		// paragraph once per selector it tries: quadratic in the page's
		// paragraphs (tens of GB for a 5 MB page), and go-readability
		// allocates hundreds of MB on such a page. Huge pages are read by
		// a linear pass: the element holding the most paragraph text.
		content = densest(f.body)
	}
	if content == nil {
		topts := trafilatura.Options{
			OriginalURL:     base,
			ExcludeComments: true,
			// Dates are chosen by this package (date.go) from the page's
			// own statements; htmldate's scan is run only when none is
			// found.
			HtmlDateOverride: &htmldate.Result{},
		}
		res, err = trafilatura.ExtractDocument(doc, topts)
		// When trafilatura kept under two thirds of the page's paragraph
		// and list text, it often took one block of a split article or
		// dropped its lists: its comparison with go-readability then
		// recovers the rest. Run only then, it costs a fraction of
		// running it on every page.
		if err != nil || len(res.ContentText) < f.pBytes*2/3 {
			topts.EnableFallback = true
			if r2, err2 := trafilatura.ExtractDocument(doc, topts); err2 == nil {
				res, err = r2, nil
			}
		}
		if err != nil {
			return nil, communique.Errorf(communique.EINVALID, "no main text found: %v", err)
		}
		content = res.ContentNode
		// The element holding the most paragraph text, cleaned of
		// furniture, is preferred when it is most of what trafilatura
		// kept: trafilatura drops parts of some articles (lists led by
		// bold text, an article split over sibling containers, text in
		// plain divs) and keeps tables, link lists and boxes around others.
		// Dev set body F1 0.943 -> 0.949.
		if d := preferDensest(f.body, res.ContentText); d != nil {
			content = d
		}
	}
	trimHead(content, a.Title)
	dropFurniture(content)
	a.Author = chooseAuthor(f, ld)
	if a.Author == "" && res != nil {
		a.Author = clean(res.Metadata.Author)
	}
	dropAuthorBio(content, a.Author)
	a.Text = textOfContent(content)
	if spaces.CountWords(a.Text) < 3 {
		return nil, communique.Errorf(communique.EINVALID, "no main text found on the page")
	}
	a.HTML = renderChildren(content)

	a.Language = chooseLanguage(f)
	a.SiteName = clean(firstOf(f.meta["og:site_name"], ld.publisher, f.meta["application-name"]))
	a.Image = absURL(base, firstOf(f.meta["og:image"], f.meta["og:image:url"], f.meta["twitter:image"], ld.image))
	a.CanonicalURL = absURL(base, firstOf(f.canonical, f.meta["og:url"]))
	if res != nil {
		if a.Title == "" {
			a.Title = clean(res.Metadata.Title)
		}
		if a.Language == "" && spaces.CountWords(a.Text) >= 30 {
			a.Language = res.Metadata.Language // guessed from the text
		}
	}
	return a, nil
}

// FromItem makes an article from what the feed item carries, for when the
// page cannot be read: its content (or summary) as the body, its title,
// date and author. Fallback is set.
func FromItem(it communique.Item) *communique.Article {
	a := &communique.Article{
		URL:       it.URL,
		Title:     clean(it.Title),
		Author:    clean(it.Author),
		Published: it.Published,
		Modified:  it.Updated,
		Fallback:  true,
	}
	if it.DateMissing {
		a.Published = time.Time{} // the feed's date was the retrieval time
	}
	src := it.ContentHTML
	if strings.TrimSpace(src) == "" {
		src = it.Summary
	}
	if strings.TrimSpace(src) == "" {
		return a
	}
	if !strings.Contains(src, "<") {
		// Plain text: paragraphs are separated by blank lines.
		var b strings.Builder
		for _, p := range splitParagraphs(src) {
			b.WriteString("<p>")
			b.WriteString(html.EscapeString(p))
			b.WriteString("</p>")
		}
		src = b.String()
	}
	nodes, err := html.ParseFragment(strings.NewReader(src), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return a
	}
	root := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	a.Text = textOfContent(root)
	a.HTML = src
	return a
}

func splitParagraphs(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var out []string
	for _, p := range strings.Split(s, "\n\n") {
		if p = clean(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func sizeMB(n int64) string {
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}

func parseURL(s string) *nurl.URL {
	u, err := nurl.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" {
		return nil
	}
	return u
}

// absURL resolves ref against base; it returns "" for an empty ref and
// for anything but an http(s) URL.
func absURL(base *nurl.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	u, err := nurl.Parse(ref)
	if err != nil {
		return ""
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return ""
	}
	return u.String()
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// blockAtoms are the elements that end a paragraph of text.
var blockAtoms = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true,
	atom.H5: true, atom.H6: true, atom.Li: true, atom.Blockquote: true, atom.Pre: true,
	atom.Tr: true, atom.Table: true, atom.Ul: true, atom.Ol: true, atom.Dl: true, atom.Dt: true,
	atom.Dd: true, atom.Section: true, atom.Article: true, atom.Header: true, atom.Footer: true,
	atom.Figure: true, atom.Figcaption: true, atom.Hr: true, atom.Main: true, atom.Aside: true,
	atom.Details: true, atom.Summary: true, atom.Caption: true, atom.Body: true,
}

// textOfContent is the plain text of a content tree: one paragraph per
// block, paragraphs separated by blank lines, cells of a row by tabs.
func textOfContent(n *html.Node) string {
	if n == nil {
		return ""
	}
	var paras []string
	var cur strings.Builder
	flush := func() {
		if t := clean(cur.String()); t != "" {
			paras = append(paras, t)
		}
		cur.Reset()
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				cur.WriteString(c.Data)
			case html.ElementNode:
				switch c.DataAtom {
				case atom.Script, atom.Style, atom.Noscript, atom.Template:
					continue
				case atom.Br:
					cur.WriteByte(' ')
					continue
				case atom.Td, atom.Th:
					cur.WriteByte(' ')
					walk(c)
					cur.WriteByte(' ')
					continue
				}
				if blockAtoms[c.DataAtom] {
					flush()
					walk(c)
					flush()
				} else {
					walk(c)
				}
			}
		}
	}
	walk(n)
	flush()
	return strings.Join(paras, "\n\n")
}

func renderChildren(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if err := html.Render(&b, c); err != nil {
			break
		}
		if c.Type == html.ElementNode && blockAtoms[c.DataAtom] {
			b.WriteByte('\n')
		}
	}
	return strings.TrimSpace(b.String())
}

// trimHead drops from the start of the content what repeats the page's
// head rather than the release: the headline itself and a line holding
// only a date (the body starts after them).
func trimHead(content *html.Node, title string) {
	if content == nil {
		return
	}
	ft := fold(title)
	for i := 0; i < 4; i++ {
		c := firstBlock(content)
		if c == nil {
			return
		}
		t := clean(textOf(c))
		switch {
		case t == "":
		case ft != "" && strings.EqualFold(fold(t), ft):
		case len(t) <= 40 && !parseDate(t).IsZero():
		default:
			return
		}
		c.Parent.RemoveChild(c)
	}
}

// firstBlock is the first element child of n that holds text, descending
// through wrappers with a single element child.
func firstBlock(n *html.Node) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			if strings.TrimSpace(c.Data) != "" {
				return nil // loose text first: leave it
			}
		case html.ElementNode:
			if c.DataAtom == atom.Div || c.DataAtom == atom.Section || c.DataAtom == atom.Article || c.DataAtom == atom.Header || c.DataAtom == atom.Main {
				if b := firstBlock(c); b != nil {
					return b
				}
				if clean(textOf(c)) == "" {
					continue
				}
				return nil
			}
			return c
		}
	}
	return nil
}

// covers is the share of the words of small (as a multiset) found in big.
func covers(big, small string) float64 {
	counts := map[string]int{}
	for _, t := range Tokens(big) {
		counts[t]++
	}
	st := Tokens(small)
	if len(st) == 0 {
		return 0
	}
	hit := 0
	for _, t := range st {
		if counts[t] > 0 {
			counts[t]--
			hit++
		}
	}
	return float64(hit) / float64(len(st))
}
