// Package demo is a sample origin compiled into the binary: the official
// sites of a few fictional-but-realistic releases (NATO, the UN, WHO, the
// ECB, the IAEA, the Council of the EU, a French ministry, a university, the
// OSCE, and a republisher, Mirage News), with their RSS 2.0, Atom and JSON
// feeds, an HTML listing with no feed, and a Google News sitemap.
//
// `communique demo` serves Handler on loopback and subscribes to Feeds, so
// that the site fills within seconds with no network. The seed release is
// there twice, byte for byte as in ../shared/corpus/seed: NATO's original
// page and Mirage News' copy of it, each in a different feed.
//
// Every absolute URL the origin writes (in feeds, sitemaps and canonical
// links) is built from the request's Host, so it works on any port. Every
// response has an ETag and a Last-Modified date and answers conditional
// requests with 304.
package demo

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

//go:embed site
var siteFS embed.FS

// Feed is one source of the sample origin, as the demo subscribes to it.
// Path is relative to the origin's base URL. Kind is "feed", "html" or
// "sitemap"; Licence "full", "summary" or "link". For Kind "html", Item,
// Link, Title, Date and Next are the CSS selectors that read the listing
// (Link, Title and Date relative to Item; Next the next page link).
type Feed struct {
	Path, Kind, Organization, Country, Licence string
	Item, Link, Title, Date, Next              string
}

// Feeds returns the sources of the sample origin: RSS 2.0, Atom and JSON
// Feed feeds, an HTML listing and a news sitemap.
func Feeds() []Feed {
	out := make([]Feed, len(channels))
	for i, c := range channels {
		out[i] = c.Feed
	}
	return out
}

// Handler returns the sample origin. It is cheap to call: the site is
// parsed once, on first use.
func Handler() http.Handler { return theSite() }

// theSite parses the embedded site once. The embedded files are part of the
// binary, so an error here is a build error, caught by the tests.
var theSite = sync.OnceValue(func() *site {
	s, err := load()
	if err != nil {
		panic("demo: " + err.Error())
	}
	return s
})

// page is a parsed release.
type page struct {
	release
	published time.Time
	static    []byte        // Static's bytes
	body      template.HTML // Body's HTML (our own embedded file, trusted)
}

type site struct {
	byPath   map[string]*page
	byID     map[string]*page
	channels map[string]*channel
	tmpl     *template.Template
	// feedItems is the set of release IDs that some feed (RSS, Atom or
	// JSON) carries.
	feedItems map[string]bool
}

func load() (*site, error) {
	s := &site{byPath: map[string]*page{}, byID: map[string]*page{}, channels: map[string]*channel{}, feedItems: map[string]bool{}}
	tmpl, err := template.New("").Funcs(funcs).ParseFS(siteFS, "site/layouts/*.html")
	if err != nil {
		return nil, err
	}
	s.tmpl = tmpl
	for _, r := range releases {
		p := &page{release: r}
		if p.published, err = time.Parse(time.RFC3339, r.Published); err != nil {
			return nil, fmt.Errorf("release %s: %w", r.ID, err)
		}
		switch {
		case r.Static != "":
			if p.static, err = siteFS.ReadFile("site/" + r.Static); err != nil {
				return nil, err
			}
		case r.Layout != "" && r.Body != "":
			b, err := siteFS.ReadFile("site/releases/" + r.Body + ".html")
			if err != nil {
				return nil, err
			}
			p.body = template.HTML(b)
			if s.tmpl.Lookup(r.Layout+".html") == nil {
				return nil, fmt.Errorf("release %s: no layout %s", r.ID, r.Layout)
			}
		default:
			return nil, fmt.Errorf("release %s: neither a static file nor a layout and body", r.ID)
		}
		if s.byPath[r.Path] != nil || s.byID[r.ID] != nil {
			return nil, fmt.Errorf("release %s: path or ID used twice", r.ID)
		}
		s.byPath[r.Path], s.byID[r.ID] = p, p
	}
	for _, p := range s.byID {
		for _, id := range append(append([]string{}, p.Related...), p.Original) {
			if id != "" && s.byID[id] == nil {
				return nil, fmt.Errorf("release %s: unknown related release %s", p.ID, id)
			}
		}
	}
	for i := range channels {
		c := &channels[i]
		if s.channels[c.Path] != nil || s.byPath[c.Path] != nil {
			return nil, fmt.Errorf("channel %s: path used twice", c.Path)
		}
		s.channels[c.Path] = c
		ids := c.Items
		for _, pg := range c.Pages {
			ids = append(append([]string{}, ids...), pg...)
		}
		for _, id := range ids {
			if s.byID[id] == nil {
				return nil, fmt.Errorf("channel %s: unknown release %s", c.Path, id)
			}
			if c.Format == formatRSS || c.Format == formatAtom || c.Format == formatJSON {
				s.feedItems[id] = true
			}
		}
	}
	return s, nil
}

