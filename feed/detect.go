package feed

import (
	"bytes"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/internal/spaces"
)

// DetectSelectors finds the listing on an HTML page when no selectors are
// given: links to other pages of the same site are grouped by their path in
// the document; each group is widened to the largest blocks that still hold
// one link each (the repeated item blocks); the blocks are grouped by their
// list container, and the group with the most blocks carrying a date wins
// (without dates, the most blocks with the longest link texts). Links inside
// <nav>, <header>, <footer> and <aside> are never taken.
//
// It returns the selectors it chose, so that the user can see and correct
// them, and the items ParseListing gives with them. A page with no such
// listing is a communique.Error (EINVALID).
func DetectSelectors(body []byte, pageURL string, now time.Time) (communique.Selectors, []communique.Item, error) {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(htmlToUTF8(body)))
	if err != nil {
		return communique.Selectors{}, nil, communique.Errorf(communique.EINVALID, "the page could not be read as HTML: %v", err)
	}
	base := documentBase(doc, pageURL)
	page := ""
	host := ""
	if base != nil {
		page = communique.CanonicalURL(base.String())
		host = siteHost(base.Host)
	}

	// Links to other pages of the site, grouped by their tag path.
	groups := map[string][]*html.Node{}
	var order []string
	doc.Find("a[href]").Each(func(_ int, s *goquery.Selection) {
		a := s.Get(0)
		if inChrome(a) {
			return
		}
		u := resolve(base, s.AttrOr("href", ""))
		if u == "" {
			return
		}
		pu := baseURL(u)
		if pu == nil || (host != "" && siteHost(pu.Host) != host) || strings.Trim(pu.Path, "/") == "" {
			return
		}
		if communique.CanonicalURL(u) == page || collapseSpace(s.Text()) == "" {
			return
		}
		sig := tagPath(a)
		if _, ok := groups[sig]; !ok {
			order = append(order, sig)
		}
		groups[sig] = append(groups[sig], a)
	})

	var best *candidate
	for _, sig := range order {
		for _, c := range candidates(groups[sig]) {
			if best == nil || c.score > best.score {
				best = c
			}
		}
	}
	if best == nil {
		return communique.Selectors{}, nil, communique.Errorf(communique.EINVALID, "no listing was found on %s: no repeated blocks of links to pages of the same site; give the selectors (item, link, title, date)", pageURL)
	}

	sel := communique.Selectors{Item: itemSelector(doc, best.items)}
	if sel.Item == "" {
		return communique.Selectors{}, nil, communique.Errorf(communique.EINVALID, "a listing was found on %s but no CSS selector picks exactly its items; give the selectors", pageURL)
	}
	sel.Link = relativeSelector(best.items, best.links, []string{"a[href]"})
	sel.Title = titleSelector(best.items, best.links, sel.Link)
	sel.Date = dateSelector(best.items, best.links)
	sel.Next = nextSelector(doc)

	l, err := ParseListing(body, pageURL, sel, now)
	if err != nil {
		return sel, nil, err
	}
	return sel, l.Items, nil
}

type candidate struct {
	items []*html.Node // the item blocks
	links []*html.Node // the link of each block
	score float64
}

