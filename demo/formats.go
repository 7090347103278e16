package demo

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"html/template"
	"net/http"
	"strconv"
	"time"
)

// funcs are the layouts' helpers: each site writes its dates its own way.
var funcs = template.FuncMap{
	"date":     func(t time.Time, layout string) string { return t.Format(layout) },
	"iso":      func(t time.Time) string { return t.Format(time.RFC3339) },
	"frdate":   frenchDate,
	"natodate": func(t time.Time) string { return t.Format("02 Jan. 2006") },
}

var frenchMonths = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}

// frenchDate writes "16 septembre 2025".
func frenchDate(t time.Time) string {
	return strconv.Itoa(t.Day()) + " " + frenchMonths[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

// jsonLD is the schema.org NewsArticle of a page, for the layouts that
// carry one. json.Marshal escapes <, > and &, so it is safe in a script
// element.
func jsonLD(d pageData) template.JS {
	v := map[string]any{
		"@context":         "https://schema.org",
		"@type":            "NewsArticle",
		"headline":         d.Title,
		"description":      d.Summary,
		"datePublished":    d.Published.Format(time.RFC3339),
		"dateModified":     d.Published.Format(time.RFC3339),
		"inLanguage":       d.Lang,
		"mainEntityOfPage": d.URL,
		"publisher":        map[string]any{"@type": "Organization", "name": d.Org},
		"author":           map[string]any{"@type": "Organization", "name": d.Org},
	}
	b, err := json.Marshal(v)
	if err != nil { // a map of strings always marshals
		return template.JS("{}")
	}
	return template.JS(b)
}

func (s *site) serveChannel(w http.ResponseWriter, r *http.Request, base string, c *channel) {
	var (
		body  []byte
		ctype string
		err   error
	)
	items := s.items(c.Items)
	var mod time.Time
	for _, p := range items {
		if p.published.After(mod) {
			mod = p.published
		}
	}
	switch c.Format {
	case formatRSS:
		body, err = s.rss(base, c, items)
		ctype = typeRSS
	case formatAtom:
		body, err = s.atom(base, c, items)
		ctype = typeAtom
	case formatJSON:
		body, err = s.jsonFeed(base, c, items)
		ctype = typeJSON
	case formatSitemap:
		body, err = s.sitemap(base, c, items)
		ctype = typeXML
	case formatListing:
		s.serveListing(w, r, base, c)
		return
	}
	if err != nil {
		http.Error(w, "demo origin: "+err.Error(), http.StatusInternalServerError)
		return
	}
	serve(w, r, body, ctype, mod)
}

func (s *site) items(ids []string) []*page {
	out := make([]*page, len(ids))
	for i, id := range ids {
		out[i] = s.byID[id]
	}
	return out
}

// guid is the item's GUID in the feed and whether it is the page's URL.
func guid(base string, p *page) (string, bool) {
	if p.GUID != "" {
		return p.GUID, false
	}
	return base + p.Path, true
}

type rssDoc struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	AtomNS  string     `xml:"xmlns:atom,attr"`
	DCNS    string     `xml:"xmlns:dc,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	Language      string    `xml:"language"`
	LastBuildDate string    `xml:"lastBuildDate"`
	Self          atomLink  `xml:"atom:link"`
	Items         []rssItem `xml:"item"`
}

type rssItem struct {
	Title       string   `xml:"title"`
	Link        string   `xml:"link"`
	Description string   `xml:"description"`
	PubDate     string   `xml:"pubDate"`
	GUID        rssGUID  `xml:"guid"`
	Creator     string   `xml:"dc:creator,omitempty"`
	Category    []string `xml:"category,omitempty"`
}

type rssGUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

func (s *site) rss(base string, c *channel, items []*page) ([]byte, error) {
	doc := rssDoc{Version: "2.0", AtomNS: "http://www.w3.org/2005/Atom", DCNS: "http://purl.org/dc/elements/1.1/",
		Channel: rssChannel{
			Title: c.Title, Link: base + c.Home, Description: c.Description, Language: c.Lang,
			Self: atomLink{Href: base + c.Path, Rel: "self", Type: "application/rss+xml"},
		}}
	var last time.Time
	for _, p := range items {
		g, perma := guid(base, p)
		doc.Channel.Items = append(doc.Channel.Items, rssItem{
			Title: p.Title, Link: base + p.Path, Description: p.Summary,
			PubDate: p.published.Format(time.RFC1123Z),
			GUID:    rssGUID{IsPermaLink: strconv.FormatBool(perma), Value: g},
			Creator: p.Org, Category: []string{p.Org},
		})
		if p.published.After(last) {
			last = p.published
		}
	}
	doc.Channel.LastBuildDate = last.Format(time.RFC1123Z)
	return marshalXML(doc)
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"http://www.w3.org/XML/1998/namespace lang,attr,omitempty"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomPerson  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomText struct {
	Type  string `xml:"type,attr"`
	Value string `xml:",chardata"`
}

type atomEntry struct {
	ID        string     `xml:"id"`
	Title     string     `xml:"title"`
	Links     []atomLink `xml:"link"`
	Published string     `xml:"published"`
	Updated   string     `xml:"updated"`
	Author    atomPerson `xml:"author"`
	Summary   atomText   `xml:"summary"`
}

func (s *site) atom(base string, c *channel, items []*page) ([]byte, error) {
	doc := atomFeed{Lang: c.Lang, ID: base + c.Path, Title: c.Title, Author: atomPerson{c.Organization},
		Links: []atomLink{{Href: base + c.Path, Rel: "self", Type: "application/atom+xml"}, {Href: base + c.Home, Rel: "alternate", Type: "text/html"}}}
	var last time.Time
	for _, p := range items {
		g, _ := guid(base, p)
		doc.Entries = append(doc.Entries, atomEntry{
			ID: g, Title: p.Title,
			Links:     []atomLink{{Href: base + p.Path, Rel: "alternate", Type: "text/html"}},
			Published: p.published.Format(time.RFC3339), Updated: p.published.Format(time.RFC3339),
			Author: atomPerson{p.Org}, Summary: atomText{Type: "text", Value: p.Summary},
		})
		if p.published.After(last) {
			last = p.published
		}
	}
	doc.Updated = last.Format(time.RFC3339)
	return marshalXML(doc)
}

// JSON Feed 1.1 (https://jsonfeed.org/version/1.1).
type jsonFeedDoc struct {
	Version     string         `json:"version"`
	Title       string         `json:"title"`
	HomePageURL string         `json:"home_page_url"`
	FeedURL     string         `json:"feed_url"`
	Description string         `json:"description,omitempty"`
	Language    string         `json:"language,omitempty"`
	Authors     []jsonAuthor   `json:"authors,omitempty"`
	Items       []jsonFeedItem `json:"items"`
}

type jsonAuthor struct {
	Name string `json:"name"`
}

type jsonFeedItem struct {
	ID            string       `json:"id"`
	URL           string       `json:"url"`
	Title         string       `json:"title"`
	Summary       string       `json:"summary,omitempty"`
	ContentText   string       `json:"content_text"`
	DatePublished string       `json:"date_published"`
	Authors       []jsonAuthor `json:"authors,omitempty"`
	Language      string       `json:"language,omitempty"`
}

func (s *site) jsonFeed(base string, c *channel, items []*page) ([]byte, error) {
	doc := jsonFeedDoc{Version: "https://jsonfeed.org/version/1.1", Title: c.Title, HomePageURL: base + c.Home,
		FeedURL: base + c.Path, Description: c.Description, Language: c.Lang, Authors: []jsonAuthor{{c.Organization}}}
	for _, p := range items {
		g, _ := guid(base, p)
		doc.Items = append(doc.Items, jsonFeedItem{
			ID: g, URL: base + p.Path, Title: p.Title, Summary: p.Summary, ContentText: p.Summary,
			DatePublished: p.published.Format(time.RFC3339), Authors: []jsonAuthor{{p.Org}}, Language: p.Lang,
		})
	}
	return json.MarshalIndent(doc, "", "  ")
}

// Google News sitemap (https://developers.google.com/search/docs/crawling-indexing/sitemaps/news-sitemap).
type urlset struct {
	XMLName xml.Name     `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	NewsNS  string       `xml:"xmlns:news,attr"`
	URLs    []sitemapURL `xml:"url"`
}

type sitemapURL struct {
	Loc     string      `xml:"loc"`
	LastMod string      `xml:"lastmod"`
	News    sitemapNews `xml:"news:news"`
}

type sitemapNews struct {
	Publication     sitemapPublication `xml:"news:publication"`
	PublicationDate string             `xml:"news:publication_date"`
	Title           string             `xml:"news:title"`
}

type sitemapPublication struct {
	Name     string `xml:"news:name"`
	Language string `xml:"news:language"`
}

func (s *site) sitemap(base string, c *channel, items []*page) ([]byte, error) {
	doc := urlset{NewsNS: "http://www.google.com/schemas/sitemap-news/0.9"}
	for _, p := range items {
		d := p.published.Format(time.RFC3339)
		doc.URLs = append(doc.URLs, sitemapURL{Loc: base + p.Path, LastMod: d, News: sitemapNews{
			Publication: sitemapPublication{Name: p.Org, Language: p.Lang}, PublicationDate: d, Title: p.Title,
		}})
	}
	return marshalXML(doc)
}

func marshalXML(v any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// listingPage is what the NATO-like listing template renders.
type listingPage struct {
	Base, Title string
	Items       []listingItem
	Page, Pages int
	Next, Prev  string // relative links, empty when there is none
}

type listingItem struct {
	Href, Title, Summary string
	Published            time.Time
}

// serveListing serves page ?page=N of an HTML listing (1 when absent).
func (s *site) serveListing(w http.ResponseWriter, r *http.Request, base string, c *channel) {
	n := 1
	if q := r.URL.Query().Get("page"); q != "" {
		v, err := strconv.Atoi(q)
		if err != nil || v < 1 || v > len(c.Pages) {
			http.NotFound(w, r)
			return
		}
		n = v
	}
	// Links are relative to the listing, as on the real site: the reader
	// has to resolve them.
	dir := c.Path[:len(c.Path)-len(lastSegment(c.Path))]
	d := listingPage{Base: base, Title: c.Title, Page: n, Pages: len(c.Pages)}
	var mod time.Time
	for _, p := range s.items(c.Pages[n-1]) {
		href := p.Path
		if len(href) > len(dir) && href[:len(dir)] == dir {
			href = href[len(dir):]
		}
		d.Items = append(d.Items, listingItem{Href: href, Title: p.Title, Summary: p.Summary, Published: p.published})
		if p.published.After(mod) {
			mod = p.published
		}
	}
	name := lastSegment(c.Path)
	if n < len(c.Pages) {
		d.Next = name + "?page=" + strconv.Itoa(n+1)
	}
	switch {
	case n == 2:
		d.Prev = name
	case n > 2:
		d.Prev = name + "?page=" + strconv.Itoa(n-1)
	}
	s.render(w, r, "nato-listing.html", typeHTML, mod, d)
}

func lastSegment(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}
