package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/communique-news/communique"
)

// listing is one list of releases the site offers as a page and as feeds:
// what it is called, where it lives, and the query that fills it.
type listing struct {
	Title       string
	Description string
	Path        string     // the HTML page, e.g. /org/NATO
	FeedBase    string     // the feeds' path without extension, e.g. /org/NATO/feed
	Params      url.Values // query parameters shared by the page and its feeds (search)
	Query       communique.Query
	Search      string // the query text, for a search

	// ifEmpty, if set, is asked when the first page has no release: an
	// error (ENOTFOUND) means the listing does not exist.
	ifEmpty func(r *http.Request) error
}

// checkEmpty applies ifEmpty to a result page.
func (l *listing) checkEmpty(r *http.Request, q communique.Query, res *communique.ResultPage) error {
	if l.ifEmpty == nil || len(res.Releases) > 0 || q.Cursor != "" {
		return nil
	}
	return l.ifEmpty(r)
}

// pageURL is the listing's HTML page with its parameters.
func (l *listing) pageURL() string { return withParams(l.Path, l.Params) }

// feedURL is the listing's feed in format f.
func (l *listing) feedURL(f feedFormat) string { return withParams(l.FeedBase+"."+f.ext, l.Params) }

// feedLinks are what a page advertises in its head.
func (l *listing) feedLinks() []feedLink {
	links := make([]feedLink, len(feedFormats))
	for i, f := range feedFormats {
		links[i] = feedLink{Type: f.mime, TypeAttr: f.typeAttr(), Name: f.name, Title: l.Title + " (" + f.name + ")", Href: l.feedURL(f)}
	}
	return links
}

type feedLink struct {
	Type, Name, Title, Href string
	// TypeAttr is type="…" written as is: html/template would write the
	// "+" of the media type as &#43;, which some feed finders do not decode.
	TypeAttr template.HTMLAttr
}

func withParams(path string, v url.Values) string {
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// listingFunc builds the listing a request asks for.
type listingFunc func(r *http.Request) (*listing, error)

func (s *server) homeListing(r *http.Request) (*listing, error) {
	return &listing{
		Title:       "Latest releases",
		Description: "The latest official releases on " + s.siteName + ", each credited to its originator and linked to the original.",
		Path:        "/",
		FeedBase:    "/feed",
		Query:       communique.Query{Sort: communique.SortDate},
	}, nil
}

func (s *server) orgListing(r *http.Request) (*listing, error) {
	name := strings.TrimSpace(r.PathValue("name"))
	if name == "" {
		return nil, communique.Errorf(communique.ENOTFOUND, "no organisation named")
	}
	if len(name) > maxEntityName {
		return nil, communique.Errorf(communique.ENOTFOUND, "an organisation name of %d bytes is too long (the limit is %d)", len(name), maxEntityName)
	}
	l := &listing{
		Title:       name,
		Description: "Official releases from " + name + ", and releases that name it, on " + s.siteName + ".",
		Path:        orgPath(name),
		FeedBase:    orgPath(name) + "/feed",
		// The org: filter matches the originating organisation or one a
		// release names (name or acronym), case-insensitively.
		Query: communique.Query{Text: fieldNode("org", name), Sort: communique.SortDate},
		ifEmpty: func(r *http.Request) error {
			return s.organizationKnown(r, name)
		},
	}
	// own=1: only the organisation's own releases, as before mentions
	// were listed too.
	if own := r.URL.Query().Get("own"); own != "" && own != "0" {
		l.Title = name + " (own releases)"
		l.Description = "Official releases from " + name + " on " + s.siteName + "."
		l.Params = url.Values{"own": {"1"}}
		l.Query = communique.Query{Organization: name, Sort: communique.SortDate}
	}
	return l, nil
}

// organizationKnown is nil when name is the organisation of a source (which
// may not have delivered anything yet), and ENOTFOUND otherwise. It is asked
// only when no release names the organisation, so that a busy
// organisation's page costs one query.
func (s *server) organizationKnown(r *http.Request, name string) error {
	srcs, err := s.store.Sources(r.Context())
	if err != nil {
		return err
	}
	for _, src := range srcs {
		if strings.EqualFold(src.Organization, name) {
			return nil
		}
	}
	return communique.Errorf(communique.ENOTFOUND, "no releases or sources from an organisation named %q", name)
}

func (s *server) sourceListing(r *http.Request) (*listing, error) {
	src, err := s.sourceFromPath(r)
	if err != nil {
		return nil, err
	}
	return sourceListingOf(s, src), nil
}

func sourceListingOf(s *server, src *communique.Source) *listing {
	name := sourceName(src)
	return &listing{
		Title:       "Source: " + name,
		Description: "Releases first seen through " + src.URL + " on " + s.siteName + ".",
		Path:        sourcePath(src.ID),
		FeedBase:    sourcePath(src.ID) + "/feed",
		Query:       communique.Query{SourceID: src.ID, Sort: communique.SortDate},
	}
}

func sourceName(src *communique.Source) string {
	switch {
	case src.Title != "" && src.Organization != "" && !strings.Contains(src.Title, src.Organization):
		return src.Organization + " — " + src.Title
	case src.Title != "":
		return src.Title
	case src.Organization != "":
		return src.Organization
	}
	return src.URL
}

func (s *server) sourceFromPath(r *http.Request) (*communique.Source, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.store.Source(r.Context(), id)
}

// countedSourceFromPath is sourceFromPath with the source's releases
// counted, for the pages that show the count.
func (s *server) countedSourceFromPath(r *http.Request) (*communique.Source, error) {
	src, err := s.sourceFromPath(r)
	if err != nil {
		return nil, err
	}
	if err := s.store.CountSourceReleases(r.Context(), []*communique.Source{src}); err != nil {
		return nil, err
	}
	return src, nil
}

func pathID(r *http.Request) (int64, error) {
	raw := r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, communique.Errorf(communique.ENOTFOUND, "%q is not an ID", raw)
	}
	return id, nil
}