// candidates widens a group of links to their item blocks and splits the
// blocks by list container.
func candidates(anchors []*html.Node) []*candidate {
	// One link per URL: an item often links its image and its title to the
	// same page.
	seenURL := map[string]bool{}
	var level, links []*html.Node
	for _, a := range anchors {
		h := attr(a, "href")
		if seenURL[h] {
			continue
		}
		seenURL[h] = true
		level = append(level, a)
		links = append(links, a)
	}
	if len(level) < 2 {
		return nil
	}
	// Climb while every block still holds exactly one of the links.
	for {
		parents := make([]*html.Node, len(level))
		distinct := map[*html.Node]bool{}
		ok := true
		for i, n := range level {
			p := n.Parent
			if p == nil || p.Type != html.ElementNode || p.Data == "body" || p.Data == "html" {
				ok = false
				break
			}
			parents[i] = p
			distinct[p] = true
		}
		if !ok || len(distinct) != len(level) {
			break
		}
		level = parents
	}
	// Split by container (tag and classes of parent and grandparent).
	byKey := map[string]*candidate{}
	var keys []string
	for i, n := range level {
		key := simple(n.Parent, false)
		if n.Parent != nil {
			key += " < " + simple(n.Parent.Parent, false)
		}
		c, ok := byKey[key]
		if !ok {
			c = &candidate{}
			byKey[key] = c
			keys = append(keys, key)
		}
		c.items = append(c.items, n)
		c.links = append(c.links, links[i])
	}
	var out []*candidate
	for _, k := range keys {
		c := byKey[k]
		if len(c.items) < 2 {
			continue
		}
		dated, words := 0, 0
		for i, it := range c.items {
			if dateElement(it, c.links[i]) != nil {
				dated++
			} else if _, ok := findDate(textExcept(it, c.links[i])); ok {
				dated++
			}
			words += min(spaces.CountWords(textOf(c.links[i])), 12)
		}
		avgWords := float64(words) / float64(len(c.items))
		if dated > 0 {
			c.score = 100 + 3*float64(dated) + float64(len(c.items)) + avgWords
		} else {
			if avgWords < 3 || len(c.items) < 3 {
				continue
			}
			c.score = float64(len(c.items)) * min(avgWords, 10) / 10
		}
		out = append(out, c)
	}
	return out
}

// inChrome reports whether n is inside the page's navigation, header,
// footer or sidebar.
func inChrome(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type != html.ElementNode {
			continue
		}
		switch p.Data {
		case "nav", "header", "footer", "aside":
			return true
		}
		if r := attr(p, "role"); r == "navigation" || r == "banner" || r == "contentinfo" {
			return true
		}
	}
	return false
}

// siteHost is a host without "www." and port, lower-case.
func siteHost(h string) string {
	h = strings.ToLower(h)
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	return strings.TrimPrefix(h, "www.")
}

func tagPath(n *html.Node) string {
	var parts []string
	for ; n != nil && n.Type == html.ElementNode; n = n.Parent {
		parts = append(parts, n.Data)
	}
	return strings.Join(parts, "<")
}

// dateElement is the element of an item block that carries its date: a
// <time>, else an element whose class or itemprop says date, else the
// first small element whose text is or holds a date; never inside the
// item's link (a title may name a date).
func dateElement(item, link *html.Node) *html.Node {
	var byTime, byClass, byText *html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode || c == link {
				continue
			}
			switch {
			case byTime == nil && c.Data == "time":
				if _, ok := elementDate(goquery.NewDocumentFromNode(c).Selection); ok {
					byTime = c
				}
			case byClass == nil && dateClass.MatchString(attr(c, "class")+" "+attr(c, "itemprop")):
				if _, ok := elementDate(goquery.NewDocumentFromNode(c).Selection); ok {
					byClass = c
				}
			case byText == nil && !hasElementChildren(c):
				if t := textOf(c); len(t) <= 80 {
					if _, ok := findDate(t); ok {
						byText = c
					}
				}
			}
			walk(c)
		}
	}
	walk(item)
	switch {
	case byTime != nil:
		return byTime
	case byClass != nil:
		return byClass
	}
	return byText
}

// titleSelector is the link's selector when the links carry the titles;
// when they say little ("Read more"), a heading or an element whose class
// says title that says more.
func titleSelector(items, links []*html.Node, linkSel string) string {
	words, same := 0, true
	for _, l := range links {
		words += spaces.CountWords(textOf(l))
		same = same && textOf(l) == textOf(links[0])
	}
	if linkSel == "" || (!same && words >= 3*len(links)) {
		return linkSel
	}
	var heads []*html.Node
	for _, it := range items {
		var h *html.Node
		var walk func(*html.Node)
		walk = func(n *html.Node) {
			for c := n.FirstChild; c != nil && h == nil; c = c.NextSibling {
				if c.Type != html.ElementNode {
					continue
				}
				if isHeading(c) || titleClass.MatchString(attr(c, "class")) {
					if spaces.CountWords(textOf(c)) >= 3 {
						h = c
						return
					}
				}
				walk(c)
			}
		}
		walk(it)
		if h == nil {
			return linkSel
		}
		heads = append(heads, h)
	}
	if s := relativeSelector(items, heads, nil); s != "" {
		return s
	}
	return linkSel
}

