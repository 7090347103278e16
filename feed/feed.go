// Package feed reads every kind of source into communique.Item values: RSS
// 0.9x/1.0 (RDF)/2.0, Atom and JSON Feed (Parse), sitemaps and Google News
// sitemaps (ParseSitemap), HTML listing pages read by CSS selectors
// (ParseListing, DetectSelectors), feed discovery (Discover,
// SitemapsFromRobots, HubFromHeader) and OPML (ParseOPML, WriteOPML).
//
// Everything here is a pure function over bytes already fetched: no network,
// no store. HTML kept from sources (Item.ContentHTML) is not sanitised here;
// the edit stage sanitises it.
package feed

import (
	"bytes"
	"encoding/json"
	"errors"
	"html"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	jsonfeed "github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"

	"github.com/communique-news/communique"
)

// Feed is a parsed feed.
type Feed struct {
	Title   string
	SiteURL string // the site the feed belongs to (RSS <link>, Atom rel=alternate)
	HubURL  string // WebSub hub advertised in the feed (atom:link rel=hub, JSON Feed hubs)
	SelfURL string // the feed's own URL as it states it (rel=self, feed_url): the WebSub topic
	Items   []communique.Item
}

// maxSummaryRunes bounds a summary made from an item's content when the item
// has no summary of its own.
const maxSummaryRunes = 600

// Parse reads an RSS 0.9x, RSS 1.0 (RDF), RSS 2.0, Atom or JSON Feed
// document. feedURL is the URL the feed was fetched from: relative links are
// resolved against it (after any xml:base in the feed). now is the retrieval
// time, given to items without a usable date (Published=now,
// DateMissing=true).
//
// Items come out in feed order, each with its Key set (ItemKey); of items
// sharing a key (a repeated GUID) the first is kept, and items with neither
// link nor title are dropped. Title and Summary are plain text; ContentHTML is
// the item's full content (content:encoded, Atom content, content_html) or,
// when there is none, a description that carries HTML markup. Declared
// encodings (ISO-8859-1, Windows-1252, …) are decoded, invalid UTF-8 is read
// as Windows-1252, and characters illegal in XML are dropped before parsing.
func Parse(body []byte, feedURL string, now time.Time) (*Feed, error) {
	base := baseURL(feedURL)
	if decoded := decodeBOM(body); bytes.HasPrefix(bytes.TrimLeftFunc(decoded, unicode.IsSpace), []byte("{")) {
		body = cleanUTF8(decoded, true)
	} else {
		body = xmlToUTF8(body)
	}
	p := gofeed.NewParser()
	p.KeepOriginalFeed = true
	gf, err := p.Parse(bytes.NewReader(body))
	if err != nil {
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			switch Sniff(body, "") {
			case FormatHTML:
				return nil, communique.Errorf(communique.EINVALID, "this is an HTML page, not a feed: add the page to discover its feeds, or add it as an HTML listing")
			case FormatSitemap:
				return nil, communique.Errorf(communique.EINVALID, "this is a sitemap, not a feed: add it as a sitemap source")
			}
			return nil, communique.Errorf(communique.EINVALID, "not a feed: neither RSS, Atom, RDF nor JSON Feed")
		}
		return nil, communique.Errorf(communique.EINVALID, "the feed is malformed and could not be read: %v", err)
	}

	f := &Feed{
		Title:   plainText(gf.Title),
		SiteURL: resolve(base, gf.Link),
		SelfURL: resolve(base, gf.FeedLink),
	}
	var jsonItems []*jsonfeed.Item
	switch orig := gf.OriginalFeed().(type) {
	case *atom.Feed:
		for _, l := range orig.Links {
			f.linkRel(base, l.Rel, l.Href)
		}
	case *rss.Feed:
		for _, l := range orig.Extensions["atom"]["link"] {
			f.linkRel(base, l.Attrs["rel"], l.Attrs["href"])
		}
	case *jsonfeed.Feed:
		jsonItems = orig.Items
		f.HubURL = jsonHub(body, base)
	}

	sharedGUIDs := guidsSharedByPages(gf.Items)
	seen := make(map[string]bool, len(gf.Items))
	f.Items = make([]communique.Item, 0, len(gf.Items))
	for i, gi := range gf.Items {
		it := communique.Item{
			GUID:    strings.TrimSpace(gi.GUID),
			Title:   plainText(gi.Title),
			Summary: plainText(gi.Description),
		}
		link := strings.TrimSpace(gi.Link)
		for _, l := range gi.Links {
			if link != "" {
				break
			}
			link = strings.TrimSpace(l)
		}
		if link == "" && looksLikeURL(it.GUID) {
			link = it.GUID // an RSS guid is a permalink unless it says otherwise
		}
		it.URL = resolve(base, link)
		if sharedGUIDs[it.GUID] && it.URL != "" {
			it.GUID = "" // not an identifier: the link is
		}

		content := strings.TrimSpace(gi.Content)
		if len(jsonItems) == len(gf.Items) {
			content = strings.TrimSpace(jsonItems[i].ContentHTML)
			if content == "" {
				content = textToHTML(jsonItems[i].ContentText)
			}
		}
		switch {
		case content != "":
			it.ContentHTML = content
		case hasMarkup(gi.Description):
			it.ContentHTML = strings.TrimSpace(gi.Description)
		}
		if it.ContentHTML != "" {
			// Links relative to the release's page (gofeed resolves only
			// against an xml:base).
			linkBase := base
			if u := baseURL(it.URL); u != nil {
				linkBase = u
			}
			it.ContentHTML = resolveHTMLLinks(it.ContentHTML, linkBase)
		}
		if it.Summary == "" && it.ContentHTML != "" {
			it.Summary = truncateWords(plainText(it.ContentHTML), maxSummaryRunes)
		}
		for _, a := range gi.Authors {
			if a == nil {
				continue
			}
			if it.Author = plainText(a.Name); it.Author == "" {
				it.Author = strings.TrimSpace(a.Email)
			}
			if it.Author != "" {
				break
			}
		}

		pub, pubOK := itemDate(gi.Published, gi.PublishedParsed)
		upd, updOK := itemDate(gi.Updated, gi.UpdatedParsed)
		switch {
		case pubOK:
			it.Published = pub
		case updOK:
			it.Published = upd
		default:
			it.Published = now.UTC()
			it.DateMissing = true
		}
		if updOK && it.Published.Before(upd) {
			it.Updated = upd // only a change after publication is an update
		}

		if it.URL == "" && it.Title == "" {
			continue
		}
		it.Key = ItemKey(it)
		if seen[it.Key] {
			continue
		}
		seen[it.Key] = true
		f.Items = append(f.Items, it)
	}
	return f, nil
}

