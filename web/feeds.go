package web

import (
	"encoding/json"
	"encoding/xml"
	"html"
	"html/template"
	"io"
	"strings"
	"time"
)

// feedFormat is one of the three feed formats every listing offers.
type feedFormat struct {
	ext    string // file extension in the feed's path: /feed.rss
	mime   string // media type advertised in <link rel="alternate">
	name   string // shown to readers
	render func(w io.Writer, f *feed) error
}

var feedFormats = []feedFormat{
	{ext: "rss", mime: "application/rss+xml", name: "RSS", render: writeRSS},
	{ext: "atom", mime: "application/atom+xml", name: "Atom", render: writeAtom},
	{ext: "json", mime: "application/feed+json", name: "JSON Feed", render: writeJSONFeed},
}

// typeAttr is the type attribute of a link to this format. The media types
// are constants of this table, so writing them unescaped is safe.
func (f feedFormat) typeAttr() template.HTMLAttr {
	return template.HTMLAttr(`type="` + f.mime + `"`)
}

// feed is a listing as the feed writers see it: plain values, every URL
// absolute.
type feed struct {
	Title       string
	Description string
	HomeURL     string // the listing's HTML page
	SelfURL     string // this feed
	NextURL     string // the next page of this feed, if any
	Language    string
	Updated     time.Time
	SiteName    string
	SiteURL     string
	Items       []feedItem
}

// feedItem is one release in a feed. What it carries obeys the release's
// licence: ContentHTML only for full text, Summary for full text and
// summary, neither for link only.
type feedItem struct {
	Permalink    string // the release's page on this site (also the item's id)
	Original     string // the originator's page
	Title        string
	Organization string // the originator
	OrgPage      string // the originator's page on this site
	OrgFeed      string // the originator's Atom feed on this site: …/feed.atom, with a query perhaps
	OriginSite   string // scheme://host/ of the original
	Published    time.Time
	Retrieved    time.Time
	Updated      time.Time
	Summary      string // plain text
	ContentHTML  string // sanitised HTML
	Language     string
	Image        string
	Licence      string
	SiteName     string
	// Revised is true when the originator changed the release after we
	// first retrieved it; Revisions is this site's page of what changed.
	Revised   bool
	Revisions string
}

// credit is the line every item carries: who published the release, when,
// when this site retrieved it, and the link to the original.
func (it *feedItem) credit() string {
	var b strings.Builder
	b.WriteString("<p>Originally published by ")
	b.WriteString(html.EscapeString(it.Organization))
	if !it.Published.IsZero() {
		b.WriteString(" on ")
		b.WriteString(html.EscapeString(it.Published.UTC().Format("2 January 2006 15:04 MST")))
	}
	if !it.Retrieved.IsZero() {
		b.WriteString("; retrieved by ")
		b.WriteString(html.EscapeString(it.SiteName))
		b.WriteString(" on ")
		b.WriteString(html.EscapeString(it.Retrieved.UTC().Format("2 January 2006 15:04 MST")))
	}
	b.WriteString(`. <a href="`)
	b.WriteString(html.EscapeString(it.Original))
	b.WriteString(`">View the original</a>.</p>`)
	if it.Revised {
		b.WriteString("<p>Updated on ")
		b.WriteString(html.EscapeString(it.Updated.UTC().Format("2 January 2006 15:04 MST")))
		if it.Revisions != "" {
			b.WriteString(`: <a href="`)
			b.WriteString(html.EscapeString(it.Revisions))
			b.WriteString(`">see what changed</a>`)
		}
		b.WriteString(".</p>")
	}
	return b.String()
}

// creditText is credit as plain text.
func (it *feedItem) creditText() string {
	var b strings.Builder
	b.WriteString("Originally published by ")
	b.WriteString(it.Organization)
	if !it.Published.IsZero() {
		b.WriteString(" on ")
		b.WriteString(it.Published.UTC().Format("2 January 2006 15:04 MST"))
	}
	b.WriteString(". View the original at ")
	b.WriteString(it.Original)
	if it.Revised {
		b.WriteString("\nUpdated on ")
		b.WriteString(it.Updated.UTC().Format("2 January 2006 15:04 MST"))
		if it.Revisions != "" {
			b.WriteString("; see what changed at ")
			b.WriteString(it.Revisions)
		}
	}
	return b.String()
}

