package extract

import (
	"strings"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Rule is a site-specific reading of pages on one host, for sites where
// generic extraction is not enough (as Miniflux's scraper rules). A rule
// is used only on its host and its subdomains.
type Rule struct {
	// Host is the site, e.g. "example.org" (also matches www.example.org).
	Host string `json:"host"`
	// Content selects the main text; all its matches, in document order,
	// make the body. Empty: generic extraction.
	Content string `json:"content,omitempty"`
	// Remove selects elements dropped from the content.
	Remove string `json:"remove,omitempty"`
	// Title selects the headline; empty: generic choice.
	Title string `json:"title,omitempty"`
}

// DefaultRules is the built-in table of site rules. Keep it small: a rule
// is added only when generic extraction measurably fails on a site.
var DefaultRules = []Rule{
	// Mirage News: the release is .entry-content; tags and share buttons
	// follow it inside the post.
	{Host: "miragenews.com", Content: ".entry-content", Remove: ".tags, .share, .sharedaddy, .jp-relatedposts, script, style, form", Title: "h1.entry-title"},
}

func ruleFor(rules []Rule, host string) *Rule {
	host = strings.TrimPrefix(strings.ToLower(host), "www.")
	for i := range rules {
		h := strings.TrimPrefix(strings.ToLower(rules[i].Host), "www.")
		if h != "" && (host == h || strings.HasSuffix(host, "."+h)) {
			return &rules[i]
		}
	}
	return nil
}

// apply returns a new body holding copies of the rule's content matches,
// with the Remove matches dropped, or nil when nothing matches or the
// selectors are invalid.
func (r *Rule) apply(doc *html.Node) *html.Node {
	sel, err := cascadia.ParseGroup(r.Content)
	if err != nil {
		return nil
	}
	var remove cascadia.SelectorGroup
	if r.Remove != "" {
		if remove, err = cascadia.ParseGroup(r.Remove); err != nil {
			return nil
		}
	}
	matches := cascadia.QueryAll(doc, sel)
	if len(matches) == 0 {
		return nil
	}
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	for _, m := range matches {
		if nested(m, matches) {
			continue
		}
		c := cloneNode(m)
		if remove != nil {
			for _, n := range cascadia.QueryAll(c, remove) {
				if n.Parent != nil {
					n.Parent.RemoveChild(n)
				}
			}
		}
		body.AppendChild(c)
	}
	if clean(textOf(body)) == "" {
		return nil
	}
	return body
}

// nested reports whether n is inside another of the matches.
func nested(n *html.Node, matches []*html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		for _, m := range matches {
			if m == p {
				return true
			}
		}
	}
	return false
}

func cloneNode(n *html.Node) *html.Node {
	c := &html.Node{Type: n.Type, DataAtom: n.DataAtom, Data: n.Data, Namespace: n.Namespace, Attr: append([]html.Attribute(nil), n.Attr...)}
	for k := n.FirstChild; k != nil; k = k.NextSibling {
		c.AppendChild(cloneNode(k))
	}
	return c
}

// selectText is the text of the first match of a selector, or "".
func selectText(doc *html.Node, selector string) string {
	if selector == "" {
		return ""
	}
	sel, err := cascadia.ParseGroup(selector)
	if err != nil {
		return ""
	}
	if n := cascadia.Query(doc, sel); n != nil {
		return clean(textOf(n))
	}
	return ""
}