// guidsSharedByPages are the GUIDs that three or more items with different
// links carry: a broken feed that gives every item the same GUID ("0", the
// feed's URL) must not be read as one item. A GUID repeated on two items is
// taken at its word (the second is a duplicate).
func guidsSharedByPages(items []*gofeed.Item) map[string]bool {
	links := map[string]map[string]bool{}
	for _, gi := range items {
		g := strings.TrimSpace(gi.GUID)
		if g == "" {
			continue
		}
		if links[g] == nil {
			links[g] = map[string]bool{}
		}
		links[g][strings.TrimSpace(gi.Link)] = true
	}
	var shared map[string]bool
	for g, l := range links {
		if len(l) >= 3 {
			if shared == nil {
				shared = map[string]bool{}
			}
			shared[g] = true
		}
	}
	return shared
}

func (f *Feed) linkRel(base *url.URL, rel, href string) {
	for _, r := range strings.Fields(strings.ToLower(rel)) {
		switch {
		case r == "hub" && f.HubURL == "":
			f.HubURL = resolve(base, href)
		case r == "self" && f.SelfURL == "":
			f.SelfURL = resolve(base, href)
		}
	}
}

// jsonHub is the first WebSub hub of a JSON Feed (gofeed does not read hubs).
func jsonHub(body []byte, base *url.URL) string {
	var v struct {
		Hubs []struct {
			Type string `json:"type"`
			URL  string `json:"url"`
		} `json:"hubs"`
	}
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	for _, h := range v.Hubs {
		if t := strings.ToLower(h.Type); t == "websub" || t == "pubsubhubbub" || t == "" {
			if u := resolve(base, h.URL); u != "" {
				return u
			}
		}
	}
	return ""
}

// itemDate prefers ParseDate on the raw text (it knows zone abbreviations
// that gofeed's parser reads as UTC), then gofeed's own reading.
func itemDate(raw string, parsed *time.Time) (time.Time, bool) {
	if t, ok := ParseDate(raw); ok {
		return t, true
	}
	if parsed != nil && !parsed.IsZero() {
		return plausible(*parsed)
	}
	return time.Time{}, false
}

// baseURL parses the URL a document was fetched from; nil when it is not
// an absolute URL.
func baseURL(s string) *url.URL {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || !u.IsAbs() {
		return nil
	}
	return u
}

// resolve makes ref absolute against base. An http(s) result with a host is
// returned; other schemes (javascript:, mailto:, data:), hostless and
// unparseable references give "". Without a base a relative reference is
// returned as it is.
func resolve(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		u, err = url.Parse(strings.ReplaceAll(ref, " ", "%20"))
		if err != nil {
			return ""
		}
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if !u.IsAbs() {
		if base == nil && u.Scheme == "" {
			return u.String()
		}
		return ""
	}
	if s := strings.ToLower(u.Scheme); (s != "http" && s != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

func looksLikeURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// textToHTML turns plain text into paragraphs of escaped HTML.
func textToHTML(s string) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if s == "" {
		return ""
	}
	var b strings.Builder
	for _, p := range strings.Split(s, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			b.WriteString("<p>")
			b.WriteString(strings.ReplaceAll(html.EscapeString(p), "\n", "<br>"))
			b.WriteString("</p>")
		}
	}
	return b.String()
}

// truncateWords cuts s to at most max runes, at a word boundary, with an
// ellipsis when it was cut.
func truncateWords(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)[:max]
	cut := strings.TrimRightFunc(string(r), func(c rune) bool { return !unicode.IsSpace(c) })
	if cut == "" {
		cut = string(r)
	}
	return strings.TrimSpace(cut) + "…"
}