// queryError is a query the parser refused, with where it went wrong.
type queryError struct {
	Query    string
	Message  string
	Hint     string // how to fix it, if the parser says
	Position int    // byte offset, -1 if unknown
}

func (e *queryError) Error() string { return e.Message }

// Column is the 1-based character column of the error, 0 if unknown.
func (e *queryError) Column() int {
	if e.Position < 0 || e.Position > len(e.Query) {
		return 0
	}
	return len([]rune(e.Query[:e.Position])) + 1
}

// Marker is a line of spaces and a caret under the error's position.
func (e *queryError) Marker() string {
	c := e.Column()
	if c == 0 {
		return ""
	}
	return strings.Repeat(" ", c-1) + "^"
}

// searchListing reads q (the query language) and the plain filters org,
// source, since, until and sort.
func (s *server) searchListing(r *http.Request) (*listing, error) {
	v := r.URL.Query()
	q := strings.TrimSpace(v.Get("q"))
	if len(q) > 2000 {
		return nil, communique.Errorf(communique.EINVALID, "the query is %d bytes long; the limit is 2000", len(q))
	}
	query, err := s.parseQuery(q)
	if err != nil {
		return nil, err
	}
	if err := plainFilters(v, &query); err != nil {
		return nil, err
	}
	params := url.Values{}
	for _, k := range []string{"q", "org", "source", "since", "until", "sort"} {
		if x := strings.TrimSpace(v.Get(k)); x != "" {
			params.Set(k, x)
		}
	}
	title := "Search"
	if q != "" {
		title = "Search: " + q
	}
	return &listing{
		Title:       title,
		Description: "Releases matching this search on " + s.siteName + ".",
		Path:        "/search",
		FeedBase:    "/search/feed",
		Params:      params,
		Query:       query,
		Search:      q,
	}, nil
}

// parseQuery parses the query language; an empty query is a listing.
func (s *server) parseQuery(q string) (communique.Query, error) {
	if q == "" {
		return communique.Query{}, nil
	}
	if s.parse == nil {
		return communique.Query{}, communique.Errorf(communique.EINVALID, "search by query text is not available on this server")
	}
	query, err := s.parse(q, s.now())
	if err != nil {
		return communique.Query{}, newQueryError(q, err)
	}
	return query, nil
}

