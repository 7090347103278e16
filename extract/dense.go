package extract

import (
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// densest returns a cleaned copy of the element under body whose
// paragraphs hold the most text (a paragraph's text counts fully for its
// parent and half for its grandparent, as in Readability's scoring), or nil.
// It is linear in the size of the page.
func densest(body *html.Node) *html.Node {
	if body == nil {
		return nil
	}
	score := map[*html.Node]int{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode || boilerplateAtoms[c.DataAtom] {
				continue
			}
			if c.DataAtom == atom.P || c.DataAtom == atom.Pre || c.DataAtom == atom.Blockquote || c.DataAtom == atom.Li {
				if l := textLen(c); l >= 25 && !inComments(c) {
					if p := c.Parent; p != nil {
						score[p] += l
						if g := p.Parent; g != nil {
							score[g] += l / 2
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
	for n, s := range score {
		if s > bestScore || (s == bestScore && best != nil && contains(n, best)) {
			best, bestScore = n, s
		}
	}
	if best == nil {
		return nil
	}
	out := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	out.AppendChild(cleanClone(best))
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
		if k.Type == html.CommentNode || (k.Type == html.ElementNode && boilerplateAtoms[k.DataAtom]) {
			continue
		}
		c.AppendChild(cleanClone(k))
	}
	return c
}