// descriptionHTML is the item's summary followed by the credit, as HTML.
func (it *feedItem) descriptionHTML() string {
	var b strings.Builder
	if it.Summary != "" {
		b.WriteString("<p>")
		b.WriteString(html.EscapeString(it.Summary))
		b.WriteString("</p>")
	}
	b.WriteString(it.credit())
	return b.String()
}

// updated is the item's last change as this site knows it.
func (it *feedItem) updated() time.Time {
	t := it.Updated
	if t.IsZero() {
		t = it.Retrieved
	}
	if t.IsZero() {
		t = it.Published
	}
	return t
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// ---- RSS 2.0 ----

type rssDoc struct {
	XMLName   xml.Name   `xml:"rss"`
	Version   string     `xml:"version,attr"`
	AtomNS    string     `xml:"xmlns:atom,attr"`
	ContentNS string     `xml:"xmlns:content,attr"`
	DCNS      string     `xml:"xmlns:dc,attr"`
	Channel   rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	AtomLinks     []rssLink `xml:"atom:link"`
	Language      string    `xml:"language,omitempty"`
	LastBuildDate string    `xml:"lastBuildDate"`
	Generator     string    `xml:"generator"`
	Docs          string    `xml:"docs"`
	Items         []rssItem `xml:"item"`
}

type rssLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
}

type rssItem struct {
	Title       string  `xml:"title"`
	Link        string  `xml:"link"`
	Description string  `xml:"description"`
	Content     string  `xml:"content:encoded,omitempty"`
	Creator     string  `xml:"dc:creator,omitempty"`
	GUID        rssGUID `xml:"guid"`
	PubDate     string  `xml:"pubDate,omitempty"`
	Date        string  `xml:"dc:date,omitempty"` // last updated, as gofeed and feedparser read it
	// Updated (atom:updated) is present on revised items only: the mark
	// that the originator changed the release since it was first carried.
	Updated    string        `xml:"atom:updated,omitempty"`
	Categories []rssCategory `xml:"category,omitempty"`
	Source     *rssSource    `xml:"source,omitempty"`
}

type rssCategory struct {
	Domain string `xml:"domain,attr,omitempty"`
	Value  string `xml:",chardata"`
}

// rssUpdatedDomain names the category that marks a revised item.
const rssUpdatedDomain = "https://github.com/communique-news/communique#updated"

