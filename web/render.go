package web

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/communique-news/communique"
)

// pageNames are the templates in templates/, each executed inside layout.html.
var pageNames = []string{"list.html", "entity.html", "release.html", "revisions.html", "orgs.html", "sources.html", "source.html", "search.html", "admin.html", "error.html"}

var templateFuncs = template.FuncMap{
	"human":       humanTime,
	"iso":         func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"orgPath":     orgPath,
	"personPath":  personPath,
	"countryPath": countryPath,
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return strconv.Itoa(n) + " " + many
	},
	"releasePath": releasePath,
	"sourcePath":  sourcePath,
	"host":        hostOf,
	"duration":    humanDuration,
}

func parseTemplates() (map[string]*template.Template, error) {
	pages := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(templateFuncs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", "templates/"+name)
		if err != nil {
			return nil, err
		}
		pages[name] = t
	}
	return pages, nil
}

// pageData is what layout.html reads; Data is the page's own.
type pageData struct {
	Site        string
	Title       string
	Description string
	Canonical   string // absolute URL for <link rel="canonical">, if any
	Feeds       []feedLink
	Section     string // the navigation entry to mark as current
	Search      string // the search box's text
	NoIndex     bool
	Lang        string // of the main content, if known
	Data        any
}

// render executes a page into a buffer first so that a template error is a
// clean 500, never half a page.
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, name string, p *pageData) {
	p.Site = s.siteName
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		s.log.Error("rendering page", "page", name, "path", r.URL.Path, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	if p.NoIndex {
		h.Set("Cache-Control", "no-store")
		h.Set("X-Robots-Tag", "noindex")
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorView is what error.html shows.
type errorView struct {
	Status  int
	Heading string
	Message string
}

// pageError renders err as an HTML page with the status its code calls for.
// Internal errors are logged, and the reader sees a generic message.
func (s *server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	if status == http.StatusInternalServerError {
		s.log.Error("serving page", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	v := &errorView{Status: status, Heading: http.StatusText(status), Message: communique.ErrorMessage(err)}
	switch status {
	case http.StatusNotFound:
		v.Heading = "Not found"
	case http.StatusInternalServerError:
		v.Message = "Something went wrong on our side. Please try again later."
	}
	s.render(w, r, status, "error.html", &pageData{Title: v.Heading, Data: v, NoIndex: true})
}

// statusOf is the HTTP status of an error's code.
func statusOf(err error) int {
	if _, ok := err.(*queryError); ok {
		return http.StatusBadRequest
	}
	switch communique.ErrorCode(err) {
	case communique.EINVALID:
		return http.StatusBadRequest
	case communique.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case communique.ENOTFOUND:
		return http.StatusNotFound
	case communique.ECONFLICT:
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

// licenceOf is what a release may show. An empty licence is the domain's
// default, full text.
func licenceOf(r *communique.Release) communique.Licence {
	if r.Licence == "" {
		return communique.LicenceFull
	}
	return r.Licence
}

// releaseView is a release as a page shows it, with what its licence
// allows and nothing more.
type releaseView struct {
	ID             int64
	Path           string
	Title          string
	URL            string // the original
	Host           string
	Organization   string
	OrgPath        string
	Country        string
	Author         string
	Language       string
	Published      time.Time
	DateEstimated  bool
	Retrieved      time.Time
	Updated        time.Time
	Revised        bool
	Revisions      int
	Licence        communique.Licence
	Fallback       bool          // the text came from the feed: the page could not be read
	Lede           string        // empty for link-only releases
	Body           template.HTML // full text only
	ReadingMinutes int
	Snippet        template.HTML
	Copies         []copyView
	Attribution    string
	Entities       []entityGroup // who and where the release names
	Story          *storySummary // the story it is part of, if it has other releases
}

// entityGroup is one kind of entity named in a release, each linking to
// its page (people, organisations, countries) or else to a search for it.
type entityGroup struct {
	Name  string
	Items []entityLink
}

type entityLink struct {
	Label, Detail, Href string
	Search              string // a search for it, besides its page
	Count               int    // "appears with": in how many releases
}

// searchHref is the search page for a query.
func searchHref(q string) string { return "/search?" + url.Values{"q": {q}}.Encode() }

// quoted makes s a phrase of the query language.
func quoted(s string) string { return `"` + strings.ReplaceAll(s, `"`, "") + `"` }

func entityGroups(e *communique.Entities) []entityGroup {
	if e == nil {
		return nil
	}
	var groups []entityGroup
	var people []entityLink
	for _, p := range e.People {
		var detail []string
		for _, d := range []string{p.Title, p.Affiliation} {
			if d != "" {
				detail = append(detail, d)
			}
		}
		people = append(people, entityLink{Label: p.Name, Detail: strings.Join(detail, ", "), Href: personPath(p.Name), Search: searchHref("person:" + quoted(p.Name))})
	}
	if len(people) > 0 {
		groups = append(groups, entityGroup{Name: "People", Items: people})
	}
	var orgs []entityLink
	for _, o := range e.Organizations {
		l := entityLink{Label: o.Name, Href: orgPath(o.Name), Search: searchHref("org:" + quoted(o.Name))}
		if o.Acronym != "" && o.Acronym != o.Name {
			l.Detail = o.Acronym
		}
		orgs = append(orgs, l)
	}
	if len(orgs) > 0 {
		groups = append(groups, entityGroup{Name: "Organisations", Items: orgs})
	}
	var places []entityLink
	linked := map[string]bool{} // countries linked to their pages
	for _, p := range e.Places {
		l := entityLink{Label: p.Name, Href: searchHref(quoted(p.Name))}
		_, known := countryName(p.Country)
		switch {
		case p.Kind == communique.PlaceCountry && known:
			l.Href, l.Search = countryPath(p.Country), searchHref("country:"+strings.ToUpper(p.Country))
			linked[strings.ToUpper(p.Country)] = true
		case p.Kind == communique.PlaceCity && known:
			l.Detail = countryLabel(p.Country)
		}
		places = append(places, l)
	}
	// Countries the release names only as codes (demonyms, possessives).
	for _, c := range e.Countries {
		c = strings.ToUpper(c)
		if name, ok := countryName(c); ok && !linked[c] {
			linked[c] = true
			places = append(places, entityLink{Label: name, Href: countryPath(c), Search: searchHref("country:" + c)})
		}
	}
	if len(places) > 0 {
		groups = append(groups, entityGroup{Name: "Places", Items: places})
	}
	return groups
}

type copyView struct {
	URL       string
	Publisher string
	FirstSeen time.Time
}

// view prepares a release for a page. withBody sanitises the body too
// (release pages only; listings show ledes).
func (s *server) view(r *communique.Release, withBody bool) *releaseView {
	v := &releaseView{
		ID:             r.ID,
		Path:           releasePath(r.ID),
		Title:          displayTitle(r),
		URL:            r.URL,
		Host:           hostOf(r.URL),
		Organization:   r.Organization,
		Country:        r.Country,
		Author:         r.Author,
		Language:       r.Language,
		Published:      r.Published,
		DateEstimated:  r.DateEstimated,
		Retrieved:      r.Retrieved,
		Updated:        r.Updated,
		Revised:        revised(r),
		Revisions:      r.Revisions,
		Licence:        licenceOf(r),
		Fallback:       r.Fallback,
		ReadingMinutes: r.ReadingMinutes(),
	}
	if r.Organization != "" {
		v.OrgPath = orgPath(r.Organization)
	}
	if v.Licence != communique.LicenceLink {
		v.Lede = r.Lede
	}
	if withBody && v.Licence == communique.LicenceFull {
		// The store holds HTML that the edit stage sanitised; it is
		// sanitised once more here, and only then trusted as HTML.
		v.Body = template.HTML(s.policy.Sanitize(r.HTML))
	}
	for _, c := range r.Copies {
		pub := c.Publisher
		if pub == "" {
			pub = hostOf(c.URL)
		}
		v.Copies = append(v.Copies, copyView{URL: c.URL, Publisher: pub, FirstSeen: c.FirstSeen})
	}
	org := r.Organization
	if org == "" {
		org = "the originator"
	}
	if withBody {
		v.Entities = entityGroups(r.Entities)
	}
	v.Attribution = strings.NewReplacer("{organization}", org, "{site}", s.siteName).Replace(s.attribution)
	return v
}

// revised reports whether the originator changed a release after it was
// first retrieved: more than one stored revision (the count is read with
// one release only) or, in listings, an Updated later than Retrieved.
func revised(r *communique.Release) bool {
	return r.Revisions > 1 || (!r.Updated.IsZero() && !r.Retrieved.IsZero() && r.Updated.After(r.Retrieved))
}

func displayTitle(r *communique.Release) string {
	if t := strings.TrimSpace(r.Title); t != "" {
		return t
	}
	return "Untitled release from " + hostOf(r.URL)
}

// highlight turns a store snippet (plain text with matches between \x02 and
// \x03) into HTML: the text is escaped first, then the markers become
// <mark> elements. Unbalanced markers are closed or dropped, never emitted.
func highlight(snippet string) template.HTML {
	snippet = strings.ToValidUTF8(snippet, "\uFFFD")
	var b strings.Builder
	open := false
	for len(snippet) > 0 {
		i := strings.IndexAny(snippet, "\x02\x03")
		if i < 0 {
			b.WriteString(template.HTMLEscapeString(snippet))
			break
		}
		b.WriteString(template.HTMLEscapeString(snippet[:i]))
		if snippet[i] == '\x02' && !open {
			b.WriteString("<mark>")
			open = true
		} else if snippet[i] == '\x03' && open {
			b.WriteString("</mark>")
			open = false
		}
		snippet = snippet[i+1:]
	}
	if open {
		b.WriteString("</mark>")
	}
	return template.HTML(b.String())
}

// plainSnippet is a snippet without its markers.
func plainSnippet(snippet string) string {
	return strings.NewReplacer("\x02", "", "\x03", "").Replace(strings.ToValidUTF8(snippet, "\uFFFD"))
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return strings.TrimPrefix(u.Hostname(), "www.")
}

// originSite is scheme://host/ of a URL, "" if it has none.
func originSite(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return u.Scheme + "://" + u.Host + "/"
}

func humanTime(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2 Jan 2006 15:04 UTC")
}

func humanDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "—"
	case d < time.Minute:
		return d.Round(time.Second).String()
	case d < time.Hour:
		return d.Round(time.Minute).String()
	}
	return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
}
