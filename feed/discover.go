package feed

import (
	"bytes"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/temoto/robotstxt"

	"github.com/communique-news/communique"
)

// Link is a feed advertised by a page.
type Link struct {
	URL   string // absolute
	Type  string // media type, e.g. application/rss+xml
	Title string
}

// feedTypes are the media types of <link rel="alternate"> that name a feed.
var feedTypes = map[string]bool{
	"application/rss+xml":    true,
	"application/atom+xml":   true,
	"application/rdf+xml":    true,
	"application/feed+json":  true,
	"application/x-rss+xml":  true,
	"application/x.atom+xml": true,
	"application/x-atom+xml": true,
	"text/rss+xml":           true,
	"text/atom+xml":          true,
}

// CommonFeedPaths are the paths where sites often serve a feed without
// advertising it, most common first; resolve them against the site's root.
var CommonFeedPaths = []string{
	"/feed", "/rss", "/rss.xml", "/atom.xml", "/feed.xml", "/index.xml",
	"/feed.json", "/feeds/all.atom.xml", "/news/rss.xml", "/news/feed",
	"/index.rss", "/en/rss.xml", "/rss/news", "/press-releases/feed",
}

// Discover lists the feeds a page advertises with <link rel="alternate">
// (RSS, Atom, RDF, JSON Feed), resolved against the page's <base href> or
// pageURL, without duplicates, in page order except that comment feeds come
// last. A page that advertises nothing gives nil.
func Discover(body []byte, pageURL string) []Link {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(htmlToUTF8(body)))
	if err != nil {
		return nil
	}
	base := documentBase(doc, pageURL)
	var links []Link
	seen := map[string]bool{}
	doc.Find("link[rel][href], a[rel~=alternate][type][href]").Each(func(_ int, s *goquery.Selection) {
		if !hasToken(s.AttrOr("rel", ""), "alternate") && !hasToken(s.AttrOr("rel", ""), "feed") {
			return
		}
		typ, _, err := mime.ParseMediaType(s.AttrOr("type", ""))
		if err != nil {
			return
		}
		href := resolve(base, s.AttrOr("href", ""))
		if href == "" {
			return
		}
		// JSON Feed's first version used application/json, which WordPress
		// also uses for its REST API: take it only when it names a feed.
		if !feedTypes[typ] && !(typ == "application/json" && strings.Contains(strings.ToLower(href), "feed")) {
			return
		}
		key := communique.CanonicalURL(href)
		if seen[key] {
			return
		}
		seen[key] = true
		links = append(links, Link{URL: href, Type: typ, Title: collapseSpace(s.AttrOr("title", ""))})
	})
	sort.SliceStable(links, func(i, j int) bool { return !isCommentFeed(links[i]) && isCommentFeed(links[j]) })
	return links
}

func isCommentFeed(l Link) bool {
	t := strings.ToLower(l.Title + " " + l.URL)
	return strings.Contains(t, "comment")
}

func hasToken(list, tok string) bool {
	for _, t := range strings.Fields(list) {
		if strings.EqualFold(t, tok) {
			return true
		}
	}
	return false
}

// SitemapsFromRobots lists the Sitemap: lines of a robots.txt, resolved
// against base (the robots.txt URL or the site's root), without duplicates.
func SitemapsFromRobots(robots []byte, base string) []string {
	r, err := robotstxt.FromBytes(robots)
	if err != nil || r == nil {
		return nil
	}
	b := baseURL(base)
	var out []string
	seen := map[string]bool{}
	for _, s := range r.Sitemaps {
		u := resolve(b, s)
		if u == "" || seen[u] {
			continue
		}
		seen[u] = true
		out = append(out, u)
	}
	return out
}

// HubFromHeader reads WebSub discovery from HTTP Link headers
// (Link: <https://hub.example/>; rel="hub", <https://site/feed>; rel="self"):
// the first hub and the first self URL that are absolute http(s) URLs, or ""
// for each that is absent.
func HubFromHeader(h http.Header) (hub, self string) {
	for _, v := range h.Values("Link") {
		for _, l := range splitLinkHeader(v) {
			u := baseURL(l.url)
			if u == nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
				continue // a relative reference would need the request's URL
			}
			l.url = u.String()
			for _, rel := range strings.Fields(strings.ToLower(l.rel)) {
				switch {
				case rel == "hub" && hub == "":
					hub = l.url
				case rel == "self" && self == "":
					self = l.url
				}
			}
		}
	}
	return hub, self
}

type headerLink struct{ url, rel string }

// splitLinkHeader parses one Link header value (RFC 8288): comma-separated
// <uri-reference> with ;-separated parameters; commas inside <> or quotes do
// not split.
func splitLinkHeader(v string) []headerLink {
	var out []headerLink
	for len(v) > 0 {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			break
		}
		l := headerLink{url: strings.TrimSpace(v[i+1 : i+j])}
		v = v[i+j+1:]
		// parameters up to the next comma outside quotes
		end, inQuote := len(v), false
		for k := 0; k < len(v); k++ {
			if v[k] == '"' {
				inQuote = !inQuote
			} else if v[k] == ',' && !inQuote {
				end = k
				break
			}
		}
		for _, p := range strings.Split(v[:end], ";") {
			name, val, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(name), "rel") {
				l.rel = strings.Trim(strings.TrimSpace(val), `"`)
			}
		}
		out = append(out, l)
		v = v[end:]
	}
	return out
}

// documentBase is the base URL of an HTML document: its <base href>
// resolved against pageURL, else pageURL.
func documentBase(doc *goquery.Document, pageURL string) *url.URL {
	base := baseURL(pageURL)
	if href, ok := doc.Find("base[href]").First().Attr("href"); ok {
		if b := baseURL(resolve(base, href)); b != nil {
			return b
		}
	}
	return base
}
