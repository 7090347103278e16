package extract

import (
	nurl "net/url"
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/communique-news/communique"
)

// FooterPattern describes a republisher's footer: the boilerplate a
// republisher appends to a copy, naming the originator and linking to the
// original. Patterns are data: add a row, not code.
type FooterPattern struct {
	// Name is who writes such footers ("Mirage News") or, for a generic
	// phrasing, a short label.
	Name string
	// Hosts limits the pattern to these sites (and their subdomains);
	// empty means any site.
	Hosts []string
	// Start matches the beginning of the footer's paragraph (the match
	// must begin the paragraph). A named group "org" captures the
	// originator when the wording names it.
	Start *regexp.Regexp
	// Link matches the text of the link to the original. nil: the last
	// link in the footer that leaves the site.
	Link *regexp.Regexp
	// Originator is a CSS selector of the element of the page that names
	// the originator (used when Start has no "org" group or it is empty).
	Originator string
}

// DefaultFooters is the built-in table of republisher footers.
var DefaultFooters = []FooterPattern{
	{
		Name:       "Mirage News",
		Start:      regexp.MustCompile(`(?i)^/?\s*Public Release\.\s+This material from the originating organi[sz]ation`),
		Link:       regexp.MustCompile(`(?i)view in full`),
		Originator: "span.org, .entry-meta .org, .post-org",
	},
	{
		Name:  "The Conversation",
		Start: regexp.MustCompile(`(?i)^This article is republished from (?P<org>The Conversation)\b`),
		Link:  regexp.MustCompile(`(?i)original article`),
	},
	{
		Name:  "originally published",
		Start: regexp.MustCompile(`(?i)^(?:This (?:article|story|post|piece|release|press release|news release|item) (?:was|is|has been) )?(?:originally|first) (?:published|posted|appeared|issued) (?:by|on|in|at) (?P<org>[^.,;:]{2,80}?)(?:\s+on\s+[^.;]{3,40})?[.,;:]`),
		Link:  regexp.MustCompile(`(?i)original|here|full|source`),
	},
	{
		Name:  "republished",
		Start: regexp.MustCompile(`(?i)^(?:This (?:article|story|post|piece|release) (?:is|was|has been) )?(?:republished|reproduced|reprinted|syndicated) (?:from|with (?:the )?permission (?:of|from)|courtesy of) (?P<org>[^.,;:]{2,80}?)(?:\s+(?:under|with)\s+[^.]{3,80})?[.,;:]`),
		Link:  regexp.MustCompile(`(?i)original|here|full|source`),
	},
	{
		Name:  "read the original",
		Start: regexp.MustCompile(`(?i)^(?:Source|Courtesy|Via|Content provided by|Press release (?:from|by)):?\s+(?P<org>[^.;:\n]{2,80}?)\.?\s+(?:Read|View|See) the (?:original|full)`),
		Link:  regexp.MustCompile(`(?i)original|full|here`),
	},
}

// footerBlocks are the elements that can hold a footer paragraph.
var footerBlocks = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Section: true, atom.Footer: true, atom.Aside: true,
	atom.Blockquote: true, atom.Li: true, atom.Td: true,
}

// removeFooter finds the first footer of the patterns that apply to host in
// the document's body, records it on a (Footer, OriginalURL, Originator)
// and removes it from doc.
func removeFooter(doc *html.Node, f *facts, host string, base *nurl.URL, patterns []FooterPattern, a *communique.Article) {
	if f.body == nil || len(patterns) == 0 {
		return
	}
	var active []*FooterPattern
	for i := range patterns {
		if patterns[i].Start != nil && hostIn(host, patterns[i].Hosts) {
			active = append(active, &patterns[i])
		}
	}
	if len(active) == 0 {
		return
	}
	// A footer begins a block, so each block's opening words are tested
	// against the anchored patterns (cheap: a few hundred bytes a block),
	// innermost blocks first.
	var found *html.Node
	var pat *FooterPattern
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil && found == nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			switch c.DataAtom {
			case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Svg, atom.Nav, atom.Form:
				continue
			}
			walk(c)
			if found != nil || !footerBlocks[c.DataAtom] {
				continue
			}
			head := textPrefix(c, 300)
			for _, p := range active {
				if p.Start.MatchString(head) {
					found, pat = c, p
					return
				}
			}
		}
	}
	walk(f.body)
	if found == nil {
		return
	}
	bt := clean(textOf(found))
	m := pat.Start.FindStringSubmatchIndex(bt)
	if m == nil {
		return
	}
	a.Footer = bt
	if gi := pat.Start.SubexpIndex("org"); gi > 0 && m[2*gi] >= 0 {
		a.Originator = clean(bt[m[2*gi]:m[2*gi+1]])
	}
	if a.Originator == "" && pat.Originator != "" {
		a.Originator = selectText(doc, pat.Originator)
	}
	a.OriginalURL = footerLink(found, pat.Link, base, host)
	if found.Parent != nil {
		found.Parent.RemoveChild(found)
	}
}

// textPrefix is the first n bytes (about) of n's text, white space
// collapsed.
func textPrefix(n *html.Node, max int) string {
	var b strings.Builder
	var walk func(*html.Node) bool
	walk = func(x *html.Node) bool {
		for c := x.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				b.WriteString(c.Data)
				if b.Len() >= max {
					return true
				}
			case html.ElementNode:
				if c.DataAtom == atom.Script || c.DataAtom == atom.Style {
					continue
				}
				if c.DataAtom == atom.Br || blockAtoms[c.DataAtom] {
					b.WriteByte(' ')
				}
				if walk(c) {
					return true
				}
			}
		}
		return false
	}
	walk(n)
	return clean(b.String())
}

func hostIn(host string, hosts []string) bool {
	if len(hosts) == 0 {
		return true
	}
	host = strings.TrimPrefix(host, "www.")
	for _, h := range hosts {
		h = strings.TrimPrefix(strings.ToLower(h), "www.")
		if host == h || strings.HasSuffix(host, "."+h) {
			return true
		}
	}
	return false
}

// footerLink is the footer's link to the original: the first whose text
// matches re, else the last link that leaves host.
func footerLink(block *html.Node, re *regexp.Regexp, base *nurl.URL, host string) string {
	var byText, external string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if c.DataAtom == atom.A {
				u := absURL(base, attr(c, "href"))
				if u == "" {
					continue
				}
				if byText == "" && re != nil && re.MatchString(clean(textOf(c))) {
					byText = u
				}
				if pu := parseURL(u); pu != nil && strings.TrimPrefix(strings.ToLower(pu.Hostname()), "www.") != strings.TrimPrefix(host, "www.") {
					external = u
				}
				continue
			}
			walk(c)
		}
	}
	walk(block)
	return firstOf(byText, external)
}
