package extract

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/communique-news/communique/internal/spaces"
)

// rxFurnitureLine matches the whole text of a short block that is page
// furniture left among the paragraphs: advertisement labels, sharing
// prompts, reading-time and comment counters, "related" labels.
var rxFurnitureLine = regexp.MustCompile(`(?i)^(?:advertisement(?:\s*-\s*(?:continue reading|scroll to continue)(?: below)?)?|continue reading below|sponsored(?: content)?|share(?: this(?: article| post| story| page)?)?(?: on)?\s*:?|click to (?:share|email|print) .{0,60}|\d+\s*min(?:ute)?s? read|min read|leave a (?:comment|reply)|\d+ comments?|tags?\s*:.{0,80}|chevron_right|opens in a new window|related(?: content| articles| posts| stories| reading)?\s*:?|print(?: this)?(?: article| page)?|back to top|skip to (?:main )?content|see deal|view deal|check price)$`)

// dropFurniture removes from a content tree the blocks that are page
// furniture by their whole text (rxFurnitureLine) and the repeats of a
// paragraph already given (responsive pages print some blocks twice).
func dropFurniture(content *html.Node) {
	if content == nil {
		return
	}
	seen := map[string]bool{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; {
			next := c.NextSibling
			if c.Type == html.ElementNode && blockAtoms[c.DataAtom] && c.DataAtom != atom.Tr && c.DataAtom != atom.Table {
				if !hasBlockChild(c) {
					t := clean(textOf(c))
					switch {
					case len(t) <= 90 && rxFurnitureLine.MatchString(t):
						n.RemoveChild(c)
					case len(t) >= 50 && seen[t]:
						n.RemoveChild(c)
					default:
						seen[t] = true
					}
				} else {
					walk(c)
				}
			}
			c = next
		}
	}
	walk(content)
}

func hasBlockChild(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (blockAtoms[c.DataAtom] || hasBlockChild(c)) {
			return true
		}
	}
	return false
}

// rxBioVerb is what follows an author's name at the start of a biography
// ("Jane Doe is a freelance writer…", "Jane Doe has covered…").
var rxBioVerb = regexp.MustCompile(`^,?\s+(?:is|was|has|holds|writes|covers|serves|leads|joined|lives|enjoys)\b`)

// rxAboutAuthor is the heading of an author box.
var rxAboutAuthor = regexp.MustCompile(`(?i)^(?:about the (?:author|writer)s?|author bio(?:graphy)?|meet the author)\s*:?$`)

// dropAuthorBio removes the author's biography from the end of a content
// tree: one of its last three blocks that starts with the author's name
// and a verb, with the blocks after it and an "About the author" heading
// before it.
func dropAuthorBio(content *html.Node, author string) {
	author = clean(author)
	// A person's name: two to four words. An organisation named as the
	// author ("Budlong is dedicated to…") writes about itself.
	if n := spaces.CountWords(author); content == nil || n < 2 || n > 4 || strings.ContainsAny(author, ",;&") {
		return
	}
	var leaves []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode || !blockAtoms[c.DataAtom] {
				continue
			}
			if hasBlockChild(c) {
				walk(c)
			} else if clean(textOf(c)) != "" {
				leaves = append(leaves, c)
			}
		}
	}
	walk(content)
	if len(leaves) < 4 {
		return
	}
	for i := len(leaves) - 1; i >= len(leaves)-3; i-- {
		t := clean(textOf(leaves[i]))
		if len(t) > 1200 || len(t) <= len(author) || !strings.EqualFold(t[:len(author)], author) || !rxBioVerb.MatchString(t[len(author):]) {
			continue
		}
		from := i
		if from > 0 && rxAboutAuthor.MatchString(clean(textOf(leaves[from-1]))) {
			from--
		}
		for _, l := range leaves[from:] {
			l.Parent.RemoveChild(l)
		}
		return
	}
}

// Furniture removed from the page before its main text is chosen: the
// readers' comments that pages put after the article (never part of a
// release, and left in the page they can make a comparison extractor take
// the comment thread for the text), and author boxes, sharing buttons,
// related posts, newsletter and cookie boxes. Exact class words and ids
// only: "newsletter" as a substring is in the wrapper class of whole
// Substack pages.
var (
	furnitureIDs = map[string]bool{
		"comments": true, "disqus_thread": true, "respond": true, "cookie-notice": true,
		"cookie-law-info-bar": true, "onetrust-consent-sdk": true,
	}
	furnitureClasses = map[string]bool{
		"comments-area": true, "comment-list": true, "commentlist": true, "comment-respond": true,
		"wp-block-comments": true, "comments-section": true, "author-bio": true, "about-author": true,
		"author-box": true, "authorbox": true, "author-info": true, "post-author": true, "sharedaddy": true,
		"jp-relatedposts": true, "related-posts": true, "social-share": true, "share-buttons": true,
		"sharing": true, "newsletter-signup": true, "newsletter-form": true, "cookie-notice": true,
		"cookie-banner": true, "cli-modal": true,
	}
	// "comments" is a class of furniture only on these elements.
	commentsClassAtoms = map[atom.Atom]bool{atom.Ol: true, atom.Ul: true, atom.Section: true, atom.Div: true}
)

// pruneFurniture removes the furniture (furnitureIDs, furnitureClasses)
// from the page, in one pass.
func pruneFurniture(doc *html.Node) {
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; {
			next := c.NextSibling
			if c.Type == html.ElementNode {
				if isFurniture(c) {
					n.RemoveChild(c)
				} else {
					walk(c)
				}
			}
			c = next
		}
	}
	walk(doc)
}

func isFurniture(n *html.Node) bool {
	if n.DataAtom == atom.Body || n.DataAtom == atom.Html {
		return false
	}
	for _, a := range n.Attr {
		switch a.Key {
		case "id":
			if furnitureIDs[strings.TrimSpace(a.Val)] {
				return true
			}
		case "class":
			for _, w := range strings.Fields(a.Val) {
				if furnitureClasses[w] || (w == "comments" && commentsClassAtoms[n.DataAtom]) {
					return true
				}
			}
		}
	}
	return false
}