func isHeading(n *html.Node) bool {
	return len(n.Data) == 2 && n.Data[0] == 'h' && n.Data[1] >= '1' && n.Data[1] <= '6'
}

var titleClass = regexp.MustCompile(`(?i)title|headline|heading`)

var dateClass = regexp.MustCompile(`(?i)date|time|published|posted`)

// dateSelector is a selector for the date element of the items, relative to
// the item, when at least half of them have one.
func dateSelector(items, links []*html.Node) string {
	var withDate, dates []*html.Node
	for i, it := range items {
		if d := dateElement(it, links[i]); d != nil {
			withDate = append(withDate, it)
			dates = append(dates, d)
		}
	}
	if len(withDate)*2 < len(items) {
		return ""
	}
	return relativeSelector(withDate, dates, []string{"time"})
}

// relativeSelector finds a selector that, applied within each item, selects
// the corresponding target first. It tries the given selectors, then the
// target's tag and classes, then with its parent's, then its child path.
func relativeSelector(items, targets []*html.Node, first []string) string {
	if len(targets) == 0 {
		return ""
	}
	t0 := targets[0]
	cands := append([]string{}, first...)
	cands = append(cands, simple(t0, false), t0.Data)
	if p := t0.Parent; p != nil && p != items[0] {
		cands = append(cands, simple(p, false)+" > "+simple(t0, false), simple(p, false)+" "+t0.Data)
	}
	// The child path from the item to the target.
	var path []string
	for n := t0; n != nil && n != items[0]; n = n.Parent {
		path = append([]string{simple(n, false)}, path...)
	}
	cands = append(cands, strings.Join(path, " > "))
	for _, c := range cands {
		m, err := cascadia.Compile(c)
		if err != nil {
			continue
		}
		ok := true
		for i, it := range items {
			if firstDescendant(m, it) != targets[i] {
				ok = false
				break
			}
		}
		if ok {
			return c
		}
	}
	return ""
}

// itemSelector finds a selector that matches exactly the item blocks: their
// common tag and classes, then prefixed by their ancestors' (with ids).
func itemSelector(doc *goquery.Document, items []*html.Node) string {
	want := map[*html.Node]bool{}
	for _, n := range items {
		want[n] = true
	}
	exact := func(sel string) bool {
		m, err := cascadia.Compile(sel)
		if err != nil {
			return false
		}
		got := m.MatchAll(doc.Get(0))
		if len(got) != len(want) {
			return false
		}
		for _, n := range got {
			if !want[n] {
				return false
			}
		}
		return true
	}
	own := commonSimple(items)
	if exact(own) {
		return own
	}
	chain := own
	level := items
	for depth := 0; depth < 8; depth++ {
		var parents []*html.Node
		for _, n := range level {
			if n.Parent == nil || n.Parent.Type != html.ElementNode {
				return ""
			}
			parents = append(parents, n.Parent)
		}
		level = parents
		ps := commonSimple(parents)
		if id := commonID(parents); id != "" {
			if c := "#" + id + " " + own; exact(c) {
				return c
			}
			ps += "#" + id
		}
		if ps != parents[0].Data {
			if c := ps + " " + own; exact(c) {
				return c
			}
		}
		chain = ps + " > " + chain
		if exact(chain) {
			return chain
		}
	}
	return ""
}

