package feed

import (
	"bytes"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"

	"github.com/communique-news/communique"
)

// Listing is what one page of an HTML listing gives.
type Listing struct {
	Items []communique.Item
	Next  string // absolute URL of the next page, or ""
}

// ParseListing reads an HTML listing page with CSS selectors. sel.Item
// selects one element per release; within it sel.Link selects the link
// (default: the element itself if it is a link, else its first link), sel.Title
// the title (default: the link's text, else its title attribute), sel.Date the
// date (default: a <time> element, if any). A date is read from a datetime or
// content attribute, else from the text (ParseDate, or a date found within the
// text); items without one get now and DateMissing. sel.Next selects the
// next-page link.
//
// A listing whose structure changed is an error, not an empty result: when
// sel.Item matches nothing, or a given Link, Title or Date selector matches
// nothing in any item, ParseListing returns a communique.Error (EINVALID)
// naming the selector. Items are keyed by URL; a URL listed twice keeps its
// first item; blocks with neither link nor title are skipped.
func ParseListing(body []byte, pageURL string, sel communique.Selectors, now time.Time) (*Listing, error) {
	if strings.TrimSpace(sel.Item) == "" {
		return nil, communique.Errorf(communique.EINVALID, "the listing has no item selector")
	}
	compiled := map[string]cascadia.Selector{}
	for _, f := range []struct{ name, sel string }{{"item", sel.Item}, {"link", sel.Link}, {"title", sel.Title}, {"date", sel.Date}, {"next", sel.Next}} {
		if strings.TrimSpace(f.sel) == "" {
			continue
		}
		c, err := cascadia.Compile(f.sel)
		if err != nil {
			return nil, communique.Errorf(communique.EINVALID, "the %s selector %q is not valid CSS: %v", f.name, f.sel, err)
		}
		compiled[f.name] = c
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(htmlToUTF8(body)))
	if err != nil {
		return nil, communique.Errorf(communique.EINVALID, "the listing page could not be read as HTML: %v", err)
	}
	base := documentBase(doc, pageURL)

	blocks := doc.FindMatcher(compiled["item"])
	if blocks.Length() == 0 {
		return nil, communique.Errorf(communique.EINVALID, "the item selector %q matched nothing on %s: the listing's structure changed, or the selector is wrong", sel.Item, pageURL)
	}
	l := &Listing{}
	var linkHits, titleHits, dateHits int
	seen := map[string]bool{}
	blocks.Each(func(_ int, b *goquery.Selection) {
		it := communique.Item{}
		var a *goquery.Selection
		if m, ok := compiled["link"]; ok {
			a = b.FindMatcher(m).First()
			if a.Length() > 0 {
				linkHits++
				if goquery.NodeName(a) != "a" && a.AttrOr("href", "") == "" {
					a = a.Find("a[href]").First()
				}
			}
		} else if goquery.NodeName(b) == "a" {
			a = b
		} else {
			a = b.Find("a[href]").First()
		}
		if a.Length() > 0 {
			it.URL = resolve(base, a.AttrOr("href", ""))
		}
		if m, ok := compiled["title"]; ok {
			if t := b.FindMatcher(m).First(); t.Length() > 0 {
				titleHits++
				it.Title = collapseSpace(t.Text())
				if it.Title == "" {
					it.Title = collapseSpace(t.AttrOr("title", ""))
				}
			}
		} else if a.Length() > 0 {
			it.Title = collapseSpace(a.Text())
			if it.Title == "" {
				it.Title = collapseSpace(a.AttrOr("title", ""))
			}
		}
		var d *goquery.Selection
		if m, ok := compiled["date"]; ok {
			d = b.FindMatcher(m).First()
			if d.Length() > 0 {
				dateHits++
			}
		} else {
			d = b.Find("time").First()
		}
		t, ok := elementDate(d)
		if !ok && sel.Date == "" {
			// No date selector and no <time>: a date in the block's own
			// text, outside its link (a title may name a date).
			var skip *html.Node
			if a.Length() > 0 {
				skip = a.Get(0)
			}
			t, ok = findDate(textExcept(b.Get(0), skip))
		}
		if ok {
			it.Published = t
		} else {
			it.Published, it.DateMissing = now.UTC(), true
		}
		if it.URL == "" && it.Title == "" {
			return
		}
		it.Key = ItemKey(it)
		if seen[it.Key] {
			return
		}
		seen[it.Key] = true
		l.Items = append(l.Items, it)
	})
	for _, c := range []struct {
		name, sel string
		hits      int
	}{{"link", sel.Link, linkHits}, {"title", sel.Title, titleHits}, {"date", sel.Date, dateHits}} {
		if c.sel != "" && c.hits == 0 {
			return nil, communique.Errorf(communique.EINVALID, "the %s selector %q matched nothing in any of the %d items on %s: the listing's structure changed, or the selector is wrong", c.name, c.sel, blocks.Length(), pageURL)
		}
	}
	if m, ok := compiled["next"]; ok {
		n := doc.FindMatcher(m).First()
		if n.Length() > 0 && n.AttrOr("href", "") == "" {
			n = n.Find("a[href]").First()
		}
		if next := resolve(base, n.AttrOr("href", "")); next != "" && !samePage(next, base) {
			l.Next = next
		}
	}
	return l, nil
}

func samePage(u string, base *url.URL) bool {
	return base != nil && communique.CanonicalURL(u) == communique.CanonicalURL(base.String())
}

// elementDate reads a date from an element: its datetime, content or
// title attribute, else its text, else a date found within the text.
func elementDate(s *goquery.Selection) (time.Time, bool) {
	if s == nil || s.Length() == 0 {
		return time.Time{}, false
	}
	for _, attr := range []string{"datetime", "content", "data-date", "title"} {
		if v, ok := s.Attr(attr); ok {
			if t, ok := ParseDate(v); ok {
				return t, true
			}
		}
	}
	return findDate(s.Text())
}

// dateInText finds dates inside longer text ("Published on 8 September
// 2025 by the Press Office").
var dateInText = regexp.MustCompile(`(?i)\b(\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?` +
	`|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}` +
	`|\d{1,2}(?:st|nd|rd|th|er|\.)?\s+\p{L}{3,10}\.?,?\s+\d{4}(?:,?\s+(?:at\s+)?\d{1,2}[:h]\d{2}(?:\s*[AaPp]\.?[Mm]\.?)?)?` +
	`|\p{L}{3,10}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}(?:,?\s+(?:at\s+)?\d{1,2}:\d{2}(?:\s*[AaPp]\.?[Mm]\.?)?)?)`)

// findDate reads text as a date, or finds one within it.
func findDate(text string) (time.Time, bool) {
	text = collapseSpace(text)
	if text == "" {
		return time.Time{}, false
	}
	if len(text) <= 60 {
		if t, ok := ParseDate(text); ok {
			return t, true
		}
	}
	if len(text) > 2000 {
		text = text[:2000]
	}
	for _, m := range dateInText.FindAllString(text, 4) {
		if t, ok := ParseDate(m); ok {
			return t, true
		}
	}
	return time.Time{}, false
}