// newQueryError reads what a parser's error says: its text, its position
// (a Position() int method, else an int field Pos or Position) and a hint
// (a Hint() string method, else a string field Hint, with the bare Message
// field), so that the site does not depend on the search package's error
// type.
func newQueryError(q string, err error) *queryError {
	qe := &queryError{Query: q, Message: err.Error(), Position: -1}
	var p interface{ Position() int }
	if errors.As(err, &p) {
		qe.Position = p.Position()
	}
	var h interface{ Hint() string }
	if errors.As(err, &h) {
		qe.Hint = h.Hint()
	}
	for e := err; e != nil && (qe.Position < 0 || qe.Hint == ""); e = errors.Unwrap(e) {
		v := reflect.ValueOf(e)
		for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
			if v.IsNil() {
				break
			}
			v = v.Elem()
		}
		if v.Kind() != reflect.Struct {
			continue
		}
		if qe.Position < 0 {
			for _, name := range []string{"Pos", "Position"} {
				if f := v.FieldByName(name); f.IsValid() && f.CanInt() {
					qe.Position = int(f.Int())
					break
				}
			}
		}
		if f := v.FieldByName("Hint"); qe.Hint == "" && f.IsValid() && f.Kind() == reflect.String {
			qe.Hint = f.String()
			// With the hint apart, the bare message reads better than
			// Error(), which may repeat the position and the hint.
			if m := v.FieldByName("Message"); m.IsValid() && m.Kind() == reflect.String && m.String() != "" && e == err {
				qe.Message = m.String()
			}
		}
	}
	if qe.Hint != "" && strings.Contains(qe.Message, qe.Hint) {
		qe.Hint = "" // already said
	}
	return qe
}

// plainFilters applies the URL parameters org, source, since, until and sort.
func plainFilters(v url.Values, q *communique.Query) error {
	if org := strings.TrimSpace(v.Get("org")); org != "" {
		q.Organization = org
	}
	if raw := strings.TrimSpace(v.Get("source")); raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			return communique.Errorf(communique.EINVALID, "source=%q: want a source ID", raw)
		}
		q.SourceID = id
	}
	if raw := strings.TrimSpace(v.Get("since")); raw != "" {
		t, err := parseTime(raw, false)
		if err != nil {
			return communique.Errorf(communique.EINVALID, "since=%q: %v", raw, err)
		}
		q.Since = t
	}
	if raw := strings.TrimSpace(v.Get("until")); raw != "" {
		t, err := parseTime(raw, true)
		if err != nil {
			return communique.Errorf(communique.EINVALID, "until=%q: %v", raw, err)
		}
		q.Until = t
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since) {
		return communique.Errorf(communique.EINVALID, "until (%s) is not after since (%s)", q.Until.Format(time.RFC3339), q.Since.Format(time.RFC3339))
	}
	switch raw := strings.TrimSpace(v.Get("sort")); raw {
	case "":
	case string(communique.SortDate), string(communique.SortRelevance):
		q.Sort = communique.Sort(raw)
	default:
		return communique.Errorf(communique.EINVALID, "sort=%q: want date or relevance", raw)
	}
	return nil
}

// parseTime reads an RFC 3339 time, a day (YYYY-MM-DD) or a month
// (YYYY-MM). For an end bound (until, exclusive), a day or a month means
// its end: until=2025-09 includes all of September.
func parseTime(raw string, end bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, raw); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", raw); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	if t, err := time.Parse("2006-01", raw); err == nil {
		if end {
			t = t.AddDate(0, 1, 0)
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("want a date (2025-09-08), a month (2025-09) or an RFC 3339 time")
}

// limitParam reads limit (1–500), def if absent.
func limitParam(v url.Values, def int) (int, error) {
	raw := strings.TrimSpace(v.Get("limit"))
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > maxLimit {
		return 0, communique.Errorf(communique.EINVALID, "limit=%q: want a number from 1 to %d", raw, maxLimit)
	}
	return n, nil
}

// cursorParam reads the cursor of a page after the first: cursor=, or
// next= as the response calls it.
func cursorParam(v url.Values) (string, error) {
	c := v.Get("cursor")
	if c == "" {
		c = v.Get("next")
	}
	if len(c) > 1024 {
		return "", communique.Errorf(communique.EINVALID, "the cursor is too long")
	}
	return c, nil
}