func commonID(nodes []*html.Node) string {
	id := attr(nodes[0], "id")
	if id == "" || !cssIdent.MatchString(id) {
		return ""
	}
	for _, n := range nodes[1:] {
		if attr(n, "id") != id {
			return ""
		}
	}
	return id
}

// commonSimple is the tag and the classes shared by all nodes.
func commonSimple(nodes []*html.Node) string {
	common := classes(nodes[0])
	for _, n := range nodes[1:] {
		have := map[string]bool{}
		for _, c := range classes(n) {
			have[c] = true
		}
		kept := common[:0]
		for _, c := range common {
			if have[c] {
				kept = append(kept, c)
			}
		}
		common = kept
	}
	s := nodes[0].Data
	for _, c := range common {
		s += "." + c
	}
	return s
}

// simple is a node's tag and classes (and id when withID).
func simple(n *html.Node, withID bool) string {
	if n == nil || n.Type != html.ElementNode {
		return ""
	}
	s := n.Data
	if id := attr(n, "id"); withID && id != "" && cssIdent.MatchString(id) {
		s += "#" + id
	}
	for _, c := range classes(n) {
		s += "." + c
	}
	return s
}

var cssIdent = regexp.MustCompile(`^-?[_a-zA-Z][_a-zA-Z0-9-]*$`)

// classes are a node's class names usable in a selector, sorted.
func classes(n *html.Node) []string {
	var out []string
	for _, c := range strings.Fields(attr(n, "class")) {
		if cssIdent.MatchString(c) {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

var nextText = regexp.MustCompile(`(?i)^(next|next page|next »|next ›|next >|older|older posts|older entries|more news|›|»|>|suivant|page suivante|weiter|nächste seite|siguiente|successivo|volgende)$`)

// nextSelector finds the listing's next-page link, when a selector can say
// which it is.
func nextSelector(doc *goquery.Document) string {
	for _, c := range []string{"a[rel~=next][href]", "link[rel~=next][href]"} {
		if doc.Find(c).Length() > 0 {
			return c
		}
	}
	var found string
	doc.Find("a[href]").EachWithBreak(func(_ int, s *goquery.Selection) bool {
		a := s.Get(0)
		label := strings.ToLower(attr(a, "aria-label") + " " + attr(a, "title"))
		isNext := nextText.MatchString(collapseSpace(s.Text())) || strings.Contains(label, "next")
		var cls string
		for _, c := range classes(a) {
			if strings.Contains(strings.ToLower(c), "next") {
				cls, isNext = "a."+c+"[href]", true
				break
			}
		}
		if cls == "" && a.Parent != nil {
			for _, c := range classes(a.Parent) {
				if strings.Contains(strings.ToLower(c), "next") {
					cls, isNext = a.Parent.Data+"."+c+" > a[href]", true
					break
				}
			}
		}
		if !isNext {
			return true
		}
		cands := []string{cls}
		if l := attr(a, "aria-label"); l != "" && !strings.ContainsAny(l, `"\`) {
			cands = append(cands, `a[aria-label="`+l+`"]`)
		}
		if p := a.Parent; p != nil && cls == "" {
			cands = append(cands, simple(p, true)+" > "+simple(a, false))
		}
		for _, c := range cands {
			if c == "" {
				continue
			}
			m, err := cascadia.Compile(c)
			if err != nil {
				continue
			}
			if m.MatchFirst(doc.Get(0)) == a {
				found = c
				return false
			}
		}
		return true
	})
	return found
}

// firstDescendant is the first descendant of n (n excluded, as in
// goquery's Find) that m matches.
func firstDescendant(m cascadia.Selector, n *html.Node) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			if f := m.MatchFirst(c); f != nil {
				return f
			}
		}
	}
	return nil
}

func attr(n *html.Node, name string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func hasElementChildren(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			return true
		}
	}
	return false
}

func textOf(n *html.Node) string { return textExcept(n, nil) }

// textExcept is the text of n without the text of skip, white space
// collapsed.
func textExcept(n, skip *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n == skip {
			return
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return collapseSpace(b.String())
}