// Content types.
const (
	typeHTML = "text/html; charset=utf-8"
	typeRSS  = "application/rss+xml; charset=utf-8"
	typeAtom = "application/atom+xml; charset=utf-8"
	typeJSON = "application/feed+json; charset=utf-8"
	typeXML  = "application/xml; charset=utf-8"
	typeText = "text/plain; charset=utf-8"
)

// epoch is the Last-Modified of the pages that have no date of their own.
var epoch = time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)

func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	base := baseURL(r)
	path := r.URL.Path
	switch {
	case path == "/robots.txt":
		body := "# Communiqué demo origin: everything may be read.\nUser-agent: *\nAllow: /\n\nSitemap: " + base + "/sitemap-news.xml\n"
		serve(w, r, []byte(body), typeText, epoch)
		return
	case path == "/":
		s.render(w, r, "index.html", typeHTML, epoch, map[string]any{"Base": base, "Channels": channels, "Releases": releases})
		return
	case strings.HasPrefix(path, "/cps/"):
		// The NATO pages (the seed file included) link to /cps/… from the
		// site root; NATO lives under /nato here.
		http.Redirect(w, r, "/nato"+r.URL.RequestURI(), http.StatusMovedPermanently)
		return
	}
	if p := s.byPath[path]; p != nil {
		if p.static != nil {
			serve(w, r, p.static, typeHTML, p.published)
			return
		}
		s.render(w, r, p.Layout+".html", typeHTML, p.published, s.pageData(base, p))
		return
	}
	if c := s.channels[path]; c != nil {
		s.serveChannel(w, r, base, c)
		return
	}
	http.NotFound(w, r)
}

// render executes a template and serves the result.
func (s *site) render(w http.ResponseWriter, r *http.Request, name, ctype string, mod time.Time, data any) {
	var b bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&b, name, data); err != nil {
		http.Error(w, "demo origin: "+err.Error(), http.StatusInternalServerError)
		return
	}
	serve(w, r, b.Bytes(), ctype, mod)
}

// serve writes body with its content type, a strong ETag (a hash of the
// bytes) and a Last-Modified date; http.ServeContent answers If-None-Match,
// If-Modified-Since, HEAD and ranges.
func serve(w http.ResponseWriter, r *http.Request, body []byte, ctype string, mod time.Time) {
	sum := sha256.Sum256(body)
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("ETag", `"`+hex.EncodeToString(sum[:16])+`"`)
	h.Set("Cache-Control", "public, max-age=60")
	http.ServeContent(w, r, "", mod, bytes.NewReader(body))
}

// hostRE is what a Host header may be for the origin to write it into
// URLs: a DNS name or IPv4 address, or a bracketed IPv6 address, with an
// optional port.
var hostRE = regexp.MustCompile(`^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$`)

// baseURL is the origin's base URL as the client named it. A Host that is
// not a plain host[:port] is not echoed back; "localhost" is used instead.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if !hostRE.MatchString(host) {
		host = "localhost"
	}
	return scheme + "://" + host
}

// link is a titled absolute URL.
type link struct {
	Title, URL, Org string
}

// pageData is what a layout renders.
type pageData struct {
	Base, URL                                  string
	Title, Summary, Lang, Ref, Author, Org, ID string
	Published                                  time.Time
	Body                                       template.HTML
	Related                                    []link
	Original                                   *link
	JSONLD                                     template.JS
}

func (s *site) pageData(base string, p *page) pageData {
	d := pageData{
		Base: base, URL: base + p.Path, Title: p.Title, Summary: p.Summary, Lang: p.Lang,
		Ref: p.Ref, Author: p.Author, Org: p.Org, ID: p.ID, Published: p.published, Body: p.body,
	}
	for _, id := range p.Related {
		q := s.byID[id]
		d.Related = append(d.Related, link{q.Title, base + q.Path, q.Org})
	}
	if p.Original != "" {
		q := s.byID[p.Original]
		d.Original = &link{q.Title, base + q.Path, q.Org}
	}
	d.JSONLD = jsonLD(d)
	return d
}
