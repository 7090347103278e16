package extract

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// densest returns a cleaned copy of the element under body whose
// paragraphs hold the most text (a paragraph's text counts fully for its
// parent and half for its grandparent, as in Readability's scoring), or nil.
// It is linear in the size of the page.
func densest(body *html.Node) *html.Node {
	return densestContent(body)
}

// Thresholds of preferDensest, measured on the development set (body F1
// is within 0.001 of its best for a share of 0.6-0.7 and a cover of
// 0.5-0.6).
const (
	densestMinShare = 0.7 // densest's text against the kept text's length
	densestMinCover = 0.6 // share of the kept text's words found in densest's
)

// preferDensest returns a cleaned copy of densest's element when its text
// is at least densestMinShare of the length of kept (the text another
// extractor kept) and holds at least densestMinCover of kept's words, or
// nil: that element (the paragraphs' container, cleaned of furniture) is
// then the same article, without the tables, link lists and boxes that
// the other extractor took around it, or with the parts it dropped.
func preferDensest(body *html.Node, kept string) *html.Node {
	out := densestContent(body)
	if out == nil {
		return nil
	}
	t := textOfContent(out)
	if float64(len(t)) < densestMinShare*float64(len(kept)) || covers(t, kept) < densestMinCover {
		return nil
	}
	return out
}

// densestNode is the element under body whose paragraphs hold the most
// text, as scored by densest, or nil.
func densestNode(body *html.Node) (*html.Node, map[*html.Node]int) {
	if body == nil {
		return nil, nil
	}
	score := map[*html.Node]int{}
	var order []*html.Node // scored nodes in document order, for a deterministic choice
	add := func(n *html.Node, l int) {
		if _, ok := score[n]; !ok {
			order = append(order, n)
		}
		score[n] += l
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode || boilerplateAtoms[c.DataAtom] {
				continue
			}
			if c.DataAtom == atom.P || c.DataAtom == atom.Pre || c.DataAtom == atom.Blockquote || c.DataAtom == atom.Li {
				if l := textLen(c); l >= 25 && !inComments(c) {
					if p := c.Parent; p != nil {
						add(p, l)
						if g := p.Parent; g != nil {
							add(g, l/2)
						}
					}
				}
				continue
			}
			walk(c)
		}
	}
	walk(body)
	var best *html.Node
	bestScore := 0
	for _, n := range order {
		if s := score[n]; s > bestScore || (s == bestScore && best != nil && contains(n, best)) {
			best, bestScore = n, s
		}
	}
	return best, score
}

// densestContent is a cleaned copy of densest's element together with
// those of its siblings that continue the article (as Readability does): a
// sibling whose paragraphs score at least a fifth of the element's, or a
// paragraph of prose with few links. An article split over sibling
// containers (a lead in one, the body in the next) is kept whole. It
// returns nil when the page has no paragraphs.
func densestContent(body *html.Node) *html.Node {
	best, score := densestNode(body)
	if best == nil {
		return nil
	}
	out := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	if best.Parent == nil || best.DataAtom == atom.Body {
		out.AppendChild(cleanClone(best))
		return out
	}
	threshold := max(10, score[best]/5)
	for s := best.Parent.FirstChild; s != nil; s = s.NextSibling {
		if s == best {
			out.AppendChild(cleanClone(s))
			continue
		}
		if s.Type != html.ElementNode || boilerplateAtoms[s.DataAtom] || isBoilerplate(s) || isFurniture(s) {
			continue
		}
		keep := score[s] >= threshold
		if !keep && s.DataAtom == atom.P {
			l, links := textLen(s), linkLen(s)
			t := clean(textOf(s))
			keep = (l > 80 && links*4 < l) || (l > 0 && links == 0 && strings.Contains(t, ". "))
		}
		if keep {
			out.AppendChild(cleanClone(s))
		}
	}
	return out
}

func contains(a, b *html.Node) bool {
	for p := b.Parent; p != nil; p = p.Parent {
		if p == a {
			return true
		}
	}
	return false
}

// boilerplateAtoms are never part of the main text.
var boilerplateAtoms = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true, atom.Nav: true,
	atom.Aside: true, atom.Footer: true, atom.Form: true, atom.Iframe: true, atom.Svg: true,
	atom.Button: true, atom.Select: true, atom.Input: true, atom.Textarea: true, atom.Object: true,
}

func cleanClone(n *html.Node) *html.Node {
	c := &html.Node{Type: n.Type, DataAtom: n.DataAtom, Data: n.Data, Namespace: n.Namespace}
	if n.Type == html.ElementNode {
		for _, a := range n.Attr {
			if a.Key == "href" || a.Key == "src" || a.Key == "alt" || a.Key == "title" {
				c.Attr = append(c.Attr, a)
			}
		}
	}
	for k := n.FirstChild; k != nil; k = k.NextSibling {
		if k.Type == html.CommentNode || (k.Type == html.ElementNode && (boilerplateAtoms[k.DataAtom] || isBoilerplate(k))) {
			continue
		}
		c.AppendChild(cleanClone(k))
	}
	return c
}

// subDocument is a new document whose body holds a deep copy of n, with
// its attributes (which trafilatura's boilerplate rules read).
func subDocument(n *html.Node) *html.Node {
	doc := &html.Node{Type: html.DocumentNode}
	h := &html.Node{Type: html.ElementNode, Data: "html", DataAtom: atom.Html}
	b := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	doc.AppendChild(h)
	h.AppendChild(b)
	b.AppendChild(deepClone(n))
	return doc
}

func deepClone(n *html.Node) *html.Node {
	c := &html.Node{Type: n.Type, DataAtom: n.DataAtom, Data: n.Data, Namespace: n.Namespace, Attr: append([]html.Attribute(nil), n.Attr...)}
	for k := n.FirstChild; k != nil; k = k.NextSibling {
		if k.Type == html.CommentNode {
			continue
		}
		c.AppendChild(deepClone(k))
	}
	return c
}

// rxBoilerplate matches the class and id words of the page furniture that
// sits among an article's paragraphs: sharing buttons, related posts,
// readers' comments, newsletter boxes, advertisements, author boxes.
var rxBoilerplate = regexp.MustCompile(`(?:^|[\s_-])(?:comments?|commentlist|disqus|share|sharing|sharedaddy|social|related|relatedposts|newsletter|subscribe|subscription|signup|promo|advert|advertisement|ads?|sponsored|sidebar|breadcrumbs?|cookie|popup|modal|post-navigation|navigation|nav|menu|author-bio|authorbox)(?:$|[\s_-])`)

// isBoilerplate reports whether n is page furniture by its class or id,
// or a block of links (a list of links to other pages).
func isBoilerplate(n *html.Node) bool {
	key := strings.ToLower(attr(n, "class") + " " + attr(n, "id"))
	if strings.TrimSpace(key) != "" && rxBoilerplate.MatchString(key) {
		return true
	}
	switch n.DataAtom {
	case atom.Ul, atom.Ol, atom.Div, atom.Section:
		if l := textLen(n); l > 0 && linkLen(n)*10 > l*8 {
			return true
		}
	}
	return false
}