type rssGUID struct {
	IsPermaLink bool   `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

type rssSource struct {
	URL  string `xml:"url,attr"`
	Name string `xml:",chardata"`
}

func writeRSS(w io.Writer, f *feed) error {
	doc := rssDoc{
		Version:   "2.0",
		AtomNS:    "http://www.w3.org/2005/Atom",
		ContentNS: "http://purl.org/rss/1.0/modules/content/",
		DCNS:      "http://purl.org/dc/elements/1.1/",
		Channel: rssChannel{
			Title:         f.Title,
			Link:          f.HomeURL,
			Description:   f.Description,
			AtomLinks:     []rssLink{{Href: f.SelfURL, Rel: "self", Type: "application/rss+xml"}},
			Language:      f.Language,
			LastBuildDate: f.Updated.UTC().Format(time.RFC1123Z),
			Generator:     f.SiteName,
			Docs:          "https://www.rssboard.org/rss-specification",
		},
	}
	if f.NextURL != "" {
		doc.Channel.AtomLinks = append(doc.Channel.AtomLinks, rssLink{Href: f.NextURL, Rel: "next", Type: "application/rss+xml"})
	}
	for i := range f.Items {
		it := &f.Items[i]
		ri := rssItem{
			Title:       it.Title,
			Link:        it.Original,
			Description: it.descriptionHTML(),
			Creator:     it.Organization,
			GUID:        rssGUID{IsPermaLink: true, Value: it.Permalink},
			Date:        rfc3339(it.updated()),
		}
		if !it.Published.IsZero() {
			ri.PubDate = it.Published.UTC().Format(time.RFC1123Z)
		}
		if it.ContentHTML != "" {
			ri.Content = it.ContentHTML + it.credit()
		}
		if it.Revised {
			ri.Updated = rfc3339(it.Updated)
			ri.Categories = append(ri.Categories, rssCategory{Domain: rssUpdatedDomain, Value: "Updated"})
		}
		if it.Organization != "" && it.OrgFeed != "" {
			ri.Source = &rssSource{URL: strings.Replace(it.OrgFeed, "/feed.atom", "/feed.rss", 1), Name: it.Organization}
		}
		doc.Channel.Items = append(doc.Channel.Items, ri)
	}
	return writeXML(w, doc)
}

// ---- Atom 1.0 ----

type atomFeed struct {
	XMLName   xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang      string      `xml:"xml:lang,attr,omitempty"`
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Subtitle  string      `xml:"subtitle,omitempty"`
	Updated   string      `xml:"updated"`
	Links     []atomLink  `xml:"link"`
	Author    atomPerson  `xml:"author"`
	Generator string      `xml:"generator"`
	Entries   []atomEntry `xml:"entry"`
}

type atomLink struct {
	Href  string `xml:"href,attr"`
	Rel   string `xml:"rel,attr,omitempty"`
	Type  string `xml:"type,attr,omitempty"`
	Title string `xml:"title,attr,omitempty"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomText struct {
	Type  string `xml:"type,attr"`
	Value string `xml:",chardata"`
}

type atomEntry struct {
	Lang      string      `xml:"xml:lang,attr,omitempty"`
	ID        string      `xml:"id"`
	Title     atomText    `xml:"title"`
	Links     []atomLink  `xml:"link"`
	Published string      `xml:"published,omitempty"`
	Updated   string      `xml:"updated"`
	Author    atomPerson  `xml:"author"`
	Source    *atomSource `xml:"source,omitempty"`
	Summary   *atomText   `xml:"summary,omitempty"`
	Content   *atomText   `xml:"content,omitempty"`
}

// atomSource names the originator of an entry (RFC 4287 §4.2.11).
type atomSource struct {
	ID      string     `xml:"id"`
	Title   string     `xml:"title"`
	Updated string     `xml:"updated"`
	Links   []atomLink `xml:"link"`
	Author  atomPerson `xml:"author"`
}

func writeAtom(w io.Writer, f *feed) error {
	doc := atomFeed{
		Lang:     f.Language,
		ID:       f.HomeURL,
		Title:    f.Title,
		Subtitle: f.Description,
		Updated:  rfc3339(f.Updated),
		Links: []atomLink{
			{Href: f.SelfURL, Rel: "self", Type: "application/atom+xml"},
			{Href: f.HomeURL, Rel: "alternate", Type: "text/html"},
		},
		Author:    atomPerson{Name: f.SiteName, URI: f.SiteURL},
		Generator: f.SiteName,
	}
	if f.NextURL != "" { // RFC 5005 paging
		doc.Links = append(doc.Links, atomLink{Href: f.NextURL, Rel: "next", Type: "application/atom+xml"})
	}
	for i := range f.Items {
		it := &f.Items[i]
		e := atomEntry{
			Lang:  it.Language,
			ID:    it.Permalink,
			Title: atomText{Type: "text", Value: it.Title},
			Links: []atomLink{
				{Href: it.Original, Rel: "alternate", Type: "text/html", Title: "The original release"},
				{Href: it.Permalink, Rel: "related", Type: "text/html", Title: "On " + it.SiteName},
			},
			Updated: rfc3339(it.updated()),
			Author:  atomPerson{Name: it.Organization, URI: it.OriginSite},
		}
		if !it.Published.IsZero() {
			e.Published = rfc3339(it.Published)
		}
		if it.Organization != "" {
			src := &atomSource{
				ID:      it.OrgFeed,
				Title:   it.Organization,
				Updated: e.Updated,
				Links:   []atomLink{{Href: it.OrgFeed, Rel: "self", Type: "application/atom+xml"}},
				Author:  atomPerson{Name: it.Organization, URI: it.OriginSite},
			}
			if it.OriginSite != "" {
				src.Links = append(src.Links, atomLink{Href: it.OriginSite, Rel: "alternate", Type: "text/html"})
			}
			e.Source = src
		}
		e.Summary = &atomText{Type: "html", Value: it.descriptionHTML()}
		if it.ContentHTML != "" {
			e.Content = &atomText{Type: "html", Value: it.ContentHTML + it.credit()}
		}
		doc.Entries = append(doc.Entries, e)
	}
	return writeXML(w, doc)
}

func writeXML(w io.Writer, v any) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// ---- JSON Feed 1.1 ----

type jsonFeed struct {
	Version     string         `json:"version"`
	Title       string         `json:"title"`
	HomePageURL string         `json:"home_page_url"`
	FeedURL     string         `json:"feed_url"`
	Description string         `json:"description,omitempty"`
	NextURL     string         `json:"next_url,omitempty"`
	Language    string         `json:"language,omitempty"`
	Authors     []jsonAuthor   `json:"authors"`
	Items       []jsonFeedItem `json:"items"`
}

type jsonAuthor struct {
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

type jsonFeedItem struct {
	ID            string       `json:"id"`
	URL           string       `json:"url"`
	ExternalURL   string       `json:"external_url"`
	Title         string       `json:"title"`
	ContentHTML   string       `json:"content_html,omitempty"`
	ContentText   string       `json:"content_text,omitempty"`
	Summary       string       `json:"summary,omitempty"`
	Image         string       `json:"image,omitempty"`
	DatePublished string       `json:"date_published,omitempty"`
	DateModified  string       `json:"date_modified,omitempty"`
	Authors       []jsonAuthor `json:"authors"`
	Language      string       `json:"language,omitempty"`
	Communique    jsonFeedExt  `json:"_communique"`
}

// jsonFeedExt is this site's JSON Feed extension: attribution in fields.
type jsonFeedExt struct {
	About        string `json:"about"`
	Organization string `json:"organization"`
	OriginalURL  string `json:"original_url"`
	Retrieved    string `json:"retrieved,omitempty"`
	Licence      string `json:"licence,omitempty"`
}

func writeJSONFeed(w io.Writer, f *feed) error {
	doc := jsonFeed{
		Version:     "https://jsonfeed.org/version/1.1",
		Title:       f.Title,
		HomePageURL: f.HomeURL,
		FeedURL:     f.SelfURL,
		Description: f.Description,
		NextURL:     f.NextURL,
		Language:    f.Language,
		Authors:     []jsonAuthor{{Name: f.SiteName, URL: f.SiteURL}},
		Items:       []jsonFeedItem{},
	}
	for i := range f.Items {
		it := &f.Items[i]
		ji := jsonFeedItem{
			ID:           it.Permalink,
			URL:          it.Permalink,
			ExternalURL:  it.Original,
			Title:        it.Title,
			Summary:      it.Summary,
			Image:        it.Image,
			DateModified: rfc3339(it.updated()),
			Authors:      []jsonAuthor{{Name: it.Organization, URL: it.OriginSite}},
			Language:     it.Language,
			Communique: jsonFeedExt{
				About:        "https://github.com/communique-news/communique",
				Organization: it.Organization,
				OriginalURL:  it.Original,
				Licence:      it.Licence,
			},
		}
		if !it.Published.IsZero() {
			ji.DatePublished = rfc3339(it.Published)
		}
		if !it.Retrieved.IsZero() {
			ji.Communique.Retrieved = rfc3339(it.Retrieved)
		}
		if it.ContentHTML != "" {
			ji.ContentHTML = it.ContentHTML + it.credit()
		} else {
			ji.ContentText = it.creditText()
			if it.Summary != "" {
				ji.ContentText = it.Summary + "\n\n" + ji.ContentText
			}
		}
		doc.Items = append(doc.Items, ji)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
