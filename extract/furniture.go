package extract

import (
	"regexp"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
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
